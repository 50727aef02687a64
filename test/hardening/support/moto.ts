// moto's Cognito (a Cognito we did not write) on loopback, driven over plain HTTP with unsigned JSON calls,
// which moto accepts: X-Amz-Target names the operation.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort, sleep } from "./lambda.ts";

const MOTO_SCRIPT = join(import.meta.dirname, "..", "..", "..", "scripts", "moto.sh");
const READY_WITHIN_MS = 30_000;

export class MotoServer {
  readonly url: string;
  private readonly child: ChildProcess;
  readonly output: string[] = [];

  private constructor(url: string, child: ChildProcess) {
    this.url = url;
    this.child = child;
    for (const stream of [child.stdout, child.stderr])
      stream?.on("data", (chunk: Buffer) => this.output.push(chunk.toString()));
  }

  /** Install moto if needed (scripts/moto.sh, cached outside the repo), start it on a free loopback port, wait until it answers. */
  static async start(): Promise<MotoServer> {
    const { stdout } = await promisify(execFile)(MOTO_SCRIPT, [], { timeout: 300_000 });
    const binary = stdout.trim().split("\n").at(-1) as string;
    const port = await freePort();
    const child = spawn(binary, ["-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "pipe", "pipe"] });
    const server = new MotoServer(`http://127.0.0.1:${port}`, child);
    const deadline = Date.now() + READY_WITHIN_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`moto_server exited: ${server.output.join("")}`);
      try {
        if ((await fetch(`${server.url}/moto-api/`, { signal: AbortSignal.timeout(1_000) })).status < 500)
          return server;
      } catch {
        // Not listening yet.
      }
      await sleep(200);
    }
    await server.stop();
    throw new Error(`moto_server did not answer within ${READY_WITHIN_MS} ms`);
  }

  /** One Cognito Identity Provider call; throws with moto's error type on a non-2xx answer. */
  async cognito<T = Record<string, unknown>>(operation: string, body: Record<string, unknown>): Promise<T> {
    const response = await fetch(`${this.url}/`, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": `AWSCognitoIdentityProviderService.${operation}`,
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${operation}: ${response.status} ${text.slice(0, 200)}`);
    return JSON.parse(text) as T;
  }

  jwksUri(userPoolId: string): string {
    return `${this.url}/${userPoolId}/.well-known/jwks.json`;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

export interface MotoPool {
  readonly userPoolId: string;
  readonly clientIds: readonly string[];
}

/** A pool with `clients` app clients (password auth on) and one user with a permanent password, in `groups`. */
export async function makeMotoPool(
  moto: MotoServer,
  name: string,
  clients: number,
  user: { username: string; password: string; groups: string[] },
): Promise<MotoPool> {
  const { UserPool } = await moto.cognito<{ UserPool: { Id: string } }>("CreateUserPool", { PoolName: name });
  const clientIds: string[] = [];
  for (let i = 0; i < clients; i += 1) {
    const { UserPoolClient } = await moto.cognito<{ UserPoolClient: { ClientId: string } }>("CreateUserPoolClient", {
      UserPoolId: UserPool.Id,
      ClientName: `${name}-client-${i}`,
      ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    });
    clientIds.push(UserPoolClient.ClientId);
  }
  await moto.cognito("AdminCreateUser", {
    UserPoolId: UserPool.Id,
    Username: user.username,
    MessageAction: "SUPPRESS",
  });
  await moto.cognito("AdminSetUserPassword", {
    UserPoolId: UserPool.Id,
    Username: user.username,
    Password: user.password,
    Permanent: true,
  });
  for (const group of user.groups) {
    await moto.cognito("CreateGroup", { UserPoolId: UserPool.Id, GroupName: group });
    await moto.cognito("AdminAddUserToGroup", { UserPoolId: UserPool.Id, Username: user.username, GroupName: group });
  }
  return { userPoolId: UserPool.Id, clientIds };
}

export interface MotoTokens {
  readonly idToken: string;
  readonly accessToken: string;
}

export async function signIn(
  moto: MotoServer,
  clientId: string,
  username: string,
  password: string,
): Promise<MotoTokens> {
  const { AuthenticationResult } = await moto.cognito<{
    AuthenticationResult: { IdToken: string; AccessToken: string };
  }>("InitiateAuth", {
    ClientId: clientId,
    AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: username, PASSWORD: password },
  });
  return { idToken: AuthenticationResult.IdToken, accessToken: AuthenticationResult.AccessToken };
}
