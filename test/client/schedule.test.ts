// The client's pure rules: back-off steps, when to refresh, reading exp, which closes allow a reconnect.
import { expect } from "chai";
import { closeAllowsReconnect, refreshDelay, retryDelay, tokenExp } from "../../client/schedule.ts";
import { LocalIssuer } from "../../local/issuer/issuer.ts";

describe("the client's schedule rules (client/schedule.ts)", () => {
  it("doubles the back-off per failure up to the ceiling, jittered between half and all of the step", () => {
    expect([0, 1, 2, 3].map((failures) => retryDelay(failures, 1000, 30_000, () => 0.999999))).to.deep.equal([
      1000, 2000, 4000, 8000,
    ]);
    expect(retryDelay(2, 1000, 30_000, () => 0)).to.equal(2000);
    expect(retryDelay(10, 1000, 30_000, () => 0.999999)).to.equal(30_000);
  });

  it("refreshes a minute ahead of a long-lived token, and a third of the time left ahead of a short one", () => {
    const now = 1_000_000_000_000;
    expect(refreshDelay(now / 1000 + 3600, now, 60_000)).to.equal(3_540_000);
    expect(refreshDelay(now / 1000 + 6, now, 60_000)).to.equal(4000);
    expect(refreshDelay(now / 1000 - 5, now, 60_000), "already expired: at once").to.equal(0);
  });

  it("reads exp from a real token, and nothing from junk", () => {
    const issuer = new LocalIssuer();
    const token = issuer.mint({ username: "alice", expiresIn: 120 });
    expect(tokenExp(token)).to.be.closeTo(Date.now() / 1000 + 120, 2);
    for (const junk of ["", "a.b.c", "x.eyJleHAiOiJzb29uIn0.y", "not a token"])
      expect(tokenExp(junk), junk).to.equal(undefined);
  });

  it("reconnects after going away, abnormal closes and an explained 1000; never after a refused refresh", () => {
    expect(closeAllowsReconnect(1001, undefined), "idle timeout, 2-hour limit").to.equal(true);
    expect(closeAllowsReconnect(1006, undefined), "dropped").to.equal(true);
    expect(closeAllowsReconnect(1011, undefined), "server error").to.equal(true);
    expect(closeAllowsReconnect(1000, "token_expired"), "closed at expiry").to.equal(true);
    expect(closeAllowsReconnect(1000, undefined), "closed by the application").to.equal(false);
    expect(closeAllowsReconnect(1000, "refresh_refused")).to.equal(false);
    expect(closeAllowsReconnect(1006, "refresh_refused")).to.equal(false);
    expect(closeAllowsReconnect(1000, "revoked"), "revoked: the same token would reconnect").to.equal(false);
    expect(closeAllowsReconnect(1006, "revoked")).to.equal(false);
    expect(closeAllowsReconnect(1009, undefined), "message too big would repeat").to.equal(false);
    expect(closeAllowsReconnect(1003, undefined), "binary frames would repeat").to.equal(false);
  });
});
