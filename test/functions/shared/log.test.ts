import { expect } from "chai";
import sinon from "sinon";

type LogModule = typeof import("../../../functions/shared/log.ts");

const NOW = Date.parse("2026-12-01T12:34:56.789Z");
let loads = 0;

/**
 * A fresh copy of the log module (its own threshold and sink) under `AWS_LAMBDA_LOG_LEVEL=level` (unset when
 * undefined), with every line it writes collected. The variable stays set until the test ends.
 */
async function loadLog(level: string | undefined): Promise<{ log: LogModule["log"]; writes: string[] }> {
  if (level === undefined) delete process.env.AWS_LAMBDA_LOG_LEVEL;
  else process.env.AWS_LAMBDA_LOG_LEVEL = level;
  loads += 1;
  const module: LogModule = await import(`../../../functions/shared/log.ts?copy=${loads}`);
  const writes: string[] = [];
  module.logSink.write = (line: string) => {
    writes.push(line);
  };
  return { log: module.log, writes };
}

function levelsWritten(writes: string[]): unknown[] {
  return writes.map((line) => (JSON.parse(line) as { level: unknown }).level);
}

describe("JSON log lines", () => {
  const saved = process.env.AWS_LAMBDA_LOG_LEVEL;
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: NOW, toFake: ["Date"] });
  });
  afterEach(() => {
    clock.restore();
    if (saved === undefined) delete process.env.AWS_LAMBDA_LOG_LEVEL;
    else process.env.AWS_LAMBDA_LOG_LEVEL = saved;
  });

  it("writes each entry as one JSON object on one line: time, level, message, then the fields", async () => {
    const { log, writes } = await loadLog(undefined);
    log("WARN", "connection refused", { reason: "expired", groups: ["a", "b"], retry: false, size: 3 });
    expect(writes).to.have.length(1);
    expect(writes[0]).to.match(/^\{[^\n]*\}\n$/);
    expect(JSON.parse(writes[0] as string)).to.deep.equal({
      timestamp: "2026-12-01T12:34:56.789Z",
      level: "WARN",
      message: "connection refused",
      reason: "expired",
      groups: ["a", "b"],
      retry: false,
      size: 3,
    });
  });

  it("writes an entry without fields as time, level and message", async () => {
    const { log, writes } = await loadLog(undefined);
    log("ERROR", "sweep failed");
    expect(JSON.parse(writes[0] as string)).to.deep.equal({
      timestamp: "2026-12-01T12:34:56.789Z",
      level: "ERROR",
      message: "sweep failed",
    });
  });

  it("keeps a message with quotes and newlines on its one line", async () => {
    const { log, writes } = await loadLog(undefined);
    log("INFO", 'a "quoted"\nmessage');
    expect(writes[0]?.split("\n")).to.have.length(2);
    expect((JSON.parse(writes[0] as string) as { message: string }).message).to.equal('a "quoted"\nmessage');
  });

  it("writes each line, unless a test replaces the sink, as one write on fd 1", async () => {
    const fs = process.getBuiltinModule("node:fs");
    const writeSync = sinon
      .stub(fs, "writeSync")
      .callsFake((_fd: number, data: unknown) => Buffer.byteLength(String(data)));
    let lines: unknown[][];
    try {
      loads += 1; // A copy loaded now takes the stubbed writeSync, as the module reads it once at load.
      const module: LogModule = await import(`../../../functions/shared/log.ts?copy=${loads}`);
      module.log("INFO", "to fd 1");
    } finally {
      lines = writeSync.args.filter(([, data]) => String(data).includes("to fd 1"));
      writeSync.restore();
    }
    expect(lines).to.have.length(1);
    expect(lines[0]?.[0]).to.equal(1);
    expect(JSON.parse(String(lines[0]?.[1]))).to.include({ level: "INFO", message: "to fd 1" });
  });

  it("logs INFO, WARN and ERROR, and drops DEBUG, when Lambda sets no log level", async () => {
    const { log, writes } = await loadLog(undefined);
    for (const level of ["DEBUG", "INFO", "WARN", "ERROR"] as const) log(level, "m");
    expect(levelsWritten(writes)).to.deep.equal(["INFO", "WARN", "ERROR"]);
  });

  it("logs from the level Lambda's AWS_LAMBDA_LOG_LEVEL names up, in any case", async () => {
    const expected = {
      DEBUG: ["DEBUG", "INFO", "WARN", "ERROR"],
      info: ["INFO", "WARN", "ERROR"],
      Warn: ["WARN", "ERROR"],
      error: ["ERROR"],
    };
    for (const [setting, levels] of Object.entries(expected)) {
      const { log, writes } = await loadLog(setting);
      for (const level of ["DEBUG", "INFO", "WARN", "ERROR"] as const) log(level, "m");
      expect(levelsWritten(writes), setting).to.deep.equal(levels);
    }
  });

  it("falls back to INFO when AWS_LAMBDA_LOG_LEVEL names no level it knows", async () => {
    for (const setting of ["VERBOSE", "", "TRACE"]) {
      const { log, writes } = await loadLog(setting);
      for (const level of ["DEBUG", "INFO", "WARN", "ERROR"] as const) log(level, "m");
      expect(levelsWritten(writes), setting).to.deep.equal(["INFO", "WARN", "ERROR"]);
    }
  });
});
