import { expect } from "chai";
import { BEARER_SUBPROTOCOL, headerValues, offeredSubprotocols } from "../../../functions/shared/subprotocol.ts";

describe("WebSocket subprotocol headers", () => {
  describe("the offered subprotocols", () => {
    it("name the bearer marker a browser sends beside its token", () => {
      expect(BEARER_SUBPROTOCOL).to.equal("bearer");
    });

    it("are the comma-separated entries of every header value, in order, trimmed", () => {
      expect(offeredSubprotocols(["bearer, tok.en.one", " chat ,\tjson "])).to.deep.equal([
        "bearer",
        "tok.en.one",
        "chat",
        "json",
      ]);
    });

    it("leave out empty entries, so a stray comma never stands for a token", () => {
      expect(offeredSubprotocols(["bearer,, ,", ""])).to.deep.equal(["bearer"]);
      expect(offeredSubprotocols([])).to.deep.equal([]);
    });
  });

  describe("a header's values", () => {
    it("are found whatever the case of the header's name and of the name asked for", () => {
      const headers = { "Sec-WebSocket-Protocol": "bearer, a", "sec-websocket-protocol": "b" };
      expect(headerValues(headers, "sec-websocket-protocol")).to.deep.equal(["bearer, a", "b"]);
      expect(headerValues({ authorization: "Bearer x" }, "Authorization")).to.deep.equal(["Bearer x"]);
    });

    it("leave out other headers, including those whose names differ only in length", () => {
      const headers = { Authorization: "Bearer x", "X-Authorization": "Bearer y", Authorizatio: "Bearer z" };
      expect(headerValues(headers, "authorization")).to.deep.equal(["Bearer x"]);
    });

    it("leave out a header that has no value", () => {
      expect(headerValues({ Authorization: undefined }, "authorization")).to.deep.equal([]);
    });

    it("never come from the prototype, so a polluted Object.prototype adds no header", () => {
      const headers = Object.create({ authorization: "Bearer from-prototype" }) as Record<string, string>;
      headers.host = "example.com";
      expect(headerValues(headers, "authorization")).to.deep.equal([]);
    });

    it("are none when there are no headers at all", () => {
      expect(headerValues(null, "authorization")).to.deep.equal([]);
      expect(headerValues(undefined, "authorization")).to.deep.equal([]);
      expect(headerValues({}, "authorization")).to.deep.equal([]);
    });
  });
});
