// The banner's link in real Chromium: it opens the page, and what the browser keeps of it (address bar, the tab's
// navigation entries, storage, cookies visible to script) holds neither the code nor the mint key; the same link
// opened again, as from the browser's history, is refused with a page naming make dev-url, whose link works.
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { type Browser, launchChromium, textOf, waitForText } from "../support/chromium.ts";
import { type DevProcess, startDev } from "../support/dev-process.ts";

describe("the page's one-time link in Chromium (local/page)", function () {
  this.timeout(90_000);
  let browser: Browser;
  let dev: DevProcess;

  before(async () => {
    browser = await launchChromium();
    dev = startDev();
    await dev.ready();
  });
  after(async () => {
    await dev?.stop();
    await browser?.close();
  });

  it("opens the page from the banner's link, and leaves no code or key in the tab's history or the page", async () => {
    const link = dev.pageUrl();
    const code = new URL(link).searchParams.get("code") as string;
    const { mintSecret } = JSON.parse(readFileSync(dev.stateFile, "utf8")) as { mintSecret: string };
    expect(code).to.match(/^[A-Za-z0-9_-]{22}$/);

    const page = await browser.newPage();
    await page.goto(link);
    await page.waitForFunction(() => (document.getElementById("user") as HTMLInputElement).value === "alice");
    expect(page.url()).to.equal(new URL("/", link).href);
    expect(await page.isHidden("#no-session")).to.equal(true);

    const cdp = await browser.context.newCDPSession(page);
    const { entries } = (await cdp.send("Page.getNavigationHistory")) as { entries: Array<{ url: string }> };
    // A new tab starts at about:blank; the link itself left no entry, only the page it led to.
    expect(entries.map((entry) => entry.url)).to.deep.equal(["about:blank", new URL("/", link).href]);
    const kept = await page.evaluate(() => ({
      length: history.length,
      href: location.href,
      cookie: document.cookie,
      storage: JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }),
      html: document.documentElement.outerHTML,
    }));
    expect(kept.length, "the page's own count agrees").to.equal(entries.length);
    expect(kept.cookie, "the session cookie is HttpOnly").to.equal("");
    for (const secret of [code, mintSecret]) expect(JSON.stringify(kept)).to.not.include(secret);

    await page.click("#connect");
    await waitForText(page, "state", /^open$/);
    await page.close();
  });

  it("refuses the same link again, as opened from history, with a page that says to run make dev-url", async () => {
    const link = dev.pageUrl();
    await browser.context.clearCookies();
    const page = await browser.newPage();
    const response = await page.goto(link);
    expect(response?.status()).to.equal(410);
    expect(await page.textContent("body"))
      .to.include("used already, or has expired")
      .and.include("make dev-url");
    const cookies = await browser.context.cookies(link);
    expect(cookies, "no session for a used link").to.deep.equal([]);

    await page.goto(new URL("/", link).href);
    await page.waitForFunction(() => !(document.getElementById("no-session") as HTMLElement).hidden);
    expect(await page.isDisabled("#connect")).to.equal(true);

    const fresh = await dev.freshPageUrl();
    expect(fresh).to.match(/^http:\/\/127\.0\.0\.1:\d+\/dev\/page\?code=[A-Za-z0-9_-]{22}$/);
    await page.goto(fresh);
    await page.waitForFunction(() => (document.getElementById("user") as HTMLInputElement).value === "alice");
    expect(await page.isHidden("#no-session")).to.equal(true);
    await page.click("#connect");
    await waitForText(page, "state", /^open$/);
    expect(await textOf(page, "state")).to.equal("open");
    await page.close();
  });
});
