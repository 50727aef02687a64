// The reply as the text posted back. JSON.stringify throws on some JSON that JSON.parse accepted (nesting deeper
// than the stack, e.g. 60,000 `[` in under 128 KB), and PostToConnection refuses data over 128 KB: either way the
// sender gets a clear error instead of the gateway's "Internal server error".
import type { Reply } from "./handle-message.ts";

/** API Gateway's limit on one PostToConnection's data. */
export const MAX_POST_BYTES = 128 * 1024;

export type EchoRefusalReason = "too_deeply_nested" | "too_large";

export interface EncodedReply {
  readonly text: string;
  /** Set when the message could not be echoed; `text` then carries the error. */
  readonly refused?: EchoRefusalReason;
}

function refusal(reason: EchoRefusalReason): EncodedReply {
  return { text: JSON.stringify({ type: "error", error: "cannot_echo", reason }), refused: reason };
}

export function encodeReply(reply: Reply): EncodedReply {
  let text: string;
  try {
    text = JSON.stringify(reply);
  } catch (err) {
    if (err instanceof RangeError) return refusal("too_deeply_nested");
    throw err;
  }
  return Buffer.byteLength(text) > MAX_POST_BYTES ? refusal("too_large") : { text };
}
