// Per-route authorisation through the whole local stack: api.json's routeAuthorisation reaches the message
// function as ROUTE_REQUIREMENTS, the authoriser's scopes reach the registry at $connect, and a refresh that
// changes the user's groups changes what the next message may do, on the same open connection.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { WebSocket } from "ws";
import { ConnectionRegistry } from "../../functions/shared/registry.ts";
import { API_DESCRIPTION_PATH, ApiDescriptionError, parseApiDescription } from "../../local/api-description.ts";
import { LOCAL_REGION } from "../../local/registry-table.ts";
import { closeAll, connect, request } from "./gateway/support/clients.ts";
import { startTestStack, type TestStack } from "./gateway/support/stack.ts";

const raw = JSON.parse(readFileSync(API_DESCRIPTION_PATH, "utf8")) as Record<string, unknown> & {
  routes: Record<string, string>;
};

/** api.json plus two protected routes served by the message function, as a team would declare them. */
function protectedApi(routeAuthorisation: unknown = {}) {
  return parseApiDescription({
    ...raw,
    routes: { ...raw.routes, admin: "message", publish: "message" },
    routeAuthorisation: {
      admin: { requiredGroups: ["admins"] },
      publish: { requiredScopes: ["chat/read", "chat/write"] },
      ...(routeAuthorisation as object),
    },
  });
}

describe("per-route authorisation through the local stack", function () {
  this.timeout(60_000);
  let stack: TestStack;
  let registry: ConnectionRegistry;

  before(async () => {
    stack = await startTestStack({ api: protectedApi(), env: { TOKEN_USE: "any" } });
    registry = new ConnectionRegistry(
      { tableName: stack.registry.tableName, endpoint: stack.registry.endpoint, region: LOCAL_REGION },
      stack.registry.db,
    );
  });
  after(async () => {
    await stack?.close();
  });

  function lastConnectionId(): string {
    const event = stack.invocationsOf("connect").at(-1)?.event as { requestContext: { connectionId: string } };
    return event.requestContext.connectionId;
  }

  it("refuses a route to a user outside its group, allows it once they gain the group and refresh, and refuses it again after they lose it", async () => {
    const token = (groups: string[], expiresIn: number) => stack.issuer.mint({ username: "carol", groups, expiresIn });
    const ws = await connect(stack.urlWithToken(token(["dev"], 600)));
    try {
      expect(await request(ws, '{"action":"admin","do":"purge"}')).to.deep.equal({
        type: "error",
        error: "forbidden",
        route: "admin",
      });
      expect(ws.readyState, "the connection stays open after a refusal").to.equal(WebSocket.OPEN);
      expect(await request(ws, '{"action":"hello"}'), "other routes still answer").to.deep.include({
        type: "reply",
        action: "hello",
      });

      const promoted = await request(ws, JSON.stringify({ action: "refresh", token: token(["dev", "admins"], 1200) }));
      expect(promoted).to.include({ type: "refreshed" });
      expect(await request(ws, '{"action":"admin","do":"purge"}')).to.deep.include({
        type: "reply",
        action: "admin",
        from: { username: "carol", sub: stack.issuer.subFor("carol"), groups: ["dev", "admins"] },
      });

      const demoted = await request(ws, JSON.stringify({ action: "refresh", token: token(["dev"], 1800) }));
      expect(demoted).to.include({ type: "refreshed" });
      expect(await request(ws, '{"action":"admin"}')).to.deep.equal({
        type: "error",
        error: "forbidden",
        route: "admin",
      });
      expect(ws.readyState).to.equal(WebSocket.OPEN);
      const refusals = stack.logs.filter((line) => line.includes('"route refused"'));
      expect(refusals).to.have.lengthOf(2);
      expect(refusals.join("\n")).to.include('"reason":"missing_group"');
      expect(refusals.join("\n"), "never a token in the log").to.not.match(/eyJ[\w-]+\.eyJ/);
    } finally {
      await closeAll([ws]);
    }
  });

  it("stores the token's scopes at $connect, so a scoped route is decided on the first message", async () => {
    const mint = (scope: string) => stack.issuer.mint({ username: "dave", tokenUse: "access", claims: { scope } });
    const writer = await connect(stack.urlWithToken(mint("chat/read chat/write")));
    const writerId = lastConnectionId();
    const reader = await connect(stack.urlWithToken(mint("chat/read")));
    const readerId = lastConnectionId();
    try {
      expect((await registry.lookup(writerId))?.scopes).to.deep.equal(["chat/read", "chat/write"]);
      expect((await registry.lookup(readerId))?.scopes).to.deep.equal(["chat/read"]);
      expect(await request(writer, '{"action":"publish"}')).to.deep.include({ type: "reply", action: "publish" });
      expect(await request(reader, '{"action":"publish"}'), "every scope is needed, not one").to.deep.equal({
        type: "error",
        error: "forbidden",
        route: "publish",
      });
      expect(reader.readyState).to.equal(WebSocket.OPEN);
    } finally {
      await closeAll([writer, reader]);
    }
  });

  it("refuses, when api.json is read, a declaration on refresh, $disconnect or $connect, or on a route it lacks", () => {
    for (const route of ["refresh", "$disconnect", "$connect"]) {
      expect(() => protectedApi({ [route]: { requiredGroups: ["admins"] } }), route).to.throw(
        ApiDescriptionError,
        `functions/api.json: routeAuthorisation: route "${route}" cannot be restricted`,
      );
    }
    expect(() => protectedApi({ nosuch: { requiredGroups: ["admins"] } })).to.throw(
      ApiDescriptionError,
      'route "nosuch" is not in routes',
    );
    expect(() =>
      parseApiDescription({
        ...raw,
        routes: { ...raw.routes, renew: "refresh" },
        routeAuthorisation: { renew: { requiredGroups: ["admins"] } },
      }),
    ).to.throw(ApiDescriptionError, 'route "renew" runs refresh, which does not read ROUTE_REQUIREMENTS');
  });
});
