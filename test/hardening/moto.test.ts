import { expect } from "chai";
import type { InvokeResult, LambdaHost } from "../../local/lambda/host.ts";
import { makeConnectEvent, METHOD_ARN } from "../../local/gateway/sample-events.ts";
import { ledger } from "./support/ledger.ts";
import { startAuthoriserZip, UNAUTHORIZED_RESULT } from "./support/lambda.ts";
import { makeMotoPool, MotoServer, signIn, type MotoPool, type MotoTokens } from "./support/moto.ts";

const USER = { username: "alice", password: "Correct-Horse-Battery-9!", groups: ["admin"] };

type Allowed = {
  ok: true;
  value: {
    principalId: string;
    policyDocument: { Statement: Array<Record<string, string>> };
    context: Record<string, unknown>;
  };
};

describe("hardening: interoperability with moto's Cognito (a Cognito we did not write), through the built zip", function () {
  this.timeout(60_000);
  let moto: MotoServer | undefined;
  let ours: MotoPool;
  let theirs: MotoPool;
  let ourTokens: MotoTokens;
  let otherClientTokens: MotoTokens;
  let otherPoolTokens: MotoTokens;
  const hosts: LambdaHost[] = [];
  let firstLine = 0;

  function authoriser(env: Record<string, string> = {}): LambdaHost {
    const host = startAuthoriserZip({
      USER_POOL_ID: ours.userPoolId,
      CLIENT_ID: ours.clientIds[0] as string,
      JWKS_URI: (moto as MotoServer).jwksUri(ours.userPoolId),
      ...env,
    });
    hosts.push(host);
    return host;
  }

  const connect = async (host: LambdaHost, token: string): Promise<InvokeResult> => {
    ledger.tally.casesTried += 1;
    return host.invoke(makeConnectEvent({ query: { auth: ledger.secret(token) } }));
  };

  before(async function () {
    // A cold run installs moto from PyPI first (about a minute); later runs reuse the cached venv.
    this.timeout(400_000);
    firstLine = ledger.lineCount;
    moto = await MotoServer.start();
    ours = await makeMotoPool(moto, "ours", 2, USER);
    theirs = await makeMotoPool(moto, "theirs", 1, USER);
    ourTokens = await signIn(moto, ours.clientIds[0] as string, USER.username, USER.password);
    otherClientTokens = await signIn(moto, ours.clientIds[1] as string, USER.username, USER.password);
    otherPoolTokens = await signIn(moto, theirs.clientIds[0] as string, USER.username, USER.password);
    for (const tokens of [ourTokens, otherClientTokens, otherPoolTokens]) {
      ledger.secret(tokens.idToken);
      ledger.secret(tokens.accessToken);
    }
  });

  after(async () => {
    await Promise.all(hosts.map((host) => host.stop()));
    await moto?.stop();
  });

  it("signs every pool with one key, so only the issuer check keeps pools apart (the premise of this test)", () => {
    const kid = (token: string) =>
      (JSON.parse(Buffer.from(token.split(".")[0] as string, "base64url").toString()) as { kid: string }).kid;
    expect(kid(ourTokens.idToken)).to.equal(kid(otherPoolTokens.idToken));
  });

  it("allows an ID token from moto's InitiateAuth, fetching moto's JWKS over loopback http", async () => {
    const result = await connect(authoriser(), ourTokens.idToken);
    expect(result.ok, JSON.stringify(result)).to.equal(true);
    const { value } = result as Allowed;
    expect(value.policyDocument.Statement).to.deep.equal([
      { Action: "execute-api:Invoke", Effect: "Allow", Resource: METHOD_ARN },
    ]);
    expect(value.context).to.include({ username: USER.username, groups: '["admin"]', token_use: "id" });
    const sub = (
      JSON.parse(Buffer.from(ourTokens.idToken.split(".")[1] as string, "base64url").toString()) as { sub: string }
    ).sub;
    expect(value.principalId).to.equal(sub);
  });

  it("allows moto's access token when TOKEN_USE is access, and refuses its ID token there", async () => {
    const host = authoriser({ TOKEN_USE: "access" });
    const access = await connect(host, ourTokens.accessToken);
    expect(access.ok, JSON.stringify(access)).to.equal(true);
    expect((access as Allowed).value.context).to.include({ username: USER.username, token_use: "access" });
    expect(await connect(host, ourTokens.idToken)).to.deep.equal(UNAUTHORIZED_RESULT);
  });

  it("refuses moto's access token where ID tokens are required", async () => {
    expect(await connect(authoriser(), ourTokens.accessToken)).to.deep.equal(UNAUTHORIZED_RESULT);
  });

  it("refuses tokens of the same pool issued to another app client", async () => {
    const host = authoriser({ TOKEN_USE: "any" });
    expect(await connect(host, otherClientTokens.idToken)).to.deep.equal(UNAUTHORIZED_RESULT);
    expect(await connect(host, otherClientTokens.accessToken)).to.deep.equal(UNAUTHORIZED_RESULT);
  });

  it("refuses tokens of another pool, though signed by the very same key", async () => {
    const host = authoriser({ TOKEN_USE: "any", CLIENT_ID: `${ours.clientIds[0]},${theirs.clientIds[0]}` });
    expect(await connect(host, otherPoolTokens.idToken)).to.deep.equal(UNAUTHORIZED_RESULT);
    expect(await connect(host, otherPoolTokens.accessToken)).to.deep.equal(UNAUTHORIZED_RESULT);
  });

  it("refuses a moto token with its payload swapped for another pool's", async () => {
    const [header, , signature] = ourTokens.idToken.split(".");
    const forged = `${header}.${otherPoolTokens.idToken.split(".")[1]}.${signature}`;
    expect(await connect(authoriser(), forged)).to.deep.equal(UNAUTHORIZED_RESULT);
  });

  it("refuses a moto token whose payload was edited under its own pool's iss (the signature no longer fits)", async () => {
    const [header, payload, signature] = ourTokens.idToken.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>;
    const edited = Buffer.from(JSON.stringify({ ...claims, "cognito:groups": ["admin", "root"] })).toString(
      "base64url",
    );
    expect(await connect(authoriser(), `${header}.${edited}.${signature}`)).to.deep.equal(UNAUTHORIZED_RESULT);
  });

  it("logged the refusals by reason: wrong_audience, wrong_issuer, wrong_token_use, invalid_signature", () => {
    // Only this file's lines: the ledger holds every hardening file's, and others log these reasons too.
    const reasons = new Set(
      ledger
        .parsedLines(firstLine)
        .filter((line) => line.message === "connection refused")
        .map((line) => line.reason),
    );
    for (const reason of ["wrong_audience", "wrong_issuer", "wrong_token_use", "invalid_signature"])
      expect([...reasons]).to.include(reason);
  });

  it("refuses at init a JWKS_URI over http to a host that is not loopback, before any fetch", async () => {
    const host = authoriser({ JWKS_URI: `http://moto.example.invalid/${ours.userPoolId}/.well-known/jwks.json` });
    const result = await host.invoke(makeConnectEvent({ query: { auth: ledger.secret(ourTokens.idToken) } }));
    expect(result.ok).to.equal(false);
    expect((result as { errorMessage: string }).errorMessage).to.match(
      /ConfigError: JWKS_URI: expected an https:\/\/ URL \(http:\/\/ only for a loopback host\)/,
    );
  });
});
