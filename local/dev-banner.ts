// What `make dev` prints once ready: every example line is built from the running stack's own settings
// (token location, TOKEN_USE, REQUIRED_GROUPS), so each one works as printed.
import { isIP } from "node:net";
import { wscatCommand } from "./stack.ts";

export interface DevFacts {
  readonly url: string;
  readonly managementEndpoint: string;
  readonly jwksUri: string;
  /** The page URL with a one-time code (burnt on first use; `make dev-url` prints another). */
  readonly pageUrl: string;
  readonly tokenLocation: string;
  readonly tokenQueryParam: string;
  /** The authoriser's TOKEN_USE: id, access or any. */
  readonly tokenUse: string;
  readonly requiredGroups: readonly string[];
  readonly user: string;
  /** A token for `user`, minted as the stack accepts it. */
  readonly token: string;
}

/** The token kind to mint for a stack: its own, or an ID token when it accepts any. */
export function mintableTokenUse(tokenUse: string): "id" | "access" {
  return tokenUse === "access" ? "access" : "id";
}

function describeLocation(facts: DevFacts): string {
  if (facts.tokenLocation === "protocol") return "Sec-WebSocket-Protocol: bearer, <token>";
  if (facts.tokenLocation === "any")
    return `query parameter "${facts.tokenQueryParam}" or Sec-WebSocket-Protocol: bearer, <token>`;
  return `query parameter "${facts.tokenQueryParam}"`;
}

export function devBanner(facts: DevFacts): string {
  const groups = facts.requiredGroups.length > 0 ? facts.requiredGroups.join(",") : "(none: any user)";
  const otherGroups = facts.requiredGroups.length > 0 ? facts.requiredGroups.join(",") : "admins,editors";
  const connectLines =
    facts.tokenLocation === "any"
      ? [
          `  npx ${wscatCommand(facts.url, facts.token, "query", facts.tokenQueryParam)}`,
          `  npx ${wscatCommand(facts.url, facts.token, "protocol", facts.tokenQueryParam)}`,
        ]
      : [`  npx ${wscatCommand(facts.url, facts.token, facts.tokenLocation, facts.tokenQueryParam)}`];
  const switchHint =
    facts.tokenLocation === "any"
      ? []
      : ["  (TOKEN_LOCATION=any accepts both the query parameter and the subprotocol, as browsers send it)"];
  return [
    "",
    `Local WebSocket API ready: ${facts.url}`,
    `  Token location  ${facts.tokenLocation}: ${describeLocation(facts)}`,
    ...switchHint,
    `  TOKEN_USE       ${facts.tokenUse}`,
    `  REQUIRED_GROUPS ${groups}`,
    `  Management API  ${facts.managementEndpoint}/@connections/{connectionId}`,
    `  Issuer (JWKS)   ${facts.jwksUri}`,
    "",
    `Browser page (opens once, within 10 minutes; make dev-url prints a fresh link): ${facts.pageUrl}`,
    "",
    `Connect as ${facts.user} (${mintableTokenUse(facts.tokenUse)} token, valid 1 hour), then type a message such as {"action":"hello"}:`,
    // npx finds the project's own wscat from any terminal opened in this folder.
    ...connectLines,
    "",
    `Another user's token: make -s token TOKEN_USER=bob TOKEN_GROUPS=${otherGroups}`,
    'A refused handshake\'s reason: the x-local-gateway-reason response header (and "reason" in the body).',
    "Ctrl-C stops.",
    "",
  ].join("\n");
}

function isLoopback(host: string): boolean {
  if (host === "localhost" || host === "::1") return true;
  return isIP(host) === 4 && host.startsWith("127.");
}

/** What a bind beyond loopback exposes, and what it does not: token minting stays with this machine. */
export function hostWarning(host: string, port: number): string | undefined {
  if (isLoopback(host)) return undefined;
  return [
    `WARNING: HOST=${host} listens beyond loopback. Anyone who can reach port ${port} can:`,
    "  - use the local Management API without authentication (POST/GET/DELETE /<stage>/@connections/{id}: post to",
    "    or close any connection), unlike AWS, which demands IAM-signed requests;",
    "  - open WebSockets to the stack (each still needs a token the local issuer signed), load the browser page",
    "    and read the stack's settings (/dev/config: no secret).",
    "Token minting is not exposed: the mint endpoint listens on 127.0.0.1 only, and the page's POST /dev/token",
    "answers peers on this machine only, whatever the Host header says. Use it on a trusted network only; the",
    "default HOST=127.0.0.1 keeps everything on this machine.",
  ].join("\n");
}
