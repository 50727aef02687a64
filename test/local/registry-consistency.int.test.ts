// 1,000 connections through the local gateway, each ended at random: a clean close, a vanished client (TCP reset,
// no close frame) or left open. The registry in moto's DynamoDB must hold exactly the connections still open.
import { expect } from "chai";
import { randomInt } from "node:crypto";
import type { Socket } from "node:net";
import type { WebSocket } from "ws";
import { closeAll, connect, eventually } from "./gateway/support/clients.ts";
import { startTestStack, type TestStack } from "./gateway/support/stack.ts";

const CONNECTIONS = 1_000;
const CONCURRENCY = 25;

async function registryIds(stack: TestStack): Promise<string[]> {
  const ids: string[] = [];
  let startKey: unknown;
  do {
    const page = await stack.registry.db.call<{
      Items: Array<{ connectionId: { S: string } }>;
      LastEvaluatedKey?: unknown;
    }>("Scan", {
      TableName: stack.registry.tableName,
      ConsistentRead: true,
      ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
    });
    ids.push(...page.Items.map((item) => item.connectionId.S));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return ids.sort();
}

function gatewayIds(stack: TestStack): string[] {
  return [...stack.gateway.openConnections.all()].map((connection) => connection.facts.connectionId).sort();
}

async function waitForDisconnects(stack: TestStack, expected: number): Promise<void> {
  await eventually(() => stack.invocationsOf("disconnect").length >= expected, 60_000, `${expected} $disconnect runs`);
}

describe("connection registry under 1,000 connects and random client drops", function () {
  this.timeout(240_000);
  let stack: TestStack;
  const kept: WebSocket[] = [];

  before(async () => {
    // Room for every client's $connect and $disconnect at once, as an account's default concurrency (1,000) gives:
    // a throttled $disconnect is lost in AWS too, and then only the item's TTL removes it.
    stack = await startTestStack({ config: { lambdaConcurrency: 2 * CONCURRENCY } });
  });

  after(async () => {
    await closeAll(kept);
    await stack.close();
  });

  it("holds exactly the open connections, then none once every client has gone", async () => {
    const tokens = ["u0", "u1", "u2", "u3", "u4"].map((username) => stack.issuer.mint({ username }));
    const endings = { closed: 0, dropped: 0, kept: 0 };
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < CONNECTIONS) {
        next += 1;
        const ws = await connect(stack.urlWithToken(tokens[randomInt(tokens.length)] as string));
        const ending = randomInt(3);
        if (ending === 0) {
          endings.closed += 1;
          ws.close();
        } else if (ending === 1) {
          endings.dropped += 1;
          (ws as unknown as { _socket: Socket })._socket.resetAndDestroy();
        } else {
          endings.kept += 1;
          kept.push(ws);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    process.stderr.write(
      `      ${CONNECTIONS} connects: ${endings.closed} closed, ${endings.dropped} dropped, ${endings.kept} kept open\n`,
    );
    expect(stack.invocationsOf("connect").filter((call) => call.result.ok)).to.have.length(CONNECTIONS);

    await waitForDisconnects(stack, endings.closed + endings.dropped);
    await eventually(() => stack.gateway.openConnections.size === endings.kept, 10_000, "gateway settled");
    const open = gatewayIds(stack);
    expect(open).to.have.length(endings.kept);
    expect(await registryIds(stack)).to.deep.equal(open);

    // The kept clients leave a batch at a time, so the local host's cap stands in for an account's concurrency.
    let closed = endings.closed + endings.dropped;
    for (let i = 0; i < kept.length; i += CONCURRENCY) {
      const batch = kept.slice(i, i + CONCURRENCY);
      await closeAll(batch);
      closed += batch.length;
      await waitForDisconnects(stack, closed);
    }
    expect(stack.invocationsOf("disconnect").every((call) => call.result.ok)).to.equal(true);
    expect(await registryIds(stack)).to.deep.equal([]);
  });
});
