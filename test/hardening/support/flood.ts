// Run with `node --expose-gc`: sends forged tokens, each with a new iss or kid, through the authoriser's real
// modules, and prints the heap after GC before and after as one JSON line.
import { randomBytes } from "node:crypto";
import { authorise } from "../../../functions/authoriser/authorise.ts";
import { logSink } from "../../../functions/shared/log.ts";
import {
  cognitoEnv,
  cognitoIdClaims,
  makeIdpKey,
  makeVerifier,
  REGIONAL_ISSUER,
} from "../../functions/authoriser/support/idp.ts";
import { makeConnectEvent } from "../../../local/gateway/sample-events.ts";

const total = Number(process.argv[2] ?? 20_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --expose-gc");

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");
const key = await makeIdpKey();
const idp = makeVerifier(cognitoEnv({ JWKS_JSON: JSON.stringify({ keys: [key.publicJwk] }) }), [key]);
const reasons: Record<string, number> = {};
logSink.write = (line: string) => {
  const reason = (JSON.parse(line) as { reason?: string }).reason ?? "none";
  reasons[reason] = (reasons[reason] ?? 0) + 1;
};

/** Half carry a new long iss, half the pool's own iss with a new long kid; all with a junk signature. */
function forged(index: number): string {
  const fresh = randomBytes(96).toString("hex");
  const ownIss = index % 2 === 1;
  const header = { alg: "RS256", kid: ownIss ? `kid-${fresh}` : key.kid, "x-extra": fresh };
  const payload = {
    ...cognitoIdClaims(),
    iss: ownIss ? REGIONAL_ISSUER : `https://cognito-idp.us-east-1.amazonaws.com/${fresh}${fresh}`,
  };
  return `${b64(header)}.${b64(payload)}.${randomBytes(256).toString("base64url")}`;
}

async function run(count: number, offset: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    await authorise(
      makeConnectEvent({ query: { auth: forged(offset + i) } }),
      idp.config,
      idp.verifier,
      `req-${i}`,
    ).then(
      () => {
        throw new Error("a forged token was allowed");
      },
      (err: Error) => {
        if (err.message !== "Unauthorized") throw err;
      },
    );
  }
}

const heap = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
await run(2_000, 0);
const before = heap();
await run(total, 2_000);
const after = heap();
process.stdout.write(`${JSON.stringify({ before, after, total, reasons, fetches: idp.fetched.length })}\n`);
