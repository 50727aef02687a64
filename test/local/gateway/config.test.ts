import { expect } from "chai";
import {
  authority,
  DEFAULT_GATEWAY_CONFIG,
  GatewayConfigError,
  parseGatewayConfig,
} from "../../../local/gateway/config.ts";

describe("gateway configuration", () => {
  it("defaults to loopback port 3001, stage dev and API Gateway's own limits (idle 10 min, 2 h, 128 KB messages, 32 KB frames)", () => {
    expect(parseGatewayConfig({})).to.deep.include({
      host: "127.0.0.1",
      port: 3001,
      stage: "dev",
      idleTimeoutMs: 600_000,
      maxDurationMs: 7_200_000,
      maxMessageBytes: 131_072,
      maxFrameBytes: 32_768,
    });
  });

  it("takes PORT, HOST and shorter limits from the environment", () => {
    const config = parseGatewayConfig({
      PORT: "4000",
      HOST: "::1",
      IDLE_TIMEOUT_SECONDS: "5",
      MAX_CONNECTION_SECONDS: "60",
    });
    expect(config).to.deep.include({ port: 4000, host: "::1", idleTimeoutMs: 5000, maxDurationMs: 60_000 });
  });

  it("refuses a HOST that is not an address with one error naming it", () => {
    expect(() => parseGatewayConfig({ HOST: "my-laptop.example" })).to.throw(
      GatewayConfigError,
      /^HOST: expected an IP address/,
    );
  });

  it("refuses a PORT that is not a port", () => {
    for (const port of ["http", "70000", "-1", "30.5"]) {
      expect(() => parseGatewayConfig({ PORT: port }), port).to.throw(GatewayConfigError, /^PORT:/);
    }
  });

  it("refuses an idle timeout longer than API Gateway's 10 minutes", () => {
    expect(() => parseGatewayConfig({ IDLE_TIMEOUT_SECONDS: "601" })).to.throw(
      GatewayConfigError,
      /IDLE_TIMEOUT_SECONDS/,
    );
  });

  it("caps each function at 10 containers unless LAMBDA_CONCURRENCY says otherwise, from 1 to Lambda's 1,000", () => {
    expect(parseGatewayConfig({}).lambdaConcurrency).to.equal(10);
    expect(parseGatewayConfig({ LAMBDA_CONCURRENCY: "3" }).lambdaConcurrency).to.equal(3);
    for (const value of ["0", "1001", "many"]) {
      expect(() => parseGatewayConfig({ LAMBDA_CONCURRENCY: value }), value).to.throw(
        GatewayConfigError,
        /^LAMBDA_CONCURRENCY:/,
      );
    }
  });

  it("reads RESERVED_CONCURRENCY as Terraform's reserved_concurrency map, none reserved by default", () => {
    expect(parseGatewayConfig({}).reservedConcurrency).to.deep.equal({});
    expect(parseGatewayConfig({ RESERVED_CONCURRENCY: " message=5, authoriser=0 " }).reservedConcurrency).to.deep.equal(
      {
        message: 5,
        authoriser: 0,
      },
    );
    for (const value of ["message", "message=-1", "message=1001", "message=5;connect=2", "=3"]) {
      expect(() => parseGatewayConfig({ RESERVED_CONCURRENCY: value }), value).to.throw(
        GatewayConfigError,
        /^RESERVED_CONCURRENCY: expected function=count pairs/,
      );
    }
  });

  it("writes IPv6 hosts in brackets and reaches a wildcard bind on loopback", () => {
    expect(authority("::1", 3001)).to.equal("[::1]:3001");
    expect(authority("0.0.0.0", 3001)).to.equal("127.0.0.1:3001");
    expect(authority(DEFAULT_GATEWAY_CONFIG.host, 1)).to.equal("127.0.0.1:1");
  });
});
