// AdminGetUser: the automatic path's only way from the Username that AdminUserGlobalSignOut names (possibly an
// alias) to the `sub` the registry is keyed by. The grant is cognito-idp:AdminGetUser on the one pool.
import { WsAuthError } from "../shared/errors.ts";
import { sendSigned } from "../shared/signed-request.ts";

export class CognitoLookupError extends WsAuthError {
  readonly errorType: string;
  constructor(status: number, errorType: string, options?: ErrorOptions) {
    super(`cognito-idp AdminGetUser failed: status ${status} (${errorType})`, options);
    this.name = "CognitoLookupError";
    this.errorType = errorType;
  }
}

export const COGNITO_DEADLINE_MS = 5_000;
const MAX_ANSWER_BYTES = 64 * 1024;

export interface UserDirectory {
  /** The user's `sub`, or undefined when the pool has no such user (deleted since the sign-out). */
  subOf(userPoolId: string, username: string): Promise<string | undefined>;
}

function errorType(text: string): string {
  try {
    const type = (JSON.parse(text) as { __type?: unknown }).__type;
    if (typeof type === "string") return type.slice(type.lastIndexOf("#") + 1);
  } catch {
    // Not JSON: a proxy answered.
  }
  return "UnknownError";
}

/** Cognito's JSON API at `endpoint` (its regional endpoint, or a loopback stand-in in tests). */
export function cognitoDirectory(endpoint: string, region: string): UserDirectory {
  const url = new URL(endpoint);
  return {
    async subOf(userPoolId, username) {
      const answer = await sendSigned(url, {
        method: "POST",
        service: "cognito-idp",
        region,
        headers: {
          "Content-Type": "application/x-amz-json-1.1",
          "X-Amz-Target": "AWSCognitoIdentityProviderService.AdminGetUser",
        },
        body: JSON.stringify({ UserPoolId: userPoolId, Username: username }),
        deadlineMs: COGNITO_DEADLINE_MS,
        maxAnswerBytes: MAX_ANSWER_BYTES,
      });
      if (answer.status < 200 || answer.status >= 300) {
        const type = errorType(answer.text);
        if (type === "UserNotFoundException") return undefined;
        throw new CognitoLookupError(answer.status, type);
      }
      const { UserAttributes: attributes } = JSON.parse(answer.text) as {
        UserAttributes?: Array<{ Name?: unknown; Value?: unknown }>;
      };
      const sub = attributes?.find((attribute) => attribute.Name === "sub")?.Value;
      if (typeof sub !== "string" || sub === "") throw new CognitoLookupError(answer.status, "NoSubAttribute");
      return sub;
    },
  };
}
