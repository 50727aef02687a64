// Bundle the bench-only peers exactly as `make build` bundles the functions, into dist/bench/<name>.zip.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { bundle } from "../scripts/build.ts";

const root = join(import.meta.dirname, "..");
export const PEER_DIST = join(root, "dist", "bench");

/** Peer name -> entry point. */
export const PEERS: Readonly<Record<string, string>> = {
  "authoriser-jose": join(import.meta.dirname, "peers", "jose", "index.ts"),
  "authoriser-jsonwebtoken": join(import.meta.dirname, "peers", "jsonwebtoken", "index.ts"),
  "message-sdk": join(import.meta.dirname, "peers", "message-sdk", "index.ts"),
  "message-aws4fetch": join(import.meta.dirname, "peers", "message-aws4fetch", "index.ts"),
  "connect-sdk": join(import.meta.dirname, "peers", "connect-sdk", "index.ts"),
  "registry-client": join(import.meta.dirname, "peers", "registry-client", "index.ts"),
};

export async function buildPeers(): Promise<Record<string, number>> {
  mkdirSync(PEER_DIST, { recursive: true });
  const sizes: Record<string, number> = {};
  for (const [name, entry] of Object.entries(PEERS))
    sizes[name] = await bundle({ entry, outDir: join(PEER_DIST, name) });
  return sizes;
}

const RUST_SEED = join(import.meta.dirname, "peers", "rust-seed");

/**
 * The Rust reference row (jsonwebtoken crate), built with cargo where cargo is on PATH; undefined elsewhere, and
 * the warm table then says the row was skipped.
 */
export function buildRustSeed(): string | undefined {
  const probe = spawnSync("cargo", ["--version"], { stdio: "ignore" });
  if (probe.error || probe.status !== 0) return undefined;
  const build = spawnSync(
    "cargo",
    ["build", "--release", "--quiet", "--locked", "--manifest-path", join(RUST_SEED, "Cargo.toml")],
    { stdio: "inherit" },
  );
  if (build.status !== 0) throw new Error("cargo build of bench/peers/rust-seed failed");
  const binary = join(RUST_SEED, "target", "release", "rust-seed");
  if (!existsSync(binary)) throw new Error(`cargo built no ${binary}`);
  return binary;
}
