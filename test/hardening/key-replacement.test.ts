import { expect } from "chai";
import {
  cognitoEnv,
  cognitoIdClaims,
  makeIdpKey,
  makeVerifier,
  outcome,
  signWith,
  type IdpKey,
} from "../functions/authoriser/support/idp.ts";

describe("hardening: a key replaced at the IdP under the same kid", () => {
  let old: IdpKey;
  let replacement: IdpKey;
  before(async () => {
    old = await makeIdpKey("RS256", "shared-kid");
    replacement = await makeIdpKey("RS256", "shared-kid");
  });

  it("stops verifying at the next fetch after the cache's max age, and the new key verifies", async () => {
    const idp = makeVerifier(cognitoEnv({ JWKS_CACHE_SECONDS: "60" }), [old]);
    const byOld = await signWith(old, cognitoIdClaims());
    const byNew = await signWith(replacement, cognitoIdClaims());
    expect((await outcome(idp.verifier, byOld)).reason).to.equal("allowed");
    expect((await outcome(idp.verifier, byNew)).reason, "the cached key is the old one").to.equal("invalid_signature");

    idp.jwks = { keys: [replacement.publicJwk] };
    idp.clock += 60_000;
    expect((await outcome(idp.verifier, byOld)).reason).to.equal("invalid_signature");
    expect((await outcome(idp.verifier, byNew)).reason).to.equal("allowed");
    expect(idp.fetched).to.have.length(2);
  });

  it("takes the replacement as soon as a new kid makes the cache refetch", async () => {
    const idp = makeVerifier(cognitoEnv(), [old]);
    const byOld = await signWith(old, cognitoIdClaims());
    expect((await outcome(idp.verifier, byOld)).reason).to.equal("allowed");
    const added = await makeIdpKey("RS256", "added-kid");
    idp.jwks = { keys: [replacement.publicJwk, added.publicJwk] };
    expect((await outcome(idp.verifier, await signWith(added, cognitoIdClaims()))).reason).to.equal("allowed");
    expect((await outcome(idp.verifier, byOld)).reason).to.equal("invalid_signature");
  });

  it("stops verifying a key removed from the JWKS at the next fetch", async () => {
    const other = await makeIdpKey("RS256", "other-kid");
    const idp = makeVerifier(cognitoEnv({ JWKS_CACHE_SECONDS: "60" }), [old, other]);
    const byOld = await signWith(old, cognitoIdClaims());
    expect((await outcome(idp.verifier, byOld)).reason).to.equal("allowed");
    idp.jwks = { keys: [other.publicJwk] };
    idp.clock += 60_000;
    expect((await outcome(idp.verifier, byOld)).reason).to.equal("unknown_key");
  });
});
