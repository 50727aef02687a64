// The open connections by id, each with the timers API Gateway keeps: idle timeout and maximum duration.
import type { WebSocket } from "ws";
import type { AuthoriserFields, ConnectionFacts } from "./events.ts";

export interface Connection {
  readonly facts: ConnectionFacts;
  readonly socket: WebSocket;
  readonly authorizer: AuthoriserFields | undefined;
  lastActiveAt: number;
  idleTimer: NodeJS.Timeout | undefined;
  maxTimer: NodeJS.Timeout | undefined;
}

export type ExpiryReason = "idle" | "max_duration";

export interface OpenConnectionsOptions {
  readonly idleTimeoutMs: number;
  readonly maxDurationMs: number;
  readonly onExpire: (connection: Connection, why: ExpiryReason) => void;
}

export class OpenConnections {
  private readonly options: OpenConnectionsOptions;
  private readonly byId = new Map<string, Connection>();

  constructor(options: OpenConnectionsOptions) {
    this.options = options;
  }

  get size(): number {
    return this.byId.size;
  }

  get(connectionId: string): Connection | undefined {
    return this.byId.get(connectionId);
  }

  all(): Connection[] {
    return [...this.byId.values()];
  }

  add(facts: ConnectionFacts, socket: WebSocket, authorizer: AuthoriserFields | undefined): Connection {
    const connection: Connection = {
      facts,
      socket,
      authorizer,
      lastActiveAt: facts.connectedAt,
      idleTimer: undefined,
      maxTimer: undefined,
    };
    const remaining = Math.max(0, facts.connectedAt + this.options.maxDurationMs - Date.now());
    connection.maxTimer = setTimeout(() => this.options.onExpire(connection, "max_duration"), remaining).unref();
    this.byId.set(facts.connectionId, connection);
    this.touch(connection);
    return connection;
  }

  /** Traffic in either direction restarts the idle clock. */
  touch(connection: Connection): void {
    connection.lastActiveAt = Date.now();
    clearTimeout(connection.idleTimer);
    connection.idleTimer = setTimeout(
      () => this.options.onExpire(connection, "idle"),
      this.options.idleTimeoutMs,
    ).unref();
  }

  remove(connection: Connection): boolean {
    clearTimeout(connection.idleTimer);
    clearTimeout(connection.maxTimer);
    return (
      this.byId.get(connection.facts.connectionId) === connection && this.byId.delete(connection.facts.connectionId)
    );
  }
}
