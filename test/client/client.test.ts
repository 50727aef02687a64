// The client's bookkeeping with a scripted socket: the bounded send queue, the check of a refresh reply against
// the token sent, the token placed where tokenLocation says. The real stack is client.int.test.ts's.
import { expect } from "chai";
import { type ClientEvents, type SocketLike, WsAuthClient } from "../../client/index.ts";
import { LocalIssuer } from "../../local/issuer/issuer.ts";

/** A socket the test opens, feeds and closes by hand; every instance is kept with what it was given. */
class ScriptedSocket implements SocketLike {
  static made: ScriptedSocket[] = [];
  readyState = 0;
  readonly sent: string[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly url: string;
  readonly protocols: string[] | undefined;
  constructor(url: string, protocols?: string[]) {
    this.url = url;
    this.protocols = protocols;
    ScriptedSocket.made.push(this);
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(value: unknown): void {
    this.onmessage?.({ data: JSON.stringify(value) });
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("the client's bookkeeping (client/client.ts, scripted socket)", () => {
  const issuer = new LocalIssuer();
  let tokens: string[];
  let client: WsAuthClient<unknown, { n: number }>;
  let errors: Array<ClientEvents<unknown>["error"]>;

  function start(options: { tokenLocation?: "protocol" | "query"; queueLimit?: number } = {}): void {
    ScriptedSocket.made = [];
    tokens = [];
    errors = [];
    client = new WsAuthClient({
      url: "wss://api.example/prod",
      tokenLocation: options.tokenLocation ?? "protocol",
      ...(options.queueLimit === undefined ? {} : { queueLimit: options.queueLimit }),
      WebSocket: ScriptedSocket,
      getToken: () => {
        const token = issuer.mint({ username: "alice", expiresIn: 600 + tokens.length * 60 });
        tokens.push(token);
        return token;
      },
    });
    client.on("error", (error) => errors.push(error));
    client.connect();
  }
  afterEach(() => client?.close());

  it("queues up to queueLimit messages before open, refuses the next, then sends them in order", async () => {
    start({ queueLimit: 3 });
    await tick();
    expect([1, 2, 3, 4].map((n) => client.send({ n }))).to.deep.equal([true, true, true, false]);
    const socket = ScriptedSocket.made[0] as ScriptedSocket;
    socket.open();
    expect(socket.sent).to.deep.equal(['{"n":1}', '{"n":2}', '{"n":3}']);
    expect(client.send({ n: 5 })).to.equal(true);
    expect(socket.sent.at(-1)).to.equal('{"n":5}');
  });

  it("puts the token in the subprotocol after bearer, or in the query parameter, never both", async () => {
    start();
    await tick();
    expect(ScriptedSocket.made[0]?.protocols).to.deep.equal(["bearer", tokens[0]]);
    expect(ScriptedSocket.made[0]?.url).to.equal("wss://api.example/prod");
    client.close();
    start({ tokenLocation: "query" });
    await tick();
    expect(ScriptedSocket.made[0]?.protocols).to.equal(undefined);
    expect(new URL(ScriptedSocket.made[0]?.url as string).searchParams.get("auth")).to.equal(tokens[0]);
  });

  it("takes a refresh reply only for the token it sent", async () => {
    start();
    await tick();
    const socket = ScriptedSocket.made[0] as ScriptedSocket;
    socket.open();
    const before = client.exp as number;
    await client.refresh();
    const sent = JSON.parse(socket.sent.at(-1) as string) as { action: string; token: string };
    expect(sent).to.deep.equal({ action: "refresh", token: tokens[1] });

    socket.receive({ type: "refreshed", exp: before + 3600 });
    expect(client.exp, "a reply naming another exp changes nothing").to.equal(before);
    expect(String((errors[0]?.error as Error | undefined)?.message)).to.include("unexpected refresh reply");

    const expected = JSON.parse(Buffer.from((tokens[1] as string).split(".")[1] as string, "base64url").toString())
      .exp as number;
    socket.receive({ type: "refreshed", exp: expected });
    expect(client.exp).to.equal(expected);
    socket.receive({ type: "refreshed", exp: expected + 60 });
    expect(client.exp, "a second reply to one refresh changes nothing").to.equal(expected);
  });

  // Both answer one message and keep the connection open (per-route authorisation; functions/message/reply.ts).
  for (const [what, error] of [
    ["a refused route's forbidden", { type: "error", error: "forbidden", route: "admin" }],
    ["a message it could not echo (cannot_echo)", { type: "error", error: "cannot_echo", reason: "too_large" }],
  ] as const) {
    it(`hands ${what} to the application, and does not read a later close by it`, async () => {
      start();
      await tick();
      const socket = ScriptedSocket.made[0] as ScriptedSocket;
      socket.open();
      const messages: unknown[] = [];
      const closes: Array<ClientEvents<unknown>["close"]> = [];
      client.on("message", ({ data }) => messages.push(data));
      client.on("close", (info) => closes.push(info));
      socket.receive(error);
      expect(messages).to.deep.equal([error]);
      expect(client.state).to.equal("open");
      // A normal close with no error of its own is the server's decision: the client stops, as it would have.
      socket.onclose?.({ code: 1000, reason: "" });
      expect(closes).to.have.lengthOf(1);
      expect(closes[0]).to.include({ stopped: "closed_by_server" });
      expect(closes[0]).to.not.have.property("serverError");
    });
  }
});
