// The page in real headless Chromium against the default `make dev`: it gets a token, connects with the
// subprotocol, shows the reply naming the user and the token's remaining time; under the query location it
// follows the stack; a refused handshake is shown as refused; a message after expiry closes the connection.
import { expect } from "chai";
import { type Browser, launchChromium, pageLog, textOf, waitForText } from "../support/chromium.ts";
import { type DevProcess, startDev } from "../support/dev-process.ts";

describe("the browser page in Chromium (local/page)", function () {
  this.timeout(90_000);
  let browser: Browser;
  let dev: DevProcess | undefined;

  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await dev?.stop();
    dev = undefined;
  });

  it("against the default make dev: gets a token, connects with the subprotocol, sends, sees the reply naming the user and the remaining time", async () => {
    dev = startDev();
    await dev.ready();
    const page = await browser.newPage();
    await page.goto(dev.pageUrl());
    await page.waitForFunction(() => (document.getElementById("user") as HTMLInputElement).value === "alice");
    expect(page.url(), "the code leaves the address bar").to.not.include("code=");
    expect(await textOf(page, "stack"))
      .to.include("token location any")
      .and.include("TOKEN_USE any");

    await page.click("#connect");
    await waitForText(page, "state", /^open$/);
    const remaining = await textOf(page, "remaining");
    const seconds = Number(/^expires in (\d+) s$/.exec(remaining)?.[1]);
    expect(seconds, remaining).to.be.within(3590, 3600);

    await page.fill("#message", '{"action":"hello","text":"from chromium"}');
    await page.click("#send");
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll("#messages .in")).some((item) =>
        item.textContent?.includes('"type":"reply"'),
      ),
    );
    const reply = (await pageLog(page)).find((line) => line.includes('"type":"reply"')) ?? "";
    const body = JSON.parse(reply.slice(reply.indexOf("{"))) as {
      from: { username: string };
      received: { text: string };
    };
    expect(body.from.username).to.equal("alice");
    expect(body.received.text).to.equal("from chromium");
    expect(dev.stderr(), "the authoriser read the token from the subprotocol").to.match(
      /"connection allowed".*"source":"protocol"/,
    );
    await page.close();
  });

  it("Revoke me closes the page's own connection through the revoke zip: told revoked, no reconnect", async () => {
    dev = startDev();
    await dev.ready();
    const page = await browser.newPage();
    await page.goto(dev.pageUrl());
    await page.waitForFunction(() => (document.getElementById("user") as HTMLInputElement).value === "alice");
    await page.click("#connect");
    await waitForText(page, "state", /^open$/);

    await page.click("#revoke");
    await waitForText(page, "state", /^closed by the server: revoked \(code \d+\)$/);
    const lines = await pageLog(page);
    expect(
      lines.some((line) => line.includes('{"type":"revoked"}')),
      lines.join("\n"),
    ).to.equal(true);
    // The revoke call's answer is logged when its response arrives, which may be after the close reaches the page.
    await page.waitForFunction(
      () =>
        Array.from(document.querySelectorAll("#messages li")).some((item) =>
          (item.textContent ?? "").includes(`revoked alice's connections: {"closed":1,`),
        ),
      undefined,
      { timeout: 15_000 },
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await textOf(page, "state"), "the client does not reconnect with the revoked token").to.match(
      /^closed by the server: revoked/,
    );
    await page.close();
  });

  it("follows a stack on the query location, and shows a refused handshake as refused", async () => {
    dev = startDev({ TOKEN_LOCATION: "query" });
    await dev.ready();
    const page = await browser.newPage();
    await page.goto(dev.pageUrl());
    await page.waitForFunction(() => (document.getElementById("user") as HTMLInputElement).value === "alice");
    await page.fill("#user", "bob");
    await page.click("#connect");
    await waitForText(page, "state", /^open$/);
    expect(dev.stderr()).to.match(/"connection allowed".*"source":"query"/);
    await page.click("#disconnect");
    await waitForText(page, "state", /^closed by you/);

    await page.fill("#expires-in", "-60");
    await page.click("#connect");
    await waitForText(page, "state", /^refused$/, 30_000);
    expect((await pageLog(page)).at(-1))
      .to.include("handshake refused")
      .and.include("x-local-gateway-reason");
    await page.close();
  });

  it("with refresh before expiry turned off, shows the server closing the connection when a message is sent after the token expired", async () => {
    dev = startDev();
    await dev.ready();
    const page = await browser.newPage();
    await page.goto(dev.pageUrl());
    await page.waitForFunction(() => (document.getElementById("user") as HTMLInputElement).value === "alice");
    await page.fill("#expires-in", "5");
    await page.uncheck("#auto-refresh");
    await page.click("#connect");
    await waitForText(page, "state", /^open$/);
    await waitForText(page, "remaining", /^expired \d+ s ago$/, 10_000);
    await page.click("#send");
    await waitForText(page, "state", /^closed by the server: token expired \(code 1000\)/).catch(async (err: Error) => {
      throw new Error(`${err.message}; state ${await textOf(page, "state")}; log ${(await pageLog(page)).join(" | ")}`);
    });
    expect(
      (await pageLog(page)).some((line) => line.includes('"type":"error"') && line.includes('"error":"token_expired"')),
    ).to.equal(true);
    await page.close();
  });

  it("opened without the banner's link, says to run make dev-url and does not connect", async () => {
    dev = startDev();
    await dev.ready();
    const page = await browser.newPage();
    await page.goto(new URL("/", dev.pageUrl()).href);
    await page.waitForFunction(() => !(document.getElementById("no-session") as HTMLElement).hidden);
    expect(await textOf(page, "no-session")).to.include("make dev-url");
    expect(await page.isDisabled("#connect")).to.equal(true);
    await page.close();
  });
});
