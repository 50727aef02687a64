import { expect } from "chai";
import { parseSweeperConfig, SweeperConfigError } from "../../../functions/sweeper/config.ts";
import { WsAuthError } from "../../../functions/shared/errors.ts";

describe("sweeper configuration", () => {
  it("warns 120 s ahead of a sweep every 60 s by default", () => {
    expect(parseSweeperConfig({})).to.deep.equal({ reauthWarningSeconds: 120, sweepIntervalSeconds: 60 });
  });

  it("takes a window equal to the interval, and 0 to send no warning", () => {
    expect(parseSweeperConfig({ REAUTH_WARNING_SECONDS: "300", SWEEP_INTERVAL_SECONDS: "300" })).to.deep.equal({
      reauthWarningSeconds: 300,
      sweepIntervalSeconds: 300,
    });
    expect(parseSweeperConfig({ REAUTH_WARNING_SECONDS: "0", SWEEP_INTERVAL_SECONDS: "3600" })).to.deep.include({
      reauthWarningSeconds: 0,
    });
  });

  it("refuses a window shorter than one sweep interval, naming REAUTH_WARNING_SECONDS", () => {
    const cases = [
      { REAUTH_WARNING_SECONDS: "59" },
      { SWEEP_INTERVAL_SECONDS: "300" },
      { REAUTH_WARNING_SECONDS: "299", SWEEP_INTERVAL_SECONDS: "300" },
    ];
    for (const env of cases) {
      expect(() => parseSweeperConfig(env), JSON.stringify(env))
        .to.throw(SweeperConfigError, /^REAUTH_WARNING_SECONDS: expected 0 \(no warning\) or at least SWEEP_INTERVAL/)
        .with.property("variable", "REAUTH_WARNING_SECONDS");
    }
  });

  it("refuses values that are not whole seconds in range, naming the variable", () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ REAUTH_WARNING_SECONDS: "2m" }, "REAUTH_WARNING_SECONDS"],
      [{ REAUTH_WARNING_SECONDS: "-1" }, "REAUTH_WARNING_SECONDS"],
      [{ REAUTH_WARNING_SECONDS: "7201" }, "REAUTH_WARNING_SECONDS"],
      [{ SWEEP_INTERVAL_SECONDS: "0" }, "SWEEP_INTERVAL_SECONDS"],
      [{ SWEEP_INTERVAL_SECONDS: "1.5" }, "SWEEP_INTERVAL_SECONDS"],
      [{ SWEEP_INTERVAL_SECONDS: "86401" }, "SWEEP_INTERVAL_SECONDS"],
    ];
    for (const [env, variable] of cases) {
      expect(() => parseSweeperConfig(env), JSON.stringify(env))
        .to.throw(SweeperConfigError, new RegExp(`^${variable}: expected whole seconds`))
        .with.property("variable", variable);
    }
    expect(new SweeperConfigError("X", "y", undefined)).to.be.instanceOf(WsAuthError);
  });

  it("is frozen", () => {
    expect(Object.isFrozen(parseSweeperConfig({}))).to.equal(true);
  });
});
