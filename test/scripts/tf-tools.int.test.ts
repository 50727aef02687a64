// scripts/tf-tools.sh on an empty cache, with a stand-in `go` that records each call (a real cold build takes
// minutes): both Go-built tools are installed, tflint stripped, and a failed tflint build fails the script.
import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";

const SCRIPT = join(import.meta.dirname, "..", "..", "scripts", "tf-tools.sh");

/** A `go` that logs each call and writes the binary `go install` or `go build -o` would. FAIL_TFLINT=1 makes the
 * tflint build fail; the AWS ruleset fails as the module proxy here refuses it. */
const FAKE_GO = `#!/usr/bin/env bash
set -uo pipefail
log="$FAKE_GO_LOG"
echo "start $*" >>"$log"
status=0
case "$1" in
  install)
    target="\${!#}"; name="\${target%@*}"; name="\${name##*/}"
    if [[ "$name" == tflint-ruleset-aws ]]; then status=1
    elif [[ "$name" == tflint && "\${FAIL_TFLINT:-}" == 1 ]]; then status=1
    else mkdir -p "$GOBIN" && printf '#!/bin/sh\\n' >"$GOBIN/$name" && chmod +x "$GOBIN/$name"; fi ;;
  build)
    while (($#)); do if [[ "$1" == -o ]]; then mkdir -p "$(dirname "$2")"; printf '#!/bin/sh\\n' >"$2"; chmod +x "$2"; fi; shift; done ;;
esac
exit "$status"
`;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly log: string[];
}

function runTools(dir: string, env: Record<string, string> = {}): Promise<Run> {
  const bin = join(dir, "bin");
  const log = join(dir, "go.log");
  writeFileSync(log, "");
  return new Promise((resolve) => {
    execFile(
      "bash",
      [SCRIPT, "tflint", "terraform-docs"],
      {
        env: {
          PATH: `${bin}:/usr/bin:/bin`,
          HOME: dir,
          WSAUTH_TOOLS_DIR: join(dir, "cache"),
          FAKE_GO_LOG: log,
          ...env,
        },
        timeout: 60_000,
      },
      (err, stdout) =>
        resolve({
          code: err ? Number((err as { code?: number }).code ?? 1) : 0,
          stdout,
          log: readFileSync(log, "utf8").trim().split("\n"),
        }),
    );
  });
}

describe("scripts/tf-tools.sh on an empty cache (a stand-in go)", function () {
  this.timeout(90_000);
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "tf-tools-"));
    const bin = join(dir, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "go"), FAKE_GO);
    chmodSync(join(bin, "go"), 0o755);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("installs tflint, stripped, and terraform-docs, and says where", async () => {
    const run = await runTools(dir);
    expect(run.code, run.log.join("\n")).to.equal(0);
    const tflint = run.log.find((line) => /install .*terraform-linters\/tflint@v/.test(line)) ?? "";
    expect(tflint).to.include("-ldflags=-s -w").and.include("-trimpath");
    expect(run.log.some((line) => /build .*-o .*terraform-docs/.test(line))).to.equal(true);
    expect(run.stdout).to.match(/^TFLINT=.*tflint-[\d.]+\/bin\/tflint$/m);
    expect(run.stdout).to.match(/^TERRAFORM_DOCS=.*terraform-docs-[\d.]+\/bin\/terraform-docs$/m);
  });

  it("fails when the tflint build fails, even though terraform-docs builds", async () => {
    const run = await runTools(dir, { FAIL_TFLINT: "1" });
    expect(run.code).to.not.equal(0);
    expect(run.stdout).to.not.match(/^TFLINT=/m);
  });
});
