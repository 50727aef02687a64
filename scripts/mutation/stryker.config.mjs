// StrykerJS for `make mutation`, run from the repository root (the Makefile sets MOCHA_TIER=unit, so .mocharc.cjs
// gives the unit tier). Mutants are switched in-process, so only tests that import functions/ can kill them.
const report = "dist/mutation";

export default {
  testRunner: "mocha",
  coverageAnalysis: "perTest",
  mutate: ["functions/**/*.ts"],
  mochaOptions: {
    config: ".mocharc.cjs",
    // The int tests that import functions/ in-process: the registry, the sweeper (expiry and warning), the refresh
    // race and revoke against moto, and the registry's DynamoDB faults, signed requests, http1.ts over TLS, the JWKS
    // fetch and the authoriser's entry point against loopback servers.
    // `file` is not subject to the tier's ignore list, as `spec` would be.
    file: [
      "test/functions/shared/registry.int.test.ts",
      "test/functions/shared/registry-faults.int.test.ts",
      "test/functions/shared/signed-request.int.test.ts",
      "test/functions/shared/http1-tls.int.test.ts",
      "test/functions/sweeper/sweep.int.test.ts",
      "test/functions/sweeper/warning.int.test.ts",
      "test/functions/refresh/refresh-race.int.test.ts",
      "test/functions/revoke/revoke.int.test.ts",
      "test/functions/authoriser/jwks-fetch.int.test.ts",
      "test/functions/authoriser/handler.int.test.ts",
    ],
  },
  // Reuse the last run's results for mutants whose code and covering tests did not change (FORCE=1 runs them all).
  incremental: true,
  incrementalFile: `${report}/incremental.json`,
  tempDirName: "dist/.stryker-tmp",
  ignorePatterns: ["dist", "bench/results", "terraform/**/.terraform", "scripts/mutation/node_modules"],
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: `${report}/index.html` },
  jsonReporter: { fileName: `${report}/report.json` },
  clearTextReporter: { allowColor: false, logTests: false },
  thresholds: { high: 90, low: 70, break: null },
  // A timeout counts as killed: on a loaded machine 10 s let tests merely slowed by load pass as kills (117 of 1,085).
  timeoutMS: 30000,
  cleanTempDir: "always",
};
