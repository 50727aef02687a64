import { expect } from "chai";
import { parseConnectionPath } from "../../../local/gateway/management.ts";

describe("gateway Management API paths", () => {
  it("reads the connection id of /{stage}/@connections/{id}, percent-decoded as the SDK encodes it", () => {
    expect(parseConnectionPath("/dev/@connections/L0SM9cOFvHcCIhw%3D", "dev")).to.equal("L0SM9cOFvHcCIhw=");
    expect(parseConnectionPath("/dev/%40connections/a%2Fb%2Bc", "dev")).to.equal("a/b+c");
  });

  it("ignores other stages, other paths and broken encodings", () => {
    expect(parseConnectionPath("/prod/@connections/abc", "dev")).to.equal(undefined);
    expect(parseConnectionPath("/dev/@connections/", "dev")).to.equal(undefined);
    expect(parseConnectionPath("/dev/@connections/a/b", "dev")).to.equal(undefined);
    expect(parseConnectionPath("/dev/@connections/%E0%A4%A", "dev")).to.equal(undefined);
  });
});
