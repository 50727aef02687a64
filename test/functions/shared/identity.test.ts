import { expect } from "chai";
import {
  type CallerIdentity,
  currentIdentity,
  parseGroups,
  readCallerIdentity,
} from "../../../functions/shared/identity.ts";
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
    for (const value of [
      "",
      "admin,ops",
      "admin",
      "[1]",
      '["a",1]',
      '{"0":"admin"}',
      '"admin"',
      "[",
      undefined,
      5,
      ['["a"]'],
    ]) {
      expect(parseGroups(value), String(value)).to.deep.equal([]);
    }
  });
});

describe("caller identity: exp, scopes and the registry's latest token", () => {
  const context = (extra: Record<string, string | number>) =>
    readCallerIdentity(makeRouteEvent({ authorizer: { sub: "s", username: "u", groups: '["a"]', ...extra } }));

  it("reads origin_jti (the registry's session key) only as a non-empty string", () => {
    expect(context({ origin_jti: "oj-1" })?.originJti).to.equal("oj-1");
    for (const origin_jti of ["", 7]) {
      expect(context({ origin_jti }), JSON.stringify(origin_jti)).to.not.have.property("originJti");
    }
    expect(context({}), "absent").to.not.have.property("originJti");
  });

  it("reads exp as a number or the text of one, and nothing else", () => {
    expect(context({ exp: 2_000_000_000 })?.exp).to.equal(2_000_000_000);
    expect(context({ exp: "2000000000" })?.exp).to.equal(2_000_000_000);
    for (const exp of ["", " ", "soon"]) expect(context({ exp })?.exp, JSON.stringify(exp)).to.be.NaN;
    expect(context({})?.exp).to.be.NaN;
  });

  it("needs a non-empty string sub (or principalId), and defaults username to it and token_use to nothing", () => {
    const read = (authorizer: Record<string, string | number> | undefined) =>
      readCallerIdentity(makeRouteEvent({ authorizer }));
    expect(read(undefined)).to.equal(undefined);
    expect(read({ sub: "" })).to.equal(undefined);
    expect(read({ sub: 5 })).to.equal(undefined);
    expect(read({ principalId: "p", exp: 1 })).to.deep.include({ sub: "p", username: "p", tokenUse: "", groups: [] });
    expect(read({ sub: "s", username: 7, token_use: "access", exp: 1 })).to.deep.include({
      username: "s",
      tokenUse: "access",
    });
  });

  it("reads scopes only when the context carries them", () => {
    expect(context({ exp: 1 })).to.not.have.property("scopes");
    expect(context({ exp: 1, scopes: '["x.read","y"]' })?.scopes).to.deep.equal(["x.read", "y"]);
  });

  const record = { connectionId: "c", sub: "s", username: "u2", exp: 1, connectedAt: 0, endpoint: "" };

  it("takes groups and scopes from the registry item when it has them", () => {
    const caller = context({ exp: 1, scopes: '["old"]' }) as CallerIdentity;
    expect(currentIdentity({ ...record, groups: ["b"], scopes: ["new"] }, caller)).to.deep.equal({
      sub: "s",
      username: "u2",
      groups: ["b"],
      scopes: ["new"],
    });
  });

  it("falls back to the authoriser's context for an item of the old shape (no identity fields)", () => {
    expect(currentIdentity(record, context({ exp: 1, scopes: '["old"]' }) as CallerIdentity)).to.deep.equal({
      sub: "s",
      username: "u2",
      groups: ["a"],
      scopes: ["old"],
    });
    expect(currentIdentity(record, context({ exp: 1 }) as CallerIdentity).scopes).to.deep.equal([]);
  });
});
