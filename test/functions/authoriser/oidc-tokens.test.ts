import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { makeIdpKey, makeVerifier, outcome, signWith, type IdpKey } from "./support/idp.ts";

const now = (): number => Math.floor(Date.now() / 1000);

// Claim shapes of three OIDC providers, as their ID/access tokens carry them.
const AUTH0_ISSUER = "https://example-tenant.eu.auth0.com/";
const KEYCLOAK_ISSUER = "https://sso.example.com/realms/chat";
const ENTRA_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad";
const ENTRA_ISSUER = `https://login.microsoftonline.com/${ENTRA_TENANT}/v2.0`;

function auth0Claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: AUTH0_ISSUER,
    sub: "auth0|5f7c8ec7c33c6c004bbafe82",
    aud: ["https://chat.example.com/api", "https://example-tenant.eu.auth0.com/userinfo"],
    iat: now(),
    exp: now() + 86_400,
    azp: "my-spa-client",
    scope: "openid profile email",
    "https://chat.example.com/roles": ["operators"],
    ...overrides,
  };
}

function keycloakClaims(): Record<string, unknown> {
  return {
    exp: now() + 300,
    iat: now(),
    auth_time: now() - 5,
    jti: randomUUID(),
    iss: KEYCLOAK_ISSUER,
    aud: "chat-client",
    sub: "f1b8c6f3-9f43-4a4e-9a0f-7c4c7d1b2f55",
    typ: "ID",
    azp: "chat-client",
    session_state: randomUUID(),
    realm_access: { roles: ["offline_access", "chat-admin", "uma_authorization"] },
    resource_access: { account: { roles: ["manage-account"] } },
    preferred_username: "kate",
    email_verified: true,
  };
}

function entraClaims(): Record<string, unknown> {
  return {
    aud: "6cb04018-a3f5-46a7-b995-940c78f5aef3",
    iss: ENTRA_ISSUER,
    iat: now(),
    nbf: now(),
    exp: now() + 3600,
    name: "Abe Lincoln",
    oid: "00000000-0000-0000-66f3-3332eca7ea81",
    preferred_username: "abeli@microsoft.com",
    rh: "I",
    roles: ["Chat.Admin"],
    sub: "HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ",
    tid: ENTRA_TENANT,
    uti: "fqiBqXLPj0eQa82S-IYFAA",
    ver: "2.0",
  };
}

describe("OIDC tokens shaped like Auth0, Keycloak and Entra ID issue them, signed with jose", () => {
  let rsa: IdpKey;
  before(async () => {
    rsa = await makeIdpKey("RS256");
  });

  describe("Auth0 (iss ends in '/', aud a list)", () => {
    const env = {
      ISSUER: AUTH0_ISSUER,
      JWKS_URI: "https://example-tenant.eu.auth0.com/.well-known/jwks.json",
      CLIENT_ID: "https://chat.example.com/api",
    };

    it("allows a token whose iss matches ISSUER exactly and whose aud list holds a client", async () => {
      const idp = makeVerifier(env, [rsa]);
      const { reason, verified } = await outcome(idp.verifier, await signWith(rsa, auth0Claims(), { typ: "JWT" }));
      expect(reason).to.equal("allowed");
      expect(verified?.identity).to.include({ principalId: "auth0|5f7c8ec7c33c6c004bbafe82", tokenUse: "" });
    });

    it("refuses a token whose iss lacks the trailing slash", async () => {
      const idp = makeVerifier(env, [rsa]);
      expect(
        (await outcome(idp.verifier, await signWith(rsa, auth0Claims({ iss: AUTH0_ISSUER.slice(0, -1) })))).reason,
      ).to.equal("wrong_issuer");
    });

    it("refuses a token whose iss has the slash when ISSUER is written without it", async () => {
      const idp = makeVerifier({ ...env, ISSUER: AUTH0_ISSUER.slice(0, -1) }, [rsa]);
      expect((await outcome(idp.verifier, await signWith(rsa, auth0Claims()))).reason).to.equal("wrong_issuer");
    });

    it("reads namespaced groups (a claim name holding dots) with GROUPS_CLAIM", async () => {
      const idp = makeVerifier({ ...env, GROUPS_CLAIM: "https://chat.example.com/roles" }, [rsa]);
      const { verified } = await outcome(idp.verifier, await signWith(rsa, auth0Claims()));
      expect(verified?.identity.groups).to.deep.equal(["operators"]);
    });

    it("refuses a token whose aud list holds none of the clients", async () => {
      const idp = makeVerifier(env, [rsa]);
      expect(
        (await outcome(idp.verifier, await signWith(rsa, auth0Claims({ aud: ["https://other.example.com"] })))).reason,
      ).to.equal("wrong_audience");
    });
  });

  describe("Keycloak (realm_access.roles)", () => {
    const env = {
      ISSUER: KEYCLOAK_ISSUER,
      JWKS_URI: `${KEYCLOAK_ISSUER}/protocol/openid-connect/certs`,
      CLIENT_ID: "chat-client",
      GROUPS_CLAIM: "realm_access.roles",
    };

    it("reads the groups from a dotted path and names the user by sub, not the changeable preferred_username", async () => {
      const idp = makeVerifier(env, [rsa]);
      const { reason, verified } = await outcome(idp.verifier, await signWith(rsa, keycloakClaims(), { typ: "JWT" }));
      expect(reason).to.equal("allowed");
      expect(verified?.identity.groups).to.deep.equal(["offline_access", "chat-admin", "uma_authorization"]);
      expect(verified?.identity.username).to.equal("f1b8c6f3-9f43-4a4e-9a0f-7c4c7d1b2f55");
    });

    it("names the user by the claim USERNAME_CLAIM names, and refuses a token without it", async () => {
      const idp = makeVerifier({ ...env, USERNAME_CLAIM: "preferred_username" }, [rsa]);
      const { verified } = await outcome(idp.verifier, await signWith(rsa, keycloakClaims()));
      expect(verified?.identity).to.include({ username: "kate", principalId: "f1b8c6f3-9f43-4a4e-9a0f-7c4c7d1b2f55" });
      const { preferred_username: _, ...anonymous } = keycloakClaims();
      expect((await outcome(idp.verifier, await signWith(rsa, anonymous))).reason).to.equal("missing_claim");
      for (const odd of ["", 42, ["kate"]]) {
        const token = await signWith(rsa, { ...keycloakClaims(), preferred_username: odd });
        expect((await outcome(idp.verifier, token)).reason, JSON.stringify(odd)).to.equal("invalid_claim");
      }
    });

    it("reads USERNAME_CLAIM as a dotted path too", async () => {
      const idp = makeVerifier({ ...env, USERNAME_CLAIM: "ext.login" }, [rsa]);
      const token = await signWith(rsa, { ...keycloakClaims(), ext: { login: "kate@corp" } });
      expect((await outcome(idp.verifier, token)).verified?.identity.username).to.equal("kate@corp");
    });

    it("finds no groups when the path leads nowhere, and refuses groups that are not strings", async () => {
      const idp = makeVerifier({ ...env, GROUPS_CLAIM: "realm_access.nothing" }, [rsa]);
      expect(
        (await outcome(idp.verifier, await signWith(rsa, keycloakClaims()))).verified?.identity.groups,
      ).to.deep.equal([]);
      const odd = makeVerifier({ ...env, GROUPS_CLAIM: "resource_access.account" }, [rsa]);
      expect((await outcome(odd.verifier, await signWith(rsa, keycloakClaims()))).reason).to.equal("invalid_claim");
    });

    it("never walks into the prototype through the path", async () => {
      const idp = makeVerifier({ ...env, GROUPS_CLAIM: "realm_access.constructor" }, [rsa]);
      expect(
        (await outcome(idp.verifier, await signWith(rsa, keycloakClaims()))).verified?.identity.groups,
      ).to.deep.equal([]);
    });
  });

  describe("Entra ID (v2 issuer, roles)", () => {
    const env = {
      ISSUER: ENTRA_ISSUER,
      JWKS_URI: `https://login.microsoftonline.com/${ENTRA_TENANT}/discovery/v2.0/keys`,
      CLIENT_ID: "6cb04018-a3f5-46a7-b995-940c78f5aef3",
      GROUPS_CLAIM: "roles",
    };

    it("allows a v2 token and reads its roles as groups", async () => {
      const idp = makeVerifier(env, [rsa]);
      const { reason, verified } = await outcome(idp.verifier, await signWith(rsa, entraClaims(), { typ: "JWT" }));
      expect(reason).to.equal("allowed");
      expect(verified?.identity.groups).to.deep.equal(["Chat.Admin"]);
    });

    it("refuses a v1 issuer for the same tenant", async () => {
      const idp = makeVerifier(env, [rsa]);
      const v1 = { ...entraClaims(), iss: `https://sts.windows.net/${ENTRA_TENANT}/` };
      expect((await outcome(idp.verifier, await signWith(rsa, v1))).reason).to.equal("wrong_issuer");
    });
  });

  describe("ALLOWED_ALGORITHMS", () => {
    const env = { ISSUER: KEYCLOAK_ISSUER, JWKS_URI: `${KEYCLOAK_ISSUER}/certs`, CLIENT_ID: "chat-client" };

    it("allows an ES256 issuer when ES256 is allowed", async () => {
      const ec = await makeIdpKey("ES256");
      const idp = makeVerifier({ ...env, ALLOWED_ALGORITHMS: "ES256" }, [ec]);
      expect((await outcome(idp.verifier, await signWith(ec, keycloakClaims()))).reason).to.equal("allowed");
    });

    it("refuses ES256 by default (RS256 only), before any key fetch", async () => {
      const ec = await makeIdpKey("ES256");
      const idp = makeVerifier(env, [ec]);
      expect((await outcome(idp.verifier, await signWith(ec, keycloakClaims()))).reason).to.equal(
        "unsupported_algorithm",
      );
      expect(idp.fetched).to.deep.equal([]);
    });

    it("refuses a token whose alg does not fit the key type under its kid", async () => {
      const ec = await makeIdpKey("ES256");
      // The RSA key published under the kid the ES256 token names.
      const rsaUnderEcKid = { ...rsa, publicJwk: { ...rsa.publicJwk, kid: ec.kid, alg: undefined } };
      const idp = makeVerifier({ ...env, ALLOWED_ALGORITHMS: "RS256,ES256" }, [rsaUnderEcKid]);
      expect((await outcome(idp.verifier, await signWith(ec, keycloakClaims()))).reason).to.equal(
        "unsupported_algorithm",
      );
    });

    it("refuses an ES384 token under a P-256 key", async () => {
      const ec256 = await makeIdpKey("ES256");
      const ec384 = await makeIdpKey("ES384", ec256.kid);
      const idp = makeVerifier({ ...env, ALLOWED_ALGORITHMS: "ES256,ES384" }, [
        { ...ec256, publicJwk: { ...ec256.publicJwk, alg: undefined } },
      ]);
      expect((await outcome(idp.verifier, await signWith(ec384, keycloakClaims()))).reason).to.equal(
        "unsupported_algorithm",
      );
    });

    it("allows EdDSA and RS512 when allowed", async () => {
      for (const alg of ["EdDSA", "RS512", "ES512"]) {
        const key = await makeIdpKey(alg);
        const idp = makeVerifier({ ...env, ALLOWED_ALGORITHMS: alg }, [key]);
        expect((await outcome(idp.verifier, await signWith(key, keycloakClaims()))).reason, alg).to.equal("allowed");
      }
    });
  });
});
