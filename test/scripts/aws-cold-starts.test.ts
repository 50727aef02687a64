import { expect } from "chai";
import { parseArgs, parseReport } from "../../scripts/aws-cold-starts.ts";

// AWS's documented REPORT line (Lambda developer guide, "Monitoring and troubleshooting Lambda functions": the
// invocation report's fields, tab-separated; Init Duration only on the first invocation of an environment).
const COLD =
  "REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7be3\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 256 MB\tMax Memory Used: 68 MB\tInit Duration: 151.27 ms\t";
const WARM =
  "REPORT RequestId: 0f5a2b7c-1a2b-4c3d-8e9f-0a1b2c3d4e5f\tDuration: 2.01 ms\tBilled Duration: 3 ms\tMemory Size: 256 MB\tMax Memory Used: 69 MB\t";

describe("scripts/aws-cold-starts.ts", () => {
  it("reads Duration and Init Duration from a text REPORT line in a log tail", () => {
    const tail = `START RequestId: 3604209a Version: $LATEST\n{"level":"INFO","message":"connection allowed"}\nEND RequestId: 3604209a\n${COLD}\n`;
    expect(parseReport(tail)).to.deep.equal({ durationMs: 12.34, initDurationMs: 151.27 });
    expect(parseReport(WARM)).to.deep.equal({ durationMs: 2.01 });
    // Spaces for tabs (a copied line) still read the Duration field, not Billed Duration.
    expect(parseReport(COLD.replaceAll("\t", " "))).to.deep.equal({ durationMs: 12.34, initDurationMs: 151.27 });
  });

  it("reads the platform.report record of the JSON log format", () => {
    const record = JSON.stringify({
      time: "2026-12-01T18:00:00.000Z",
      type: "platform.report",
      record: {
        requestId: "3604209a",
        metrics: {
          durationMs: 12.34,
          billedDurationMs: 13,
          memorySizeMB: 256,
          maxMemoryUsedMB: 68,
          initDurationMs: 151.27,
        },
        status: "success",
      },
    });
    expect(parseReport(`{"type":"platform.start"}\n${record}\n`)).to.deep.equal({
      durationMs: 12.34,
      initDurationMs: 151.27,
    });
    const warm = record.replace(',"initDurationMs":151.27', "");
    expect(parseReport(warm)).to.deep.equal({ durationMs: 12.34 });
  });

  it("finds no report where there is none", () => {
    expect(parseReport("START RequestId: x\nEND RequestId: x\n")).to.equal(undefined);
    expect(parseReport('{"type":"platform.report","record":{}}')).to.equal(undefined);
  });

  it("parses its arguments", () => {
    expect(parseArgs(["wsauth-dev-authoriser"])).to.deep.equal({
      functions: ["wsauth-dev-authoriser"],
      count: 10,
      payload: undefined,
      region: undefined,
    });
    expect(parseArgs(["-n", "3", "--region", "eu-west-1", "--payload", "e.json", "a", "b"])).to.deep.equal({
      functions: ["a", "b"],
      count: 3,
      payload: "e.json",
      region: "eu-west-1",
    });
    expect(parseArgs(["--help"])).to.equal("help");
    expect(parseArgs([])).to.deep.equal({ error: "name at least one deployed function" });
    expect(parseArgs(["-n", "0", "a"])).to.have.property("error");
    expect(parseArgs(["-n", "2.5", "a"])).to.have.property("error");
    expect(parseArgs(["--count"])).to.deep.equal({ error: "--count needs a value" });
    expect(parseArgs(["--bogus", "a"])).to.deep.equal({ error: "unknown option --bogus" });
  });
});
