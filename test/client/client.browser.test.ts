// The client (client/) in headless Chromium, loaded from the page's origin as the page loads it (/wsauth-client.js),
// against the local stack in this process: refresh in place across token lifetimes, a refused token given up
// after the stated limit, a dropped socket and the 2-hour limit (MAX_CONNECTION_SECONDS) survived by reconnects.
import { expect } from "chai";
import type { Page } from "playwright-core";
import type { ClientEvents } from "../../client/index.ts";
import { parseGatewayConfig } from "../../local/gateway/config.ts";
import { type MintEndpoint, startMintEndpoint } from "../../local/issuer/mint-endpoint.ts";
import { PageSessions } from "../../local/page/page-sessions.ts";
import { createPageRoutes } from "../../local/page/serve.ts";
import { startTestStack, type TestStack } from "../local/gateway/support/stack.ts";
import { type Browser, launchChromium } from "../local/support/chromium.ts";

type Events = ClientEvents<{ type: string; received?: { seq?: number } }>;
type Recorded = Array<{ type: keyof Events; event: Events[keyof Events] }>;

interface PageStack {
  readonly stack: TestStack;
  readonly mint: MintEndpoint;
  readonly sessions: PageSessions;
  close(): Promise<void>;
}

/** The stack with the page's routes on its port, as `make dev` serves them: the page, the bundle, the mint. */
async function startPageStack(maxDurationMs?: number): Promise<PageStack> {
  let mintUrl = "";
  let mintSecret = "";
  let port = 0;
  const sessions = new PageSessions();
  const routes = createPageRoutes({
    mintUrl: () => mintUrl,
    mintSecret: () => mintSecret,
    sessions,
    port: () => port,
    settings: () => ({
      wsUrl: stack.gateway.url,
      tokenLocation: stack.tokenLocation,
      tokenQueryParam: stack.tokenQueryParam,
      tokenUse: "id",
      requiredGroups: [],
      user: "alice",
    }),
  });
  const stack: TestStack = await startTestStack({
    tokenLocation: "protocol",
    env: { SWEEP_INTERVAL_SECONDS: "1" },
    httpRoutes: routes,
    ...(maxDurationMs === undefined ? {} : { config: { maxDurationMs } }),
  });
  const mint = await startMintEndpoint(stack.issuer);
  mintUrl = mint.url;
  mintSecret = mint.secret;
  port = stack.gateway.port;
  return {
    stack,
    mint,
    sessions,
    close: async () => {
      await stack.close();
      await mint.close();
    },
  };
}

/** In the page: a client from /wsauth-client.js whose getToken mints through /dev/token; events kept on window. */
async function startClient(page: Page, lifetime: number, options: Record<string, unknown> = {}): Promise<void> {
  await page.evaluate(
    async ([lifetimeSeconds, clientOptions]) => {
      const bundle = "/wsauth-client.js";
      const { WsAuthClient } = await import(bundle);
      const w = window as any;
      w.events = [];
      w.tokens = 0;
      w.client = new WsAuthClient({
        url: `ws://${location.host}/dev`,
        tokenLocation: "protocol",
        retryBaseMs: 100,
        retryMaxMs: 400,
        ...(clientOptions as object),
        getToken: async () => {
          w.tokens += 1;
          const response = await fetch("/dev/token", {
            method: "POST",
            // The page's session cookie goes with the request: the mint key never reaches the browser.
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ username: "alice", expiresIn: lifetimeSeconds }),
          });
          return (await response.json()).token;
        },
      });
      for (const type of ["open", "message", "refreshed", "refresh_refused", "close", "error"])
        w.client.on(type, (event: unknown) => w.events.push({ type, event }));
      w.client.connect();
    },
    [lifetime, options] as const,
  );
}

const recorded = (page: Page): Promise<Recorded> => page.evaluate(() => (window as any).events);
const of = async <K extends keyof Events>(page: Page, type: K): Promise<Events[K][]> =>
  (await recorded(page)).filter((entry) => entry.type === type).map((entry) => entry.event as Events[K]);
const clientState = (page: Page): Promise<string> => page.evaluate(() => (window as any).client.state);
/** Functions, not strings: the page's CSP (script-src 'self') forbids evaluating strings. */
const waitInPage = (page: Page, check: (arg: any) => boolean, arg: string | number, timeout = 15_000) =>
  page.waitForFunction(check, arg, { timeout, polling: 50 });
const stateIs = (state: string) => (window as any).client?.state === state;
const opens = (count: number) => (window as any).events.filter((e: any) => e.type === "open").length >= count;

async function repliedSeqs(page: Page): Promise<number[]> {
  return (await of(page, "message"))
    .flatMap(({ data }) => (data.type === "reply" && data.received?.seq !== undefined ? [data.received.seq] : []))
    .sort((a, b) => a - b);
}

describe("the client library in Chromium against the local stack (client/, the browser's WebSocket)", function () {
  this.timeout(120_000);
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  async function openPage(pageStack: PageStack): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${pageStack.stack.gateway.port}/dev/page?code=${pageStack.sessions.issueCode()}`);
    await page.waitForFunction(() => (document.getElementById("user") as HTMLInputElement).value === "alice");
    return page;
  }

  describe("with API Gateway's limits", () => {
    let pageStack: PageStack;
    before(async () => {
      pageStack = await startPageStack();
    });
    after(async () => {
      await pageStack?.close();
    });

    it("keeps one connection open across three token lifetimes by refreshing in place, losing no message", async () => {
      const page = await openPage(pageStack);
      const connectsBefore = pageStack.stack.invocationsOf("connect").length;
      await startClient(page, 4);
      await waitInPage(page, stateIs, "open");
      const sent = await page.evaluate(async () => {
        const w = window as any;
        const firstExp = w.client.exp;
        let seq = 0;
        while (w.client.exp < firstExp + 12 && seq < 400) {
          w.client.send({ action: "hello", seq: seq++ });
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        return seq;
      });
      await waitInPage(
        page,
        (count) =>
          (window as any).events.filter((e: any) => e.type === "message" && e.event.data.type === "reply").length >=
          count,
        sent,
      );
      expect(await clientState(page)).to.equal("open");
      expect(await repliedSeqs(page)).to.deep.equal(Array.from({ length: sent }, (_, index) => index));
      expect(await of(page, "open"), "one connection").to.have.length(1);
      expect(await of(page, "close")).to.have.length(0);
      expect((await of(page, "refreshed")).length).to.be.at.least(3);
      expect(pageStack.stack.invocationsOf("connect").length - connectsBefore).to.equal(1);
      await page.close();
    });

    it("tries three times with a refused token, each with a fresh token, then stops", async () => {
      const page = await openPage(pageStack);
      const authorisationsBefore = pageStack.stack.invocationsOf("authoriser").length;
      await startClient(page, -60);
      await waitInPage(page, stateIs, "stopped");
      await page.waitForTimeout(1500);
      expect(await page.evaluate(() => (window as any).tokens)).to.equal(3);
      expect(pageStack.stack.invocationsOf("authoriser").length - authorisationsBefore).to.equal(3);
      const closes = await of(page, "close");
      expect(closes.map((close) => [close.code, close.opened])).to.deep.equal([
        [1006, false],
        [1006, false],
        [1006, false],
      ]);
      expect(closes.at(-1)?.stopped).to.equal("cannot_open");
      await page.close();
    });

    it("reconnects with a fresh token when the server drops the socket", async () => {
      const page = await openPage(pageStack);
      await startClient(page, 600);
      await waitInPage(page, stateIs, "open");
      for (const connection of pageStack.stack.gateway.openConnections.all()) connection.socket.terminate();
      await waitInPage(page, opens, 2);
      await page.evaluate(() => (window as any).client.send({ action: "hello", seq: 7 }));
      await waitInPage(
        page,
        (seq) => (window as any).events.some((e: any) => e.type === "message" && e.event.data.received?.seq === seq),
        7,
      );
      const [drop] = await of(page, "close");
      expect(drop).to.include({ code: 1006, opened: true });
      expect(await page.evaluate(() => (window as any).tokens)).to.equal(2);
      await page.evaluate(() => (window as any).client.close());
      await page.close();
    });
  });

  describe("with MAX_CONNECTION_SECONDS=4 standing in for the 2-hour limit", () => {
    let pageStack: PageStack;
    before(async () => {
      pageStack = await startPageStack(parseGatewayConfig({ MAX_CONNECTION_SECONDS: "4" }).maxDurationMs);
    });
    after(async () => {
      await pageStack?.close();
    });

    it("reconnects ahead of the limit it is told, and when the gateway closes at one it was not told", async () => {
      const told = await openPage(pageStack);
      await startClient(told, 600, { maxConnectionSeconds: 4 });
      const untold = await openPage(pageStack);
      await startClient(untold, 600);
      await waitInPage(told, opens, 3);
      await waitInPage(untold, opens, 2);
      expect((await of(told, "close")).slice(0, 2)).to.deep.equal([
        { code: 1000, reason: "max_duration", opened: true, retryInMs: 0 },
        { code: 1000, reason: "max_duration", opened: true, retryInMs: 0 },
      ]);
      expect((await of(untold, "close"))[0]).to.include({ code: 1001, opened: true });
      for (const page of [told, untold]) {
        await page.evaluate(() => (window as any).client.close());
        await page.close();
      }
    });
  });
});
