// A WebSocket that stays authorised for hours against this project's stack: the token from the application's
// getToken(), refreshed in place before exp, reconnected with back-off when the server or the network drops it.
import { closeAllowsReconnect, refreshDelay, retryDelay, tokenExp } from "./schedule.ts";

/** Server errors that answer one message and leave the connection open: `forbidden` (a route), `cannot_echo`. */
const ANSWERS_ONE_MESSAGE: readonly unknown[] = ["forbidden", "cannot_echo"];

/**
 * Where the stack's authoriser looks for the token on $connect (Terraform's `token_location`): `protocol` sends
 * `Sec-WebSocket-Protocol: bearer, <jwt>` (the token stays out of URLs and access logs), `query` sends
 * `?<queryParam>=<jwt>`. A stack on `any` accepts either. No default: a guess would either put tokens in URLs or
 * fail against the stack with a bare 1006.
 */
export type TokenLocation = "protocol" | "query";

/** Why the client stopped for good: `connect()` starts it again. */
export type StopReason = "closed" | "refresh_refused" | "cannot_open" | "closed_by_server";

export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
  /** false: the socket closed before it opened (a refused token, a network failure: browsers cannot tell which). */
  readonly opened: boolean;
  /** The error the server sent just before closing (`token_expired`, `refresh_refused`...), if any. */
  readonly serverError?: string;
  /** Set when the client will reconnect, after this many milliseconds. */
  readonly retryInMs?: number;
  /** Set when the client has stopped. */
  readonly stopped?: StopReason;
}

export interface ClientEvents<In> {
  open: { readonly connections: number };
  /** Every frame, control messages (`refreshed`, `reauth_required`, errors) included; `data` is the parsed JSON. */
  message: { readonly data: In; readonly text: string };
  refreshed: { readonly exp: number };
  refresh_refused: { readonly reason: string };
  close: CloseInfo;
  /** getToken() threw, or a refresh reply did not match the token sent. */
  error: { readonly during: "connect" | "refresh"; readonly error: unknown };
}

/** The part of the WebSocket API (browsers, Node 22's global) the client uses. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export interface ClientOptions {
  /** The stage URL: wss://{api-id}.execute-api.{region}.amazonaws.com/{stage} */
  readonly url: string;
  /** A current JWT (Amplify's fetchAuthSession, an OIDC client...): called for every connect and every refresh. */
  readonly getToken: () => string | Promise<string>;
  readonly tokenLocation: TokenLocation;
  /** Terraform's token_query_param; default "auth". */
  readonly queryParam?: string;
  /** API Gateway closes every connection after 2 hours: the client reconnects ahead of it. Default 7200. */
  readonly maxConnectionSeconds?: number;
  /** Refresh this long before exp (at most a third of the token's time left). Default 60. */
  readonly refreshAheadSeconds?: number;
  /** false: refresh only on reauth_required or refresh(); the server then closes at exp and the client reconnects. */
  readonly autoRefresh?: boolean;
  /** Closes before open in a row, each with a fresh token, before the client stops. Default 3. */
  readonly maxFailedOpens?: number;
  /** Back-off: first step and ceiling, in milliseconds, jittered. Defaults 1000 and 30000. */
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  /** Messages kept while (re)connecting; send() returns false past it. Default 100. */
  readonly queueLimit?: number;
  /** Default: the global WebSocket. */
  readonly WebSocket?: new (
    url: string,
    protocols?: string[],
  ) => SocketLike;
}

type Listener<T> = (event: T) => void;
type Slot = "refresh" | "max" | "retry";

export class WsAuthClient<In = unknown, Out = unknown> {
  readonly #o: ClientOptions;
  readonly #listeners = new Map<keyof ClientEvents<In>, Set<Listener<unknown>>>();
  readonly #queue: string[] = [];
  #ws: SocketLike | undefined;
  /** The refresh ahead of exp, the reconnect ahead of the 2-hour limit, the wait before a retry. */
  #timers: { [K in Slot]?: ReturnType<typeof setTimeout> } = {};
  #generation = 0;
  #failures = 0;
  #connections = 0;
  #stopped = true;
  #exp: number | undefined;
  #sentExp: number | undefined;
  #refreshing = false;
  #serverError: string | undefined;

  constructor(options: ClientOptions) {
    if (options.tokenLocation !== "protocol" && options.tokenLocation !== "query")
      throw new TypeError('tokenLocation: expected "protocol" or "query" (Terraform\'s token_location)');
    new URL(options.url);
    this.#o = options;
  }

  /** "open" with a live socket; "connecting" while a token is fetched, a socket opens or a retry waits; else "stopped". */
  get state(): "open" | "connecting" | "stopped" {
    if (this.#stopped) return "stopped";
    return this.#ws?.readyState === 1 && this.#exp !== undefined ? "open" : "connecting";
  }

  /** The current connection's token expiry (epoch seconds), as the server last confirmed it. */
  get exp(): number | undefined {
    return this.#exp;
  }

  on<K extends keyof ClientEvents<In>>(type: K, listener: Listener<ClientEvents<In>[K]>): () => void {
    const set = this.#listeners.get(type) ?? new Set();
    this.#listeners.set(type, set.add(listener as Listener<unknown>));
    return () => set.delete(listener as Listener<unknown>);
  }

  /** Start (or start again after a stop). */
  connect(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#failures = 0;
    void this.#open();
  }

  /** Stop for good; queued messages are dropped. */
  close(): void {
    if (this.#stopped) return;
    const opened = this.state === "open";
    this.#detach()?.close(1000, "closed by client");
    this.#stop({ code: 1000, reason: "closed by client", opened }, "closed");
  }

  /** Sends JSON now, or queues it while (re)connecting; false when stopped or the queue is full. */
  send(message: Out): boolean {
    return this.sendText(JSON.stringify(message));
  }

  sendText(text: string): boolean {
    if (this.state === "open") (this.#ws as SocketLike).send(text);
    else if (this.#stopped || this.#queue.length >= (this.#o.queueLimit ?? 100)) return false;
    else this.#queue.push(text);
    return true;
  }

  /** Refresh now, over the open socket, with a token from getToken(). */
  refresh(): Promise<void> {
    return this.#refresh(false);
  }

  /** Ahead of exp, a token no newer than the one held is not sent: a cached token would refresh again and again. */
  async #refresh(ahead: boolean): Promise<void> {
    const ws = this.#ws;
    if (ws === undefined || this.#refreshing || this.state !== "open") return;
    this.#refreshing = true;
    try {
      const token = await this.#o.getToken();
      if (ws !== this.#ws) return;
      this.#sentExp = tokenExp(token);
      if (ahead && (this.#sentExp ?? 0) <= (this.#exp ?? 0)) throw new Error("getToken() gave no newer token");
      ws.send(JSON.stringify({ action: "refresh", token }));
    } catch (error) {
      this.#refreshing = false;
      this.#emit("error", { during: "refresh", error });
    }
  }

  #emit<K extends keyof ClientEvents<In>>(type: K, event: ClientEvents<In>[K]): void {
    for (const listener of this.#listeners.get(type) ?? []) listener(event);
  }

  #after(slot: Slot, ms: number, run: () => void): void {
    clearTimeout(this.#timers[slot]);
    this.#timers[slot] = setTimeout(run, ms);
  }

  /** Forget the current socket: its late events are ignored. */
  #detach(): SocketLike | undefined {
    const ws = this.#ws;
    this.#ws = undefined;
    this.#generation += 1;
    for (const timer of Object.values(this.#timers)) clearTimeout(timer);
    this.#timers = {};
    this.#exp = undefined;
    this.#refreshing = false;
    return ws;
  }

  #stop(info: Omit<CloseInfo, "stopped">, stopped: StopReason): void {
    this.#detach();
    this.#stopped = true;
    this.#queue.length = 0;
    this.#emit("close", { ...info, stopped });
  }

  async #open(): Promise<void> {
    const generation = this.#generation;
    let token: string;
    try {
      token = await this.#o.getToken();
    } catch (error) {
      if (generation !== this.#generation || this.#stopped) return;
      this.#emit("error", { during: "connect", error });
      this.#closed({ code: 1006, reason: "getToken() failed", opened: false });
      return;
    }
    if (generation !== this.#generation || this.#stopped) return;
    const {
      url,
      queryParam = "auth",
      WebSocket: Socket = globalThis.WebSocket as NonNullable<ClientOptions["WebSocket"]>,
    } = this.#o;
    let ws: SocketLike;
    if (this.#o.tokenLocation === "protocol") ws = new Socket(url, ["bearer", token]);
    else {
      const withToken = new URL(url);
      withToken.searchParams.set(queryParam, token);
      ws = new Socket(withToken.href);
    }
    this.#ws = ws;
    this.#serverError = undefined;
    let opened = false;
    ws.onopen = () => {
      if (ws !== this.#ws) return;
      opened = true;
      this.#failures = 0;
      this.#connections += 1;
      this.#confirmExp(tokenExp(token));
      const maxMs = (this.#o.maxConnectionSeconds ?? 7200) * 1000;
      // Reconnect ahead of API Gateway's limit, on our own terms (nothing in flight is cut mid-way by it).
      this.#after("max", maxMs - Math.min(60_000, maxMs / 4), () => this.#reconnect("max_duration"));
      this.#emit("open", { connections: this.#connections });
      while (this.#queue.length > 0 && this.state === "open") ws.send(this.#queue.shift() as string);
    };
    ws.onmessage = (event) => {
      if (ws === this.#ws) this.#received(String(event.data));
    };
    ws.onclose = (event) => {
      if (ws !== this.#ws) return;
      const serverError = this.#serverError;
      this.#closed({ code: event.code, reason: event.reason, opened, ...(serverError ? { serverError } : {}) });
    };
    // Node 22's WebSocket reports a refused handshake with an error and no close: a close, as browsers show it.
    ws.onerror = () => {
      if (ws !== this.#ws || opened) return;
      this.#closed({ code: 1006, reason: "", opened });
      ws.close();
    };
  }

  /** A new exp to keep: refresh ahead of it (with no readable exp, only reauth_required triggers one). */
  #confirmExp(exp: number | undefined): void {
    this.#exp = exp ?? Number.POSITIVE_INFINITY;
    this.#refreshing = false;
    if (exp !== undefined && this.#o.autoRefresh !== false)
      this.#after(
        "refresh",
        refreshDelay(exp, Date.now(), (this.#o.refreshAheadSeconds ?? 60) * 1000),
        () => void this.#refresh(true),
      );
  }

  #received(text: string): void {
    let data: unknown = text;
    try {
      data = JSON.parse(text);
    } catch {}
    const control = (data ?? {}) as { type?: unknown; exp?: unknown; error?: unknown; reason?: unknown };
    if (control.type === "refreshed") {
      const { exp } = control;
      // Checked against what was sent: a reply to no refresh, or for another token, changes nothing.
      if (this.#refreshing && typeof exp === "number" && exp * 1000 > Date.now() && (this.#sentExp ?? exp) === exp) {
        this.#confirmExp(exp);
        this.#emit("refreshed", { exp });
      } else this.#emit("error", { during: "refresh", error: new Error(`unexpected refresh reply: ${text}`) });
    } else if (control.type === "reauth_required") void this.refresh();
    else if (control.type === "revoked") this.#serverError = "revoked";
    else if (control.type === "error" && typeof control.error === "string") {
      // A refused route (per-route authorisation) or a message that could not be echoed keeps the connection: it
      // says nothing about a later close.
      if (!ANSWERS_ONE_MESSAGE.includes(control.error)) this.#serverError = control.error;
      if (control.error === "refresh_refused") this.#emit("refresh_refused", { reason: String(control.reason) });
    }
    this.#emit("message", { data: data as In, text });
  }

  #reconnect(reason: string): void {
    this.#detach()?.close(1000, reason);
    this.#emit("close", { code: 1000, reason, opened: true, retryInMs: 0 });
    void this.#open();
  }

  #closed(info: Omit<CloseInfo, "stopped" | "retryInMs">): void {
    this.#detach();
    if (!info.opened) this.#failures += 1;
    const limit = this.#o.maxFailedOpens ?? 3;
    const stop: StopReason | undefined =
      info.serverError === "refresh_refused"
        ? "refresh_refused"
        : this.#failures >= limit
          ? "cannot_open"
          : info.opened && !closeAllowsReconnect(info.code, info.serverError)
            ? "closed_by_server"
            : undefined;
    if (stop !== undefined) {
      this.#stop(info, stop);
      return;
    }
    const retryInMs = retryDelay(this.#failures, this.#o.retryBaseMs ?? 1000, this.#o.retryMaxMs ?? 30_000);
    this.#emit("close", { ...info, retryInMs });
    this.#after("retry", retryInMs, () => void this.#open());
  }
}
