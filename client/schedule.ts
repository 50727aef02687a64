// Pure timing and token helpers of the client, kept apart so tests can drive them without sockets or clocks.

/** Full-range jitter on an exponential step: half to all of min(maxMs, baseMs * 2^failures). */
export function retryDelay(
  failures: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  return Math.round(Math.min(maxMs, baseMs * 2 ** failures) * (0.5 + random() / 2));
}

/** How long before `exp` (epoch seconds) to refresh: aheadMs, or a third of what is left when that is less. */
export function refreshDelay(exp: number, nowMs: number, aheadMs: number): number {
  const left = exp * 1000 - nowMs;
  return Math.max(0, left - Math.min(aheadMs, left / 3));
}

/** The token's `exp`, read without verifying (the server verifies): only to know when to refresh. */
export function tokenExp(token: string): number | undefined {
  try {
    const part = (token.split(".")[1] ?? "").replace(/-/g, "+").replace(/_/g, "/");
    const exp = (JSON.parse(atob(part)) as { exp?: unknown }).exp;
    return typeof exp === "number" && Number.isFinite(exp) ? exp : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a close after the socket opened allows a reconnect. No after the server refused a refresh or revoked the
 * user's connections (a reconnect with the same token would undo the revocation until exp), nor after a
 * close the next connection would repeat (protocol or data errors, policy, too big); a plain 1000 only when the
 * server said why first (token_expired, not_registered): without a word it is the application's deliberate close.
 * Going away (idle timeout, the 2-hour limit, a deploy), abnormal closes and server errors all allow one.
 */
export function closeAllowsReconnect(code: number, serverError: string | undefined): boolean {
  if (serverError === "refresh_refused" || serverError === "revoked") return false;
  if (code === 1000) return serverError !== undefined;
  return ![1002, 1003, 1007, 1008, 1009, 1010].includes(code);
}
