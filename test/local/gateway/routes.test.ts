import { expect } from "chai";
import { selectRoute } from "../../../local/gateway/routes.ts";

const routes = { $connect: "connect", $default: "message", sendmessage: "send" };

describe("gateway route selection ($request.body.action)", () => {
  it("picks the route named by the body's action", () => {
    expect(selectRoute('{"action":"sendmessage"}', routes)).to.equal("sendmessage");
  });

  it("falls back to $default for an action with no route, a body that is not JSON, or no action", () => {
    expect(selectRoute('{"action":"other"}', routes)).to.equal("$default");
    expect(selectRoute("plain words", routes)).to.equal("$default");
    expect(selectRoute('{"type":"x"}', routes)).to.equal("$default");
    expect(selectRoute('{"action":7}', routes)).to.equal("$default");
  });

  it("never lets a message select $connect or $disconnect", () => {
    expect(selectRoute('{"action":"$connect"}', routes)).to.equal("$default");
  });

  it("selects nothing when neither the action nor $default has a route", () => {
    expect(selectRoute('{"action":"other"}', { sendmessage: "send" })).to.equal(undefined);
  });

  it("does not take an inherited property name for a route", () => {
    expect(selectRoute('{"action":"toString"}', { $default: "message" })).to.equal("$default");
  });
});
