import { expect } from "chai";
import { BenchOutputError, benchOutput, COMMITTED_RESULTS, SCRATCH_RESULTS } from "../../bench/output.ts";

describe("where make bench writes (bench/output.ts)", () => {
  it("writes a scratch folder under dist/ unless asked, so QUICK=1 leaves the committed results alone", () => {
    for (const env of [{}, { QUICK: "1" }, { SAVE: "" }, { SAVE: "0" }]) {
      expect(benchOutput(env), JSON.stringify(env)).to.deep.equal({ dir: SCRATCH_RESULTS, committed: false });
    }
    expect(SCRATCH_RESULTS).to.match(/\/dist\/bench$/);
  });

  it("writes the committed bench/results with SAVE=1", () => {
    expect(benchOutput({ SAVE: "1" })).to.deep.equal({ dir: COMMITTED_RESULTS, committed: true });
    expect(COMMITTED_RESULTS).to.match(/\/bench\/results$/);
  });

  it("refuses any other SAVE value, naming the variable", () => {
    expect(() => benchOutput({ SAVE: "yes" })).to.throw(
      BenchOutputError,
      'SAVE: expected 1 (write the committed bench/results) or nothing, got "yes"',
    );
  });
});
