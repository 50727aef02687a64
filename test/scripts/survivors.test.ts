import { expect } from "chai";
import {
  type MutationReport,
  mergeReports,
  percent,
  renderSurvivors,
  scores,
  staleness,
  survivors,
  unusedReasons,
} from "../../scripts/mutation/survivors.ts";
import type { SurvivorReason } from "../../scripts/mutation/survivor-reasons.ts";

/** A Stryker JSON report of one file per folder, one mutant per line, with the given statuses. */
function makeReport(statuses: Record<string, string[]>): MutationReport {
  const files: MutationReport["files"] = {};
  for (const [file, list] of Object.entries(statuses)) {
    files[file] = {
      source: list.map((status, i) => `const line${i + 1} = "${status} | x";`).join("\n"),
      mutants: list.map((status, i) => ({
        mutatorName: "StringLiteral",
        replacement: '""',
        status,
        location: { start: { line: i + 1, column: 15 }, end: { line: i + 1, column: 15 + status.length + 6 } },
      })),
    };
  }
  return { files };
}

const report = makeReport({
  "functions/authoriser/a.ts": ["Killed", "Survived", "Timeout", "NoCoverage", "RuntimeError"],
  "functions/shared/b.ts": ["Killed", "Killed", "Killed", "Survived"],
  "functions/message/c.ts": ["Survived"],
});

describe("mutation survivors list (scripts/mutation/survivors.ts)", () => {
  it("scores each folder as Stryker does: killed and timed out over all but errors", () => {
    const [authoriser, shared] = scores(report);
    expect(authoriser).to.deep.equal({
      folder: "functions/authoriser",
      files: 1,
      detected: 2,
      survived: 1,
      noCoverage: 1,
      invalid: 1,
    });
    expect(percent(authoriser as never)).to.equal("50.0%");
    expect(percent(shared as never)).to.equal("75.0%");
  });

  it("lists the survivors and uncovered mutants of the two folders only, each with its matching reason", () => {
    const reasons: SurvivorReason[] = [{ file: "functions/shared/b.ts", code: "line4", reason: "equivalent: why" }];
    const found = survivors(report, reasons);
    expect(found.map((s) => [s.file, s.line, s.status, s.reason])).to.deep.equal([
      ["functions/authoriser/a.ts", 2, "Survived", undefined],
      ["functions/authoriser/a.ts", 4, "NoCoverage", undefined],
      ["functions/shared/b.ts", 4, "Survived", "equivalent: why"],
    ]);
  });

  it("matches a reason's mutator when it names one, and reports a reason that matches nothing", () => {
    const reasons: SurvivorReason[] = [
      { file: "functions/shared/b.ts", code: "line4", mutator: "Regex", reason: "not this mutator" },
      { file: "functions/authoriser/a.ts", code: "line9", reason: "stale" },
    ];
    expect(survivors(report, reasons).every((s) => s.reason === undefined)).to.equal(true);
    expect(unusedReasons(report, reasons)).to.deep.equal(reasons);
  });

  it("does not judge a reason for a line the report did not measure: its file absent, or its mutants ignored", () => {
    const ignored = makeReport({ "functions/shared/b.ts": ["Killed", "Ignored"] });
    const reasons: SurvivorReason[] = [
      { file: "functions/shared/not-run.ts", code: "line1", reason: "kept" },
      { file: "functions/shared/b.ts", code: "line2", reason: "static, kept" },
      { file: "functions/shared/b.ts", code: "line1", reason: "stale" },
    ];
    expect(unusedReasons(ignored, reasons)).to.deep.equal([reasons[2]]);
  });

  it("renders a table row per survivor, escaping the table's pipes, and flags one without a reason", () => {
    const text = renderSurvivors(report, []);
    expect(text).to.include("| `functions/shared` | 1 | 3 | 1 | 0 | 0 | 75.0% |");
    expect(text).to.include("| `functions/authoriser/a.ts` | 2 | 1 | 1 | 1 | 50.0% |");
    expect(text).to.include("## functions/authoriser/a.ts");
    expect(text).to.include('| 4 | StringLiteral (no coverage) | "NoCoverage \\| x" | "" | **no reason yet** |');
    expect(text).to.not.include("functions/message");
  });

  it("merges several runs' reports file by file, the later run winning", () => {
    const whole = makeReport({
      "functions/shared/b.ts": ["Survived", "Survived"],
      "functions/shared/c.ts": ["Killed"],
    });
    const rerun = makeReport({ "functions/shared/b.ts": ["Killed", "Killed"] });
    const merged = mergeReports([whole, rerun]);
    expect(Object.keys(merged.files).sort()).to.deep.equal(["functions/shared/b.ts", "functions/shared/c.ts"]);
    expect(scores(merged)[1]).to.include({ files: 2, detected: 3, survived: 0 });
    expect(scores(mergeReports([rerun, whole]))[1]).to.include({ detected: 1, survived: 2 });
  });

  it("overlays a later run of the same source mutant by mutant, keeping what it did not measure", () => {
    const whole = makeReport({ "functions/shared/b.ts": ["Survived", "Survived", "Killed"] });
    const entry = whole.files["functions/shared/b.ts"];
    if (entry === undefined) throw new Error("no entry");
    const second = { ...(entry.mutants[1] as (typeof entry.mutants)[number]), status: "Killed" };
    const range = { files: { "functions/shared/b.ts": { source: entry.source, mutants: [second] } } };
    const merged = mergeReports([whole, range]);
    expect(merged.files["functions/shared/b.ts"]?.mutants.map((m) => m.status)).to.deep.equal([
      "Survived",
      "Killed",
      "Killed",
    ]);
    const changed = { files: { "functions/shared/b.ts": { source: "other code", mutants: [second] } } };
    expect(mergeReports([whole, changed]).files["functions/shared/b.ts"]?.mutants).to.have.length(1);
  });

  it("names measured files whose code has changed since, and files of the folders no run measured", () => {
    const onDisk: Record<string, string> = {
      "functions/authoriser/a.ts": report.files["functions/authoriser/a.ts"]?.source ?? "",
      "functions/shared/b.ts": "changed since the run",
      "functions/shared/new.ts": "export {};",
    };
    const result = staleness(report, (file) => onDisk[file], Object.keys(onDisk));
    expect(result).to.deep.equal({ changed: ["functions/shared/b.ts"], unmeasured: ["functions/shared/new.ts"] });
  });
});
