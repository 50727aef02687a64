import { expect } from "chai";
import { transformSync } from "esbuild";
import { SourceMap, type SourceMapPayload } from "node:module";
import { runInThisContext } from "node:vm";
import { mapTrace, parseArgs, traceText } from "../../scripts/map-trace.ts";

// A real minified file and its map (esbuild, as make build uses it), run under Lambda's file name.
const SOURCE = [
  "function outerStep(n: number) {",
  "  return innerStep(n + 1);",
  "}",
  "function innerStep(n: number) {",
  '  if (n > 0) throw new Error("boom");',
  "  return n;",
  "}",
  "(globalThis as any).__mapTraceEntry = () => outerStep(1);",
].join("\n");

function minifiedTrace(): { trace: string; map: SourceMap } {
  const out = transformSync(SOURCE, {
    loader: "ts",
    minify: true,
    sourcemap: "external",
    sourcefile: "functions/authoriser/example.ts",
  });
  runInThisContext(out.code, { filename: "file:///var/task/index.mjs" });
  try {
    (globalThis as unknown as { __mapTraceEntry: () => void }).__mapTraceEntry();
  } catch (err) {
    return { trace: (err as Error).stack ?? "", map: new SourceMap(JSON.parse(out.map) as SourceMapPayload) };
  }
  throw new Error("expected a throw");
}

describe("scripts/map-trace.ts", () => {
  it("maps minified index.mjs frames to source lines and the names the map gives", () => {
    const { trace, map } = minifiedTrace();
    expect(trace).to.match(/index\.mjs:1:\d+/);
    const mapped = mapTrace(trace, map);
    const lines = mapped.split("\n");
    expect(lines[0]).to.equal("Error: boom");
    expect(lines[1]).to.match(/^ {4}at innerStep \(functions\/authoriser\/example\.ts:5:\d+\)$/);
    expect(lines[2]).to.match(/^ {4}at outerStep \(functions\/authoriser\/example\.ts:2:\d+\)$/);
    // Frames outside index.mjs (this test file's) are left as they were.
    expect(lines.slice(4)).to.deep.equal(trace.split("\n").slice(4));
  });

  it("reads Lambda's JSON error record", () => {
    const record = JSON.stringify({
      errorType: "ConfigError",
      errorMessage: "USER_POOL_ID: expected ...",
      stackTrace: ["ConfigError: USER_POOL_ID: expected ...", "    at Qe (file:///var/task/index.mjs:3:15775)"],
    });
    expect(traceText(record).split("\n")).to.deep.equal([
      "ConfigError: USER_POOL_ID: expected ...",
      "    at Qe (file:///var/task/index.mjs:3:15775)",
    ]);
    const framesOnly = JSON.stringify({ errorType: "E", errorMessage: "m", stackTrace: ["    at Qe (x)"] });
    expect(traceText(framesOnly)).to.equal("E: m\n    at Qe (x)");
    expect(traceText("Error: x\n    at y")).to.equal("Error: x\n    at y");
  });

  it("parses its arguments", () => {
    expect(parseArgs(["-f", "authoriser"])).to.deep.equal({
      functionName: "authoriser",
      dist: "dist",
      file: undefined,
    });
    expect(parseArgs(["--function", "message", "--dist", "/tmp/d", "trace.txt"])).to.deep.equal({
      functionName: "message",
      dist: "/tmp/d",
      file: "trace.txt",
    });
    expect(parseArgs(["--help"])).to.equal("help");
    expect(parseArgs([])).to.deep.equal({ error: "--function <name> is required" });
    expect(parseArgs(["-f"])).to.deep.equal({ error: "-f needs a value" });
    expect(parseArgs(["-f", "../x"])).to.have.property("error");
    expect(parseArgs(["-f", "a", "--nope"])).to.deep.equal({ error: "unknown option --nope" });
  });
});
