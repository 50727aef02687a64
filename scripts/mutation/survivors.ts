// `make mutation-survivors` (also run by `make mutation`): scripts/mutation/SURVIVORS.md from Stryker's
// dist/mutation/report.json: the score per folder and every mutant left alive in functions/authoriser and
// functions/shared, each with the reason written by hand in survivor-reasons.ts. `--check` writes nothing and fails
// when the file is stale, a survivor has no reason, or a reason matches no survivor.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SURVIVOR_REASONS, type SurvivorReason } from "./survivor-reasons.ts";

export const FOLDERS = ["functions/authoriser", "functions/shared"] as const;

interface ReportMutant {
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly status: string;
  readonly location: { start: { line: number; column: number }; end: { line: number; column: number } };
}
export interface MutationReport {
  readonly files: Record<string, { source: string; mutants: ReportMutant[] }>;
}

export interface Survivor {
  readonly file: string;
  readonly line: number;
  readonly mutator: string;
  readonly status: "Survived" | "NoCoverage";
  /** The source line the mutant starts on, trimmed: what a reason matches. */
  readonly code: string;
  /** The code the mutant replaces (its first line). */
  readonly original: string;
  readonly becomes: string;
  readonly reason: string | undefined;
}

export interface FolderScore {
  readonly folder: string;
  /** Files of the folder in the report: a run with MUTATE and no earlier results holds only those. */
  readonly files: number;
  readonly detected: number;
  readonly survived: number;
  readonly noCoverage: number;
  readonly invalid: number;
}

const inFolder = (file: string, folder: string): boolean => file.startsWith(`${folder}/`);

const mutantKey = (m: ReportMutant): string =>
  `${m.location.start.line}:${m.location.start.column}-${m.location.end.line}:${m.location.end.column} ${m.mutatorName} ${m.replacement ?? ""}`;

/**
 * Several runs' reports as one: a file's results come from the last report that holds it, so a run over a whole
 * folder followed by runs over the files changed since gives the score of the tree as it is now. Where a later run
 * measured the same source (a line range, with more tests), its results replace those of the same mutants only.
 */
export function mergeReports(reports: readonly MutationReport[]): MutationReport {
  const files: Record<string, MutationReport["files"][string]> = {};
  for (const report of reports)
    for (const [file, entry] of Object.entries(report.files)) {
      const earlier = files[file];
      if (earlier === undefined || earlier.source !== entry.source) {
        files[file] = entry;
        continue;
      }
      const later = new Map(entry.mutants.map((m) => [mutantKey(m), m]));
      const known = new Set(earlier.mutants.map(mutantKey));
      files[file] = {
        source: entry.source,
        mutants: [
          ...earlier.mutants.map((m) => later.get(mutantKey(m)) ?? m),
          ...entry.mutants.filter((m) => !known.has(mutantKey(m))),
        ],
      };
    }
  return { files };
}

/**
 * What keeps the report from being the score of the tree on disk: a measured file whose source has changed since
 * (its results are for other code), and a file of the two folders that no run measured.
 */
export function staleness(report: MutationReport, readSource: (file: string) => string | undefined, onDisk: string[]) {
  const changed = Object.entries(report.files)
    .filter(([file]) => FOLDERS.some((folder) => inFolder(file, folder)))
    .filter(([file, { source }]) => readSource(file) !== source)
    .map(([file]) => file);
  const unmeasured = onDisk.filter((file) => report.files[file] === undefined);
  return { changed, unmeasured };
}

function tally(report: MutationReport, folder: string, includes: (file: string) => boolean): FolderScore {
  const score = { folder, files: 0, detected: 0, survived: 0, noCoverage: 0, invalid: 0 };
  for (const [file, { mutants }] of Object.entries(report.files)) {
    if (!includes(file)) continue;
    score.files += 1;
    for (const { status } of mutants) {
      if (status === "Killed" || status === "Timeout") score.detected += 1;
      else if (status === "Survived") score.survived += 1;
      else if (status === "NoCoverage") score.noCoverage += 1;
      else score.invalid += 1;
    }
  }
  return score;
}

/** Stryker's mutation score: killed and timed-out over every mutant that ran (errors and ignored mutants left out). */
export function scores(report: MutationReport): FolderScore[] {
  return FOLDERS.map((folder) => tally(report, folder, (file) => inFolder(file, folder)));
}

/** The same score per file of the two folders (`folder` is then the file). */
export function fileScores(report: MutationReport): FolderScore[] {
  return Object.keys(report.files)
    .filter((file) => FOLDERS.some((folder) => inFolder(file, folder)))
    .sort((a, b) => a.localeCompare(b))
    .map((file) => tally(report, file, (name) => name === file));
}

export const percent = ({ detected, survived, noCoverage }: FolderScore): string =>
  `${((100 * detected) / (detected + survived + noCoverage)).toFixed(1)}%`;

function reasonFor(reasons: readonly SurvivorReason[], file: string, code: string, mutator: string) {
  return reasons.find(
    (rule) =>
      rule.file === file && code.includes(rule.code) && (rule.mutator === undefined || rule.mutator === mutator),
  );
}

export function survivors(report: MutationReport, reasons: readonly SurvivorReason[] = SURVIVOR_REASONS): Survivor[] {
  const found: Survivor[] = [];
  for (const [file, { source, mutants }] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
    if (!FOLDERS.some((folder) => inFolder(file, folder))) continue;
    const lines = source.split("\n");
    const alive = mutants.filter((mutant) => mutant.status === "Survived" || mutant.status === "NoCoverage");
    alive.sort(
      (a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column,
    );
    for (const mutant of alive) {
      const { start, end } = mutant.location;
      const line = lines[start.line - 1] ?? "";
      const code = line.trim();
      const original =
        start.line === end.line ? line.slice(start.column - 1, end.column - 1) : `${line.slice(start.column - 1)}…`;
      found.push({
        file,
        line: mutant.location.start.line,
        mutator: mutant.mutatorName,
        status: mutant.status as Survivor["status"],
        code,
        original,
        becomes: (mutant.replacement ?? "").replace(/\s+/g, " "),
        reason: reasonFor(reasons, file, code, mutant.mutatorName)?.reason,
      });
    }
  }
  return found;
}

/**
 * Whether the report measured the line a reason names: some mutant on it ran. Not when its file is absent, the run
 * covered only part of the file (MUTATE with line ranges), or its mutants were ignored as static.
 */
function measured(report: MutationReport, rule: SurvivorReason): boolean {
  const file = report.files[rule.file];
  if (file === undefined) return false;
  const lines = file.source.split("\n");
  if (!lines.some((line) => line.includes(rule.code))) return true; // The line is gone: the reason is stale.
  return file.mutants.some(
    (mutant) => mutant.status !== "Ignored" && (lines[mutant.location.start.line - 1] ?? "").includes(rule.code),
  );
}

/**
 * Reasons no survivor matches any more: the mutant was killed or its line changed, so the reason is stale. A reason
 * for a line the report did not measure is not judged.
 */
export function unusedReasons(report: MutationReport, reasons: readonly SurvivorReason[] = SURVIVOR_REASONS) {
  const used = new Set(
    survivors(report, reasons).map((survivor) => reasonFor(reasons, survivor.file, survivor.code, survivor.mutator)),
  );
  return reasons.filter((rule) => measured(report, rule) && !used.has(rule));
}

const cell = (text: string, max = 70): string => {
  const short = text.length > max ? `${text.slice(0, max - 1)}…` : text;
  return short.replaceAll("\\", "\\\\").replaceAll("|", "\\|").replaceAll("<", "&lt;").replaceAll("`", "'");
};

export function renderSurvivors(report: MutationReport, reasons: readonly SurvivorReason[] = SURVIVOR_REASONS): string {
  const out = [
    "# Surviving mutants",
    "",
    "Generated by `make mutation-survivors` (and at the end of `make mutation`) from `dist/mutation/report.json`; do",
    "not edit: each reason is written in `scripts/mutation/survivor-reasons.ts`, matched on the file, the line's code",
    "and, where given, the mutator. `equivalent`: no behaviour changes, so no test can tell. `left`: a real change",
    "that no test here kills, and why. `by hand`: Stryker cannot see the kill (the code runs once per process, or in",
    "a built zip), and the mutant was applied by hand and the named test failed.",
    "",
    "Scores and survivors cover the files in the report only (a file not in it was not measured by the runs the",
    "report holds). Errors and ignored (static) mutants are not counted, as Stryker does.",
    "",
    "| Folder | Files in the report | Killed or timed out | Survived | No coverage | Errors or ignored | Score |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...scores(report).map(
      (s) =>
        `| \`${s.folder}\` | ${s.files} | ${s.detected} | ${s.survived} | ${s.noCoverage} | ${s.invalid} | ${percent(s)} |`,
    ),
    "",
    "| File | Killed or timed out | Survived | No coverage | Errors or ignored | Score |",
    "| --- | --- | --- | --- | --- | --- |",
    ...fileScores(report).map(
      (s) => `| \`${s.folder}\` | ${s.detected} | ${s.survived} | ${s.noCoverage} | ${s.invalid} | ${percent(s)} |`,
    ),
  ];
  let file = "";
  for (const survivor of survivors(report, reasons)) {
    if (survivor.file !== file) {
      file = survivor.file;
      out.push("", `## ${file}`, "", "| Line | Mutator | Code | Becomes | Reason |", "| --- | --- | --- | --- | --- |");
    }
    const status = survivor.status === "NoCoverage" ? " (no coverage)" : "";
    out.push(
      `| ${survivor.line} | ${survivor.mutator}${status} | ${cell(survivor.original, 60)} | ${cell(survivor.becomes, 60)} | ${cell(survivor.reason ?? "**no reason yet**", 400)} |`,
    );
  }
  return `${out.join("\n")}\n`;
}

/** The .ts files of the two folders in the working tree, as paths from the root. */
function filesOnDisk(root: string): string[] {
  return FOLDERS.flatMap((folder) =>
    readdirSync(join(root, folder))
      .filter((name) => name.endsWith(".ts"))
      .map((name) => `${folder}/${name}`),
  ).sort((a, b) => a.localeCompare(b));
}

if (import.meta.main) {
  const root = join(import.meta.dirname, "..", "..");
  // REPORTS="older.json newer.json": later reports replace earlier ones file by file (see mergeReports).
  const reportPaths = (process.env.REPORTS ?? "").split(/\s+/).filter(Boolean);
  if (reportPaths.length === 0) reportPaths.push(join(root, "dist", "mutation", "report.json"));
  const target = join(import.meta.dirname, "SURVIVORS.md");
  const report = mergeReports(reportPaths.map((path) => JSON.parse(readFileSync(path, "utf8")) as MutationReport));
  const text = renderSurvivors(report);
  for (const s of scores(report)) process.stdout.write(`${s.folder}: ${percent(s)}\n`);
  const { changed, unmeasured } = staleness(
    report,
    (file) => (existsSync(join(root, file)) ? readFileSync(join(root, file), "utf8") : undefined),
    filesOnDisk(root),
  );
  for (const file of changed) process.stdout.write(`measured on other code than the tree's: ${file}\n`);
  for (const file of unmeasured) process.stdout.write(`not in the report: ${file}\n`);
  if (process.argv.includes("--check")) {
    const problems = [
      ...(readFileSync(target, "utf8") === text ? [] : ["SURVIVORS.md is stale: run make mutation-survivors"]),
      ...survivors(report)
        .filter((s) => s.reason === undefined)
        .map((s) => `no reason for ${s.file}:${s.line} ${s.mutator}`),
      ...unusedReasons(report).map((rule) => `reason matches no survivor: ${rule.file} "${rule.code}"`),
    ];
    for (const problem of problems) process.stderr.write(`${problem}\n`);
    process.exit(problems.length === 0 ? 0 : 1);
  }
  writeFileSync(target, text);
  const missing = survivors(report).filter((s) => s.reason === undefined).length;
  process.stdout.write(`wrote ${target}: ${missing} survivor(s) without a reason\n`);
}
