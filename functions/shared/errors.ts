// The one root of every error our functions raise on purpose (as aws-jwt-verify roots its errors in src/error.ts),
// so a single `instanceof WsAuthError` tells ours from the runtime's. Each passes `{ cause }` through to Error.

export class WsAuthError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    // Written out, not new.target.name: the bundle's minifier renames classes.
    this.name = "WsAuthError";
  }
}
