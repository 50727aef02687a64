// Real headless Chromium (Debian's package) driven by playwright-core, with a fresh profile each launch.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

/** Quiet, offline, no sandbox (containers run as root): nothing reaches out beyond the page under test. */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Browser {
  readonly context: BrowserContext;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export function chromiumPath(): string {
  const path = process.env.CHROMIUM?.trim() || "/usr/bin/chromium";
  if (!existsSync(path))
    throw new Error(
      `no Chromium at ${path}: run \`make chromium\` (apt-get install -y chromium as root) or set CHROMIUM`,
    );
  return path;
}

export async function launchChromium(): Promise<Browser> {
  const userDataDir = mkdtempSync(join(tmpdir(), "chromium-profile-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath(),
    headless: true,
    args: CHROMIUM_FLAGS,
    timeout: 30_000,
  });
  return {
    context,
    newPage: () => context.newPage(),
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** The text of an element by id. */
export async function textOf(page: Page, id: string): Promise<string> {
  return page.evaluate((elementId) => document.getElementById(elementId)?.textContent ?? "", id);
}

/** Wait until the element's text matches. */
export async function waitForText(page: Page, id: string, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  await page.waitForFunction(
    ([elementId, source, flags]) =>
      new RegExp(source as string, flags as string).test(
        document.getElementById(elementId as string)?.textContent ?? "",
      ),
    [id, pattern.source, pattern.flags],
    { timeout: timeoutMs },
  );
  return textOf(page, id);
}

/** Every log line the page shows, in order. */
export async function pageLog(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll("#messages li")).map((item) => item.textContent ?? ""),
  );
}
