import { expect } from "chai";
import fc from "fast-check";
import { utcFields } from "../../../functions/shared/utc-time.ts";

// The fields the log timestamp and SigV4's X-Amz-Date are built from, against Date#toISOString (the oracle).
const fromIso = (ms: number): string[] => {
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:mm:ss.sssZ for years 0 to 9999
  return [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10), iso.slice(11, 13), iso.slice(14, 16), iso.slice(17, 19)];
};

describe("UTC date fields", () => {
  it("gives the fields toISOString gives, for any time in years 0 to 9999", () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date("0000-01-01T00:00:00.000Z"),
          max: new Date("9999-12-31T23:59:59.999Z"),
          noInvalidDate: true,
        }),
        (date) => {
          expect(utcFields(date.getTime())).to.deep.equal(fromIso(date.getTime()));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("pads every field to its fixed width, the year to four digits", () => {
    expect(utcFields(Date.parse("0999-02-03T04:05:06.007Z"))).to.deep.equal(["0999", "02", "03", "04", "05", "06"]);
    expect(utcFields(Date.parse("0007-01-01T00:00:00Z"))).to.deep.equal(["0007", "01", "01", "00", "00", "00"]);
    expect(utcFields(Date.parse("2026-12-31T23:59:59.999Z"))).to.deep.equal(["2026", "12", "31", "23", "59", "59"]);
  });
});
