// moto's Cognito (a Cognito we did not write) on loopback, driven over plain HTTP with unsigned JSON calls,
// which moto accepts: X-Amz-Target names the operation.
import { MotoProcess } from "../../../local/moto.ts";

/** moto's Cognito API on the same moto server the local stack uses for DynamoDB (local/moto.ts starts it). */
export class MotoServer {
  private readonly moto: MotoProcess;

  private constructor(moto: MotoProcess) {
    this.moto = moto;
  }

  /** Install moto if needed (scripts/moto.sh, cached outside the repo), start it on a free loopback port, wait until it answers. */
  static async start(): Promise<MotoServer> {
    return new MotoServer(await MotoProcess.start());
  }

  get url(): string {
    return this.moto.endpoint;
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

  stop(): Promise<void> {
    return this.moto.stop();
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
