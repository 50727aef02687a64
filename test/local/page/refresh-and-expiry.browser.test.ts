// NEEDS THE ISSUE-12 BACKEND (refresh route, connection registry, sweeper): the page refreshes its token in place
// and shows the server closing the connection at expiry and on a foreign refresh, per the wire contract:
//   -> {"action":"refresh","token":"<jwt>"}
//   <- {"type":"refreshed","exp":<s>} | {"type":"error","error":"refresh_refused","reason":"..."} then close
//   <- {"type":"error","error":"token_expired","exp":<s>} from the sweeper, then close
import { expect } from "chai";
import { type Browser, launchChromium, pageLog, textOf, waitForText } from "../support/chromium.ts";
import { type DevProcess, startDev } from "../support/dev-process.ts";

describe("the browser page refreshes in place and shows expiry closing (local/page, with the registry, refresh route and sweeper)", function () {
  this.timeout(90_000);
  let browser: Browser;
  let dev: DevProcess;

  before(async () => {
    browser = await launchChromium();
    dev = startDev({ SWEEP_INTERVAL_SECONDS: "1" });
    await dev.ready();
  });
  after(async () => {
    await dev?.stop();
    await browser?.close();
  });

  async function openPage(lifetimeSeconds: number, autoRefresh = true) {
    const page = await browser.newPage();
    await page.goto(await dev.freshPageUrl());
    await page.waitForFunction(() => (document.getElementById("user") as HTMLInputElement).value === "alice");
    await page.fill("#expires-in", String(lifetimeSeconds));
    if (!autoRefresh) await page.uncheck("#auto-refresh");
    await page.click("#connect");
    await waitForText(page, "state", /^open$/);
    return page;
  }

  it("refreshes the token over the open socket and shows the new remaining time", async () => {
    const page = await openPage(20);
    expect(Number(/(\d+) s$/.exec(await textOf(page, "remaining"))?.[1])).to.be.at.most(20);
    await page.fill("#expires-in", "600");
    await page.click("#refresh");
    await waitForText(page, "state", /^open \(token refreshed\)$/);
    const seconds = Number(/^expires in (\d+) s$/.exec(await textOf(page, "remaining"))?.[1]);
    expect(seconds, "the server's new exp").to.be.within(590, 600);
    expect((await pageLog(page)).some((line) => /"type":"refreshed","exp":\d+/.test(line))).to.equal(true);
    await page.close();
  });

  it("shows the server closing the connection when a refresh carries another user's token", async () => {
    const page = await openPage(600);
    await page.fill("#user", "mallory");
    await page.click("#refresh");
    await waitForText(page, "state", /^closed by the server/, 15_000);
    expect(
      (await pageLog(page)).some((line) => line.includes('"error":"refresh_refused"') && line.includes("other_user")),
    ).to.equal(true);
    await page.close();
  });

  it("with refresh before expiry turned off, shows the server closing an idle connection within one sweep interval after its token expires", async () => {
    const page = await openPage(3, false);
    await waitForText(page, "state", /^closed by the server/, 15_000);
    const log = await pageLog(page);
    expect(log.some((line) => line.includes('"type":"error"') && line.includes('"error":"token_expired"'))).to.equal(
      true,
    );
    await page.close();
  });
});
