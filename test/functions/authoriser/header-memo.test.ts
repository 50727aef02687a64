// The verifier keeps the last header that passed its checks (issue 16): one entry, never a header that failed, and
// never served to a configuration with other allowed algorithms.
import { expect } from "chai";
import { cognitoEnv, cognitoIdClaims, makeIdpKey, makeVerifier, outcome, signWith } from "./support/idp.ts";

describe("verifier: the last header, kept", () => {
  it("decides a repeated header as the first time, for each configuration's allowed algorithms", async () => {
    const key = await makeIdpKey("RS256");
    const rs256 = makeVerifier(cognitoEnv(), [key]);
    const esOnly = makeVerifier(cognitoEnv({ ALLOWED_ALGORITHMS: "ES256" }), [key]);
    const token = await signWith(key, cognitoIdClaims());
    expect((await outcome(rs256.verifier, token)).reason).to.equal("allowed");
    // The same header string, just accepted under RS256, is refused where RS256 is not allowed.
    expect((await outcome(esOnly.verifier, token)).reason).to.equal("unsupported_algorithm");
    expect((await outcome(rs256.verifier, token)).reason).to.equal("allowed");
  });

  it("never keeps a header that failed, and reads each new header afresh", async () => {
    const key = await makeIdpKey("RS256");
    const idp = makeVerifier(cognitoEnv(), [key]);
    const good = await signWith(key, cognitoIdClaims());
    const badType = await signWith(key, cognitoIdClaims(), { typ: "JOSE" });
    for (let round = 0; round < 3; round += 1) {
      expect((await outcome(idp.verifier, badType)).reason).to.equal("malformed_token");
      expect((await outcome(idp.verifier, good)).reason).to.equal("allowed");
    }
    // Another kid in a new header: looked up by its own kid, not the kept one's.
    const unknown = await signWith(key, cognitoIdClaims(), { kid: "not-in-the-jwks" });
    expect((await outcome(idp.verifier, unknown)).reason).to.equal("unknown_key");
    expect((await outcome(idp.verifier, good)).reason).to.equal("allowed");
  });
});
