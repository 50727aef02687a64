import { expect } from "chai";
import { RefusalReasons } from "../../../local/gateway/refusal-reasons.ts";

const refused = (connectionId: string, reason: string): string =>
  JSON.stringify({
    timestamp: "2026-11-25T00:00:00.000Z",
    level: "WARN",
    message: "connection refused",
    reason,
    connectionId,
    requestId: "r",
  });

describe("refusal reasons from the authoriser's log (local/gateway/refusal-reasons.ts)", () => {
  it("gives the reason logged for a connection, once", async () => {
    const reasons = new RefusalReasons();
    reasons.observe(refused("c1", "expired"));
    expect(await reasons.take("c1")).to.equal("expired");
    expect(await reasons.take("c1", 10)).to.equal(undefined);
  });

  it("waits for a log line that arrives after the result", async () => {
    const reasons = new RefusalReasons();
    const taken = reasons.take("c2", 1000);
    setTimeout(() => reasons.observe(refused("c2", "wrong_audience")), 20);
    expect(await taken).to.equal("wrong_audience");
  });

  it("reads a Deny's reason too, and ignores other lines and other connections", async () => {
    const reasons = new RefusalReasons();
    reasons.observe("not json");
    reasons.observe(JSON.stringify({ message: "connection allowed", connectionId: "c3", source: "query" }));
    reasons.observe(refused("other", "expired"));
    expect(await reasons.take("c3", 30)).to.equal(undefined);
    reasons.observe(JSON.stringify({ message: "connection denied", reason: "forbidden", connectionId: "c4" }));
    expect(await reasons.take("c4")).to.equal("forbidden");
  });

  it("keeps at most a thousand unclaimed reasons", async () => {
    const reasons = new RefusalReasons();
    for (let i = 0; i <= 1000; i += 1) reasons.observe(refused(`c${i}`, "expired"));
    expect(await reasons.take("c0", 10), "the oldest is dropped").to.equal(undefined);
    expect(await reasons.take("c1000")).to.equal("expired");
  });
});
