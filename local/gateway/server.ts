// A local stand-in for an API Gateway WebSocket API: the handshake is authorised (and may be refused with an
// HTTP status) before the upgrade completes, then messages are routed to the same Lambda zips Terraform deploys.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer } from "ws";
import type { InvokeResult } from "../lambda/host.ts";
import { decideAuthorisation, findMissingIdentitySource } from "./authorisation.ts";
import { authority, type GatewayConfig } from "./config.ts";
import { type Connection, OpenConnections, type ExpiryReason } from "./open-connections.ts";
import {
  type AuthoriserFields,
  buildAuthoriserEvent,
  buildConnectEvent,
  buildDisconnectEvent,
  buildMessageEvent,
  type ConnectionFacts,
  type HandshakeRequest,
  makeGatewayId,
  readHandshakeRequest,
} from "./events.ts";
import { createFrameSizeWatcher } from "./frame-limit.ts";
import { handleManagementRequest } from "./management.ts";
import type { RefusalReasons } from "./refusal-reasons.ts";
import { selectRoute } from "./routes.ts";
import type { IdentitySource, ApiDescription } from "../api-description.ts";

/** Anything that runs a function: a LambdaHost, or a test double around one. */
export interface Invoker {
  invoke(event: unknown): Promise<InvokeResult>;
}

export interface LocalGatewayOptions {
  readonly config: GatewayConfig;
  readonly api: ApiDescription;
  /** By function folder name, as api.json names them. */
  readonly functions: Readonly<Record<string, Invoker>>;
  /** Resolved from api.json for the chosen token location (see identitySources). */
  readonly identitySources: readonly IdentitySource[];
  /** One line per gateway event; default: `[gateway] ...` on stderr. */
  readonly onLog?: (line: string) => void;
  /** Every invocation with its outcome, for tests and timing. */
  readonly onInvocation?: (invocation: Invocation) => void;
  /** Dev only: the authoriser's logged reason joins a refusal's x-local-gateway-reason header and body. */
  readonly refusalReasons?: RefusalReasons;
  /** More plain-HTTP routes on the same port (the dev page); true when it answered the request. */
  readonly httpRoutes?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

export interface Invocation {
  readonly functionName: string;
  readonly event: Record<string, unknown>;
  readonly result: InvokeResult;
  readonly durationMs: number;
}

/** API Gateway's close code for a binary frame, which WebSocket APIs do not accept. */
const UNSUPPORTED_DATA = 1003;
const MESSAGE_TOO_BIG = 1009;
const GOING_AWAY = 1001;
const NORMAL_CLOSURE = 1000;

type HandshakeOutcome =
  | {
      readonly accepted: true;
      readonly authorizer: AuthoriserFields | undefined;
      readonly protocol: string | undefined;
      /** The $connect integration ran and accepted: a connection that never opens still gets its $disconnect. */
      readonly connectRan: boolean;
    }
  | { readonly accepted: false; readonly status: number; readonly reason: string };

function headerValue(headers: unknown, name: string): string | undefined {
  if (typeof headers !== "object" || headers === null) return undefined;
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
  return typeof entry?.[1] === "string" ? entry[1] : undefined;
}

function traceId(now: number): string {
  return `Root=1-${Math.floor(now / 1000).toString(16)}-${randomBytes(12).toString("hex")}`;
}

export class LocalGateway {
  readonly options: LocalGatewayOptions;
  readonly openConnections: OpenConnections;
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly protocols = new WeakMap<IncomingMessage, string>();
  private readonly inflight = new Set<Promise<unknown>>();
  private closing = false;
  private boundPort = 0;

  constructor(options: LocalGatewayOptions) {
    this.options = options;
    const { config } = options;
    this.openConnections = new OpenConnections({
      idleTimeoutMs: config.idleTimeoutMs,
      maxDurationMs: config.maxDurationMs,
      onExpire: (connection, why) => this.expire(connection, why),
    });
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: config.maxMessageBytes,
      // Only what the $connect integration returned is echoed, as API Gateway does.
      handleProtocols: (_offered, req) => this.protocols.get(req) ?? false,
    });
    this.server = createServer((req, res) => {
      const handled = handleManagementRequest(req, res, {
        stage: config.stage,
        openConnections: this.openConnections,
        maxMessageBytes: config.maxMessageBytes,
        post: (connection, data) => this.post(connection, data),
        disconnect: (connection) => connection.socket.close(NORMAL_CLOSURE),
      });
      if (handled || options.httpRoutes?.(req, res)) return;
      req.resume();
      const upgradePath = this.isStagePath(req.url);
      res.writeHead(upgradePath ? 426 : 404, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ message: upgradePath ? "Upgrade Required: connect with a WebSocket client" : "Not Found" }),
      );
    });
    this.server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.track(this.upgrade(req, socket, head));
    });
  }

  get port(): number {
    return this.boundPort;
  }

  /** host:port as API Gateway puts it in requestContext.domainName; the handler builds its endpoint from it. */
  get domainName(): string {
    return authority(this.options.config.host, this.boundPort);
  }

  get url(): string {
    return `ws://${this.domainName}/${this.options.config.stage}`;
  }

  /** What the Management API client is given, as `https://{domainName}/{stage}` in production. */
  get managementEndpoint(): string {
    return `http://${this.domainName}/${this.options.config.stage}`;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.options.config.port, this.options.config.host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    this.boundPort = (this.server.address() as AddressInfo).port;
  }

  /** Close every connection (each gets its $disconnect), wait for running invocations, stop listening. */
  async close(): Promise<void> {
    this.closing = true;
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of this.openConnections.all()) connection.socket.close(GOING_AWAY, "Going away");
    await this.settle(() => this.openConnections.size === 0, 2000);
    // A client that does not answer the close frame is cut off, as API Gateway would.
    for (const connection of this.openConnections.all()) connection.socket.terminate();
    await this.settle(
      () => this.openConnections.size === 0 && this.inflight.size === 0,
      this.options.config.lambdaTimeoutMs + 2000,
    );
    this.server.closeAllConnections();
    await stopped;
  }

  private async settle(done: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  private log(message: string, fields: Record<string, unknown> = {}): void {
    const line = JSON.stringify({ timestamp: new Date().toISOString(), message, ...fields });
    if (this.options.onLog) this.options.onLog(line);
    else process.stderr.write(`[gateway] ${line}\n`);
  }

  private track(promise: Promise<unknown>): void {
    const settled = promise.catch((err: unknown) => this.log("gateway error", { error: String(err) }));
    this.inflight.add(settled);
    void settled.finally(() => this.inflight.delete(settled));
  }

  private async invoke(functionName: string | undefined, event: Record<string, unknown>): Promise<InvokeResult> {
    const invoker = functionName === undefined ? undefined : this.options.functions[functionName];
    if (invoker === undefined)
      return { ok: false, errorType: "GatewayError", errorMessage: `no function "${functionName}" is loaded` };
    const started = performance.now();
    let result: InvokeResult;
    try {
      result = await invoker.invoke(event);
    } catch (err) {
      result = { ok: false, errorType: "GatewayError", errorMessage: err instanceof Error ? err.message : String(err) };
    }
    this.options.onInvocation?.({
      functionName: functionName as string,
      event,
      result,
      durationMs: performance.now() - started,
    });
    return result;
  }

  private isStagePath(url: string | undefined): boolean {
    const pathname = new URL(url ?? "/", "http://gateway").pathname;
    return pathname === `/${this.options.config.stage}` || pathname === `/${this.options.config.stage}/`;
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on("error", () => socket.destroy());
    const now = Date.now();
    const { config } = this.options;
    if (this.closing) return this.refuse(socket, 503, "gateway is shutting down");
    if (!this.isStagePath(req.url))
      return this.refuse(socket, 404, `no stage at this path (the stage is /${config.stage})`);
    const sourceIp = (req.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, "");
    const request = readHandshakeRequest(req.rawHeaders, new URL(req.url ?? "/", "http://gateway"), sourceIp, {
      "X-Amzn-Trace-Id": traceId(now),
      "X-Forwarded-For": sourceIp,
      "X-Forwarded-Port": String(this.boundPort),
      "X-Forwarded-Proto": "http",
    });
    const facts: ConnectionFacts = {
      connectionId: makeGatewayId(),
      connectedAt: now,
      domainName: this.domainName,
      stage: config.stage,
      apiId: config.apiId,
      region: config.region,
      accountId: config.accountId,
      sourceIp,
      userAgent: request.userAgent,
    };
    const outcome = await this.handshake(request, facts);
    if (!outcome.accepted) {
      this.log("connect refused", { connectionId: facts.connectionId, status: outcome.status, reason: outcome.reason });
      return this.refuse(socket, outcome.status, outcome.reason);
    }
    let opened = false;
    if (this.closing) this.refuse(socket, 503, "gateway is shutting down");
    else {
      if (outcome.protocol !== undefined) this.protocols.set(req, outcome.protocol);
      // Without verifyClient, ws calls back synchronously, or never (a socket the client already closed).
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        opened = true;
        this.open(ws, socket, facts, outcome.authorizer);
      });
    }
    // The $connect integration ran (its registry item is written): whatever ended the connection before it
    // opened, $disconnect follows, as for any connection that ends.
    if (!opened && outcome.connectRan) {
      this.log("client left during $connect", { connectionId: facts.connectionId });
      await this.invokeDisconnect(facts, outcome.authorizer, 1006, "client left during $connect");
    }
  }

  /** The authoriser (when $connect has one), then the $connect integration (when there is one). */
  private async handshake(request: HandshakeRequest, facts: ConnectionFacts): Promise<HandshakeOutcome> {
    const { api, identitySources } = this.options;
    let authorizer: AuthoriserFields | undefined;
    if (api.authoriser !== undefined && api.authoriser.route === "$connect") {
      const missing = findMissingIdentitySource(identitySources, request);
      if (missing !== undefined)
        return { accepted: false, status: 401, reason: `identity source ${missing.expression} is missing` };
      const event = buildAuthoriserEvent(request, facts, "$connect");
      const started = performance.now();
      const result = await this.invoke(api.authoriser.function, event);
      const decision = decideAuthorisation(result, event.methodArn as string, Math.round(performance.now() - started));
      if (!decision.allowed) {
        const logged =
          decision.status === 500 ? undefined : await this.options.refusalReasons?.take(facts.connectionId);
        return {
          accepted: false,
          status: decision.status,
          reason: logged === undefined ? decision.reason : `${decision.reason}: ${logged}`,
        };
      }
      authorizer = decision.authorizer;
    }
    const connectFunction = api.routes.$connect;
    if (connectFunction === undefined) return { accepted: true, authorizer, protocol: undefined, connectRan: false };
    const result = await this.invoke(connectFunction, buildConnectEvent(request, facts, authorizer));
    if (!result.ok) return { accepted: false, status: 500, reason: `$connect failed: ${result.errorType}` };
    const value = result.value as { statusCode?: unknown; headers?: unknown } | null;
    const status = typeof value?.statusCode === "number" ? value.statusCode : 200;
    if (status < 200 || status > 299)
      return {
        accepted: false,
        status: status >= 100 && status <= 599 ? status : 500,
        reason: `$connect returned ${status}`,
      };
    return {
      accepted: true,
      authorizer,
      protocol: headerValue(value?.headers, "sec-websocket-protocol"),
      connectRan: true,
    };
  }

  private refuse(socket: Duplex, status: number, reason: string): void {
    if (socket.destroyed) return;
    const text = status === 500 ? "Internal server error" : (STATUS_CODES[status] ?? "Error");
    // API Gateway's body, plus the reason when the dev stack asked for it (never in AWS).
    const body = JSON.stringify(this.options.refusalReasons ? { message: text, reason } : { message: text });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\n` +
        "Content-Type: application/json\r\n" +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `x-amzn-RequestId: ${makeGatewayId()}\r\n` +
        `x-local-gateway-reason: ${reason.replace(/[^\x20-\x7e]/g, "?")}\r\n` +
        "Connection: close\r\n\r\n" +
        body,
    );
  }

  private open(ws: WebSocket, socket: Duplex, facts: ConnectionFacts, authorizer: AuthoriserFields | undefined): void {
    const connection = this.openConnections.add(facts, ws, authorizer);
    // Prepended, so an oversize frame is seen before ws parses it into a message.
    socket.prependListener(
      "data",
      createFrameSizeWatcher(this.options.config.maxFrameBytes, (bytes) => {
        this.log("frame too big", { connectionId: facts.connectionId, bytes });
        ws.close(MESSAGE_TOO_BIG, "Message too big");
      }),
    );
    this.log("connected", { connectionId: facts.connectionId, principalId: authorizer?.principalId });
    // ws closes the socket itself on a protocol error (1002), bad UTF-8 (1007) or an oversize message (1009).
    ws.on("error", (err) =>
      this.log("client protocol error", { connectionId: facts.connectionId, error: err.message }),
    );
    ws.on("message", (data, isBinary) => this.receive(connection, data as Buffer, isBinary));
    ws.on("close", (code, reason) => this.track(this.disconnected(connection, code, reason.toString())));
  }

  private receive(connection: Connection, data: Buffer, isBinary: boolean): void {
    // A connection being closed (oversize frame, expiry) routes nothing more.
    if (connection.socket.readyState !== WebSocket.OPEN) return;
    if (isBinary) {
      connection.socket.close(UNSUPPORTED_DATA, "Binary frames are not supported");
      return;
    }
    this.openConnections.touch(connection);
    this.track(this.route(connection, data.toString("utf8")));
  }

  private async route(connection: Connection, body: string): Promise<void> {
    const { facts, authorizer } = connection;
    const routeKey = selectRoute(body, this.options.api.routes);
    const event = buildMessageEvent(facts, routeKey ?? "$default", body, authorizer);
    const requestId = (event.requestContext as { requestId: string }).requestId;
    if (routeKey === undefined) {
      this.reply(connection, { message: "Forbidden", connectionId: facts.connectionId, requestId });
      return;
    }
    const result = await this.invoke(this.options.api.routes[routeKey], event);
    if (!result.ok) {
      this.log("integration failed", {
        connectionId: facts.connectionId,
        routeKey,
        errorType: result.errorType,
        errorMessage: result.errorMessage,
      });
      this.reply(connection, { message: "Internal server error", connectionId: facts.connectionId, requestId });
    }
  }

  private reply(connection: Connection, body: unknown): void {
    if (connection.socket.readyState === WebSocket.OPEN) connection.socket.send(JSON.stringify(body));
  }

  private post(connection: Connection, data: Buffer): void {
    this.openConnections.touch(connection);
    connection.socket.send(data, { binary: false });
  }

  private expire(connection: Connection, why: ExpiryReason): void {
    this.log("connection expired", { connectionId: connection.facts.connectionId, why });
    connection.socket.close(GOING_AWAY, "Going away");
  }

  private async disconnected(connection: Connection, code: number, reason: string): Promise<void> {
    if (!this.openConnections.remove(connection)) return;
    const { facts, authorizer } = connection;
    this.log("disconnected", { connectionId: facts.connectionId, code, reason });
    await this.invokeDisconnect(facts, authorizer, code, reason);
  }

  private async invokeDisconnect(
    facts: ConnectionFacts,
    authorizer: AuthoriserFields | undefined,
    code: number,
    reason: string,
  ): Promise<void> {
    const disconnectFunction = this.options.api.routes.$disconnect;
    if (disconnectFunction === undefined) return;
    const result = await this.invoke(disconnectFunction, buildDisconnectEvent(facts, code, reason, authorizer));
    if (!result.ok) this.log("$disconnect failed", { connectionId: facts.connectionId, errorType: result.errorType });
  }
}
