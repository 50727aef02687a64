// Test tiers. Files named *.int.test.ts run built zips, child processes, real servers or outside tools, and
// *.browser.test.ts drive the page in Chromium;
// every other *.test.ts runs in-process in seconds. test/hardening is its own tier (long property runs).
//   MOCHA_TIER=unit   in-process suites only (`make unit`)
//   MOCHA_TIER=all    everything (`make test`, the default)
// Files named on the command line replace the tier's spec (mocha would otherwise add them to it), so
// `npx mocha test/functions/authoriser/config.test.ts` runs that one file.
const named = process.argv.slice(2).filter((arg) => /\.test\.ts$/.test(arg));
const tiers = {
  unit: {
    spec: ["test/**/*.test.ts"],
    ignore: ["test/**/*.int.test.ts", "test/**/*.browser.test.ts", "test/hardening/**"],
  },
  all: { spec: ["test/**/*.test.ts"], ignore: [] },
};
const tier = process.env.MOCHA_TIER || "all";
if (!(tier in tiers)) throw new Error(`MOCHA_TIER=${tier}: expected one of ${Object.keys(tiers).join(", ")}`);

module.exports = {
  spec: named.length > 0 ? [] : tiers[tier].spec,
  ignore: named.length > 0 ? [] : tiers[tier].ignore,
  extension: ["ts"],
  recursive: true,
  timeout: 30000,
  reporter: "spec",
  forbidOnly: true,
};
