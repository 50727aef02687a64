import { expect } from "chai";
import { keyFits } from "../../../functions/authoriser/key-fit.ts";
import type { VerificationKey } from "../../../functions/authoriser/jwks.ts";
import {
  CLIENT_ID,
  cognitoAccessClaims,
  cognitoEnv,
  cognitoIdClaims,
  makeIdpKey,
  makeVerifier,
  outcome,
  signRaw,
  signWith,
  type IdpKey,
} from "./support/idp.ts";

/** The documented limit (SECURITY.md), written out: the test must notice the constant changing. */
const MAX_KID_LENGTH = 256;

// The order n of each curve's base point (SEC 2, 2.4.2 and 2.5.1; FIPS 186-4 D.1.2.3 and D.1.2.4).
const CURVE_ORDER: Record<string, bigint> = {
  ES256: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  ES384: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
};

/** The same signature with s replaced by n - s: the other valid form of an ECDSA signature. */
function highSTwin(token: string, alg: string): string {
  const [header, payload, signature] = token.split(".") as [string, string, string];
  const bytes = Buffer.from(signature, "base64url");
  const half = bytes.length / 2;
  const n = CURVE_ORDER[alg] as bigint;
  const s = BigInt(`0x${bytes.subarray(half).toString("hex")}`);
  const twin = Buffer.concat([
    bytes.subarray(0, half),
    Buffer.from((n - s).toString(16).padStart(half * 2, "0"), "hex"),
  ]);
  return `${header}.${payload}.${twin.toString("base64url")}`;
}

describe("verifier checks, each one's refusal shown", () => {
  let rsa: IdpKey;
  before(async () => {
    rsa = await makeIdpKey("RS256");
  });

  describe("ECDSA: both forms of a signature verify (s and n - s)", () => {
    for (const alg of ["ES256", "ES384"]) {
      it(`allows a real ${alg} token and its high-s twin, and refuses the twin with any other s`, async () => {
        const key = await makeIdpKey(alg);
        const idp = makeVerifier(cognitoEnv({ ALLOWED_ALGORITHMS: alg }), [key]);
        const token = await signWith(key, cognitoIdClaims());
        const twin = highSTwin(token, alg);
        expect(twin).to.not.equal(token);
        expect((await outcome(idp.verifier, token)).reason).to.equal("allowed");
        const { reason, verified } = await outcome(idp.verifier, twin);
        expect(reason).to.equal("allowed");
        // Same signed header.payload, same claims: what anything keyed on a token must key on (or its jti).
        expect(twin.slice(0, twin.lastIndexOf("."))).to.equal(token.slice(0, token.lastIndexOf(".")));
        expect(verified?.claims.jti).to.be.a("string");
        const bytes = Buffer.from(twin.split(".")[2] as string, "base64url");
        bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
        const broken = `${twin.slice(0, twin.lastIndexOf("."))}.${bytes.toString("base64url")}`;
        expect((await outcome(idp.verifier, broken)).reason).to.equal("invalid_signature");
      });
    }
  });

  describe("header", () => {
    it("refuses a typ other than JWT, at+jwt or application/at+jwt, spelt exactly", async () => {
      const idp = makeVerifier(cognitoEnv(), [rsa]);
      for (const typ of ["JWT", "at+jwt", "application/at+jwt"]) {
        expect((await outcome(idp.verifier, await signWith(rsa, cognitoIdClaims(), { typ }))).reason, typ).to.equal(
          "allowed",
        );
      }
      for (const typ of ["jwt", "JWS", "AT+JWT", "dpop+jwt", "", 1, null]) {
        const token = await signWith(rsa, cognitoIdClaims(), { typ });
        expect((await outcome(idp.verifier, token)).reason, String(typ)).to.equal("malformed_token");
      }
    });

    it(`takes a kid of ${MAX_KID_LENGTH} characters and refuses one character more, before any fetch`, async () => {
      const longest = await makeIdpKey("RS256", "k".repeat(MAX_KID_LENGTH));
      const idp = makeVerifier(cognitoEnv(), [longest]);
      expect((await outcome(idp.verifier, await signWith(longest, cognitoIdClaims()))).reason).to.equal("allowed");
      const tooLong = await makeIdpKey("RS256", "k".repeat(MAX_KID_LENGTH + 1));
      const other = makeVerifier(cognitoEnv(), [tooLong]);
      expect((await outcome(other.verifier, await signWith(tooLong, cognitoIdClaims()))).reason).to.equal(
        "malformed_token",
      );
      expect(other.fetched).to.deep.equal([]);
    });

    it("refuses crit, a missing or empty kid, and a non-string alg", async () => {
      const idp = makeVerifier(cognitoEnv(), [rsa]);
      expect((await outcome(idp.verifier, signRaw(rsa, cognitoIdClaims()))).reason).to.equal("allowed");
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ crit: ["exp"], exp: 1 }, "malformed_token"],
        [{ crit: [] }, "malformed_token"],
        [{ kid: "" }, "malformed_token"],
        [{ kid: undefined }, "malformed_token"],
        [{ kid: 5 }, "malformed_token"],
        [{ alg: ["RS256"] }, "unsupported_algorithm"],
        [{ alg: "rs256" }, "unsupported_algorithm"],
      ];
      for (const [header, reason] of cases) {
        const token = signRaw(rsa, cognitoIdClaims(), header);
        expect((await outcome(idp.verifier, token)).reason, JSON.stringify(header)).to.equal(reason);
      }
    });
  });

  describe("prefetch", () => {
    it("fetches the first issuer's keys once at init, and nothing when JWKS_JSON seeds them", async () => {
      const fetching = makeVerifier(cognitoEnv(), [rsa]);
      await fetching.verifier.prefetch();
      expect(fetching.fetched).to.deep.equal([
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example/.well-known/jwks.json",
      ]);
      const seeded = makeVerifier(cognitoEnv({ JWKS_JSON: JSON.stringify({ keys: [rsa.publicJwk] }) }), [rsa]);
      await seeded.verifier.prefetch();
      expect(seeded.fetched).to.deep.equal([]);
      expect((await outcome(seeded.verifier, await signWith(rsa, cognitoIdClaims()))).reason).to.equal("allowed");
      expect(seeded.fetched).to.deep.equal([]);
    });
  });

  describe("decoding", () => {
    it("refuses a token whose signature segment is empty, before any key lookup", async () => {
      const idp = makeVerifier(cognitoEnv(), [rsa]);
      const token = await signWith(rsa, cognitoIdClaims());
      expect((await outcome(idp.verifier, `${token.slice(0, token.lastIndexOf("."))}.`)).reason).to.equal(
        "malformed_token",
      );
      expect(idp.fetched).to.deep.equal([]);
    });

    it("refuses a second spelling of each segment's last character, whatever the segment's length", async () => {
      const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
      const idp = makeVerifier(cognitoEnv({ ALLOWED_ALGORITHMS: "RS256,ES256" }), [rsa]);
      let tried = 0;
      // Padding claims of 0, 1 and 2 extra bytes give payloads of every length modulo 3.
      for (const pad of ["", "x", "xx"]) {
        const token = await signWith(rsa, { ...cognitoIdClaims(), pad });
        const parts = token.split(".");
        for (const index of [0, 1, 2]) {
          const segment = parts[index] as string;
          for (const char of alphabet) {
            const respelled = segment.slice(0, -1) + char;
            if (respelled === segment || !Buffer.from(respelled, "base64url").equals(Buffer.from(segment, "base64url")))
              continue;
            const changed = parts.map((part, i) => (i === index ? respelled : part)).join(".");
            expect((await outcome(idp.verifier, changed)).reason, `${index}: ${char}`).to.equal("malformed_token");
            tried += 1;
          }
        }
      }
      expect(tried).to.be.at.least(20);
    });

    it("refuses each registered claim of the wrong JSON type as malformed_token, as aws-jwt-verify does", async () => {
      const idp = makeVerifier(cognitoEnv(), [rsa]);
      const cases: Array<[string, unknown]> = [
        ["exp", "9999999999"],
        ["nbf", "0"],
        ["iat", "0"],
        ["iss", 1],
        ["sub", 1],
        ["scope", ["a"]],
        ["jti", 1],
        ["aud", { a: 1 }],
      ];
      for (const [name, value] of cases) {
        const token = await signWith(rsa, { ...cognitoIdClaims(), [name]: value });
        expect((await outcome(idp.verifier, token)).reason, name).to.equal("malformed_token");
      }
    });
  });

  describe("key fit", () => {
    it("fits each alg to its key type and curve only", () => {
      const key = (jwk: Record<string, unknown>) => ({ jwk }) as unknown as VerificationKey;
      const fits: Array<[string, Record<string, unknown>]> = [
        ["RS256", { kty: "RSA" }],
        ["RS384", { kty: "RSA" }],
        ["RS512", { kty: "RSA" }],
        ["ES256", { kty: "EC", crv: "P-256" }],
        ["ES384", { kty: "EC", crv: "P-384" }],
        ["ES512", { kty: "EC", crv: "P-521" }],
        ["EdDSA", { kty: "OKP", crv: "Ed25519" }],
        ["EdDSA", { kty: "OKP", crv: "Ed448" }],
      ];
      for (const [alg, jwk] of fits) {
        expect(keyFits(alg as never, key(jwk)), `${alg} ${JSON.stringify(jwk)}`).to.equal(true);
        expect(keyFits(alg as never, key({ ...jwk, alg })), `${alg} named`).to.equal(true);
        expect(
          keyFits(alg as never, key({ ...jwk, alg: alg === "RS256" ? "RS384" : "RS256" })),
          `${alg} other`,
        ).to.equal(false);
      }
      const misfits: Array<[string, Record<string, unknown>]> = [
        ["RS256", { kty: "EC", crv: "P-256" }],
        ["ES256", { kty: "EC", crv: "P-384" }],
        ["ES384", { kty: "EC", crv: "P-521" }],
        ["ES512", { kty: "EC", crv: "P-256" }],
        ["ES256", { kty: "RSA" }],
        ["ES256", { kty: "OKP", crv: "P-256" }],
        ["EdDSA", { kty: "OKP", crv: "X25519" }],
        ["EdDSA", { kty: "EC", crv: "Ed25519" }],
      ];
      for (const [alg, jwk] of misfits) {
        expect(keyFits(alg as never, key(jwk)), `${alg} ${JSON.stringify(jwk)}`).to.equal(false);
      }
    });

    it("verifies a real token of every supported algorithm, and refuses it with one signature bit flipped", async () => {
      for (const alg of ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "EdDSA"]) {
        const key = await makeIdpKey(alg);
        const idp = makeVerifier(cognitoEnv({ ALLOWED_ALGORITHMS: alg }), [key]);
        const token = await signWith(key, cognitoIdClaims());
        expect((await outcome(idp.verifier, token)).reason, alg).to.equal("allowed");
        const bytes = Buffer.from(token.split(".")[2] as string, "base64url");
        bytes[0] = (bytes[0] as number) ^ 0x80;
        const flipped = `${token.slice(0, token.lastIndexOf("."))}.${bytes.toString("base64url")}`;
        expect((await outcome(idp.verifier, flipped)).reason, alg).to.equal("invalid_signature");
      }
    });

    it("refuses a token whose alg differs from the alg the JWK names, though the key type fits", async () => {
      const idp = makeVerifier(cognitoEnv({ ALLOWED_ALGORITHMS: "RS256,RS384" }), [rsa]);
      expect((await outcome(idp.verifier, signRaw(rsa, cognitoIdClaims(), { alg: "RS384" }))).reason).to.equal(
        "unsupported_algorithm",
      );
      const unnamed = makeVerifier(cognitoEnv({ ALLOWED_ALGORITHMS: "RS256,RS384" }), [
        { ...rsa, publicJwk: { ...rsa.publicJwk, alg: undefined } },
      ]);
      expect((await outcome(unnamed.verifier, signRaw(rsa, cognitoIdClaims(), { alg: "RS384" }))).reason).to.equal(
        "allowed",
      );
    });
  });

  describe("claims", () => {
    it("refuses an aud list holding anything but strings, even beside the right client", async () => {
      const idp = makeVerifier(
        { ISSUER: "https://login.example.com", JWKS_URI: "https://login.example.com/keys", CLIENT_ID },
        [rsa],
      );
      const claims = { ...cognitoIdClaims({ iss: "https://login.example.com" }) };
      expect((await outcome(idp.verifier, await signWith(rsa, claims))).reason).to.equal("allowed");
      for (const aud of [[CLIENT_ID, 5], [CLIENT_ID, null], [CLIENT_ID, [CLIENT_ID]], 7]) {
        expect(
          (await outcome(idp.verifier, await signWith(rsa, { ...claims, aud }))).reason,
          JSON.stringify(aud),
        ).to.equal("malformed_token");
      }
    });

    it("refuses jti, origin_jti or event_id that is present but empty or not a string", async () => {
      const idp = makeVerifier(cognitoEnv(), [rsa]);
      for (const name of ["jti", "origin_jti", "event_id"]) {
        for (const value of ["", 5, ["x"]]) {
          const token = await signWith(rsa, { ...cognitoIdClaims(), [name]: value });
          const expected = name === "jti" && value !== "" ? "malformed_token" : "invalid_claim";
          expect((await outcome(idp.verifier, token)).reason, `${name} ${JSON.stringify(value)}`).to.equal(expected);
        }
      }
    });

    it("finds a Cognito ID token's scope claim no reason to pass REQUIRED_SCOPES: only access tokens carry scopes", async () => {
      const idp = makeVerifier(cognitoEnv({ TOKEN_USE: "any", REQUIRED_SCOPES: "chat/send" }), [rsa]);
      const id = await signWith(rsa, { ...cognitoIdClaims(), scope: "chat/send" });
      expect((await outcome(idp.verifier, id)).reason).to.equal("missing_scope");
      const access = await signWith(rsa, cognitoAccessClaims({ scope: "chat/send" }));
      expect((await outcome(idp.verifier, access)).reason).to.equal("allowed");
    });

    it("reads a Cognito token's scopes from scope only, never from scp", async () => {
      const idp = makeVerifier(cognitoEnv({ TOKEN_USE: "access", REQUIRED_SCOPES: "chat/send" }), [rsa]);
      const claims: Record<string, unknown> = { ...cognitoAccessClaims({ scope: "openid" }), scp: ["chat/send"] };
      expect((await outcome(idp.verifier, await signWith(rsa, claims))).reason).to.equal("missing_scope");
      const { scope: _, ...noScope } = claims;
      expect((await outcome(idp.verifier, await signWith(rsa, noScope))).reason).to.equal("missing_scope");
      const open = makeVerifier(cognitoEnv({ TOKEN_USE: "access" }), [rsa]);
      const { verified } = await outcome(open.verifier, await signWith(rsa, { ...claims, scp: 5 }));
      expect(verified?.identity.scopes).to.deep.equal(["openid"]);
    });

    it("refuses a Cognito claim of the wrong type or empty, per kind", async () => {
      const idp = makeVerifier(cognitoEnv({ TOKEN_USE: "any" }), [rsa]);
      const cases: Array<[Record<string, unknown>, string, unknown]> = [
        [cognitoIdClaims(), "auth_time", "x"],
        [cognitoIdClaims(), "auth_time", 0],
        [cognitoIdClaims(), "cognito:username", ""],
        [cognitoIdClaims(), "cognito:username", 5],
        [cognitoAccessClaims(), "username", ""],
        [cognitoAccessClaims(), "auth_time", true],
      ];
      for (const [claims, name, value] of cases) {
        const expected = name === "auth_time" && value === 0 ? "allowed" : "invalid_claim";
        const token = await signWith(rsa, { ...claims, [name]: value });
        expect((await outcome(idp.verifier, token)).reason, `${name} ${JSON.stringify(value)}`).to.equal(expected);
      }
    });

    it("refuses a Cognito token whose token_use is neither id nor access, or whose app client is another", async () => {
      const idp = makeVerifier(cognitoEnv({ TOKEN_USE: "any" }), [rsa]);
      const odd = await signWith(rsa, { ...cognitoIdClaims(), token_use: "refresh" });
      expect((await outcome(idp.verifier, odd)).reason).to.equal("wrong_token_use");
      const otherId = await signWith(rsa, { ...cognitoIdClaims(), aud: "another-client" });
      expect((await outcome(idp.verifier, otherId)).reason).to.equal("wrong_audience");
      const otherAccess = await signWith(rsa, { ...cognitoAccessClaims(), client_id: "another-client" });
      expect((await outcome(idp.verifier, otherAccess)).reason).to.equal("wrong_audience");
    });

    it("names a user's access token by sub and username, not as a machine", async () => {
      const idp = makeVerifier(cognitoEnv({ TOKEN_USE: "access" }), [rsa]);
      const { verified } = await outcome(idp.verifier, await signWith(rsa, cognitoAccessClaims()));
      expect(verified?.identity).to.include({
        principalId: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        username: "my-test-user",
        machine: false,
      });
      expect(verified?.identity.scopes).to.deep.equal([
        "aws.cognito.signin.user.admin",
        "phone",
        "openid",
        "profile",
        "email",
      ]);
      const spaced = await signWith(rsa, cognitoAccessClaims({ scope: " a  b " }));
      expect((await outcome(idp.verifier, spaced)).verified?.identity.scopes).to.deep.equal(["a", "b"]);
      const { scope: _, ...unscoped } = cognitoAccessClaims();
      expect((await outcome(idp.verifier, await signWith(rsa, unscoped))).verified?.identity.scopes).to.deep.equal([]);
    });

    it("refuses an OIDC token without sub, iss, exp or iat", async () => {
      const env = { ISSUER: "https://login.example.com", JWKS_URI: "https://login.example.com/keys", CLIENT_ID };
      const idp = makeVerifier(env, [rsa]);
      const claims = { iss: "https://login.example.com", sub: "u", aud: CLIENT_ID, exp: 4_000_000_000, iat: 1 };
      expect((await outcome(idp.verifier, await signWith(rsa, claims))).reason).to.equal("allowed");
      for (const name of ["sub", "exp", "iat"]) {
        const { [name]: _, ...without } = claims as Record<string, unknown>;
        expect((await outcome(idp.verifier, await signWith(rsa, without))).reason, name).to.equal("missing_claim");
      }
      expect((await outcome(idp.verifier, await signWith(rsa, { ...claims, sub: "" }))).reason).to.equal(
        "invalid_claim",
      );
    });

    it("reads a dotted GROUPS_CLAIM through objects only, never through a list or null", async () => {
      const env = {
        ISSUER: "https://login.example.com",
        JWKS_URI: "https://login.example.com/keys",
        CLIENT_ID,
        GROUPS_CLAIM: "a.b",
      };
      const idp = makeVerifier(env, [rsa]);
      const base = { iss: "https://login.example.com", sub: "u", aud: CLIENT_ID, exp: 4_000_000_000, iat: 1 };
      const groupsOf = async (a: unknown) =>
        (await outcome(idp.verifier, await signWith(rsa, { ...base, a }))).verified?.identity.groups;
      expect(await groupsOf({ b: ["ops"] })).to.deep.equal(["ops"]);
      expect(await groupsOf([["ops"]])).to.deep.equal([]);
      expect(await groupsOf(Object.assign([], { b: ["ops"] }))).to.deep.equal([]);
      expect(await groupsOf(null)).to.deep.equal([]);
      expect(await groupsOf("b")).to.deep.equal([]);
    });

    it("refuses a payload or header that is JSON but not an object, and one that is not JSON", async () => {
      const idp = makeVerifier(cognitoEnv(), [rsa]);
      const token = await signWith(rsa, cognitoIdClaims());
      const [header, payload, signature] = token.split(".") as [string, string, string];
      const b64 = (text: string) => Buffer.from(text).toString("base64url");
      for (const json of ["[1]", "null", '"x"', "5", "{", "tru"]) {
        for (const changed of [`${b64(json)}.${payload}.${signature}`, `${header}.${b64(json)}.${signature}`]) {
          const { reason, error } = await outcome(idp.verifier, changed);
          expect(reason, json).to.equal("malformed_token");
          expect(error?.message, json).to.match(/^(header|payload) is not/);
        }
      }
    });

    it("says which shape is wrong when a real token loses or gains a segment", async () => {
      const idp = makeVerifier(cognitoEnv(), [rsa]);
      const token = await signWith(rsa, cognitoIdClaims());
      const [header, payload, signature] = token.split(".") as [string, string, string];
      for (const changed of [
        `${header}.${payload}`,
        `${header}..${signature}`,
        `.${payload}.${signature}`,
        `${token}.`,
      ]) {
        const { reason, error } = await outcome(idp.verifier, changed);
        expect(reason, changed.length.toString()).to.equal("malformed_token");
        expect(error?.message).to.match(/segments/);
      }
      expect((await outcome(idp.verifier, `${header}.${payload}.`)).error?.message).to.match(/segments/);
      expect((await outcome(idp.verifier, `${token}.${signature}`)).error?.message).to.match(/segments/);
    });
  });
});
