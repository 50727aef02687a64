// What every bench section shares: the zips under test, unpacked as Lambda unpacks them, and their settings.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { LocalIssuer } from "../../local/issuer/issuer.ts";
import { readZip } from "../../local/lambda/read-zip.ts";

export const ROOT = join(import.meta.dirname, "..", "..");
export const DIST = join(ROOT, "dist");

/** dist/<name>.zip for a function, dist/bench/<name>.zip for a peer. */
export function zipPath(name: string): string {
  return name.includes("-") ? join(DIST, "bench", `${name}.zip`) : join(DIST, `${name}.zip`);
}

/** Unpack a zip into a fresh folder (the task root); the caller removes it with `removeTaskRoots`. */
const taskRoots: string[] = [];
export function unpack(zip: string): string {
  const root = mkdtempSync(join(tmpdir(), "bench-task-"));
  taskRoots.push(root);
  for (const entry of readZip(readFileSync(zip))) {
    const target = join(root, entry.name);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, entry.data);
  }
  return join(root, "index.mjs");
}

export function removeTaskRoots(): void {
  for (const root of taskRoots.splice(0)) rmSync(root, { recursive: true, force: true });
}

/** What Lambda puts in every container's environment, with local credentials. */
export const PLATFORM_ENV: Readonly<Record<string, string>> = {
  TZ: "UTC",
  AWS_REGION: "eu-west-1",
  AWS_DEFAULT_REGION: "eu-west-1",
  AWS_ACCESS_KEY_ID: "local",
  AWS_SECRET_ACCESS_KEY: "local",
  AWS_SESSION_TOKEN: "local",
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "256",
};

/** The authoriser's settings for a local issuer; `seed` passes the keys in JWKS_JSON as Terraform can. */
export function authoriserEnv(issuer: LocalIssuer, seed: boolean): Record<string, string> {
  return {
    USER_POOL_ID: issuer.userPoolId,
    CLIENT_ID: issuer.clientId,
    JWKS_URI: issuer.jwksUri,
    ...(seed ? { JWKS_JSON: JSON.stringify(issuer.jwks()) } : {}),
  };
}
