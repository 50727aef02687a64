import { expect } from "chai";
import { AuthoriserError, ConfigError, JwksFetchError } from "../../../functions/authoriser/errors.ts";
import { DynamoDbError } from "../../../functions/shared/dynamodb.ts";
import { WsAuthError } from "../../../functions/shared/errors.ts";
import { ManagementApiError } from "../../../functions/shared/management-api.ts";
import { MetricsError } from "../../../functions/shared/metrics.ts";
import { RegistryConfigError } from "../../../functions/shared/registry-config.ts";
import { SigningConfigError, TransportError } from "../../../functions/shared/signed-request.ts";

describe("one error root for every function", () => {
  const samples: Error[] = [
    new AuthoriserError("a"),
    new ConfigError("ISSUER", "an https URL", "x"),
    new JwksFetchError("timeout"),
    new DynamoDbError("PutItem", 400, "ValidationException"),
    new ManagementApiError("PostToConnection", 500, undefined),
    new RegistryConfigError("CONNECTIONS_TABLE", "a table name", undefined),
    new TransportError("dynamodb", "ECONNRESET", true),
    new SigningConfigError("AWS_REGION must be set"),
    new MetricsError("metric name must be 1 to 255 characters"),
  ];

  it("names the root itself", () => {
    expect(new WsAuthError("x").name).to.equal("WsAuthError");
  });

  for (const error of samples) {
    it(`${error.constructor.name} is a WsAuthError, named after its class, and is an Error`, () => {
      expect(error).to.be.instanceOf(WsAuthError);
      expect(error).to.be.instanceOf(Error);
      expect(error.name).to.equal(error.constructor.name);
    });
  }

  it("keeps the cause it was given", () => {
    const cause = new Error("socket hang up");
    expect(new WsAuthError("outer", { cause }).cause).to.equal(cause);
  });
});
