import { expect } from "chai";
import { isInAnyGroup } from "../../../functions/shared/groups.ts";

/** Every list of at most `length` names drawn from `names`, repeats allowed. */
function listsOf(names: readonly string[], length: number): string[][] {
  if (length === 0) return [[]];
  const shorter = listsOf(names, length - 1);
  return [
    ...shorter.filter((list) => list.length === length - 1).flatMap((list) => names.map((n) => [...list, n])),
    ...shorter,
  ];
}

describe("isInAnyGroup", () => {
  it("is met by one group in common, wherever it stands in either list", () => {
    expect(isInAnyGroup(["admins"], ["admins"])).to.equal(true);
    expect(isInAnyGroup(["dev", "ops", "admins"], ["admins", "x"])).to.equal(true);
    expect(isInAnyGroup(["admins", "dev"], ["x", "y", "admins"])).to.equal(true);
  });

  it("is not met without a group in common, or with either list empty", () => {
    expect(isInAnyGroup(["dev", "ops"], ["admins", "root"])).to.equal(false);
    expect(isInAnyGroup([], ["admins"])).to.equal(false);
    expect(isInAnyGroup(["admins"], [])).to.equal(false);
    expect(isInAnyGroup([], [])).to.equal(false);
  });

  it("compares names exactly, without case folding, trimming or prefixes", () => {
    for (const near of ["Admins", " admins", "admins ", "admin", "adminsx", ""]) {
      expect(isInAnyGroup([near], ["admins"]), JSON.stringify(near)).to.equal(false);
      expect(isInAnyGroup(["admins"], [near]), JSON.stringify(near)).to.equal(false);
    }
  });

  it("answers as some()/includes() would, for every pair of lists of up to three of three names", () => {
    const lists = listsOf(["a", "b", "c"], 3);
    expect(lists).to.have.length(1 + 3 + 9 + 27);
    for (const groups of lists) {
      for (const anyOf of lists) {
        const expected = anyOf.some((group) => groups.includes(group));
        expect(isInAnyGroup(groups, anyOf), `${groups} / ${anyOf}`).to.equal(expected);
      }
    }
  });
});
