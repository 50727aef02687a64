import { WsAuthError } from "../shared/errors.ts";
import { log } from "../shared/log.ts";
import type { RevocationTarget } from "../shared/registry.ts";
import type { UserDirectory } from "./cognito-user.ts";
import { MAX_LIMIT, parseRevokeRequest, RevokeInputError } from "./request.ts";
import { type RevokeDependencies, type RevokeResult, revokeConnections } from "./revoke.ts";

/** A sign-out's revocation stopped with connections left: thrown, so that Lambda's async retry goes on with it. */
export class RevocationIncompleteError extends WsAuthError {
  constructor(result: RevokeResult) {
    super(`revocation incomplete: ${result.closed} closed, ${result.failed} failed, more remain`);
    this.name = "RevocationIncompleteError";
  }
}

export interface HandleRevokeDependencies extends RevokeDependencies {
  readonly directory: UserDirectory;
  /** The pool whose sign-outs this function acts on; undefined refuses every sign-out event. */
  readonly userPoolId: string | undefined;
  /** Counts the connections this invocation ended (closed, or found gone and removed): the metrics' close count. */
  readonly onClosed?: (count: number) => void;
}

function targetFields(target: RevocationTarget): { sub?: string; originJti?: string } {
  return "sub" in target ? { sub: target.sub } : { originJti: target.originJti };
}

/**
 * One invocation: parse, (map a sign-out's username to its sub), close, and write one audit line saying who asked,
 * whose connections, which were closed and how many. Bad input throws RevokeInputError, naming the field.
 */
export async function handleRevoke(event: unknown, deps: HandleRevokeDependencies): Promise<RevokeResult> {
  const { awsRequestId } = deps;
  let request: ReturnType<typeof parseRevokeRequest>;
  try {
    request = parseRevokeRequest(event);
  } catch (err) {
    log("WARN", "revocation refused", { awsRequestId, error: (err as Error).message });
    throw err;
  }
  let target: RevocationTarget;
  let limit = MAX_LIMIT;
  const asked: Record<string, string | undefined> = {};
  if (request.kind === "direct") {
    target = request.target;
    limit = request.limit;
    asked.requestedBy = request.requestedBy;
  } else {
    asked.requestedBy = request.requestedBy;
    asked.eventId = request.eventId;
    asked.username = request.username;
    if (deps.userPoolId === undefined || request.userPoolId !== deps.userPoolId) {
      const error = `sign-out in pool ${request.userPoolId}, but this function serves ${deps.userPoolId ?? "no pool (USER_POOL_ID unset)"}`;
      log("WARN", "revocation refused", { awsRequestId, ...asked, error });
      throw new RevokeInputError(error);
    }
    const sub = await deps.directory.subOf(request.userPoolId, request.username);
    if (sub === undefined) {
      log("INFO", "revocation", {
        awsRequestId,
        path: request.kind,
        ...asked,
        closed: 0,
        gone: 0,
        failed: 0,
        more: false,
        note: "no such user in the pool",
      });
      return { closed: 0, gone: 0, failed: 0, more: false };
    }
    target = { sub };
  }
  const run = await revokeConnections(target, limit, deps);
  const result: RevokeResult = { closed: run.closed, gone: run.gone, failed: run.failed, more: run.more };
  // A gone connection's $disconnect finds no item once revoke removed it, so revoke counts that close too.
  deps.onClosed?.(result.closed + result.gone);
  log("INFO", "revocation", {
    awsRequestId,
    path: request.kind,
    ...asked,
    ...targetFields(target),
    ...result,
    connectionIds: [...run.connectionIds],
  });
  if (request.kind === "sign_out" && result.more) throw new RevocationIncompleteError(result);
  return result;
}
