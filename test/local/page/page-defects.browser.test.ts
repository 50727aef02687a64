// The page's defects found by trying it as a new user would (issue 19), each shown fixed in headless Chromium
// against `make dev`: both loopback names, the close reason, the countdown, the log, Enter, the favicon, a stale
// session, and the connection kept authorised by the client library.
import { expect } from "chai";
import type { Cookie, Page } from "playwright-core";
import { type Browser, launchChromium, pageLog, textOf, waitForText } from "../support/chromium.ts";
import { type DevProcess, startDev } from "../support/dev-process.ts";

describe("the browser page's fixed defects in Chromium (local/page)", function () {
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

  async function openPage(link?: string): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(link ?? (await dev.freshPageUrl()));
    await page.waitForFunction(() => (document.getElementById("user") as HTMLInputElement).value === "alice");
    return page;
  }

  async function connect(page: Page, lifetimeSeconds = 600): Promise<void> {
    await page.fill("#expires-in", String(lifetimeSeconds));
    await page.click("#connect");
    await waitForText(page, "state", /^open$/).catch(async (err: Error) => {
      throw new Error(`${err.message}; state ${await textOf(page, "state")}; log ${(await pageLog(page)).join(" | ")}`);
    });
  }

  for (const host of ["localhost", "127.0.0.1"]) {
    it(`connects and gets a reply when opened at ${host}`, async () => {
      const page = await openPage((await dev.freshPageUrl()).replace("127.0.0.1", host));
      expect(new URL(page.url()).hostname).to.equal(host);
      await connect(page);
      await page.fill("#message", '{"action":"hello","text":"hi"}');
      await page.click("#send");
      await page.waitForFunction(() =>
        Array.from(document.querySelectorAll("#messages .in")).some((item) => item.textContent?.includes('"reply"')),
      );
      await page.close();
    });
  }

  it("names the reason in the state line when the server closes the connection", async () => {
    const page = await openPage();
    await connect(page);
    await page.fill("#user", "mallory");
    await page.click("#refresh");
    await waitForText(page, "state", /^closed by the server: refresh refused \(other_user\) \(code 1000\)$/, 15_000);
    await page.close();
  });

  it("stops the countdown once the connection is closed", async () => {
    const page = await openPage();
    await connect(page);
    await page.click("#disconnect");
    await waitForText(page, "state", /^closed by you/);
    const shown = await textOf(page, "remaining");
    await page.waitForTimeout(1500);
    expect(await textOf(page, "remaining")).to.equal(shown);
    expect(shown).to.not.match(/expires in/);
    await page.close();
  });

  it("keeps the log in a scrolling box that follows the newest line", async () => {
    const page = await openPage();
    await connect(page);
    for (let i = 0; i < 30; i += 1) await page.click("#send");
    await page.waitForFunction(() => document.querySelectorAll("#messages .in").length >= 30, undefined, {
      timeout: 30_000,
    });
    const box = await page.evaluate(() => {
      const log = document.getElementById("messages") as HTMLElement;
      return { scrollHeight: log.scrollHeight, clientHeight: log.clientHeight, scrollTop: log.scrollTop };
    });
    expect(box.scrollHeight, "the log scrolls inside its box").to.be.greaterThan(box.clientHeight);
    expect(box.scrollTop + box.clientHeight, "scrolled to the newest line").to.be.closeTo(box.scrollHeight, 2);
    await page.close();
  });

  it("sends the message when Enter is pressed in the message field", async () => {
    const page = await openPage();
    await connect(page);
    await page.fill("#message", '{"action":"hello","text":"by enter"}');
    await page.press("#message", "Enter");
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll("#messages .in")).some((item) => item.textContent?.includes("by enter")),
    );
    await page.close();
  });

  it("has a favicon the server serves", async () => {
    const page = await openPage();
    const icon = await page.evaluate(async () => {
      const href = document.querySelector<HTMLLinkElement>('link[rel="icon"]')?.href;
      if (href === undefined) return { status: 0, type: "" };
      const response = await fetch(href);
      return { status: response.status, type: response.headers.get("content-type") ?? "" };
    });
    expect(icon).to.deep.equal({ status: 200, type: "image/svg+xml" });
    await page.close();
  });

  it("says the session is stale, and to run make dev-url, when the mint refuses it", async () => {
    const page = await openPage();
    // What a restarted make dev does to an open page: the cookie it holds names a session the new stack never made.
    const [held] = await browser.context.cookies(new URL("/dev/token", page.url()).href);
    expect(held?.name).to.match(/^wsauth_dev_\d+$/);
    await browser.context.addCookies([{ ...(held as Cookie), value: "A".repeat(43) }]);
    await page.click("#connect");
    await page.waitForFunction(() => !(document.getElementById("no-session") as HTMLElement).hidden);
    expect((await pageLog(page)).at(-1))
      .to.include("session is not one the running make dev knows")
      .and.include("make dev-url");
    expect(await textOf(page, "no-session")).to.include("make dev-url");
    await page.close();
  });

  it("keeps the connection authorised across three token lifetimes with the client library", async () => {
    const page = await openPage();
    await connect(page, 4);
    // Three lifetimes of a 4-second token, then the log must show refreshes and still one connection.
    await page.waitForTimeout(12_500);
    expect(await textOf(page, "state")).to.match(/^open/);
    const log = await pageLog(page);
    expect(log.filter((line) => line.includes("connected as"))).to.have.length(1);
    expect(log.filter((line) => line.includes("reconnected"))).to.have.length(0);
    expect(log.filter((line) => line.includes('"type":"refreshed"')).length).to.be.at.least(3);
    await page.close();
  });
});
