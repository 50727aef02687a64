import { expect } from "chai";
import { AuthoriserError, ConfigError, JwksFetchError } from "../../../functions/authoriser/errors.ts";
import { DynamoDbError } from "../../../functions/shared/dynamodb.ts";
import { WsAuthError } from "../../../functions/shared/errors.ts";
import { ManagementApiError } from "../../../functions/shared/management-api.ts";
import { MetricsError } from "../../../functions/shared/metrics.ts";
import { RegistryConfigError } from "../../../functions/shared/registry-config.ts";
import { SigningConfigError, TransportError } from "../../../functions/shared/signed-request.ts";

describe("one error root for every function", () => {
  // Built inside each test, not at load: a class's constructor then runs under Stryker's active mutant.
  const samples: ReadonlyArray<[string, () => Error]> = [
    ["AuthoriserError", () => new AuthoriserError("a")],
    ["ConfigError", () => new ConfigError("ISSUER", "an https URL", "x")],
    ["JwksFetchError", () => new JwksFetchError("timeout")],
    ["DynamoDbError", () => new DynamoDbError("PutItem", 400, "ValidationException")],
    ["ManagementApiError", () => new ManagementApiError("PostToConnection", 500, undefined)],
    ["RegistryConfigError", () => new RegistryConfigError("CONNECTIONS_TABLE", "a table name", undefined)],
    ["TransportError", () => new TransportError("dynamodb", "ECONNRESET", true)],
    ["SigningConfigError", () => new SigningConfigError("AWS_REGION must be set")],
    ["MetricsError", () => new MetricsError("metric name must be 1 to 255 characters")],
  ];

  it("names the root itself", () => {
    expect(new WsAuthError("x").name).to.equal("WsAuthError");
  });

  for (const [name, make] of samples) {
    it(`${name} is a WsAuthError, named after its class, and is an Error`, () => {
      const error = make();
      expect(error.constructor.name).to.equal(name);
      expect(error).to.be.instanceOf(WsAuthError);
      expect(error).to.be.instanceOf(Error);
      expect(error.name).to.equal(name);
    });
  }

  it("keeps the cause it was given", () => {
    const cause = new Error("socket hang up");
    expect(new WsAuthError("outer", { cause }).cause).to.equal(cause);
  });
});
