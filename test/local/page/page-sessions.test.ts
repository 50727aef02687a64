// The one-time codes behind the page's link: each opens one session, once, within its lifetime; sessions are only
// the values handed out; lookups compare in constant time; the store stays bounded.
import { createRequire, syncBuiltinESMExports } from "node:module";
import { expect } from "chai";
import sinon from "sinon";
import { CODE_LIFETIME_MS, MAX_LIVE, PageSessions } from "../../../local/page/page-sessions.ts";

describe("the page's one-time codes and sessions (local/page/page-sessions.ts)", () => {
  afterEach(() => {
    sinon.restore();
    syncBuiltinESMExports();
  });

  it("swaps a code for a session once: a second use of the same code is refused", () => {
    const sessions = new PageSessions();
    const code = sessions.issueCode();
    expect(code).to.match(/^[A-Za-z0-9_-]{22}$/);
    const session = sessions.redeem(code);
    expect(session)
      .to.be.a("string")
      .and.match(/^[A-Za-z0-9_-]{43}$/);
    expect(sessions.isSession(session)).to.equal(true);
    expect(sessions.redeem(code)).to.equal(undefined);
  });

  it("refuses an unknown code, an empty one and a session value offered as a code", () => {
    const sessions = new PageSessions();
    const session = sessions.redeem(sessions.issueCode()) as string;
    expect(sessions.redeem("")).to.equal(undefined);
    expect(sessions.redeem("A".repeat(22))).to.equal(undefined);
    expect(sessions.redeem(session)).to.equal(undefined);
  });

  it("refuses a code at the end of its lifetime, and burns it, so it fails later too", () => {
    let now = 1_000_000;
    const sessions = new PageSessions({ now: () => now });
    const late = sessions.issueCode();
    const inTime = sessions.issueCode();
    now += CODE_LIFETIME_MS - 1;
    expect(sessions.redeem(inTime)).to.be.a("string");
    now += 1;
    expect(sessions.redeem(late)).to.equal(undefined);
    now -= CODE_LIFETIME_MS;
    expect(sessions.redeem(late), "burnt, not kept for a later try").to.equal(undefined);
  });

  it("keeps each code apart: redeeming one leaves the others good", () => {
    const sessions = new PageSessions();
    const codes = [sessions.issueCode(), sessions.issueCode(), sessions.issueCode()];
    expect(new Set(codes).size).to.equal(3);
    const [first, second, third] = codes.map((code) => sessions.redeem(code));
    expect(new Set([first, second, third]).size).to.equal(3);
    for (const session of [first, second, third]) expect(sessions.isSession(session)).to.equal(true);
  });

  it("takes as sessions only values it handed out", () => {
    const sessions = new PageSessions();
    const session = sessions.redeem(sessions.issueCode()) as string;
    expect(sessions.isSession(undefined)).to.equal(false);
    expect(sessions.isSession("")).to.equal(false);
    expect(sessions.isSession(sessions.issueCode()), "a code is not a session").to.equal(false);
    expect(sessions.isSession(`${session.slice(0, -1)}${session.endsWith("A") ? "B" : "A"}`)).to.equal(false);
    expect(sessions.isSession(`${session}x`)).to.equal(false);
    expect(new PageSessions().isSession(session), "another stack's session").to.equal(false);
  });

  it("compares codes and sessions with timingSafeEqual against every entry, not by lookup", () => {
    const crypto: { timingSafeEqual: (a: Buffer, b: Buffer) => boolean } = createRequire(import.meta.url)(
      "node:crypto",
    );
    const sessions = new PageSessions();
    const codes = [sessions.issueCode(), sessions.issueCode(), sessions.issueCode()];
    const compare = sinon.spy(crypto, "timingSafeEqual");
    // The store imports the ESM binding: the spy reaches it only once the builtin's exports are synced.
    syncBuiltinESMExports();
    sessions.redeem(codes[0] as string);
    expect(compare.callCount, "the match comes first, the other two are still compared").to.equal(3);
    compare.resetHistory();
    sessions.redeem("B".repeat(22));
    expect(compare.callCount).to.equal(2);
  });

  it(`forgets the oldest past ${MAX_LIVE} codes or sessions, so no caller can grow the process`, () => {
    const sessions = new PageSessions();
    const first = sessions.issueCode();
    const rest = Array.from({ length: MAX_LIVE }, () => sessions.issueCode());
    expect(sessions.redeem(first)).to.equal(undefined);
    expect(sessions.redeem(rest[0] as string)).to.be.a("string");
    const held = rest.slice(1).map((code) => sessions.redeem(code) as string);
    const oldest = held[0];
    for (let i = 0; i < 2; i += 1) sessions.redeem(sessions.issueCode());
    expect(sessions.isSession(oldest)).to.equal(false);
    expect(sessions.isSession(held.at(-1))).to.equal(true);
  });
});
