// Access tokens as four IdPs document them (Okta, Auth0, Entra ID v2, Keycloak), signed with jose, RS256 and ES256;
// and TOKEN_USE with ISSUER, telling access tokens from ID tokens by token_use, else by typ at+jwt (RFC 9068).
import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { makeIdpKey, makeVerifier, outcome, signWith, type IdpKey } from "./support/idp.ts";

const now = (): number => Math.floor(Date.now() / 1000);

interface IdpCase {
  readonly name: string;
  /** The authoriser's variables as the README says to set them for this IdP. */
  readonly env: Record<string, string>;
  readonly header: Record<string, unknown>;
  readonly claims: () => Record<string, unknown>;
  /** One scope the token carries, and the user's sub. */
  readonly scope: string;
  readonly sub: string;
}

const OKTA_ISSUER = "https://dev-133337.okta.com/oauth2/default";
const AUTH0_ISSUER = "https://example-tenant.eu.auth0.com/";
const ENTRA_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad";
const ENTRA_ISSUER = `https://login.microsoftonline.com/${ENTRA_TENANT}/v2.0`;
const ENTRA_API = "6e74172b-be56-4843-9ff4-e66a39bb12e3";
const KEYCLOAK_ISSUER = "https://sso.example.com/realms/chat";

const IDPS: readonly IdpCase[] = [
  {
    // Okta's custom authorisation server: scp a JSON list, aud the server's audience, no typ in the header.
    name: "Okta",
    env: { ISSUER: OKTA_ISSUER, JWKS_URI: `${OKTA_ISSUER}/v1/keys`, CLIENT_ID: "api://default" },
    header: {},
    claims: () => ({
      ver: 1,
      jti: `AT.${randomUUID()}`,
      iss: OKTA_ISSUER,
      aud: "api://default",
      iat: now(),
      exp: now() + 3600,
      cid: "0oa1abcd2EFGH3ijk4l5",
      uid: "00u1abcd2EFGH3ijk4l5",
      scp: ["openid", "email", "chat.send"],
      auth_time: now() - 30,
      sub: "alice@example.com",
    }),
    scope: "chat.send",
    sub: "alice@example.com",
  },
  {
    // Auth0's RFC 9068 access token profile: typ at+jwt, scope a string, aud the API identifier and userinfo.
    name: "Auth0",
    env: {
      ISSUER: AUTH0_ISSUER,
      JWKS_URI: `${AUTH0_ISSUER}.well-known/jwks.json`,
      CLIENT_ID: "https://chat.example.com/api",
    },
    header: { typ: "at+jwt" },
    claims: () => ({
      iss: AUTH0_ISSUER,
      sub: "auth0|5f7c8ec7c33c6c004bbafe82",
      aud: ["https://chat.example.com/api", `${AUTH0_ISSUER}userinfo`],
      iat: now(),
      exp: now() + 86_400,
      scope: "openid profile chat:send",
      jti: randomUUID(),
      client_id: "my-spa-client",
    }),
    scope: "chat:send",
    sub: "auth0|5f7c8ec7c33c6c004bbafe82",
  },
  {
    // Entra ID v2: scp a space-separated string, aud the API's application id, typ JWT.
    name: "Entra ID v2",
    env: {
      ISSUER: ENTRA_ISSUER,
      JWKS_URI: `https://login.microsoftonline.com/${ENTRA_TENANT}/discovery/v2.0/keys`,
      CLIENT_ID: ENTRA_API,
    },
    header: { typ: "JWT" },
    claims: () => ({
      aud: ENTRA_API,
      iss: ENTRA_ISSUER,
      iat: now(),
      nbf: now(),
      exp: now() + 3600,
      aio: "AXQAi/8TAAAA",
      azp: "6cb04018-a3f5-46a7-b995-940c78f5aef3",
      azpacr: "0",
      name: "Abe Lincoln",
      oid: "690222be-ff1a-4d56-abd1-7e4f7d38e474",
      preferred_username: "abeli@microsoft.com",
      rh: "I",
      scp: "access_as_user Chat.Send",
      sub: "HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ",
      tid: ENTRA_TENANT,
      uti: "fqiBqXLPj0eQa82S-IYFAA",
      ver: "2.0",
    }),
    scope: "Chat.Send",
    sub: "HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ",
  },
  {
    // Keycloak with an audience mapper adding the API client to aud; scope a string, payload typ "Bearer".
    name: "Keycloak",
    env: {
      ISSUER: KEYCLOAK_ISSUER,
      JWKS_URI: `${KEYCLOAK_ISSUER}/protocol/openid-connect/certs`,
      CLIENT_ID: "chat-api",
      GROUPS_CLAIM: "realm_access.roles",
    },
    header: { typ: "JWT" },
    claims: () => ({
      exp: now() + 300,
      iat: now(),
      auth_time: now() - 5,
      jti: randomUUID(),
      iss: KEYCLOAK_ISSUER,
      aud: ["chat-api", "account"],
      sub: "f1b8c6f3-9f43-4a4e-9a0f-7c4c7d1b2f55",
      typ: "Bearer",
      azp: "chat-spa",
      session_state: randomUUID(),
      acr: "1",
      realm_access: { roles: ["offline_access", "chat-user"] },
      resource_access: { account: { roles: ["manage-account"] } },
      scope: "openid profile email chat.send",
      sid: randomUUID(),
      email_verified: true,
      preferred_username: "kate",
    }),
    scope: "chat.send",
    sub: "f1b8c6f3-9f43-4a4e-9a0f-7c4c7d1b2f55",
  },
];

describe("access tokens as Okta, Auth0, Entra ID and Keycloak issue them", () => {
  const keys: Record<string, IdpKey> = {};
  before(async () => {
    for (const alg of ["RS256", "ES256"]) keys[alg] = await makeIdpKey(alg);
  });

  for (const idp of IDPS) {
    for (const alg of ["RS256", "ES256"]) {
      describe(`${idp.name}, ${alg}`, () => {
        const env = { ...idp.env, ALLOWED_ALGORITHMS: alg };
        const token = () => signWith(keys[alg] as IdpKey, idp.claims(), idp.header);

        it("allows the token without REQUIRED_SCOPES, named by its sub, with its scopes read", async () => {
          const { verifier } = makeVerifier(env, [keys[alg] as IdpKey]);
          const { reason, verified } = await outcome(verifier, await token());
          expect(reason).to.equal("allowed");
          expect(verified?.identity).to.include({ principalId: idp.sub, username: idp.sub });
          expect(verified?.identity.scopes).to.include(idp.scope);
        });

        it("allows it with REQUIRED_SCOPES naming one of its scopes, and refuses it when none match", async () => {
          const required = makeVerifier({ ...env, REQUIRED_SCOPES: `other.scope, ${idp.scope}` }, [
            keys[alg] as IdpKey,
          ]);
          expect((await outcome(required.verifier, await token())).reason).to.equal("allowed");
          const other = makeVerifier({ ...env, REQUIRED_SCOPES: `${idp.scope}x` }, [keys[alg] as IdpKey]);
          expect((await outcome(other.verifier, await token())).reason).to.equal("missing_scope");
        });
      });
    }
  }

  it("refuses Keycloak's access token without an audience mapper: the client is then only in azp", async () => {
    const keycloak = IDPS.find((idp) => idp.name === "Keycloak") as IdpCase;
    const { verifier } = makeVerifier({ ...keycloak.env, CLIENT_ID: "chat-spa" }, [keys.RS256 as IdpKey]);
    const claims = { ...keycloak.claims(), aud: "account" };
    expect((await outcome(verifier, await signWith(keys.RS256 as IdpKey, claims, keycloak.header))).reason).to.equal(
      "wrong_audience",
    );
  });

  it("refuses scp that is neither a string nor a list of strings (OIDC), as invalid_claim", async () => {
    const okta = IDPS[0] as IdpCase;
    const { verifier } = makeVerifier(okta.env, [keys.RS256 as IdpKey]);
    for (const scp of [5, ["chat.send", 5], { a: 1 }]) {
      const signed = await signWith(keys.RS256 as IdpKey, { ...okta.claims(), scp });
      expect((await outcome(verifier, signed)).reason, JSON.stringify(scp)).to.equal("invalid_claim");
    }
  });

  it("reads scope before scp when a token has both", async () => {
    const okta = IDPS[0] as IdpCase;
    const { verifier } = makeVerifier({ ...okta.env, REQUIRED_SCOPES: "chat.send" }, [keys.RS256 as IdpKey]);
    const signed = await signWith(keys.RS256 as IdpKey, { ...okta.claims(), scope: "openid" });
    expect((await outcome(verifier, signed)).reason).to.equal("missing_scope");
  });
});

describe("TOKEN_USE with ISSUER: token_use where the token has it, else typ at+jwt is an access token", () => {
  const env = { ISSUER: AUTH0_ISSUER, JWKS_URI: `${AUTH0_ISSUER}.well-known/jwks.json`, CLIENT_ID: "chat" };
  let key: IdpKey;
  before(async () => {
    key = await makeIdpKey("RS256");
  });
  const claims = (extra: Record<string, unknown> = {}) => ({
    iss: AUTH0_ISSUER,
    sub: "auth0|1",
    aud: "chat",
    iat: now(),
    exp: now() + 600,
    ...extra,
  });
  // [what, header typ, extra claims, kind the token is]
  const tokens: Array<[string, string | undefined, Record<string, unknown>, "id" | "access" | "other"]> = [
    ["an RFC 9068 access token (typ at+jwt)", "at+jwt", { scope: "chat" }, "access"],
    ["an access token typed application/at+jwt", "application/at+jwt", {}, "access"],
    ["an ID token (typ JWT)", "JWT", { nonce: "n" }, "id"],
    ["an ID token without typ", undefined, {}, "id"],
    ["a Cognito access token under ISSUER (token_use access, no typ)", undefined, { token_use: "access" }, "access"],
    ["a Cognito ID token under ISSUER (token_use id)", undefined, { token_use: "id" }, "id"],
    ["a token whose token_use (id) outranks its typ at+jwt", "at+jwt", { token_use: "id" }, "id"],
    ["a token whose token_use (access) outranks its typ JWT", "JWT", { token_use: "access" }, "access"],
    ["a token whose token_use is neither", undefined, { token_use: "refresh" }, "other"],
  ];
  for (const tokenUse of ["id", "access", "any"] as const) {
    for (const [what, typ, extra, kind] of tokens) {
      const expected = tokenUse === "any" || tokenUse === kind ? "allowed" : "wrong_token_use";
      it(`TOKEN_USE=${tokenUse}: ${expected === "allowed" ? "allows" : "refuses"} ${what}`, async () => {
        const { verifier } = makeVerifier({ ...env, TOKEN_USE: tokenUse }, [key]);
        const signed = await signWith(key, claims(extra), typ === undefined ? {} : { typ });
        expect((await outcome(verifier, signed)).reason).to.equal(expected);
      });
    }
  }
});
