import { expect } from "chai";
import {
  type FunctionGrant,
  type Plan,
  type PlannedChange,
  REVOKE_ON_SIGN_OUT,
  registryGrantProblems,
  revokeOnSignOutProblems,
} from "../../scripts/lib/plan-grants.ts";

const MODULE = "module.wsauth";
const POOL = "eu-west-1_PlanCheck1";

const GRANTS: Record<string, FunctionGrant> = {
  authoriser: {},
  connect: { registry: ["dynamodb:PutItem"] },
  sweeper: {
    registry: ["dynamodb:Query", "dynamodb:GetItem", "dynamodb:UpdateItem"],
    registryIndexes: ["by-expiry"],
  },
  revoke: { registry: ["dynamodb:Query", "dynamodb:DeleteItem"], registryIndexes: ["by-sub", "by-origin-jti"] },
};

function change(address: string, after: Record<string, unknown>, afterUnknown: Record<string, unknown> = {}) {
  const type = address.split(".").at(-2)?.replace(/\[.*$/, "") ?? "";
  return { address: `${MODULE}.${address}`, type, change: { actions: ["create"], after, after_unknown: afterUnknown } };
}

interface StatementSpec {
  sid: string;
  actions: string[];
  /** How many resources, each derived from an ARN still unknown. */
  resources: number;
}

/** A planned aws_iam_policy_document, as terraform show -json writes one whose resources are not yet known. */
function policyDocument(address: string, statements: StatementSpec[]): PlannedChange {
  return change(
    address,
    {
      statement: statements.map((s) => ({
        sid: s.sid,
        effect: "Allow",
        actions: s.actions,
        not_actions: null,
        not_resources: null,
        resources: Array(s.resources).fill(null),
      })),
    },
    {
      statement: statements.map((s) => ({ resources: Array(s.resources).fill(true) })),
    },
  );
}

/** What the module plans for these grants: a role and function per name, one registry policy per grant. */
function registryPlan(grants: Record<string, FunctionGrant>): PlannedChange[] {
  return Object.entries(grants).flatMap(([fn, grant]) => {
    const own = [
      change(`module.function["${fn}"].aws_iam_role.this`, { name: `wsauth-${fn}-eu-west-1` }),
      change(`module.function["${fn}"].aws_lambda_function.this`, { function_name: `wsauth-${fn}` }),
    ];
    const actions = grant.registry ?? [];
    if (actions.length === 0) return own;
    const items = actions.filter((a) => a !== "dynamodb:Query");
    const statements: StatementSpec[] = [
      ...(items.length > 0 ? [{ sid: "RegistryItems", actions: [...items].sort(), resources: 1 }] : []),
      ...(actions.includes("dynamodb:Query")
        ? [{ sid: "RegistryIndexes", actions: ["dynamodb:Query"], resources: grant.registryIndexes?.length ?? 0 }]
        : []),
    ];
    return [
      ...own,
      policyDocument(`module.connection_registry.data.aws_iam_policy_document.access["${fn}"]`, statements),
      change(`module.connection_registry.aws_iam_role_policy.access["${fn}"]`, {
        name: "connection-registry",
        role: `wsauth-${fn}-eu-west-1`,
      }),
    ];
  });
}

const PATTERN = {
  source: ["aws.cognito-idp"],
  "detail-type": ["AWS API Call via CloudTrail"],
  detail: {
    eventSource: ["cognito-idp.amazonaws.com"],
    eventName: ["AdminUserGlobalSignOut"],
    errorCode: [{ exists: false }],
    requestParameters: { userPoolId: [POOL] },
  },
};

/** The five pieces of the automatic revocation path, as planned with a known pool. */
function revokePath(pattern: unknown = PATTERN): PlannedChange[] {
  return [
    change("aws_cloudwatch_event_rule.revoke_on_sign_out[0]", {
      name: "wsauth-revoke-on-sign-out",
      event_pattern: JSON.stringify(pattern),
    }),
    change("aws_cloudwatch_event_target.revoke_on_sign_out[0]", { rule: "wsauth-revoke-on-sign-out" }, { arn: true }),
    change(
      "aws_lambda_permission.revoke_on_sign_out[0]",
      { action: "lambda:InvokeFunction", principal: "events.amazonaws.com", function_name: "wsauth-revoke" },
      { source_arn: true },
    ),
    policyDocument("data.aws_iam_policy_document.revoke_user_lookup[0]", [
      { sid: "MapSignedOutUserToSub", actions: ["cognito-idp:AdminGetUser"], resources: 1 },
    ]),
    change("aws_iam_role_policy.revoke_user_lookup[0]", {
      name: "revoke-user-lookup",
      role: "wsauth-revoke-eu-west-1",
    }),
  ];
}

/** Exactly one problem, and it says this. */
function expectOne(problems: string[], says: RegExp, message?: string): void {
  expect(problems, message).to.have.length(1);
  expect(problems[0], message).to.match(says);
}

function plan(...changes: PlannedChange[][]): Plan {
  return { resource_changes: changes.flat() };
}

/** The plan with the change at `suffix` edited by `edit` (its after and after_unknown, in place on a copy). */
function edited(base: Plan, suffix: string, edit: (after: any, unknown: any) => void): Plan {
  const copy = structuredClone(base) as { resource_changes: (PlannedChange & { change: any })[] };
  const target = copy.resource_changes.find((c) => c.address.endsWith(suffix));
  if (target === undefined) throw new Error(`no ${suffix} in the plan`);
  edit(target.change.after, target.change.after_unknown);
  return copy;
}

describe("plan grants (tf-validate's checks of the plan JSON)", () => {
  describe("registry policies", () => {
    const good = plan(registryPlan(GRANTS));

    it("accept each function's api.json actions and indexes on its own role", () => {
      expect(registryGrantProblems(good, GRANTS)).to.deep.equal([]);
    });

    it("refuse a policy that lost an action api.json asks for (the sweeper's warning marker)", () => {
      const lost = edited(good, 'access["sweeper"]', (after) => {
        after.statement[0].actions = ["dynamodb:GetItem"];
      });
      expectOne(registryGrantProblems(lost, GRANTS), /^sweeper RegistryItems: planned/);
    });

    it("refuse an action or a statement api.json does not ask for", () => {
      const widened = edited(good, 'access["connect"]', (after) => {
        after.statement[0].actions.push("dynamodb:Scan");
      });
      expectOne(registryGrantProblems(widened, GRANTS), /^connect RegistryItems: planned/);
      const extra = edited(good, 'access["connect"]', (after, unknown) => {
        after.statement.push({ sid: "Everything", effect: "Allow", actions: ["dynamodb:*"], resources: ["*"] });
        unknown.statement.push({ resources: false });
      });
      expectOne(registryGrantProblems(extra, GRANTS), /^connect Everything: a statement api.json/);
      const queried = plan(registryPlan({ ...GRANTS, connect: { registry: ["dynamodb:PutItem", "dynamodb:Query"] } }));
      expectOne(registryGrantProblems(queried, GRANTS), /^connect RegistryIndexes: planned dynamodb:Query/);
    });

    it("refuse Query on more or fewer indexes than api.json names, or on a known resource such as *", () => {
      for (const count of [1, 3]) {
        const indexes = plan(
          registryPlan({ ...GRANTS, revoke: { ...GRANTS.revoke, registryIndexes: Array(count).fill("i") } }),
        );
        expectOne(
          registryGrantProblems(indexes, GRANTS),
          /^revoke RegistryIndexes: expected 2 resource\(s\) derived from the table's ARN/,
          String(count),
        );
      }
      const star = edited(good, 'access["sweeper"]', (after, unknown) => {
        after.statement[1].resources = ["*"];
        unknown.statement[1].resources = [false];
      });
      expectOne(registryGrantProblems(star, GRANTS), /^sweeper RegistryIndexes: expected 1 resource/);
    });

    it("refuse NotAction, NotResource (each grants all the rest) and an effect other than Allow", () => {
      for (const [field, value] of [
        ["not_actions", ["dynamodb:DeleteTable"]],
        ["not_resources", ["*"]],
        ["effect", "Deny"],
      ] as const) {
        const odd = edited(good, 'access["connect"]', (after) => {
          after.statement[0][field] = value;
        });
        expectOne(registryGrantProblems(odd, GRANTS), /^connect RegistryItems: expected a plain Allow/, field);
      }
    });

    it("accept the table key's four KMS actions through DynamoDB, and refuse more, another resource or no condition", () => {
      const KEY = "arn:aws:kms:eu-west-1:123456789012:key/plan-check";
      const keyed = edited(good, 'access["connect"]', (after, unknown) => {
        after.statement.push({
          sid: "RegistryKeyThroughDynamoDB",
          effect: "Allow",
          actions: ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*"],
          resources: [KEY],
          condition: [{ test: "StringLike", variable: "kms:ViaService", values: ["dynamodb.*.amazonaws.com"] }],
        });
        unknown.statement.push({ resources: [false] });
      });
      expect(registryGrantProblems(keyed, GRANTS)).to.deep.equal([]);
      const edits: [string, (statement: any) => void][] = [
        ["kms:*", (statement) => statement.actions.push("kms:CreateGrant")],
        ["a missing action", (statement) => statement.actions.pop()],
        ["any key", (statement) => (statement.resources = ["*"])],
        ["two keys", (statement) => statement.resources.push(KEY)],
        ["no condition", (statement) => (statement.condition = [])],
        ["another service", (statement) => (statement.condition[0].values = ["*"])],
      ];
      for (const [what, edit] of edits) {
        const odd = edited(keyed, 'access["connect"]', (after) => edit(after.statement.at(-1)));
        expectOne(
          registryGrantProblems(odd, GRANTS),
          /^connect RegistryKeyThroughDynamoDB: expected kms:Decrypt/,
          what,
        );
      }
    });

    it("refuse a policy on another function's role, a missing one, and one api.json does not grant", () => {
      const moved = edited(good, 'aws_iam_role_policy.access["sweeper"]', (after) => {
        after.role = "wsauth-revoke-eu-west-1";
      });
      expectOne(registryGrantProblems(moved, GRANTS), /^sweeper: its registry policy is on role wsauth-revoke/);
      const missing = plan(registryPlan({ ...GRANTS, sweeper: {} }));
      expectOne(registryGrantProblems(missing, GRANTS), /^sweeper: no registry policy planned/);
      const authoriser = plan(registryPlan({ ...GRANTS, authoriser: { registry: ["dynamodb:GetItem"] } }));
      expect(registryGrantProblems(authoriser, GRANTS)).to.deep.equal([
        "authoriser: a registry policy, but api.json grants none",
        "authoriser: a registry policy on wsauth-authoriser-eu-west-1",
      ]);
    });
  });

  describe("revoke on sign-out", () => {
    const functions = registryPlan(GRANTS);
    const on = plan(functions, revokePath());

    it("accept the whole path when on, with the pool named, and none of it when off", () => {
      expect(revokeOnSignOutProblems(on, true, "revoke", POOL)).to.deep.equal([]);
      expect(revokeOnSignOutProblems(plan(functions), false, "revoke")).to.deep.equal([]);
    });

    it("refuse any piece of it while off, and a missing piece while on", () => {
      for (const [i, suffix] of REVOKE_ON_SIGN_OUT.entries()) {
        const one = plan(functions, [revokePath()[i] as PlannedChange]);
        expect(revokeOnSignOutProblems(one, false, "revoke"), suffix).to.deep.equal([`planned while off: ${suffix}`]);
        const without = plan(
          functions,
          revokePath().filter((_, j) => j !== i),
        );
        expect(revokeOnSignOutProblems(without, true, "revoke"), suffix).to.deep.equal([
          `not planned while on: ${suffix}`,
        ]);
      }
      const stray = plan(functions, [change("aws_sns_topic.revoke_on_sign_out_extra", {})]);
      expectOne(revokeOnSignOutProblems(stray, false, "revoke"), /^unexpected .*revoke_on_sign_out_extra/);
    });

    it("refuse a rule for other calls, failed calls, another source or another pool", () => {
      const cases: [unknown, RegExp][] = [
        [
          { ...PATTERN, detail: { ...PATTERN.detail, eventName: ["AdminUserGlobalSignOut", "GlobalSignOut"] } },
          /not AdminUserGlobalSignOut alone/,
        ],
        [{ ...PATTERN, detail: { ...PATTERN.detail, errorCode: undefined } }, /errorCode/],
        [{ ...PATTERN, source: ["aws.iam"] }, /errorCode/],
        [
          { ...PATTERN, detail: { ...PATTERN.detail, requestParameters: { userPoolId: ["eu-west-1_Other"] } } },
          /not eu-west-1_PlanCheck1/,
        ],
      ];
      for (const [pattern, problem] of cases) {
        expectOne(revokeOnSignOutProblems(plan(functions, revokePath(pattern)), true, "revoke", POOL), problem);
      }
      const unknownPattern = edited(on, "event_rule.revoke_on_sign_out[0]", (after) => {
        delete after.event_pattern;
      });
      expect(revokeOnSignOutProblems(unknownPattern, true, "revoke")).to.deep.equal([]);
      expectOne(revokeOnSignOutProblems(unknownPattern, true, "revoke", POOL), /pattern is unknown/);
    });

    it("refuse a target, permission or lookup grant that reaches beyond revoke and its one pool", () => {
      const cases: [string, (after: any, unknown: any) => void, RegExp][] = [
        [
          "event_target.revoke_on_sign_out[0]",
          (a) => {
            a.rule = "other";
          },
          /target is on rule other/,
        ],
        [
          "event_target.revoke_on_sign_out[0]",
          (a, u) => {
            a.arn = "arn:aws:sqs:x";
            u.arn = false;
          },
          /target's ARN/,
        ],
        [
          "lambda_permission.revoke_on_sign_out[0]",
          (a) => {
            a.principal = "*";
          },
          /invoke permission is lambda:InvokeFunction for \*/,
        ],
        [
          "lambda_permission.revoke_on_sign_out[0]",
          (a) => {
            a.function_name = "wsauth-sweeper";
          },
          /on wsauth-sweeper, not wsauth-revoke/,
        ],
        [
          "lambda_permission.revoke_on_sign_out[0]",
          (_, u) => {
            u.source_arn = false;
          },
          /permission's source/,
        ],
        [
          "policy_document.revoke_user_lookup[0]",
          (a) => {
            a.statement[0].actions.push("cognito-idp:ListUsers");
          },
          /allows cognito-idp:AdminGetUser,cognito-idp:ListUsers/,
        ],
        [
          "policy_document.revoke_user_lookup[0]",
          (a, u) => {
            a.statement[0].resources = ["*"];
            u.statement[0].resources = [false];
          },
          /user lookup: expected 1 resource/,
        ],
        [
          "role_policy.revoke_user_lookup[0]",
          (a) => {
            a.role = "wsauth-sweeper-eu-west-1";
          },
          /user lookup is on role wsauth-sweeper/,
        ],
      ];
      for (const [suffix, edit, problem] of cases) {
        expectOne(revokeOnSignOutProblems(edited(on, suffix, edit), true, "revoke", POOL), problem, suffix);
      }
    });
  });
});
