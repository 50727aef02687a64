import type { APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { authorise, UNAUTHORIZED } from "../../../functions/authoriser/authorise.ts";
import type { RejectionReason } from "../../../functions/authoriser/errors.ts";
import { makeStubbedAuthoriser, type StubbedAuthoriser } from "../../support/authoriser.ts";
import { makeConnectEvent } from "../../../local/gateway/sample-events.ts";
import { captureLogSink } from "../../support/logs.ts";
import { ledger } from "./ledger.ts";

export type Placement = "query" | "authorization" | "protocol";
export const PLACEMENTS: readonly Placement[] = ["query", "authorization", "protocol"];

export const REASONS: ReadonlySet<RejectionReason> = new Set<RejectionReason>([
  "missing_token",
  "ambiguous_token",
  "malformed_token",
  "unsupported_algorithm",
  "unknown_key",
  "invalid_signature",
  "expired",
  "not_yet_valid",
  "wrong_issuer",
  "wrong_audience",
  "wrong_token_use",
  "missing_claim",
  "invalid_claim",
  "forbidden",
  "keys_unavailable",
  "bad_request",
  "internal",
]);

/** What one $connect came to: the only two outcomes a healthy authoriser has for these tests, or anything else. */
export type Outcome =
  | { kind: "allow"; principalId: string; resource: unknown; context: Record<string, unknown> }
  | { kind: "unauthorized"; reason: string | undefined }
  | { kind: "other"; detail: string };

export function connectEventWith(token: string, placement: Placement): APIGatewayRequestAuthorizerEvent {
  if (placement === "query") return makeConnectEvent({ query: { auth: token } });
  if (placement === "authorization") return makeConnectEvent({ headers: { Authorization: `Bearer ${token}` } });
  return makeConnectEvent({ headers: { "Sec-WebSocket-Protocol": `bearer, ${token}` } });
}

/**
 * The authoriser's real modules in this process (JWKS fetch stubbed), with its stdout log lines captured per decision
 * into the suite's ledger.
 */
export class InProcessAuthoriser {
  readonly stack: StubbedAuthoriser;
  private captured: string[] = [];
  private restore: (() => void) | undefined;

  constructor(stack: StubbedAuthoriser = makeStubbedAuthoriser()) {
    this.stack = stack;
  }

  /** Route the authoriser's log lines to the ledger until `release`. */
  tap(): void {
    if (this.restore) return;
    this.restore = captureLogSink((line) => {
      this.captured.push(line);
      ledger.collect(line);
    });
  }

  release(): void {
    this.restore?.();
    this.restore = undefined;
  }

  /** Decide one connection; returns the outcome and the log lines it wrote. */
  decide(token: string, placement: Placement = "query"): Promise<{ outcome: Outcome; lines: string[] }> {
    return this.decideEvent(connectEventWith(ledger.secret(token), placement));
  }

  /** Decide an event of any shape, as the handler would be given it. */
  async decideEvent(event: unknown): Promise<{ outcome: Outcome; lines: string[] }> {
    this.captured = [];
    let outcome: Outcome;
    try {
      const result = await authorise(event as APIGatewayRequestAuthorizerEvent, this.stack.config, this.stack.verifier);
      const effect = result.policyDocument.Statement[0] as { Effect?: string } | undefined;
      outcome =
        effect?.Effect === "Allow" && result.policyDocument.Statement.length === 1
          ? {
              kind: "allow",
              principalId: result.principalId,
              resource: (effect as { Resource?: unknown }).Resource,
              context: (result.context ?? {}) as Record<string, unknown>,
            }
          : { kind: "other", detail: `policy ${JSON.stringify(result.policyDocument)}` };
    } catch (err) {
      const exact =
        err instanceof Error && Object.getPrototypeOf(err) === Error.prototype && err.message === UNAUTHORIZED;
      outcome = exact
        ? { kind: "unauthorized", reason: refusalReason(this.captured) }
        : { kind: "other", detail: `threw ${String(err)}` };
    }
    return { outcome, lines: this.captured };
  }
}

function refusalReason(lines: readonly string[]): string | undefined {
  for (const line of lines) {
    try {
      const parsed = JSON.parse(line) as { message?: unknown; reason?: unknown };
      if (parsed.message === "connection refused" && typeof parsed.reason === "string") return parsed.reason;
    } catch {
      // Not a JSON log line: the caller's line checks report it.
    }
  }
  return undefined;
}

/**
 * Why a refusal is not as it must be: the exact error, exactly one JSON refusal line with a known reason class that is
 * not `internal`, and nothing of the token in any line. Undefined when it is right.
 */
export function refusalProblem(token: string, outcome: Outcome, lines: readonly string[]): string | undefined {
  if (outcome.kind !== "unauthorized") return `expected Error("Unauthorized"), got ${JSON.stringify(outcome)}`;
  if (lines.length !== 1) return `expected one log line, got ${lines.length}`;
  if (outcome.reason === undefined || !REASONS.has(outcome.reason as RejectionReason))
    return `unknown reason ${String(outcome.reason)}`;
  if (outcome.reason === "internal") return "an unexpected exception (reason internal)";
  const needles = [token, token.split(".")[2] ?? ""].filter((needle) => needle.length >= 16);
  if (lines.some((line) => needles.some((needle) => line.includes(needle)))) return "the token was logged";
  return undefined;
}
