import { expect } from "chai";
import { WsAuthError } from "../../../functions/shared/errors.ts";
import { parseRegistryConfig, RegistryConfigError } from "../../../functions/shared/registry-config.ts";

describe("registry configuration", () => {
  const env = { CONNECTIONS_TABLE: "wsauth-connections", AWS_REGION: "eu-west-1" };

  it("defaults to the regional endpoint", () => {
    expect(parseRegistryConfig(env)).to.deep.equal({
      tableName: "wsauth-connections",
      endpoint: "https://dynamodb.eu-west-1.amazonaws.com",
      region: "eu-west-1",
    });
  });

  it("takes a loopback http endpoint (moto) or any https one", () => {
    expect(parseRegistryConfig({ ...env, DYNAMODB_ENDPOINT: "http://127.0.0.1:5000" }).endpoint).to.equal(
      "http://127.0.0.1:5000",
    );
    expect(
      parseRegistryConfig({ ...env, DYNAMODB_ENDPOINT: "https://dynamodb-fips.us-east-1.amazonaws.com/" }).endpoint,
    ).to.equal("https://dynamodb-fips.us-east-1.amazonaws.com");
  });

  it("takes every loopback spelling over http, trims the values, and keeps the table name's whole alphabet", () => {
    for (const host of ["localhost:8000", "[::1]:8000", "127.1.2.3", "127.10.200.30"]) {
      expect(parseRegistryConfig({ ...env, DYNAMODB_ENDPOINT: `http://${host}` }).endpoint).to.equal(`http://${host}`);
    }
    expect(
      parseRegistryConfig({ CONNECTIONS_TABLE: " a.b_C-9 ", AWS_REGION: " us-gov-west-1 ", DYNAMODB_ENDPOINT: " " }),
    ).to.deep.equal({
      tableName: "a.b_C-9",
      region: "us-gov-west-1",
      endpoint: "https://dynamodb.us-gov-west-1.amazonaws.com",
    });
    expect(parseRegistryConfig({ ...env, CONNECTIONS_TABLE: "x".repeat(255) }).tableName).to.have.length(255);
  });

  it("says what each variable expected", () => {
    const messages = [
      { ...env, DYNAMODB_ENDPOINT: "not a url" },
      { ...env, DYNAMODB_ENDPOINT: "http://example.com" },
      { ...env, AWS_REGION: "nowhere" },
    ].map((bad) => {
      try {
        return JSON.stringify(parseRegistryConfig(bad));
      } catch (err) {
        return (err as Error).message;
      }
    });
    expect(messages).to.deep.equal([
      'DYNAMODB_ENDPOINT: expected an absolute URL such as http://127.0.0.1:5000, got "not a url"',
      'DYNAMODB_ENDPOINT: expected an https:// URL (http:// only for a loopback host), got "http://example.com"',
      'AWS_REGION: expected an AWS region such as eu-west-1 (Lambda sets it), got "nowhere"',
    ]);
  });

  it("says what it got, at most 80 characters of it, or that the variable is unset", () => {
    expect(() => parseRegistryConfig({ ...env, CONNECTIONS_TABLE: undefined })).to.throw(
      "CONNECTIONS_TABLE: expected the DynamoDB table name of the connection registry (3-255 of A-Z a-z 0-9 _ . -), got nothing (unset)",
    );
    const long = `https://${"a".repeat(100)}.com/p`;
    const err = (() => {
      try {
        parseRegistryConfig({ ...env, DYNAMODB_ENDPOINT: long });
      } catch (e) {
        return e as RegistryConfigError;
      }
    })();
    expect(err?.message).to.equal(
      `DYNAMODB_ENDPOINT: expected a bare origin without credentials, path or query, got ${JSON.stringify(long.slice(0, 80))}`,
    );
    expect(err).to.include({ variable: "DYNAMODB_ENDPOINT", name: "RegistryConfigError" });
    expect(err).to.be.instanceOf(WsAuthError);
  });

  for (const [name, bad] of [
    ["CONNECTIONS_TABLE", { ...env, CONNECTIONS_TABLE: undefined }],
    ["CONNECTIONS_TABLE", { ...env, CONNECTIONS_TABLE: "has space" }],
    ["AWS_REGION", { ...env, AWS_REGION: "" }],
    ["DYNAMODB_ENDPOINT", { ...env, DYNAMODB_ENDPOINT: "http://dynamodb.example.com" }],
    ["DYNAMODB_ENDPOINT", { ...env, DYNAMODB_ENDPOINT: "https://user:pw@example.com" }],
    ["DYNAMODB_ENDPOINT", { ...env, DYNAMODB_ENDPOINT: "not a url" }],
    ["CONNECTIONS_TABLE", { ...env, CONNECTIONS_TABLE: "ab" }],
    ["CONNECTIONS_TABLE", { ...env, CONNECTIONS_TABLE: "x".repeat(256) }],
    ["CONNECTIONS_TABLE", { ...env, CONNECTIONS_TABLE: "  " }],
    ["AWS_REGION", { ...env, AWS_REGION: undefined }],
    ["AWS_REGION", { ...env, AWS_REGION: "eu-west" }],
    ["AWS_REGION", { ...env, AWS_REGION: "EU-WEST-1" }],
    ["AWS_REGION", { ...env, AWS_REGION: "xeu-west-1" }],
    ["AWS_REGION", { ...env, AWS_REGION: "eu-west-1x" }],
    ["DYNAMODB_ENDPOINT", { ...env, DYNAMODB_ENDPOINT: "ftp://127.0.0.1:5000" }],
    ["DYNAMODB_ENDPOINT", { ...env, DYNAMODB_ENDPOINT: "http://127.0.0.1.example.com" }],
    ["DYNAMODB_ENDPOINT", { ...env, DYNAMODB_ENDPOINT: "http://x127.0.0.1" }],
    ["DYNAMODB_ENDPOINT", { ...env, DYNAMODB_ENDPOINT: "http://notlocalhost:8000" }],
    ["DYNAMODB_ENDPOINT", { ...env, DYNAMODB_ENDPOINT: "https://user@example.com" }],
    ["DYNAMODB_ENDPOINT", { ...env, DYNAMODB_ENDPOINT: "https://:pw@example.com" }],
    ["DYNAMODB_ENDPOINT", { ...env, DYNAMODB_ENDPOINT: "https://example.com/path" }],
    ["DYNAMODB_ENDPOINT", { ...env, DYNAMODB_ENDPOINT: "https://example.com/?q=1" }],
  ] as const) {
    it(`refuses a bad ${name} with one error naming it (${JSON.stringify(bad[name as keyof typeof bad] ?? null)})`, () => {
      expect(() => parseRegistryConfig(bad)).to.throw(RegistryConfigError, new RegExp(`^${name}: expected`));
    });
  }
});
