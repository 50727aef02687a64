import { expect } from "chai";
import { join } from "node:path";
import { readDeployedEnvironment } from "../../bench/lib/deployed-env.ts";

const terraform = join(import.meta.dirname, "..", "..", "terraform");

describe("bench: the environment Terraform deploys, read from terraform/", () => {
  it("gives each function the root module's variables, with Terraform's defaults and the deployment's values", async () => {
    const deployed = await readDeployedEnvironment(terraform);
    // The lambda-function module adds nothing: no NODE_OPTIONS (issue 16).
    expect(deployed.moduleEnv).to.deep.equal({});
    const authoriser = deployed.forFunction("authoriser", { USER_POOL_ID: "eu-west-1_Bench", CLIENT_ID: "c1" });
    expect(authoriser).to.include({
      USER_POOL_ID: "eu-west-1_Bench",
      CLIENT_ID: "c1",
      TOKEN_QUERY_PARAM: "auth",
      JWKS_CACHE_SECONDS: "3600",
    });
    // Variables whose default is null stay unset, as Terraform leaves them.
    expect(authoriser).to.not.have.property("JWKS_JSON");
    expect(authoriser).to.not.have.property("CONNECTIONS_TABLE");
    expect(deployed.forFunction("connect", { CONNECTIONS_TABLE: "t" })).to.deep.equal({ CONNECTIONS_TABLE: "t" });
    expect(deployed.forFunction("refresh", { CONNECTIONS_TABLE: "t", USER_POOL_ID: "p" })).to.include({
      CONNECTIONS_TABLE: "t",
      USER_POOL_ID: "p",
      TOKEN_QUERY_PARAM: "auth",
    });
    expect(() => deployed.forFunction("nope", {})).to.throw(/no nope/);
  });
});
