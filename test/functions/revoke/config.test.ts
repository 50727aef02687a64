import { expect } from "chai";
import { parseRevokeConfig } from "../../../functions/revoke/config.ts";
import { RegistryConfigError } from "../../../functions/shared/registry-config.ts";

const BASE = { CONNECTIONS_TABLE: "wsauth-connections", AWS_REGION: "eu-west-1" };

describe("revoke: configuration at init", () => {
  it("takes the registry's variables, and no pool (sign-out events refused) unless USER_POOL_ID is set", () => {
    expect(parseRevokeConfig(BASE)).to.deep.equal({
      registry: {
        tableName: "wsauth-connections",
        endpoint: "https://dynamodb.eu-west-1.amazonaws.com",
        region: "eu-west-1",
      },
      userPoolId: undefined,
      cognitoEndpoint: "https://cognito-idp.eu-west-1.amazonaws.com",
    });
    expect(parseRevokeConfig({ ...BASE, USER_POOL_ID: "eu-west-1_AbC123" }).userPoolId).to.equal("eu-west-1_AbC123");
  });

  it("takes COGNITO_ENDPOINT over https, or plain http on loopback only", () => {
    for (const endpoint of ["https://cognito.example.com", "http://127.0.0.1:5000", "http://localhost:5000"]) {
      expect(parseRevokeConfig({ ...BASE, COGNITO_ENDPOINT: endpoint }).cognitoEndpoint, endpoint).to.equal(endpoint);
    }
  });

  const refused: Array<[Record<string, string>, string]> = [
    [{ USER_POOL_ID: "not a pool" }, "USER_POOL_ID"],
    [{ USER_POOL_ID: "eu-west-1" }, "USER_POOL_ID"],
    [{ COGNITO_ENDPOINT: "http://cognito.example.com" }, "COGNITO_ENDPOINT"],
    [{ COGNITO_ENDPOINT: "https://cognito.example.com/path" }, "COGNITO_ENDPOINT"],
    [{ COGNITO_ENDPOINT: "ftp://127.0.0.1" }, "COGNITO_ENDPOINT"],
    [{ CONNECTIONS_TABLE: "" }, "CONNECTIONS_TABLE"],
  ];
  for (const [env, variable] of refused) {
    it(`fails the cold start naming ${variable} for ${JSON.stringify(env)}`, () => {
      let caught: unknown;
      try {
        parseRevokeConfig({ ...BASE, ...env });
      } catch (err) {
        caught = err;
      }
      expect(caught).to.be.instanceOf(RegistryConfigError);
      expect((caught as RegistryConfigError).variable).to.equal(variable);
      expect((caught as Error).message).to.match(new RegExp(`^${variable}: expected`));
    });
  }
});
