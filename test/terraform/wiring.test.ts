// Checks the wiring between terraform/, functions/api.json and the code that tofu validate,
// tflint and checkov cannot see: which zips exist, which env vars the code parses, which token
// location it reads, and which IAM actions each function needs.
import { parse } from "@cdktf/hcl2json";
import { expect } from "chai";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../../functions/authoriser/config.ts";
import { TABLE_DIMENSION } from "../../functions/shared/connection-metrics.ts";
import { METRICS_NAMESPACE } from "../../functions/shared/metrics.ts";
import { EXPIRY_INDEX, ORIGIN_JTI_INDEX, SUB_INDEX, TTL_ATTRIBUTE } from "../../functions/shared/registry.ts";
import { UNRESTRICTABLE_ROUTES } from "../../functions/shared/route-authorisation.ts";
import { DEFAULT_REAUTH_WARNING_SECONDS, DEFAULT_SWEEP_INTERVAL_SECONDS } from "../../functions/sweeper/config.ts";
import { parseApiDescription } from "../../local/api-description.ts";
import { REGISTRY_TABLE_DEFINITION } from "../../local/registry-table.ts";

const root = join(import.meta.dirname, "..", "..");
const terraformDir = join(root, "terraform");

type Block = Record<string, unknown>;

/** One Terraform directory: its .tf files parsed by a real HCL parser and merged. */
interface TerraformConfig {
  locals: Record<string, unknown>;
  modules: Record<string, Block>;
  variables: Record<string, Block>;
  outputs: Record<string, Block>;
  resources: Record<string, Record<string, Block>>;
  data: Record<string, Record<string, Block>>;
}

interface ApiFunction {
  env: string[];
  managesConnections: boolean;
  registry?: string[];
  registryIndexes?: string[];
}

interface ApiDescription {
  routeSelectionExpression: string;
  authoriser: { function: string; route: string; tokenLocations: Record<string, string> };
  routes: Record<string, string>;
  functions: Record<string, ApiFunction>;
  scheduled: string[];
  invoked: string[];
}

const stack = JSON.parse(readFileSync(join(root, "functions", "api.json"), "utf8")) as ApiDescription;
const allowedFunctionActions = ["logs:CreateLogStream", "logs:PutLogEvents", "execute-api:ManageConnections"];

async function loadTerraform(dir: string): Promise<TerraformConfig> {
  const config: TerraformConfig = { locals: {}, modules: {}, variables: {}, outputs: {}, resources: {}, data: {} };
  const files = readdirSync(dir)
    .filter((file) => file.endsWith(".tf"))
    .sort();
  for (const file of files) {
    const parsed = (await parse(file, readFileSync(join(dir, file), "utf8"))) as Record<string, unknown>;
    for (const locals of (parsed.locals ?? []) as Record<string, unknown>[]) Object.assign(config.locals, locals);
    for (const [name, blocks] of Object.entries((parsed.module ?? {}) as Record<string, Block[]>))
      config.modules[name] = single(blocks);
    for (const [name, blocks] of Object.entries((parsed.variable ?? {}) as Record<string, Block[]>))
      config.variables[name] = single(blocks);
    for (const [name, blocks] of Object.entries((parsed.output ?? {}) as Record<string, Block[]>))
      config.outputs[name] = single(blocks);
    for (const [kind, target] of [
      ["resource", config.resources],
      ["data", config.data],
    ] as const) {
      for (const [type, byName] of Object.entries((parsed[kind] ?? {}) as Record<string, Record<string, Block[]>>)) {
        target[type] ??= {};
        for (const [name, blocks] of Object.entries(byName)) target[type][name] = single(blocks);
      }
    }
  }
  return config;
}

function single(blocks: Block[]): Block {
  expect(blocks, "a block declared more than once").to.have.lengthOf(1);
  return blocks[0] as Block;
}

function blocksOf(block: Block, name: string): Block[] {
  return (block[name] ?? []) as Block[];
}

/** Names of functions that `make build` bundles: one zip per functions/<name>/index.ts. */
function builtFunctionNames(): string[] {
  const functionsDir = join(root, "functions");
  return readdirSync(functionsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(functionsDir, entry.name, "index.ts")))
    .map((entry) => entry.name)
    .sort();
}

/** Every string anywhere in a parsed block (attribute values, nested blocks, lists). */
function stringsIn(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(stringsIn);
  return [];
}

/** `dynamic "<name>"` blocks: hcl2json gives one object keyed by block name, or a list of them. */
function dynamicBlocks(block: Block, name: string): Block[] {
  const dynamic = block.dynamic;
  const entries = (Array.isArray(dynamic) ? dynamic : dynamic === undefined ? [] : [dynamic]) as Block[];
  return entries.flatMap((entry) => blocksOf(entry, name));
}

/** Statements of an aws_iam_policy_document, literal and dynamic. */
function policyStatements(document: Block): Block[] {
  const dynamic = dynamicBlocks(document, "statement");
  return [...blocksOf(document, "statement"), ...dynamic.flatMap((entry) => blocksOf(entry, "content"))];
}

function actionsOf(statement: Block): string[] {
  const actions = statement.actions;
  expect(actions, `statement ${JSON.stringify(statement)} must list its actions literally`).to.be.an("array");
  return actions as string[];
}

/** A function's environment map, following `${local.x}` and `${merge(local.x, local.y)}` to the literal maps. */
function environmentOf(config: TerraformConfig, name: string): Record<string, string> {
  const value = (config.locals.function_environment as Record<string, unknown>)[name];
  if (typeof value !== "string") return (value ?? {}) as Record<string, string>;
  const names = [...value.matchAll(/local\.([a-z_]+)/g)].map((match) => match[1] as string);
  expect(value, `environment of ${name}`).to.match(/^\$\{(merge\()?local\.[a-z_]+(, local\.[a-z_]+)*\)?\}$/);
  return Object.assign({}, ...names.map((local) => config.locals[local] as Record<string, string>));
}

function variableDefault(config: TerraformConfig, name: string): unknown {
  const variable = config.variables[name];
  expect(variable, `variable ${name}`).to.not.equal(undefined);
  return (variable as Block).default;
}

describe("Terraform wiring", () => {
  let rootConfig: TerraformConfig;
  let lambdaModule: TerraformConfig;
  let apiModule: TerraformConfig;

  before(async () => {
    rootConfig = await loadTerraform(terraformDir);
    lambdaModule = await loadTerraform(join(terraformDir, "modules", "lambda-function"));
    apiModule = await loadTerraform(join(terraformDir, "modules", "websocket-api"));
  });

  function functionModule(): Block {
    const module = rootConfig.modules.function as Block;
    expect(module.source).to.equal("./modules/lambda-function");
    expect(module.for_each, "one function per api.json entry").to.equal("${local.api.functions}");
    return module;
  }

  it("reads functions/api.json as the one description of routes and functions", () => {
    expect(rootConfig.locals.api).to.equal('${jsondecode(file("${path.module}/../functions/api.json"))}');
    const routes = String((rootConfig.modules.websocket_api as Block).routes);
    expect(routes).to.match(/for route_key, function in local\.api\.routes : route_key =>/);
    expect(routes).to.include("module.function[function]");
    expect(
      Object.values(stack.routes).every((name) => name in stack.functions),
      "every route names a stack function",
    ).to.equal(true);
  });

  it("deploys exactly the zips that make build bundles, one per function folder", () => {
    const zipPaths = [...stringsIn(rootConfig.modules), ...stringsIn(rootConfig.resources)].filter((value) =>
      value.includes(".zip"),
    );
    expect(zipPaths, "zip paths in terraform/").to.deep.equal(["${path.module}/../dist/${each.key}.zip"]);
    const deployed = Object.keys(stack.functions).sort();
    expect(deployed).to.deep.equal(builtFunctionNames());

    const lambda = lambdaModule.resources.aws_lambda_function?.this as Block;
    expect(lambda.filename).to.equal("${var.zip_path}");
    expect(lambda.source_code_hash).to.equal("${filebase64sha256(var.zip_path)}");
    expect(lambda.handler).to.equal("index.handler");
  });

  it("runs every function on Node.js 22 for arm64, the target of the build", () => {
    expect(variableDefault(lambdaModule, "runtime")).to.equal("nodejs22.x");
    expect(variableDefault(lambdaModule, "architecture")).to.equal("arm64");
    const module = functionModule();
    expect(module).to.not.have.any.keys("runtime", "architecture");
  });

  it("offers exactly the token locations api.json describes", () => {
    const validation = blocksOf(rootConfig.variables.token_location as Block, "validation")[0] as Block;
    const offered = [...String(validation.condition).matchAll(/"([a-z]+)"/g)].map((match) => match[1]).sort();
    expect(offered).to.deep.equal(Object.keys(stack.authoriser.tokenLocations).sort());
    expect(Object.keys(stack.authoriser.tokenLocations)).to.include(variableDefault(rootConfig, "token_location"));
  });

  it("gives the authoriser the identity source of the chosen token location, with the query parameter the code reads", () => {
    expect(rootConfig.locals.identity_source).to.equal(
      '${replace(local.api.authoriser.tokenLocations[var.token_location], "{TOKEN_QUERY_PARAM}", var.token_query_param)}',
    );
    const authoriser = (rootConfig.modules.websocket_api as Block).authoriser as Block;
    expect(authoriser.identity_sources).to.deep.equal("${compact([local.identity_source])}");
    expect(authoriser.function_name).to.equal("${module.function[local.api.authoriser.function].function_name}");

    const environment = environmentOf(rootConfig, stack.authoriser.function);
    expect(
      environment.TOKEN_QUERY_PARAM,
      "the same variable names the parameter for API Gateway and the code",
    ).to.equal("${var.token_query_param}");

    const defaultParam = variableDefault(rootConfig, "token_query_param") as string;
    const codeDefault = parseConfig({ USER_POOL_ID: "eu-west-1_AbC123", CLIENT_ID: "client" }).tokenQueryParam;
    expect(defaultParam, "Terraform's default equals the authoriser's default").to.equal(codeDefault);
    const resolved = Object.fromEntries(
      Object.entries(stack.authoriser.tokenLocations).map(([location, source]) => [
        location,
        source.replace("{TOKEN_QUERY_PARAM}", defaultParam),
      ]),
    );
    expect(resolved).to.deep.equal({
      query: `route.request.querystring.${codeDefault}`,
      protocol: "route.request.header.Sec-WebSocket-Protocol",
      any: "",
    });
  });

  it("puts a REQUEST authoriser without result cache on $connect only", () => {
    expect(stack.authoriser.route).to.equal("$connect");
    const authorizer = apiModule.resources.aws_apigatewayv2_authorizer?.this as Block;
    expect(authorizer.authorizer_type).to.equal("REQUEST");
    expect(authorizer.identity_sources).to.equal(
      "${length(var.authoriser.identity_sources) > 0 ? var.authoriser.identity_sources : null}",
    );
    expect(authorizer).to.not.have.any.keys("authorizer_result_ttl_in_seconds", "enable_simple_responses");

    const route = apiModule.resources.aws_apigatewayv2_route?.this as Block;
    expect(route.authorization_type).to.equal('${each.key == var.authoriser.route_key ? "CUSTOM" : "NONE"}');
    expect(route.authorizer_id).to.equal(
      "${each.key == var.authoriser.route_key ? aws_apigatewayv2_authorizer.this.id : null}",
    );
    expect(((rootConfig.modules.websocket_api as Block).authoriser as Block).route_key).to.equal(
      "${local.api.authoriser.route}",
    );
  });

  it("sets on each function only environment variables its code parses", () => {
    const environments = rootConfig.locals.function_environment as Record<string, Record<string, string>>;
    expect(Object.keys(environments).sort(), "an environment for every stack function").to.deep.equal(
      Object.keys(stack.functions).sort(),
    );
    expect(functionModule().environment).to.equal("${local.function_environment[each.key]}");
    for (const [name, fn] of Object.entries(stack.functions)) {
      const unknown = Object.keys(environmentOf(rootConfig, name)).filter((variable) => !fn.env.includes(variable));
      expect(unknown, `variables set on ${name} that its code does not parse`).to.deep.equal([]);
    }
    expect(Object.keys(environmentOf(rootConfig, stack.authoriser.function))).to.include.members([
      "USER_POOL_ID",
      "CLIENT_ID",
    ]);
    expect(
      Object.keys(environmentOf(rootConfig, "refresh")),
      "refresh verifies with the authoriser's settings",
    ).to.include.members(Object.keys(environmentOf(rootConfig, stack.authoriser.function)));

    // The module adds nothing to the caller's environment: no NODE_OPTIONS (--enable-source-maps cost 3-6 ms of
    // every cold start; traces are mapped offline by scripts/map-trace.ts).
    const moduleEnvironment = String(lambdaModule.locals.environment);
    const added = [...moduleEnvironment.matchAll(/\b([A-Z][A-Z0-9_]*)\s*=/g)].map((match) => match[1]);
    expect(added).to.deep.equal([]);
    expect(moduleEnvironment).to.not.include("NODE_OPTIONS");
    const lambda = lambdaModule.resources.aws_lambda_function?.this as Block;
    expect(blocksOf(lambda, "environment")).to.deep.equal([{ variables: "${local.environment}" }]);
  });

  it("sets ROUTE_REQUIREMENTS from api.json's routeAuthorisation on every handler of a route that may be restricted", () => {
    expect(rootConfig.locals.route_authorisation).to.equal("${try(local.api.routeAuthorisation, {})}");
    expect((rootConfig.locals.route_environment as Record<string, string>).ROUTE_REQUIREMENTS).to.equal(
      "${length(local.route_authorisation) > 0 ? jsonencode(local.route_authorisation) : null}",
    );
    const restrictable = Object.entries(stack.routes).filter(([route]) => !UNRESTRICTABLE_ROUTES.includes(route));
    expect(restrictable, "at least $default may be restricted").to.not.deep.equal([]);
    for (const [route, name] of restrictable) {
      expect(stack.functions[name]?.env, `${name} (route ${route}) reads ROUTE_REQUIREMENTS`).to.include(
        "ROUTE_REQUIREMENTS",
      );
      expect(Object.keys(environmentOf(rootConfig, name)), `${name}'s environment`).to.include("ROUTE_REQUIREMENTS");
    }
    // The committed declaration passes the checks the local stack and the handlers make.
    expect(() => parseApiDescription(stack)).to.not.throw();

    // The plan stops on what the handlers would refuse at init (tf-validate plans a refused declaration).
    const [guard] = blocksOf(rootConfig.outputs.websocket_url as Block, "precondition") as Block[];
    const condition = String(guard?.condition);
    for (const route of UNRESTRICTABLE_ROUTES) expect(condition).to.include(`"${route}"`);
    expect(condition).to.include("for route, requirement in local.route_authorisation");
    expect(condition).to.include('contains(local.api.functions[local.api.routes[route]].env, "ROUTE_REQUIREMENTS")');
    expect(String(guard?.error_message)).to.match(/^functions\/api\.json routeAuthorisation: /);
  });

  it("grants function roles only log writes and ManageConnections", () => {
    const documents = lambdaModule.data.aws_iam_policy_document ?? {};
    const trust = policyStatements(documents.assume_role as Block);
    expect(trust.flatMap(actionsOf)).to.deep.equal(["sts:AssumeRole"]);
    expect(stringsIn(trust.flatMap((statement) => blocksOf(statement, "principals")))).to.have.members([
      "Service",
      "lambda.amazonaws.com",
    ]);

    const permissions = policyStatements(documents.permissions as Block);
    const disallowed = permissions.flatMap(actionsOf).filter((action) => !allowedFunctionActions.includes(action));
    expect(disallowed).to.deep.equal([]);
    expect(Object.keys(documents).sort(), "no other policy document in the function module").to.deep.equal([
      "assume_role",
      "permissions",
    ]);

    const logStatement = permissions.find((statement) => actionsOf(statement).includes("logs:PutLogEvents")) as Block;
    expect(logStatement.resources).to.deep.equal(["${aws_cloudwatch_log_group.this.arn}:*"]);

    const rolePolicies = lambdaModule.resources.aws_iam_role_policy ?? {};
    expect(Object.values(rolePolicies).map((policy) => policy.policy)).to.deep.equal([
      "${data.aws_iam_policy_document.permissions.json}",
    ]);
    for (const config of [lambdaModule, rootConfig]) {
      expect(config.resources, "no managed or standalone policies").to.not.have.any.keys(
        "aws_iam_policy",
        "aws_iam_role_policy_attachment",
      );
    }
    // The one grant the root adds: revoke's AdminGetUser on the pool, checked under "Terraform: revocation".
    expect(Object.keys(rootConfig.resources).filter((type) => type.startsWith("aws_iam"))).to.deep.equal([
      "aws_iam_role_policy",
    ]);
    expect(Object.keys(rootConfig.resources.aws_iam_role_policy ?? {})).to.deep.equal(["revoke_user_lookup"]);
  });

  it("grants execute-api:ManageConnections only to the functions that post or close (message, refresh, sweeper, revoke), on this API stage's @connections", () => {
    const managers = Object.entries(stack.functions)
      .filter(([, fn]) => fn.managesConnections)
      .map(([name]) => name);
    expect(managers).to.deep.equal(["message", "refresh", "sweeper", "revoke"]);

    const permissions = policyStatements(lambdaModule.data.aws_iam_policy_document?.permissions as Block);
    const manage = permissions.filter((statement) => actionsOf(statement).includes("execute-api:ManageConnections"));
    expect(manage).to.have.lengthOf(1);
    expect(actionsOf(manage[0] as Block)).to.deep.equal(["execute-api:ManageConnections"]);
    expect(manage[0]?.resources).to.equal("${statement.value}");
    const dynamicStatement = dynamicBlocks(
      lambdaModule.data.aws_iam_policy_document?.permissions as Block,
      "statement",
    )[0] as Block;
    expect(dynamicStatement.for_each).to.equal(
      "${length(var.manage_connections_arns) > 0 ? [var.manage_connections_arns] : []}",
    );

    const arns = String(functionModule().manage_connections_arns);
    expect(arns.startsWith("${each.value.managesConnections ? [")).to.equal(true);
    expect(arns.endsWith("] : []}")).to.equal(true);
    expect(arns).to.include('"${module.websocket_api.execution_arn}/${var.stage_name}/${operation}/@connections/*"');
    const operations = rootConfig.locals.connection_operations as string[];
    expect(operations).to.have.members(["POST", "DELETE"]);
  });

  it("lets API Gateway invoke each function only from this API, the authoriser only as this authoriser", () => {
    const permissions = apiModule.resources.aws_lambda_permission ?? {};
    expect(Object.keys(permissions).sort()).to.deep.equal(["authoriser", "route"]);
    for (const permission of Object.values(permissions)) {
      expect(permission.principal).to.equal("apigateway.amazonaws.com");
      expect(permission.action).to.equal("lambda:InvokeFunction");
    }
    expect(permissions.authoriser?.source_arn).to.equal(
      "${local.execution_arn}/authorizers/${aws_apigatewayv2_authorizer.this.id}",
    );
    expect(permissions.route?.source_arn).to.equal("${local.execution_arn}/${var.stage_name}/${each.key}");
    expect(
      permissions.authoriser?.qualifier,
      "the alias API Gateway invokes when the authoriser is kept warm",
    ).to.equal("${var.authoriser.qualifier}");
    expect(apiModule.locals.execution_arn).to.equal(
      "${var.existing_api != null ? data.aws_apigatewayv2_api.existing[0].execution_arn : aws_apigatewayv2_api.this[0].execution_arn}",
    );
  });

  it("keeps the query string, headers and identity sources out of the access log", () => {
    const format = String(apiModule.locals.access_log_format);
    const fields = [...format.matchAll(/\$context\.[A-Za-z.]+/g)].map((match) => match[0]);
    expect(fields.length).to.be.greaterThan(5);
    const leaking = fields.filter((field) =>
      /querystring|requesturl|path|header|identitysource|authorization/i.test(field),
    );
    expect(leaking).to.deep.equal([]);
    const stage = apiModule.resources.aws_apigatewayv2_stage?.this as Block;
    expect(blocksOf(stage, "access_log_settings")[0]?.format).to.equal("${local.access_log_format}");
    expect(blocksOf(stage, "default_route_settings")[0]?.data_trace_enabled).to.equal(false);
  });
});

describe("Terraform READMEs", () => {
  // The tables are written by terraform-docs (scripts/tf-docs.sh; tf-check fails when they are stale).
  const readmes: Record<string, string> = {
    terraform: "terraform/README.md",
    "terraform/bootstrap": "terraform/bootstrap/README.md",
    "terraform/account": "terraform/account/README.md",
    "terraform/modules/alarms": "terraform/modules/alarms/README.md",
    "terraform/modules/cognito": "terraform/modules/cognito/README.md",
    "terraform/modules/lambda-function": "terraform/modules/lambda-function/README.md",
    "terraform/modules/websocket-api": "terraform/modules/websocket-api/README.md",
    "terraform/modules/connection-registry": "terraform/modules/connection-registry/README.md",
    "terraform/modules/state-region": "terraform/modules/state-region/README.md",
  };
  for (const [dir, readmePath] of Object.entries(readmes)) {
    it(`document every input and output of ${dir} in ${readmePath}`, async () => {
      const config = await loadTerraform(join(root, dir));
      const readme = readFileSync(join(root, readmePath), "utf8");
      const rows = new Set([...readme.matchAll(/^\| ([a-z0-9_]+) \|/gm)].map((match) => match[1]));
      const missing = [...Object.keys(config.variables), ...Object.keys(config.outputs)].filter(
        (name) => !rows.has(name),
      );
      expect(missing).to.deep.equal([]);
    });
  }
});

describe("Terraform: connection registry", () => {
  let rootConfig: TerraformConfig;
  let registryModule: TerraformConfig;
  let table: Block;

  before(async () => {
    rootConfig = await loadTerraform(terraformDir);
    registryModule = await loadTerraform(join(terraformDir, "modules", "connection-registry"));
    table = registryModule.resources.aws_dynamodb_table?.this as Block;
  });

  it("declares the table moto gets locally: same key, attributes and indexes", () => {
    expect(table.billing_mode).to.equal("PAY_PER_REQUEST");
    expect(table.hash_key).to.equal(REGISTRY_TABLE_DEFINITION.KeySchema[0].AttributeName);
    const attributes = blocksOf(table, "attribute").map((attribute) => ({
      AttributeName: attribute.name,
      AttributeType: attribute.type,
    }));
    expect(attributes).to.have.deep.members([...REGISTRY_TABLE_DEFINITION.AttributeDefinitions]);
    const indexes = blocksOf(table, "global_secondary_index").map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.hash_key, KeyType: "HASH" },
        { AttributeName: index.range_key, KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: index.projection_type },
    }));
    expect(indexes).to.have.deep.members(
      REGISTRY_TABLE_DEFINITION.GlobalSecondaryIndexes.map((index) => JSON.parse(JSON.stringify(index))),
    );
    expect(indexes.map((index) => index.IndexName)).to.have.members([SUB_INDEX, ORIGIN_JTI_INDEX, EXPIRY_INDEX]);
  });

  it("turns on TTL on the attribute the code writes, point-in-time recovery, and encryption with the optional key", () => {
    expect(blocksOf(table, "ttl")).to.deep.equal([{ attribute_name: TTL_ATTRIBUTE, enabled: true }]);
    expect(blocksOf(table, "point_in_time_recovery")).to.deep.equal([{ enabled: "${var.point_in_time_recovery}" }]);
    expect(blocksOf(table, "server_side_encryption")).to.deep.equal([
      { enabled: "${var.kms_key_arn != null}", kms_key_arn: "${var.kms_key_arn}" },
    ]);
    expect((rootConfig.modules.connection_registry as Block).point_in_time_recovery).to.equal(true);
  });

  it("grants each function exactly its api.json registry actions: items on the table, Query on its own indexes only", () => {
    const access = String((rootConfig.modules.connection_registry as Block).function_access);
    expect(access).to.include("actions   = fn.registry");
    expect(access).to.include('indexes   = lookup(fn, "registryIndexes", [])');
    expect(access).to.include("module.function[name].role_name");
    const document = registryModule.data.aws_iam_policy_document?.access as Block;
    const statements = dynamicBlocks(document, "statement").flatMap((entry) => blocksOf(entry, "content"));
    const resources = statements.map((statement) => statement.resources);
    expect(resources).to.deep.equal([
      ["${aws_dynamodb_table.this.arn}"],
      '${[for index in sort(each.value.indexes) : "${aws_dynamodb_table.this.arn}/index/${index}"]}',
      ["${statement.value}"],
    ]);
    const allowed = [
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      "dynamodb:Query",
    ];
    for (const [name, fn] of Object.entries(stack.functions)) {
      expect(
        (fn.registry ?? []).filter((action) => !allowed.includes(action)),
        `${name}'s registry actions`,
      ).to.deep.equal([]);
    }
    expect(stack.functions.authoriser?.registry, "the authoriser never touches the registry").to.equal(undefined);
    expect(
      Object.entries(stack.functions)
        .filter(([, fn]) => fn.registry?.includes("dynamodb:Query"))
        .map(([name, fn]) => [name, fn.registryIndexes]),
    ).to.deep.equal([
      ["sweeper", [EXPIRY_INDEX]],
      ["revoke", [SUB_INDEX, ORIGIN_JTI_INDEX]],
    ]);
    for (const [name, fn] of Object.entries(stack.functions)) {
      if (!fn.registry?.includes("dynamodb:Query")) expect(fn.registryIndexes, name).to.equal(undefined);
    }
  });

  it("gives every registry function CONNECTIONS_TABLE from the module, and refresh the authoriser's settings", () => {
    const environments = rootConfig.locals.function_environment as Record<string, unknown>;
    for (const [name, fn] of Object.entries(stack.functions)) {
      if (fn.registry === undefined) continue;
      expect(fn.env, name).to.include("CONNECTIONS_TABLE");
      expect(environmentOf(rootConfig, name).CONNECTIONS_TABLE, name).to.equal(
        "${module.connection_registry.table_name}",
      );
    }
    expect(rootConfig.locals.registry_environment).to.deep.equal({
      CONNECTIONS_TABLE: "${module.connection_registry.table_name}",
    });
    expect(String(environments.refresh)).to.include("local.authoriser_environment");
  });

  it("runs the scheduled sweeper from EventBridge every minute by default, invocable by that rule only", () => {
    expect(stack.scheduled).to.deep.equal(["sweeper"]);
    expect(registryModule.variables.sweep_schedule?.default).to.equal("rate(1 minute)");
    expect(rootConfig.variables.sweep_schedule?.default).to.equal("rate(1 minute)");
    const permission = registryModule.resources.aws_lambda_permission?.sweep as Block;
    expect(permission.principal).to.equal("events.amazonaws.com");
    expect(permission.source_arn).to.equal("${aws_cloudwatch_event_rule.sweep.arn}");
    const target = registryModule.resources.aws_cloudwatch_event_target?.sweep as Block | undefined;
    expect(target?.arn).to.equal("${var.sweeper_function_arn}");
  });

  it("gives the sweeper its warning window and the schedule's interval, with the function's defaults", () => {
    expect(String((rootConfig.locals.function_environment as Record<string, unknown>).sweeper)).to.equal(
      "${merge(local.registry_environment, local.sweeper_environment)}",
    );
    expect(Object.keys(rootConfig.locals.sweeper_environment as object).sort()).to.deep.equal([
      "REAUTH_WARNING_SECONDS",
      "SWEEP_INTERVAL_SECONDS",
    ]);
    expect(stack.functions.sweeper?.env).to.include.members(["REAUTH_WARNING_SECONDS", "SWEEP_INTERVAL_SECONDS"]);
    expect(rootConfig.variables.reauth_warning_seconds?.default).to.equal(DEFAULT_REAUTH_WARNING_SECONDS);
    // The interval Terraform derives must be the one the function defaults to under the default schedule.
    expect(DEFAULT_SWEEP_INTERVAL_SECONDS).to.equal(60);
    const validations = blocksOf(rootConfig.variables.reauth_warning_seconds as Block, "validation");
    expect(validations.map((validation) => String(validation.condition)).join("\n")).to.include("var.sweep_schedule");
    expect(stack.functions.sweeper?.registry, "the warning marker is an UpdateItem").to.include("dynamodb:UpdateItem");
  });

  it("lets the alarms module alarm on the connection metrics, under the registry's table", async () => {
    const alarms = await loadTerraform(join(terraformDir, "modules", "alarms"));
    const failed = alarmDefinition(alarms, '"reauth-warnings-failed" = merge(local.on_any, {');
    expect(failed).to.include("namespace   = var.connection_metrics_namespace");
    expect(failed).to.include('metric_name = "ReauthWarningsFailed"');
    expect(failed).to.include(`dimensions  = { ${TABLE_DIMENSION} = var.connections_table_name }`);
    const active = alarmDefinition(
      alarms,
      'for threshold in var.active_connections_threshold == null ? [] : [var.active_connections_threshold] : "active-connections" => {',
    );
    expect(active).to.include('metric_name         = "ActiveConnections"');
    expect(active).to.include('statistic           = "Maximum"');
    expect(alarms.variables.connection_metrics_namespace?.default).to.equal(METRICS_NAMESPACE);
    expect((rootConfig.modules.alarms as Block).connections_table_name).to.equal(
      "${module.connection_registry.table_name}",
    );
  });
});

describe("Terraform: revocation", () => {
  let rootConfig: TerraformConfig;
  before(async () => {
    rootConfig = await loadTerraform(terraformDir);
  });

  it("deploys revoke as an invoked function with the registry, its ARN an output, by api.json", () => {
    expect(stack.invoked).to.deep.equal(["revoke"]);
    expect(stack.routes).to.not.have.any.keys("revoke");
    expect(stack.scheduled).to.not.include("revoke");
    expect(stack.functions.revoke?.managesConnections).to.equal(true);
    expect(stack.functions.revoke?.registry).to.have.members([
      "dynamodb:Query",
      "dynamodb:DeleteItem",
      "dynamodb:PutItem",
    ]);
    expect(environmentOf(rootConfig, "revoke")).to.deep.equal({
      CONNECTIONS_TABLE: "${module.connection_registry.table_name}",
      USER_POOL_ID: "${local.user_pool_id}",
    });
    expect(rootConfig.outputs.revoke_function_arn?.value).to.equal(
      "${module.function[local.api.invoked[0]].function_arn}",
    );
  });

  it("revokes on a successful AdminUserGlobalSignOut of this pool only, off by default, invocable by that rule only", () => {
    expect(rootConfig.variables.revoke_on_admin_sign_out?.default).to.equal(false);
    const rule = rootConfig.resources.aws_cloudwatch_event_rule?.revoke_on_sign_out as Block;
    expect(rule.count).to.equal("${local.revoke_on_sign_out}");
    const pattern = String(rule.event_pattern);
    for (const piece of [
      '"aws.cognito-idp"',
      '"AWS API Call via CloudTrail"',
      '"cognito-idp.amazonaws.com"',
      '"AdminUserGlobalSignOut"',
      "exists = false",
      "userPoolId = [local.user_pool_id]",
    ]) {
      expect(pattern, piece).to.include(piece);
    }
    expect(pattern).to.not.match(/"GlobalSignOut"|RevokeToken/);
    const permission = rootConfig.resources.aws_lambda_permission?.revoke_on_sign_out as Block;
    expect(permission.principal).to.equal("events.amazonaws.com");
    expect(permission.source_arn).to.equal("${aws_cloudwatch_event_rule.revoke_on_sign_out[0].arn}");
  });

  it("lets revoke call AdminGetUser on the one user pool, nothing else", () => {
    const document = rootConfig.data.aws_iam_policy_document?.revoke_user_lookup as Block;
    const [statement] = blocksOf(document, "statement");
    expect(statement?.actions).to.deep.equal(["cognito-idp:AdminGetUser"]);
    expect(statement?.resources).to.deep.equal(["${local.user_pool_arn}"]);
    expect(rootConfig.locals.revoke_arn_parts).to.equal(
      '${split(":", module.function[local.revoke_function].function_arn)}',
    );
    expect(rootConfig.locals.user_pool_arn).to.equal(
      "arn:${local.revoke_arn_parts[1]}:cognito-idp:${local.revoke_arn_parts[3]}:${local.revoke_arn_parts[4]}:userpool/${local.user_pool_id}",
    );
    expect((rootConfig.resources.aws_iam_role_policy?.revoke_user_lookup as Block | undefined)?.role).to.equal(
      "${module.function[local.revoke_function].role_name}",
    );
  });
});

describe("Terraform for a shared account", () => {
  // The roots with a backend and a lock file; terraform/ itself is the module they (and the examples) call.
  const stacks = ["terraform/deploy", "terraform/bootstrap", "terraform/account"];
  const moduleDirs = readdirSync(join(terraformDir, "modules")).map((name) => `terraform/modules/${name}`);

  it("leaves API Gateway's account-wide logging setting to terraform/account, never to an environment", async () => {
    const account = await loadTerraform(join(root, "terraform", "account"));
    expect(Object.keys(account.resources.aws_api_gateway_account ?? {})).to.deep.equal(["this"]);
    expect(account.resources.aws_api_gateway_account?.this?.cloudwatch_role_arn).to.equal(
      "${aws_iam_role.apigateway_logging[0].arn}",
    );
    for (const dir of ["terraform", ...moduleDirs]) {
      const config = await loadTerraform(join(root, dir));
      expect(config.resources, dir).to.not.have.any.keys("aws_api_gateway_account");
      expect(
        Object.keys(config.variables).filter((name) => /account/.test(name)),
        dir,
      ).to.deep.equal([]);
    }
  });

  it("puts the region in every IAM role name, since IAM names are global in an account", async () => {
    const account = await loadTerraform(join(root, "terraform", "account"));
    const lambda = await loadTerraform(join(terraformDir, "modules", "lambda-function"));
    expect(account.resources.aws_iam_role?.apigateway_logging?.name).to.equal("${local.role_name}");
    const names = [account.locals.role_name, lambda.resources.aws_iam_role?.this?.name];
    for (const name of names) expect(String(name)).to.match(/\$\{data\.aws_region\.current\.id\}$/);
    for (const dir of ["terraform", ...stacks, ...moduleDirs]) {
      const config = await loadTerraform(join(root, dir));
      const named = Object.entries(config.resources.aws_iam_role ?? {}).filter(
        ([, role]) =>
          !String(role.name === "${local.role_name}" ? config.locals.role_name : role.name).includes("aws_region"),
      );
      expect(
        named.map(([name]) => name),
        `${dir}: roles named without the region`,
      ).to.deep.equal([]);
    }
  });

  it("requires Terraform >= 1.11 and pins hashicorp/aws to ~> 5.100 in every stack and module", async () => {
    for (const dir of ["terraform", ...stacks, ...moduleDirs]) {
      const parsed = (await parse("versions.tf", readFileSync(join(root, dir, "versions.tf"), "utf8"))) as Record<
        string,
        Block[]
      >;
      const block = (parsed.terraform ?? [])[0] as Block;
      expect(block.required_version, dir).to.equal(">= 1.11.0");
      const providers = (block.required_providers as Block[])[0] as Record<string, Block>;
      expect(providers.aws, dir).to.deep.equal({ source: "hashicorp/aws", version: "~> 5.100" });
    }
  });

  it("commits a lock file for every stack and example with the registry's hashes of all platforms and this mirror's linux_amd64 h1", () => {
    const examples = readdirSync(join(terraformDir, "examples")).map((name) => `terraform/examples/${name}`);
    expect(examples.length, "examples/ holds configurations").to.be.greaterThan(0);
    for (const dir of [...stacks, ...examples]) {
      const lock = readFileSync(join(root, dir, ".terraform.lock.hcl"), "utf8");
      expect(lock, dir).to.match(
        /provider "registry\.terraform\.io\/hashicorp\/aws" \{\n {2}version {5}= "5\.100\.0"\n {2}constraints = "~> 5\.100"/,
      );
      const zh = [...lock.matchAll(/"zh:([0-9a-f]{64})"/g)].map((match) => match[1]);
      // One zh: hash per released package (darwin, freebsd, linux and windows builds), checked at init by every CLI.
      expect(new Set(zh).size, dir).to.equal(15);
      expect(lock, dir).to.include('"h1:edXOJWE4ORX8Fm+dpVpICzMZJat4AX0VRCAy/xkcOc0="');
    }
  });

  it("makes the backend name the bootstrap's KMS key, so state and lock files are SSE-KMS, and leaves the key to each environment", async () => {
    const bootstrap = await loadTerraform(join(root, "terraform", "bootstrap"));
    const backend = String(bootstrap.outputs.backend_hcl?.value);
    expect(backend).to.match(/kms_key_id += "\$\{local\.state_key_arn\}"/);
    expect(backend).to.match(/encrypt += true/);
    expect(backend).to.match(/use_lockfile += true/);
    expect(backend, "the key names one environment: each backend file adds its own").to.not.match(/^\s*key\s*=/m);
    expect(bootstrap.locals.state_key_arn).to.equal(
      "${var.kms_key_arn != null ? var.kms_key_arn : aws_kms_key.state[0].arn}",
    );
    const sse = blocksOf(
      bootstrap.resources.aws_s3_bucket_server_side_encryption_configuration?.state as Block,
      "rule",
    )[0] as Block;
    expect(blocksOf(sse, "apply_server_side_encryption_by_default")[0]).to.deep.equal({
      sse_algorithm: "aws:kms",
      kms_master_key_id: "${local.state_key_arn}",
    });
    expect(bootstrap.resources.aws_kms_key?.state?.enable_key_rotation).to.equal(true);
  });

  it("throttles $connect, which runs the authoriser on every call, tighter than the stage by default", async () => {
    const api = await loadTerraform(join(terraformDir, "modules", "websocket-api"));
    for (const config of [api, await loadTerraform(terraformDir)]) {
      const byRoute = config.variables.route_throttling?.default as Record<
        string,
        { burst_limit: number; rate_limit: number }
      >;
      const connect = byRoute.$connect;
      expect(connect, "a $connect entry in the default").to.not.equal(undefined);
      expect(connect?.burst_limit).to.be.below(config.variables.throttling_burst_limit?.default as number);
      expect(connect?.rate_limit).to.be.below(config.variables.throttling_rate_limit?.default as number);
    }
    const stage = api.resources.aws_apigatewayv2_stage?.this as Block;
    expect(dynamicBlocks(stage, "route_settings").length, "route_settings from route_throttling").to.equal(1);
  });

  it("invokes the authoriser through its warm alias only when provisioned concurrency is asked for", async () => {
    const lambda = await loadTerraform(join(terraformDir, "modules", "lambda-function"));
    expect(lambda.variables.provisioned_concurrency?.default).to.equal(0);
    expect(lambda.resources.aws_lambda_function?.this?.publish).to.equal("${var.provisioned_concurrency > 0}");
    expect(lambda.outputs.invoke_arn?.value).to.equal(
      "${var.provisioned_concurrency > 0 ? aws_lambda_alias.live[0].invoke_arn : aws_lambda_function.this.invoke_arn}",
    );
    const root = await loadTerraform(terraformDir);
    expect(((root.modules.websocket_api as Block).authoriser as Block).qualifier).to.equal(
      "${module.function[local.api.authoriser.function].qualifier}",
    );
    expect((root.modules.function as Block).provisioned_concurrency).to.equal(
      "${each.key == local.api.authoriser.function ? var.authoriser_provisioned_concurrency : 0}",
    );
  });
});

/** The first regex literal of a validation condition, as JavaScript reads it (HCL's `\\` is one backslash). */
function regexOf(variable: Block | undefined): RegExp {
  const conditions = blocksOf(variable as Block, "validation").map((validation) => String(validation.condition));
  const literal = conditions.map((condition) => /regex\("((?:[^"\\]|\\.)*)"/.exec(condition)?.[1]).find(Boolean);
  expect(literal, "a validation with regex(...)").to.be.a("string");
  return new RegExp((literal as string).replace(/\\\\/g, "\\"));
}

/** One entry of the alarms module's `alarms` map (a merge() expression): its text from `opening` to its end. */
function alarmDefinition(alarms: TerraformConfig, opening: string): string {
  const map = String(alarms.locals.alarms);
  const start = map.indexOf(opening);
  expect(start, opening).to.be.at.least(0);
  return map.slice(start, map.indexOf("\n    }", start));
}

/** Parsed top-level blocks of every .tf file of a directory, by block type. */
async function topLevelBlocks(dir: string): Promise<Record<string, unknown[]>> {
  const blocks: Record<string, unknown[]> = {};
  for (const file of readdirSync(dir).filter((name) => name.endsWith(".tf"))) {
    const parsed = (await parse(file, readFileSync(join(dir, file), "utf8"))) as Record<string, unknown>;
    for (const [type, value] of Object.entries(parsed)) blocks[type] = [...(blocks[type] ?? []), value];
  }
  return blocks;
}

describe("Terraform: the alarms, one resource", () => {
  let alarms: TerraformConfig;
  before(async () => {
    alarms = await loadTerraform(join(terraformDir, "modules", "alarms"));
  });

  it("makes every alarm from one map, named by its key as each was named before", () => {
    expect(Object.keys(alarms.resources.aws_cloudwatch_metric_alarm ?? {})).to.deep.equal(["this"]);
    const alarm = alarms.resources.aws_cloudwatch_metric_alarm?.this as Block;
    expect(alarm.for_each).to.equal("${local.alarms}");
    expect(alarm.alarm_name).to.equal("${var.name}-${each.key}");
    const map = String(alarms.locals.alarms);
    for (const key of [
      '"authoriser-faults" =',
      '"reauth-warnings-failed" =',
      '"connect-${lower(metric)}" =>',
      '"${key}-errors" =>',
      '"${key}-throttles" =>',
      '"active-connections" =>',
    ]) {
      expect(map, key).to.include(key);
    }
    expect(map).to.include("for key, name in local.erroring_functions");
    expect(alarms.outputs.alarm_names?.value).to.equal(
      "${[for alarm in aws_cloudwatch_metric_alarm.this : alarm.alarm_name]}",
    );
  });

  it("moves every alarm address of before (each kind its own resource) to its key, for every function of api.json", async () => {
    const moved = ((await topLevelBlocks(join(terraformDir, "modules", "alarms"))).moved ?? []).flat() as Block[];
    const to = (key: string) => `\${aws_cloudwatch_metric_alarm.this["${key}"]}`;
    const from = (address: string) => `\${aws_cloudwatch_metric_alarm.${address}}`;
    const functions = Object.keys(stack.functions);
    expect(functions).to.include(stack.authoriser.function);
    const expected = [
      { from: from("authoriser_faults"), to: to("authoriser-faults") },
      { from: from("reauth_warnings_failed"), to: to("reauth-warnings-failed") },
      { from: from("active_connections[0]"), to: to("active-connections") },
      ...(alarms.locals.connect_error_metrics as string[]).map((metric) => ({
        from: from(`connect_errors["${metric}"]`),
        to: to(`connect-${metric.toLowerCase()}`),
      })),
      ...functions
        .filter((name) => name !== stack.authoriser.function)
        .map((name) => ({ from: from(`function_errors["${name}"]`), to: to(`${name}-errors`) })),
      ...functions.map((name) => ({ from: from(`function_throttles["${name}"]`), to: to(`${name}-throttles`) })),
    ];
    expect(moved).to.have.deep.members(expected);
  });
});

describe("Terraform: a module apart from its deploy root", () => {
  let moduleConfig: TerraformConfig;
  let deploy: TerraformConfig;

  before(async () => {
    moduleConfig = await loadTerraform(terraformDir);
    deploy = await loadTerraform(join(terraformDir, "deploy"));
  });

  it("keeps provider and backend out of terraform/, and both in terraform/deploy", async () => {
    const moduleBlocks = await topLevelBlocks(terraformDir);
    expect(moduleBlocks, "terraform/ configures no provider").to.not.have.property("provider");
    expect(JSON.stringify(moduleBlocks.terraform), "terraform/ has no backend").to.not.include("backend");
    const deployBlocks = await topLevelBlocks(join(terraformDir, "deploy"));
    expect(JSON.stringify(deployBlocks.terraform)).to.include('"backend":{"s3"');
    const providers = (deployBlocks.provider ?? [{}])[0] as Record<string, Block[]>;
    const provider = (providers.aws ?? [{}])[0] as Block;
    expect(provider.region).to.equal("${var.region}");
    expect(provider.allowed_account_ids).to.equal("${var.account_id == null ? null : [var.account_id]}");
  });

  it("passes every input of the module through terraform/deploy (a new variable must be wired there too)", () => {
    const call = deploy.modules.wsauth as Block;
    expect(call.source).to.equal("../");
    const passed = Object.keys(call).filter((key) => key !== "source");
    // tags reach every resource through the deploy root's default_tags instead.
    const inputs = Object.keys(moduleConfig.variables).filter((name) => name !== "tags");
    expect(passed).to.have.members(inputs);
    for (const name of passed) expect(call[name], name).to.equal(`\${var.${name}}`);
    expect(Object.keys(deploy.variables)).to.include.members([...Object.keys(moduleConfig.variables), "region"]);
  });

  it("moves every module call of the previous root into module.wsauth, so an upgrade destroys nothing", async () => {
    const moved = ((await topLevelBlocks(join(terraformDir, "deploy"))).moved ?? []).flat() as Block[];
    const pairs = moved.map((block) => [block.from, block.to]);
    expect(pairs).to.have.deep.members(
      Object.keys(moduleConfig.modules).map((name) => [`\${module.${name}}`, `\${module.wsauth.module.${name}}`]),
    );
  });

  it("refuses a plan without a region with one line, and ties each state to its region", async () => {
    const region = deploy.variables.region as Block;
    expect(region.default).to.equal(null);
    expect(blocksOf(region, "validation")[0]).to.deep.equal({
      condition: "${var.region != null}",
      error_message:
        "region is not set: plan with -var-file=../envs/<env>/<region>/terraform.tfvars, or export TF_VAR_region.",
    });
    for (const dir of ["deploy", "account", "bootstrap"]) {
      const config = await loadTerraform(join(terraformDir, dir));
      expect((config.modules.state_region as Block)?.source, dir).to.equal("../modules/state-region");
      expect(config.outputs.region?.value, dir).to.equal("${module.state_region.region}");
    }
    const guard = await loadTerraform(join(terraformDir, "modules", "state-region"));
    const recorded = guard.resources.terraform_data?.this as Block;
    expect(blocksOf(recorded, "lifecycle")[0]?.ignore_changes).to.deep.equal(["${input}"]);
    const precondition = blocksOf(guard.outputs.region as Block, "precondition")[0] as Block;
    expect(precondition.condition).to.equal("${terraform_data.this.output == data.aws_region.current.id}");
    expect(precondition.error_message).to.include(
      "applied in ${terraform_data.this.output}, but the provider is in ${data.aws_region.current.id}",
    );
  });

  it("makes an example deploy two regions from one configuration with provider aliases", async () => {
    const example = await loadTerraform(join(terraformDir, "examples", "two-regions"));
    expect((example.modules.primary as Block).providers).to.deep.equal({ aws: "${aws.primary}" });
    expect((example.modules.secondary as Block).providers).to.deep.equal({ aws: "${aws.secondary}" });
    expect((example.modules.primary as Block).source).to.equal("../../");
  });

  it("takes reserved concurrency for exactly the functions api.json lists", () => {
    const condition = String(
      blocksOf(moduleConfig.variables.reserved_concurrency as Block, "validation")[0]?.condition,
    );
    const names = JSON.parse(/contains\((\[[^\]]*\])/.exec(condition)?.[1] ?? "[]") as string[];
    expect(names).to.have.members(Object.keys(stack.functions));
  });

  it("accepts only schedule expressions EventBridge accepts: a singular unit for 1, plural for more", async () => {
    const registry = await loadTerraform(join(terraformDir, "modules", "connection-registry"));
    for (const config of [moduleConfig, registry]) {
      const schedule = regexOf(config.variables.sweep_schedule as Block);
      for (const good of [
        "rate(1 minute)",
        "rate(5 minutes)",
        "rate(1 hour)",
        "rate(12 hours)",
        "rate(1 day)",
        "cron(0/5 * * * ? *)",
      ])
        expect(schedule.test(good), good).to.equal(true);
      for (const bad of ["rate(1 minutes)", "rate(2 minute)", "rate(0 minutes)", "rate(1 seconds)", "every minute"])
        expect(schedule.test(bad), bad).to.equal(false);
    }
  });

  it("retries no sweep (no async retries) and grants the table on a new role before the old grant goes", async () => {
    const registry = await loadTerraform(join(terraformDir, "modules", "connection-registry"));
    const invoke = registry.resources.aws_lambda_function_event_invoke_config?.sweep as Block;
    expect(invoke.maximum_retry_attempts).to.equal(0);
    expect(invoke.function_name).to.equal("${var.sweeper_function_name}");
    const grant = registry.resources.aws_iam_role_policy?.access as Block;
    expect(blocksOf(grant, "lifecycle")[0]?.create_before_destroy).to.equal(true);
  });

  it("outputs the table's ARN through the deploy root", () => {
    expect(moduleConfig.outputs.connections_table_arn?.value).to.equal("${module.connection_registry.table_arn}");
    expect(deploy.outputs.connections_table_arn?.value).to.equal("${module.wsauth.connections_table_arn}");
    const missing = Object.keys(moduleConfig.outputs).filter((name) => deploy.outputs[name] === undefined);
    expect(missing, "module outputs the deploy root does not pass on").to.deep.equal([]);
  });
});

describe("Terraform: an account stack safe to share", () => {
  let account: TerraformConfig;
  // The longest region names AWS has (14 characters).
  const longestRegion = "ap-southeast-1";

  before(async () => {
    account = await loadTerraform(join(terraformDir, "account"));
  });

  it("makes the logging setting an explicit choice with no default: create, adopt (import) or none", () => {
    const setting = account.variables.logging_setting as Block;
    expect(setting).to.not.have.property("default");
    expect(String(blocksOf(setting, "validation")[0]?.condition)).to.equal(
      '${contains(["create", "adopt", "none"], var.logging_setting)}',
    );
    expect(account.locals.manage_setting).to.equal('${contains(["create", "adopt"], var.logging_setting)}');
    for (const [type, name] of [
      ["aws_api_gateway_account", "this"],
      ["aws_iam_role", "apigateway_logging"],
      ["aws_iam_role_policy_attachment", "apigateway_logging"],
    ] as const)
      expect(account.resources[type]?.[name]?.count, `${type}.${name}`).to.equal("${local.manage_setting ? 1 : 0}");
  });

  it("imports the existing setting only when told to adopt it", async () => {
    const imports = ((await topLevelBlocks(join(terraformDir, "account"))).import ?? []).flat() as Block[];
    expect(imports).to.have.lengthOf(1);
    expect(imports[0]?.for_each).to.equal(
      '${var.logging_setting == "adopt" ? toset(["api-gateway-account"]) : toset([])}',
    );
    expect(imports[0]?.to).to.equal("${aws_api_gateway_account.this[0]}");
  });

  it("keeps the role and setting of a previous account state (no count then) at index 0", async () => {
    const moved = ((await topLevelBlocks(join(terraformDir, "account"))).moved ?? []).flat() as Block[];
    expect(moved.map((block) => [block.from, block.to])).to.have.deep.members(
      [
        "aws_iam_role.apigateway_logging",
        "aws_iam_role_policy_attachment.apigateway_logging",
        "aws_api_gateway_account.this",
      ].map((address) => [`\${${address}}`, `\${${address}[0]}`]),
    );
  });

  it("empties the setting on destroy before its role goes, so it never names a deleted role", () => {
    const setting = account.resources.aws_api_gateway_account?.this as Block;
    expect(setting.reset_on_delete).to.equal(true);
    expect(setting.cloudwatch_role_arn).to.equal("${aws_iam_role.apigateway_logging[0].arn}");
  });

  it(`caps name_prefix at 30, the most that fits IAM's 64 with ${longestRegion}`, () => {
    const prefix = regexOf(account.variables.name_prefix as Block);
    const roleName = (name: string) =>
      String(account.locals.role_name)
        .replace("${var.name_prefix}", name)
        .replace("${data.aws_region.current.id}", longestRegion);
    const longest = "p".repeat(30);
    expect(prefix.test(longest)).to.equal(true);
    expect(roleName(longest)).to.have.lengthOf(64);
    expect(prefix.test(`${longest}x`), "31 characters").to.equal(false);
    expect(roleName(`${longest}x`).length).to.be.greaterThan(64);
  });
});
