import { expect } from "chai";
import { type CallerIdentity, type CurrentIdentity, currentIdentity } from "../../../functions/shared/identity.ts";
import type { ConnectionRecord } from "../../../functions/shared/registry.ts";
import {
  authoriseRoute,
  forbiddenReply,
  parseRouteRequirements,
  parseRouteRequirementsEnv,
  ROUTE_REQUIREMENTS_VARIABLE,
  RouteRequirementsError,
} from "../../../functions/shared/route-authorisation.ts";
import { WsAuthError } from "../../../functions/shared/errors.ts";

function makeIdentity(overrides: Partial<CurrentIdentity> = {}): CurrentIdentity {
  return { sub: "sub-alice", username: "alice", groups: [], scopes: [], ...overrides };
}

const REQUIREMENTS = parseRouteRequirements({
  admin: { requiredGroups: ["admins", "ops"] },
  publish: { requiredScopes: ["chat/read", "chat/write"] },
  moderate: { requiredGroups: ["moderators"], requiredScopes: ["chat/write"] },
});

describe("per-route authorisation", () => {
  describe("the decision", () => {
    it("lets a caller use a route when they hold any one of its groups", () => {
      expect(authoriseRoute(REQUIREMENTS, "admin", makeIdentity({ groups: ["dev", "ops"] }))).to.deep.equal({
        allowed: true,
      });
      expect(authoriseRoute(REQUIREMENTS, "admin", makeIdentity({ groups: ["admins"] })).allowed).to.equal(true);
    });

    it("refuses a caller who holds none of the route's groups, or no groups at all", () => {
      expect(authoriseRoute(REQUIREMENTS, "admin", makeIdentity({ groups: ["dev"] }))).to.deep.equal({
        allowed: false,
        reason: "missing_group",
      });
      expect(authoriseRoute(REQUIREMENTS, "admin", makeIdentity()).allowed).to.equal(false);
    });

    it("compares group names exactly: no prefix, case or substring match", () => {
      for (const group of ["admin", "Admins", "admins ", "xadmins"])
        expect(authoriseRoute(REQUIREMENTS, "admin", makeIdentity({ groups: [group] })).allowed, group).to.equal(false);
    });

    it("needs every one of the route's scopes", () => {
      const both = makeIdentity({ scopes: ["chat/write", "openid", "chat/read"] });
      expect(authoriseRoute(REQUIREMENTS, "publish", both).allowed).to.equal(true);
      for (const scopes of [["chat/read"], ["chat/write"], []]) {
        expect(authoriseRoute(REQUIREMENTS, "publish", makeIdentity({ scopes })), scopes.join(" ")).to.deep.equal({
          allowed: false,
          reason: "missing_scope",
        });
      }
    });

    it("needs both a group and the scopes when a route declares both", () => {
      const moderator = { groups: ["moderators"] };
      expect(authoriseRoute(REQUIREMENTS, "moderate", makeIdentity({ ...moderator, scopes: ["chat/write"] })).allowed)
        .to.be.true;
      expect(authoriseRoute(REQUIREMENTS, "moderate", makeIdentity(moderator)).allowed).to.equal(false);
      expect(authoriseRoute(REQUIREMENTS, "moderate", makeIdentity({ scopes: ["chat/write"] })).allowed).to.equal(
        false,
      );
    });

    it("lets every identified caller use a route that declares nothing", () => {
      expect(authoriseRoute(REQUIREMENTS, "$default", makeIdentity()).allowed).to.equal(true);
      expect(authoriseRoute(new Map(), "admin", makeIdentity()).allowed).to.equal(true);
    });

    it("refuses a caller without an identity on every route, declared or not (deny by default)", () => {
      for (const route of ["admin", "$default", "anything"]) {
        expect(authoriseRoute(REQUIREMENTS, route, undefined), route).to.deep.equal({
          allowed: false,
          reason: "no_identity",
        });
      }
      expect(authoriseRoute(new Map(), "$default", undefined).allowed).to.equal(false);
    });

    it("never reads a route's requirements off Object.prototype", () => {
      const identity = makeIdentity();
      const sneaky = parseRouteRequirements(JSON.parse('{"__proto__":{"requiredGroups":["admins"]}}'));
      expect(authoriseRoute(sneaky, "__proto__", identity).allowed).to.equal(false);
      expect(authoriseRoute(sneaky, "constructor", identity).allowed).to.equal(true);
    });
  });

  describe("on the registry's identity", () => {
    const record: ConnectionRecord = {
      connectionId: "c",
      sub: "sub-alice",
      username: "alice",
      exp: 2_000_000_000,
      connectedAt: 0,
      endpoint: "",
    };
    const context: CallerIdentity = {
      sub: "sub-alice",
      username: "alice",
      groups: ["admins"],
      scopes: ["chat/read", "chat/write"],
      exp: 2_000_000_000,
      tokenUse: "access",
    };

    it("decides from the refreshed item, not the authoriser's context frozen at $connect", () => {
      const demoted = currentIdentity({ ...record, groups: ["dev"], scopes: [] }, context);
      expect(authoriseRoute(REQUIREMENTS, "admin", demoted).allowed).to.equal(false);
      expect(authoriseRoute(REQUIREMENTS, "publish", demoted).allowed).to.equal(false);
      const promoted = currentIdentity({ ...record, groups: ["admins"], scopes: [] }, { ...context, groups: [] });
      expect(authoriseRoute(REQUIREMENTS, "admin", promoted).allowed).to.equal(true);
    });

    it("falls back to the authoriser's context for an item of the old shape", () => {
      const oldShape = currentIdentity(record, context);
      expect(authoriseRoute(REQUIREMENTS, "admin", oldShape).allowed).to.equal(true);
      expect(authoriseRoute(REQUIREMENTS, "publish", oldShape).allowed).to.equal(true);
    });

    it("refuses scoped routes to an old-shape item whose old context carried no scopes", () => {
      const { scopes: _dropped, ...oldContext } = context;
      const identity = currentIdentity(record, oldContext);
      expect(authoriseRoute(REQUIREMENTS, "admin", identity).allowed).to.equal(true);
      expect(authoriseRoute(REQUIREMENTS, "publish", identity)).to.deep.equal({
        allowed: false,
        reason: "missing_scope",
      });
    });
  });

  describe("the declaration", () => {
    it("refuses a declaration on a route every connection keeps, naming it", () => {
      for (const route of ["$connect", "$disconnect", "refresh"]) {
        expect(() => parseRouteRequirements({ [route]: { requiredGroups: ["admins"] } }), route).to.throw(
          `route "${route}" cannot be restricted: every connection keeps $connect, $disconnect, refresh`,
        );
      }
    });

    it("refuses what would leave a route open by mistake: an unknown field, an empty list, a blank name", () => {
      const cases: [unknown, RegExp][] = [
        [
          { admin: { requiredGroup: ["admins"], scopes: ["x"] } },
          /route "admin": unknown field requiredGroup, scopes \(known: requiredGroups, requiredScopes\)/,
        ],
        [{ admin: {} }, /route "admin": declares neither/],
        [{ admin: { requiredGroups: [] } }, /route "admin" requiredGroups: expected a non-empty list/],
        [{ admin: { requiredScopes: [""] } }, /requiredScopes: expected a non-empty list/],
        [{ admin: { requiredGroups: ["admins", ""] } }, /requiredGroups: expected a non-empty list/],
        [{ admin: { requiredGroups: [" admins"] } }, /without surrounding spaces/],
        [{ admin: { requiredGroups: "admins" } }, /requiredGroups: expected a non-empty list/],
        [{ admin: { requiredGroups: [7] } }, /requiredGroups: expected a non-empty list/],
        [{ admin: ["admins"] }, /route "admin": expected \{ requiredGroups, requiredScopes \}/],
        [["admin"], /expected an object of route key/],
        ["admin", /expected an object of route key/],
        [null, /expected an object of route key/],
      ];
      for (const [raw, message] of cases)
        expect(() => parseRouteRequirements(raw), JSON.stringify(raw)).to.throw(message);
    });

    it("keeps what it read frozen", () => {
      const requirement = parseRouteRequirements({ admin: { requiredGroups: ["admins"] } }).get("admin");
      expect(requirement).to.deep.equal({ requiredGroups: ["admins"] });
      expect(Object.isFrozen(requirement)).to.equal(true);
      expect(Object.isFrozen(requirement?.requiredGroups)).to.equal(true);
    });
  });

  describe(`${ROUTE_REQUIREMENTS_VARIABLE} at init`, () => {
    it("reads the JSON that Terraform and the local stack set from api.json", () => {
      const requirements = parseRouteRequirementsEnv({
        ROUTE_REQUIREMENTS: '{"admin":{"requiredGroups":["admins"]}}',
      });
      expect([...requirements.keys()]).to.deep.equal(["admin"]);
    });

    it("has no requirements when unset or empty", () => {
      expect(parseRouteRequirementsEnv({}).size).to.equal(0);
      expect(parseRouteRequirementsEnv({ ROUTE_REQUIREMENTS: " " }).size).to.equal(0);
    });

    it("fails on bad JSON or a refused declaration with one error naming the variable", () => {
      for (const value of ["{admin", '{"refresh":{"requiredGroups":["a"]}}', '{"admin":{}}', "[]"]) {
        let caught: unknown;
        try {
          parseRouteRequirementsEnv({ ROUTE_REQUIREMENTS: value });
        } catch (err) {
          caught = err;
        }
        expect(caught, value).to.be.instanceOf(RouteRequirementsError);
        expect(caught).to.be.instanceOf(WsAuthError);
        expect((caught as RouteRequirementsError).variable).to.equal("ROUTE_REQUIREMENTS");
        expect((caught as Error).message, value).to.match(/^ROUTE_REQUIREMENTS: /);
        expect((caught as Error).name).to.equal("RouteRequirementsError");
        expect((caught as Error).cause, value).to.be.instanceOf(Error);
      }
    });

    it("says bad JSON is bad JSON, not a bad declaration", () => {
      expect(() => parseRouteRequirementsEnv({ ROUTE_REQUIREMENTS: "{admin" })).to.throw(
        RouteRequirementsError,
        /^ROUTE_REQUIREMENTS: expected JSON \(api\.json's routeAuthorisation/,
      );
    });
  });

  it("answers a refused message with the route it refused", () => {
    expect(forbiddenReply("admin")).to.deep.equal({ type: "error", error: "forbidden", route: "admin" });
  });
});
