import { expect } from "chai";
import { authorise } from "../../functions/authoriser/authorise.ts";
import { MAX_RESULT_BYTES } from "../../functions/authoriser/policy.ts";
import { captureLogSink, LogCollector } from "../support/logs.ts";
import { makeConnectEvent } from "../../local/gateway/sample-events.ts";
import {
  cognitoEnv,
  cognitoIdClaims,
  makeIdpKey,
  makeVerifier,
  signWith,
  type IdpKey,
} from "../functions/authoriser/support/idp.ts";

describe("hardening: API Gateway's 8 KB limit on the authoriser result", () => {
  let key: IdpKey;
  const logs = new LogCollector();
  let release: () => void;
  before(async () => {
    key = await makeIdpKey();
  });
  beforeEach(() => {
    logs.lines.length = 0;
    release = captureLogSink(logs.collect);
  });
  afterEach(() => release());

  const groupsOf = (count: number, length: number): string[] =>
    Array.from({ length: count }, (_, i) => `${String(i).padStart(3, "0")}-${"g".repeat(length - 4)}`);

  async function decide(groups: string[]) {
    const idp = makeVerifier(cognitoEnv(), [key]);
    const token = await signWith(key, cognitoIdClaims({ groups }));
    return authorise(makeConnectEvent({ query: { auth: token } }), idp.config, idp.verifier, "req-8k");
  }

  it("refuses (401) a result that would exceed 8 KB, with reason result_too_large logged", async () => {
    // 70 group names of 120 characters: about 8.7 KB of result.
    let refused: unknown;
    await decide(groupsOf(70, 120)).catch((err: unknown) => (refused = err));
    expect((refused as Error | undefined)?.message).to.equal("Unauthorized");
    const line = logs.parsed().find((entry) => entry.message === "connection refused");
    expect(line).to.include({ reason: "result_too_large", awsRequestId: "req-8k" });
  });

  it("sends a result just under 8 KB, measured in bytes as API Gateway counts them", async () => {
    const result = await decide(groupsOf(55, 120));
    const bytes = Buffer.byteLength(JSON.stringify(result));
    expect(bytes).to.be.above(6_000).and.at.most(MAX_RESULT_BYTES);
    expect(result.policyDocument.Statement[0]).to.include({ Effect: "Allow" });
  });

  it("counts multi-byte group names by their UTF-8 bytes", async () => {
    // 48 names of 60 three-byte characters: under 3,000 characters, but over 8.6 KB of UTF-8 in the groups alone.
    let refused: unknown;
    await decide(Array.from({ length: 48 }, (_, i) => `${i}${"語".repeat(60)}`)).catch(
      (err: unknown) => (refused = err),
    );
    expect((refused as Error | undefined)?.message).to.equal("Unauthorized");
    expect(logs.parsed().find((entry) => entry.message === "connection refused")).to.include({
      reason: "result_too_large",
    });
  });
});
