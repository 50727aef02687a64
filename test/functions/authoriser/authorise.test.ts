import { expect } from "chai";
import sinon from "sinon";
import { authorise } from "../../../functions/authoriser/authorise.ts";
import { makeSigningKey, signJwt } from "../../../local/issuer/issuer.ts";
import { makeStubbedAuthoriser, type StubbedAuthoriser } from "../../support/authoriser.ts";
import { makeConnectEvent, METHOD_ARN } from "../../../local/gateway/sample-events.ts";
import { captureLogSink, LogCollector } from "../../support/logs.ts";

type LogLine = Record<string, unknown>;

describe("authorise (JWKS stubbed with sinon)", () => {
  let stack: StubbedAuthoriser;
  const logs = new LogCollector();
  let releaseLogs: () => void;
  const logged = (): LogLine[] => logs.parsed();

  beforeEach(() => {
    stack = makeStubbedAuthoriser();
    logs.lines.length = 0;
    releaseLogs = captureLogSink(logs.collect);
  });
  afterEach(() => {
    releaseLogs();
    sinon.restore();
  });

  async function decide(token: string | undefined, env?: Record<string, string>) {
    if (env) stack = makeStubbedAuthoriser(env, stack.issuer);
    const event = makeConnectEvent(token === undefined ? {} : { query: { auth: token } });
    return authorise(event, stack.config, stack.verifier);
  }

  async function rejectionOf(token: string | undefined, env?: Record<string, string>): Promise<string> {
    try {
      await decide(token, env);
    } catch (err) {
      expect((err as Error).message).to.equal("Unauthorized");
      const line = logged().find((entry) => entry.message === "connection refused");
      expect(line, "a refusal log line").to.not.equal(undefined);
      return String(line?.reason);
    }
    throw new Error("the token was allowed");
  }

  it("allows a valid ID token with a policy scoped to the methodArn", async () => {
    const result = await decide(stack.issuer.mint({ username: "alice", groups: ["admin", "dev"] }));
    const sub = stack.issuer.subFor("alice");
    expect(result.principalId).to.equal(sub);
    expect(result.policyDocument.Statement).to.deep.equal([
      { Action: "execute-api:Invoke", Effect: "Allow", Resource: METHOD_ARN },
    ]);
    expect(result.context).to.include({ sub, username: "alice", groups: '["admin","dev"]', token_use: "id" });
    expect(result.context?.exp).to.be.a("number");
  });

  it("puts only strings, numbers and booleans in the context", async () => {
    const result = await decide(stack.issuer.mint({ username: "alice", groups: ["a"] }));
    for (const value of Object.values(result.context ?? {}))
      expect(["string", "number", "boolean"]).to.include(typeof value);
  });

  it("allows an access token when TOKEN_USE is access, naming the user from `username`", async () => {
    const result = await decide(stack.issuer.mint({ username: "bob", tokenUse: "access" }), { TOKEN_USE: "access" });
    expect(result.context).to.include({ username: "bob", token_use: "access" });
  });

  it("allows both token kinds when TOKEN_USE is any", async () => {
    for (const tokenUse of ["access", "id"] as const) {
      const result = await decide(stack.issuer.mint({ username: "bob", tokenUse }), { TOKEN_USE: "any" });
      expect(result.policyDocument.Statement[0], tokenUse).to.include({ Effect: "Allow", Resource: METHOD_ARN });
      expect(result.context, tokenUse).to.include({ username: "bob", token_use: tokenUse });
    }
  });

  it("accepts a token for any of several configured clients", async () => {
    const result = await decide(stack.issuer.mint({ username: "c", clientId: "second" }), {
      CLIENT_ID: `${stack.issuer.clientId},second`,
    });
    expect(result.policyDocument.Statement[0]).to.include({ Effect: "Allow" });
  });

  describe("with a generic OIDC issuer (ISSUER)", () => {
    const oidc = { ISSUER: "https://login.example.com", JWKS_URI: "https://login.example.com/jwks" };
    const oidcToken = (claims: Record<string, unknown>) =>
      stack.issuer.mint({
        username: "o",
        claims: {
          iss: "https://login.example.com",
          token_use: undefined,
          "cognito:username": undefined,
          auth_time: undefined,
          ...claims,
        },
      });

    it("allows a token whose aud is a configured client", async () => {
      stack = makeStubbedAuthoriser({ USER_POOL_ID: "", ...oidc, CLIENT_ID: "aud-1,aud-2" }, stack.issuer);
      const result = await authorise(
        makeConnectEvent({ query: { auth: oidcToken({ aud: "aud-2" }) } }),
        stack.config,
        stack.verifier,
      );
      expect(result.policyDocument.Statement[0]).to.include({ Effect: "Allow" });
    });

    it("refuses a token for another audience", async () => {
      stack = makeStubbedAuthoriser({ USER_POOL_ID: "", ...oidc, CLIENT_ID: "aud-1" }, stack.issuer);
      expect(await rejectionOf(oidcToken({ aud: "aud-9" }))).to.equal("wrong_audience");
    });

    it("refuses a Cognito-issued token when another issuer is configured", async () => {
      stack = makeStubbedAuthoriser({ USER_POOL_ID: "", ...oidc, CLIENT_ID: stack.issuer.clientId }, stack.issuer);
      expect(await rejectionOf(stack.issuer.mint({ username: "c" }))).to.equal("wrong_issuer");
    });
  });

  it("fetches the keys once and reuses them for later tokens", async () => {
    await decide(stack.issuer.mint({ username: "a" }));
    await decide(stack.issuer.mint({ username: "b" }));
    expect(stack.fetch.callCount).to.equal(1);
  });

  it("denies (403) a valid token outside REQUIRED_GROUPS, and allows one inside", async () => {
    const denied = await decide(stack.issuer.mint({ username: "eve", groups: ["users"] }), {
      REQUIRED_GROUPS: "admin,ops",
    });
    expect(denied.policyDocument.Statement[0]).to.deep.equal({
      Action: "execute-api:Invoke",
      Effect: "Deny",
      Resource: METHOD_ARN,
    });
    expect(logged().find((line) => line.message === "connection denied")?.reason).to.equal("forbidden");
    const allowed = await decide(stack.issuer.mint({ username: "ann", groups: ["ops"] }), {
      REQUIRED_GROUPS: "admin,ops",
    });
    expect(allowed.policyDocument.Statement[0]).to.include({ Effect: "Allow" });
  });

  it("denies a token with no groups when REQUIRED_GROUPS is set", async () => {
    const denied = await decide(stack.issuer.mint({ username: "eve" }), { REQUIRED_GROUPS: "admin" });
    expect(denied.policyDocument.Statement[0]).to.include({ Effect: "Deny" });
  });

  const now = () => Math.floor(Date.now() / 1000);
  const cases: Array<[string, string, () => string]> = [
    ["no token", "missing_token", () => undefined as unknown as string],
    ["junk", "malformed_token", () => "not-a-jwt"],
    ["an expired token", "expired", () => stack.issuer.mint({ username: "a", expiresIn: -5 })],
    [
      "a token not valid yet (nbf)",
      "not_yet_valid",
      () => stack.issuer.mint({ username: "a", claims: { nbf: now() + 600 } }),
    ],
    [
      "a token from another pool",
      "wrong_issuer",
      () =>
        stack.issuer.mint({
          username: "a",
          claims: { iss: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other" },
        }),
    ],
    [
      "a token for another client",
      "wrong_audience",
      () => stack.issuer.mint({ username: "a", clientId: "someone-else" }),
    ],
    [
      "an access token where ID tokens are configured",
      "wrong_token_use",
      () => stack.issuer.mint({ username: "a", tokenUse: "access" }),
    ],
    ["a token without exp", "missing_claim", () => stack.issuer.mint({ username: "a", claims: { exp: undefined } })],
    ["a token without sub", "missing_claim", () => stack.issuer.mint({ username: "a", claims: { sub: undefined } })],
    [
      "a token without cognito:username",
      "missing_claim",
      () => stack.issuer.mint({ username: "a", claims: { "cognito:username": undefined } }),
    ],
    [
      "a token without auth_time",
      "missing_claim",
      () => stack.issuer.mint({ username: "a", claims: { auth_time: undefined } }),
    ],
    [
      "a token whose exp is a string",
      "malformed_token",
      () => stack.issuer.mint({ username: "a", claims: { exp: String(now() + 600) } }),
    ],
    [
      "a token whose groups are not strings",
      "invalid_claim",
      () => stack.issuer.mint({ username: "a", claims: { "cognito:groups": [1, 2] } }),
    ],
    [
      "a token signed by an unknown key",
      "unknown_key",
      () => stack.issuer.mint({ username: "a", key: makeSigningKey("stranger") }),
    ],
    [
      "a token signed by the wrong key under a known kid",
      "invalid_signature",
      () => {
        const forger = makeSigningKey((stack.issuer.keys[0] as { kid: string }).kid);
        return stack.issuer.mint({ username: "a", key: forger });
      },
    ],
    [
      "alg none",
      "unsupported_algorithm",
      () => signJwt({ alg: "none", kid: "x" }, stack.issuer.claimsFor({ username: "a" }), makeSigningKey().privateKey),
    ],
    [
      "alg HS256",
      "unsupported_algorithm",
      () => signJwt({ alg: "HS256", kid: "x" }, stack.issuer.claimsFor({ username: "a" }), makeSigningKey().privateKey),
    ],
    [
      "a header with crit",
      "malformed_token",
      () =>
        signJwt(
          { alg: "RS256", kid: "x", crit: ["exp"] },
          stack.issuer.claimsFor({ username: "a" }),
          makeSigningKey().privateKey,
        ),
    ],
  ];
  for (const [what, reason, make] of cases) {
    it(`refuses ${what} with Unauthorized, logged as ${reason}`, async () => {
      expect(await rejectionOf(make())).to.equal(reason);
    });
  }

  it("refuses every token when the keys cannot be fetched, logged as keys_unavailable", async () => {
    stack.fetch.rejects(new Error("connect ECONNREFUSED"));
    expect(await rejectionOf(stack.issuer.mint({ username: "a" }))).to.equal("keys_unavailable");
  });

  it("refuses an event without a valid methodArn, as bad_request", async () => {
    const event = { ...makeConnectEvent({ query: { auth: stack.issuer.mint({ username: "a" }) } }), methodArn: "*" };
    try {
      await authorise(event, stack.config, stack.verifier);
      expect.fail("allowed");
    } catch (err) {
      expect((err as Error).message).to.equal("Unauthorized");
    }
    expect(logged().at(-1)?.reason).to.equal("bad_request");
  });

  it("never writes the token, or its signature, to the log", async () => {
    const tokens = [
      stack.issuer.mint({ username: "a" }),
      stack.issuer.mint({ username: "b", expiresIn: -1 }),
      stack.issuer.mint({ username: "c", clientId: "x" }),
    ];
    for (const token of tokens) await decide(token).catch(() => undefined);
    const text = logs.lines.join("\n");
    expect(text).to.not.equal("");
    for (const token of tokens) {
      expect(text).to.not.include(token);
      expect(text).to.not.include(token.split(".")[2]);
      expect(text).to.not.include(token.split(".")[1]);
    }
  });
  describe("log lines: what an operator can search on, one line per decision", () => {
    const request = { connectionId: "conn-1=", requestId: "req-1", awsRequestId: "aws-req-9" };
    const decideWithId = (token: string, env?: Record<string, string>) => {
      if (env) stack = makeStubbedAuthoriser(env, stack.issuer);
      return authorise(makeConnectEvent({ query: { auth: token } }), stack.config, stack.verifier, "aws-req-9");
    };
    const only = () => {
      const lines = logged();
      expect(lines).to.have.length(1);
      const { timestamp, ...fields } = lines[0] as LogLine;
      expect(timestamp).to.be.a("string");
      return fields;
    };

    it("logs an allowed connection at INFO with where the token came from, its sub and the request ids", async () => {
      await decideWithId(stack.issuer.mint({ username: "alice" }));
      const sub = stack.issuer.subFor("alice");
      expect(only()).to.deep.equal({ level: "INFO", message: "connection allowed", source: "query", sub, ...request });
    });

    it("logs a denied connection at WARN as forbidden, with the same fields", async () => {
      await decideWithId(stack.issuer.mint({ username: "eve", groups: ["users"] }), { REQUIRED_GROUPS: "admin" });
      const sub = stack.issuer.subFor("eve");
      expect(only()).to.deep.equal({
        level: "WARN",
        message: "connection denied",
        reason: "forbidden",
        source: "query",
        sub,
        ...request,
      });
    });

    it("logs a refused token at WARN with its reason and no error names", async () => {
      await decideWithId(stack.issuer.mint({ username: "bob", expiresIn: -1 })).catch(() => undefined);
      expect(only()).to.deep.equal({ level: "WARN", message: "connection refused", reason: "expired", ...request });
    });

    for (const [what, event] of [
      ["null", null],
      ["undefined", undefined],
      ["a string", "$connect"],
      ["an event without requestContext or methodArn", {}],
    ] as const) {
      it(`refuses ${what} in place of an event with Unauthorized, logged as bad_request`, async () => {
        const refused = await authorise(event as never, stack.config, stack.verifier, "aws-req-9").then(
          () => expect.fail("allowed"),
          (err: Error) => err,
        );
        expect(refused.message).to.equal("Unauthorized");
        expect(only()).to.deep.equal({
          level: "WARN",
          message: "connection refused",
          reason: "bad_request",
          awsRequestId: "aws-req-9",
        });
      });
    }
  });
});
