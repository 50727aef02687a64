// CloudTrail's record of AdminUserGlobalSignOut as EventBridge delivers it ("AWS API Call via CloudTrail"), built
// after the shape of the documented examples: the envelope of EventBridge, CloudTrail's record in `detail`, with
// the request's parameters as the caller sent them (Username may be an alias) and no response elements.

export interface SignOutOptions {
  readonly userPoolId?: string;
  readonly username?: string;
}

export function makeSignOutEvent(options: SignOutOptions = {}) {
  return {
    version: "0",
    id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "AWS API Call via CloudTrail",
    source: "aws.cognito-idp",
    account: "123456789012",
    time: "2026-12-01T20:00:00Z",
    region: "eu-west-1",
    resources: [] as string[],
    detail: {
      eventVersion: "1.08",
      userIdentity: {
        type: "AssumedRole",
        principalId: "AROAEXAMPLE:jane",
        arn: "arn:aws:iam::123456789012:role/support-desk",
        accountId: "123456789012",
      },
      eventTime: "2026-12-01T20:00:00Z",
      eventSource: "cognito-idp.amazonaws.com",
      eventName: "AdminUserGlobalSignOut",
      awsRegion: "eu-west-1",
      sourceIPAddress: "192.0.2.1",
      userAgent: "aws-cli/2.15.0",
      requestParameters: {
        userPoolId: options.userPoolId ?? "eu-west-1_Example1",
        username: options.username ?? "alice",
      },
      responseElements: null,
      requestID: "0f7c5e0a-0000-4000-8000-000000000002",
      eventID: "3f2a5d7e-0000-4000-8000-000000000001",
      readOnly: false,
      eventType: "AwsApiCall",
      managementEvent: true,
      recipientAccountId: "123456789012",
      eventCategory: "Management",
    },
  };
}
