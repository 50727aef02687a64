// The gateway reads functions/api.json, the file Terraform also reads: routes and identity sources cannot drift.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import {
  identitySources,
  loadApiDescription,
  parseApiDescription,
  API_DESCRIPTION_PATH,
  ApiDescriptionError,
  apiFunctionNames,
} from "../../local/api-description.ts";
import { startTestStack } from "./gateway/support/stack.ts";

const raw = JSON.parse(readFileSync(API_DESCRIPTION_PATH, "utf8")) as {
  routes: Record<string, string>;
  authoriser: { function: string; route: string; tokenLocations: Record<string, string> };
};

describe("gateway stack description (functions/api.json)", () => {
  it("is the file the gateway loads by default, routes and authoriser unchanged", () => {
    const stack = loadApiDescription();
    expect(API_DESCRIPTION_PATH).to.match(/functions\/api\.json$/);
    expect(stack.routes).to.deep.equal(raw.routes);
    expect(stack.authoriser).to.deep.equal(raw.authoriser);
  });

  it("gives a running dev gateway exactly api.json's routes and the query identity source Terraform is given", async () => {
    const running = await startTestStack();
    try {
      const { options } = running.gateway;
      expect(options.api.routes).to.deep.equal(raw.routes);
      expect(options.api.authoriser?.function).to.equal(raw.authoriser.function);
      expect(options.identitySources.map((source) => source.expression)).to.deep.equal([
        (raw.authoriser.tokenLocations.query as string).replace("{TOKEN_QUERY_PARAM}", "auth"),
      ]);
      expect(Object.keys(running.hosts).sort()).to.deep.equal(apiFunctionNames(options.api));
    } finally {
      await running.close();
    }
  });

  it("names every function of api.json for the stack: route, scheduled and invoked (revoke) alike", () => {
    const api = loadApiDescription();
    expect(api.invoked).to.deep.equal(["revoke"]);
    expect(apiFunctionNames(api)).to.deep.equal(Object.keys(api.functions).sort());
  });

  it("fills the query parameter name into the identity source as Terraform does", () => {
    expect(identitySources(loadApiDescription(), "query", { TOKEN_QUERY_PARAM: "token" })).to.deep.equal([
      { kind: "querystring", name: "token", expression: "route.request.querystring.token" },
    ]);
  });

  it("reads the subprotocol location as the Sec-WebSocket-Protocol header", () => {
    expect(identitySources(loadApiDescription(), "protocol", {})).to.deep.equal([
      { kind: "header", name: "Sec-WebSocket-Protocol", expression: "route.request.header.Sec-WebSocket-Protocol" },
    ]);
  });

  it("refuses a token location api.json does not define, listing the known ones", () => {
    expect(() => identitySources(loadApiDescription(), "cookie", {})).to.throw(
      ApiDescriptionError,
      /known: query, protocol/,
    );
  });

  it("refuses a route selection expression other than $request.body.action", () => {
    expect(() => parseApiDescription({ ...raw, routeSelectionExpression: "$request.body.type" })).to.throw(
      ApiDescriptionError,
      /routeSelectionExpression/,
    );
  });
});
