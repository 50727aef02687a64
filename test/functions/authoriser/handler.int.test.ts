import { expect } from "chai";
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent, Context } from "aws-lambda";
import { makeConnectEvent } from "../../../local/gateway/sample-events.ts";
import { LocalIssuer } from "../../../local/issuer/issuer.ts";
import { JwksServer } from "../../support/jwks-server.ts";
import { captureLogSink, LogCollector } from "../../support/logs.ts";

// The authoriser's entry point (its init and handler) imported in-process, against a JWKS on loopback, so that
// `make mutation` reaches it (scripts/mutation/stryker.config.mjs). The built zip has its own test: zip.int.test.ts.

type Handler = (event: APIGatewayRequestAuthorizerEvent, context?: Context) => Promise<APIGatewayAuthorizerResult>;

let imports = 0;

/** A fresh init of functions/authoriser/index.ts with this environment, as a new Lambda container would run it. */
async function coldStart(env: Record<string, string>): Promise<Handler> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const url = new URL("../../../functions/authoriser/index.ts", import.meta.url);
    imports += 1;
    url.search = `?container=${imports}`;
    return ((await import(url.href)) as { handler: Handler }).handler;
  } finally {
    for (const name of Object.keys(env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  }
}

describe("authoriser entry point, in-process (init + handler)", () => {
  let issuer: LocalIssuer;
  let jwks: JwksServer;
  let logs: LogCollector;
  let env: Record<string, string>;
  let releaseLogs: () => void;

  before(async () => {
    issuer = new LocalIssuer();
    jwks = new JwksServer(issuer);
    await jwks.listen();
    env = { USER_POOL_ID: issuer.userPoolId, CLIENT_ID: issuer.clientId, JWKS_URI: jwks.url };
  });
  beforeEach(() => {
    jwks.behaviour = "keys";
    jwks.requests = 0;
    logs = new LogCollector();
    releaseLogs = captureLogSink(logs.collect);
  });
  afterEach(() => releaseLogs());
  after(() => jwks.close());

  it("fetches the keys during init, then allows tokens for the container's life with that one fetch", async () => {
    const handler = await coldStart(env);
    expect(jwks.requests).to.equal(1);
    for (const username of ["alice", "bob"]) {
      const result = await handler(makeConnectEvent({ query: { auth: issuer.mint({ username }) } }), {
        awsRequestId: `aws-${username}`,
      } as Context);
      expect(result.principalId).to.equal(issuer.subFor(username));
      expect(result.policyDocument.Statement[0]).to.include({ Effect: "Allow" });
    }
    expect(jwks.requests).to.equal(1);
    expect(logs.parsed().map((line) => line.awsRequestId)).to.deep.equal(["aws-alice", "aws-bob"]);
  });

  it("works without a Lambda context object", async () => {
    const handler = await coldStart(env);
    const result = await handler(makeConnectEvent({ query: { auth: issuer.mint({ username: "carol" }) } }));
    expect(result.principalId).to.equal(issuer.subFor("carol"));
  });

  it("starts when the init fetch fails, saying so in one WARN line, and refuses with Unauthorized meanwhile", async () => {
    jwks.behaviour = "status500";
    const handler = await coldStart(env);
    const lines = logs.parsed();
    expect(lines).to.have.length(1);
    expect(lines[0]).to.deep.include({
      level: "WARN",
      message: "JWKS prefetch failed; will fetch on first use",
      error: ["JwksFetchError"],
    });
    const refused = await handler(makeConnectEvent({ query: { auth: issuer.mint({ username: "dan" }) } })).catch(
      (err: Error) => err,
    );
    expect((refused as Error).message).to.equal("Unauthorized");
  });
});
