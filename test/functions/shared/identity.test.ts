import { expect } from "chai";
import { parseGroups, readCallerIdentity } from "../../../functions/shared/identity.ts";
import { makeRouteEvent } from "../../../local/gateway/sample-events.ts";

describe("caller identity from the authoriser's context", () => {
  it("reads groups as the JSON array the authoriser sends, keeping commas inside names", () => {
    const identity = readCallerIdentity(
      makeRouteEvent({
        authorizer: {
          principalId: "s",
          sub: "s",
          username: "u",
          groups: '["not,admin","ops"]',
          exp: 1,
          token_use: "id",
        },
      }),
    );
    expect(identity?.groups).to.deep.equal(["not,admin", "ops"]);
  });

  it("finds no groups in anything but a JSON array of strings", () => {
    for (const value of ["", "admin,ops", "admin", "[1]", '{"0":"admin"}', '"admin"', "[", undefined, 5]) {
      expect(parseGroups(value), String(value)).to.deep.equal([]);
    }
  });
});
