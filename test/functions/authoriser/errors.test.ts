import { expect } from "chai";
import { authorise } from "../../../functions/authoriser/authorise.ts";
import {
  AuthoriserError,
  causeChain,
  ConfigError,
  JwksFetchError,
  Rejection,
} from "../../../functions/authoriser/errors.ts";
import { toRejection, type TokenVerifier } from "../../../functions/authoriser/verifier.ts";
import {
  JwksNotAvailableInCacheError,
  JwtExpiredError,
  JwtInvalidAudienceError,
  JwtNotBeforeError,
  KidNotFoundInJwksError,
} from "aws-jwt-verify/error";
import { makeConnectEvent } from "../../../local/gateway/sample-events.ts";
import { captureLogSink, LogCollector } from "../../support/logs.ts";
import { cognitoEnv, makeVerifier } from "./support/idp.ts";

describe("authoriser errors keep their cause", () => {
  it("roots every error class in AuthoriserError, each with its own name", () => {
    const errors = [new ConfigError("X", "y", "z"), new JwksFetchError("d"), new Rejection("expired", "d")];
    for (const err of errors) expect(err).to.be.instanceOf(AuthoriserError);
    expect(errors.map((err) => err.name)).to.deep.equal(["ConfigError", "JwksFetchError", "Rejection"]);
  });

  it("wraps a library error as a Rejection whose cause is that same error, not a copy of its message", () => {
    const original = new KidNotFoundInJwksError("kid not found");
    const rejection = toRejection(original);
    expect(rejection.reason).to.equal("unknown_key");
    expect(rejection.cause).to.equal(original);
  });

  it("logs an unexpected exception as internal with its name and cause chain, never the token", async () => {
    const logs = new LogCollector();
    const release = captureLogSink(logs.collect);
    const token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNlZ21lbnQtbG9uZw";
    const failing: TokenVerifier = {
      verify: async () => {
        throw new TypeError(`bad state for ${token}`, { cause: new RangeError(`deeper ${token}`) });
      },
      prefetch: async () => undefined,
    };
    try {
      const { config } = makeVerifier(cognitoEnv(), []);
      const refused = await authorise(makeConnectEvent({ query: { auth: token } }), config, failing, "req-x").catch(
        (err: Error) => err,
      );
      expect((refused as Error).message).to.equal("Unauthorized");
    } finally {
      release();
    }
    const line = logs.parsed().find((entry) => entry.message === "connection refused");
    expect(line).to.deep.include({
      level: "ERROR",
      reason: "internal",
      error: ["TypeError", "RangeError"],
      awsRequestId: "req-x",
    });
    expect(logs.leaking([token])).to.deep.equal([]);
  });

  it("maps each library error the verifier can meet to its reason, and anything else to internal", () => {
    const cases: Array<[Error, string]> = [
      [new JwtExpiredError("e", 1), "expired"],
      [new JwtNotBeforeError("n", 1), "not_yet_valid"],
      [new JwtInvalidAudienceError("a", "x", "y"), "wrong_audience"],
      [new KidNotFoundInJwksError("k"), "unknown_key"],
      [new JwksNotAvailableInCacheError("b"), "keys_unavailable"],
      [new JwksFetchError("f"), "keys_unavailable"],
      [new TypeError("t"), "internal"],
    ];
    for (const [err, reason] of cases) {
      const rejection = toRejection(err);
      expect(rejection.reason, err.name).to.equal(reason);
      expect(rejection.message, err.name).to.not.equal("");
    }
  });

  it("follows a cause chain at most five deep", () => {
    let err: Error = new Error("root");
    for (let i = 0; i < 10; i += 1) err = new Error("up", { cause: err });
    expect(causeChain(err)).to.have.length(5);
  });
  it("names the root class too, so an internal refusal's cause chain says which error it was", () => {
    expect(causeChain(new AuthoriserError("x", { cause: new JwksFetchError("y") }))).to.deep.equal([
      "AuthoriserError",
      "JwksFetchError",
    ]);
  });

  it("ends a cause chain at a null or missing cause, and gives none for nothing thrown", () => {
    expect(causeChain(new Error("x", { cause: null }))).to.deep.equal(["Error"]);
    expect(causeChain(null)).to.deep.equal([]);
    expect(causeChain(undefined)).to.deep.equal([]);
    expect(causeChain("thrown text")).to.deep.equal(["string"]);
  });

  it("quotes a bad value of up to 80 characters in full, and a longer one cut to 77 and an ellipsis", () => {
    const eighty = "a".repeat(80);
    expect(new ConfigError("X", "y", eighty).message).to.equal(`X: expected y, got "${eighty}"`);
    expect(new ConfigError("X", "y", `${eighty}b`).message).to.equal(`X: expected y, got "${"a".repeat(77)}..."`);
  });
});
