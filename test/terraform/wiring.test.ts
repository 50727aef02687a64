// Checks the wiring between terraform/, functions/stack.json and the code that tofu validate,
// tflint and checkov cannot see: which zips exist, which env vars the code parses, which token
// location it reads, and which IAM actions each function needs.
import { parse } from "@cdktf/hcl2json";
import { expect } from "chai";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../../functions/authoriser/config.ts";

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

interface StackFunction {
  env: string[];
  managesConnections: boolean;
}

interface Stack {
  routeSelectionExpression: string;
  authoriser: { function: string; route: string; tokenLocations: Record<string, string> };
  routes: Record<string, string>;
  functions: Record<string, StackFunction>;
}

const stack = JSON.parse(readFileSync(join(root, "functions", "stack.json"), "utf8")) as Stack;
const allowedFunctionActions = ["logs:CreateLogStream", "logs:PutLogEvents", "execute-api:ManageConnections"];

async function loadTerraform(dir: string): Promise<TerraformConfig> {
  const config: TerraformConfig = { locals: {}, modules: {}, variables: {}, outputs: {}, resources: {}, data: {} };
  const files = readdirSync(dir).filter((file) => file.endsWith(".tf")).sort();
  for (const file of files) {
    const parsed = (await parse(file, readFileSync(join(dir, file), "utf8"))) as Record<string, unknown>;
    for (const locals of (parsed.locals ?? []) as Record<string, unknown>[]) Object.assign(config.locals, locals);
    for (const [name, blocks] of Object.entries((parsed.module ?? {}) as Record<string, Block[]>)) config.modules[name] = single(blocks);
    for (const [name, blocks] of Object.entries((parsed.variable ?? {}) as Record<string, Block[]>)) config.variables[name] = single(blocks);
    for (const [name, blocks] of Object.entries((parsed.output ?? {}) as Record<string, Block[]>)) config.outputs[name] = single(blocks);
    for (const [kind, target] of [["resource", config.resources], ["data", config.data]] as const) {
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
    expect(module.for_each, "one function per stack.json entry").to.equal("${local.stack.functions}");
    return module;
  }

  it("reads functions/stack.json as the one description of routes and functions", () => {
    expect(rootConfig.locals.stack).to.equal('${jsondecode(file("${path.module}/../functions/stack.json"))}');
    const routes = String((rootConfig.modules.websocket_api as Block).routes);
    expect(routes).to.match(/for route_key, function in local\.stack\.routes : route_key =>/);
    expect(routes).to.include("module.function[function]");
    expect(Object.values(stack.routes).every((name) => name in stack.functions), "every route names a stack function").to.equal(true);
  });

  it("deploys exactly the zips that make build bundles, one per function folder", () => {
    const zipPaths = [...stringsIn(rootConfig.modules), ...stringsIn(rootConfig.resources)].filter((value) => value.includes(".zip"));
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

  it("offers exactly the token locations stack.json describes", () => {
    const validation = blocksOf(rootConfig.variables.token_location as Block, "validation")[0] as Block;
    const offered = [...String(validation.condition).matchAll(/"([a-z]+)"/g)].map((match) => match[1]).sort();
    expect(offered).to.deep.equal(Object.keys(stack.authoriser.tokenLocations).sort());
    expect(Object.keys(stack.authoriser.tokenLocations)).to.include(variableDefault(rootConfig, "token_location"));
  });

  it("gives the authoriser the identity source of the chosen token location, with the query parameter the code reads", () => {
    expect(rootConfig.locals.identity_source).to.equal(
      '${replace(local.stack.authoriser.tokenLocations[var.token_location], "{TOKEN_QUERY_PARAM}", var.token_query_param)}',
    );
    const authoriser = (rootConfig.modules.websocket_api as Block).authoriser as Block;
    expect(authoriser.identity_sources).to.deep.equal("${compact([local.identity_source])}");
    expect(authoriser.function_name).to.equal("${module.function[local.stack.authoriser.function].function_name}");

    const environment = (rootConfig.locals.function_environment as Record<string, Record<string, string>>)[stack.authoriser.function];
    expect(environment?.TOKEN_QUERY_PARAM, "the same variable names the parameter for API Gateway and the code").to.equal("${var.token_query_param}");

    const defaultParam = variableDefault(rootConfig, "token_query_param") as string;
    const codeDefault = parseConfig({ USER_POOL_ID: "eu-west-1_AbC123", CLIENT_ID: "client" }).tokenQueryParam;
    expect(defaultParam, "Terraform's default equals the authoriser's default").to.equal(codeDefault);
    const resolved = Object.fromEntries(
      Object.entries(stack.authoriser.tokenLocations).map(([location, source]) => [location, source.replace("{TOKEN_QUERY_PARAM}", defaultParam)]),
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
    expect(authorizer.identity_sources).to.equal("${length(var.authoriser.identity_sources) > 0 ? var.authoriser.identity_sources : null}");
    expect(authorizer).to.not.have.any.keys("authorizer_result_ttl_in_seconds", "enable_simple_responses");

    const route = apiModule.resources.aws_apigatewayv2_route?.this as Block;
    expect(route.authorization_type).to.equal('${each.key == var.authoriser.route_key ? "CUSTOM" : "NONE"}');
    expect(route.authorizer_id).to.equal("${each.key == var.authoriser.route_key ? aws_apigatewayv2_authorizer.this.id : null}");
    expect(((rootConfig.modules.websocket_api as Block).authoriser as Block).route_key).to.equal("${local.stack.authoriser.route}");
  });

  it("sets on each function only environment variables its code parses", () => {
    const environments = rootConfig.locals.function_environment as Record<string, Record<string, string>>;
    expect(Object.keys(environments).sort(), "an environment for every stack function").to.deep.equal(Object.keys(stack.functions).sort());
    expect(functionModule().environment).to.equal("${local.function_environment[each.key]}");
    for (const [name, fn] of Object.entries(stack.functions)) {
      const unknown = Object.keys(environments[name] ?? {}).filter((variable) => !fn.env.includes(variable));
      expect(unknown, `variables set on ${name} that its code does not parse`).to.deep.equal([]);
    }
    expect(Object.keys(environments[stack.authoriser.function] ?? {})).to.include.members(["USER_POOL_ID", "CLIENT_ID"]);

    // The module adds NODE_OPTIONS (source maps) to every function, and nothing else.
    const moduleEnvironment = String(lambdaModule.locals.environment);
    const added = [...moduleEnvironment.matchAll(/\b([A-Z][A-Z0-9_]*)\s*=/g)].map((match) => match[1]);
    expect(added).to.deep.equal(["NODE_OPTIONS"]);
    expect(moduleEnvironment).to.include('NODE_OPTIONS = "--enable-source-maps"');
    const lambda = lambdaModule.resources.aws_lambda_function?.this as Block;
    expect(blocksOf(lambda, "environment")).to.deep.equal([{ variables: "${local.environment}" }]);
  });

  it("grants function roles only log writes and ManageConnections", () => {
    const documents = lambdaModule.data.aws_iam_policy_document ?? {};
    const trust = policyStatements(documents.assume_role as Block);
    expect(trust.flatMap(actionsOf)).to.deep.equal(["sts:AssumeRole"]);
    expect(stringsIn(trust.flatMap((statement) => blocksOf(statement, "principals")))).to.have.members(["Service", "lambda.amazonaws.com"]);

    const permissions = policyStatements(documents.permissions as Block);
    const disallowed = permissions.flatMap(actionsOf).filter((action) => !allowedFunctionActions.includes(action));
    expect(disallowed).to.deep.equal([]);
    expect(Object.keys(documents).sort(), "no other policy document in the function module").to.deep.equal(["assume_role", "permissions"]);

    const logStatement = permissions.find((statement) => actionsOf(statement).includes("logs:PutLogEvents")) as Block;
    expect(logStatement.resources).to.deep.equal(["${aws_cloudwatch_log_group.this.arn}:*"]);

    const rolePolicies = lambdaModule.resources.aws_iam_role_policy ?? {};
    expect(Object.values(rolePolicies).map((policy) => policy.policy)).to.deep.equal(["${data.aws_iam_policy_document.permissions.json}"]);
    for (const config of [lambdaModule, rootConfig]) {
      expect(config.resources, "no managed or standalone policies").to.not.have.any.keys("aws_iam_policy", "aws_iam_role_policy_attachment");
    }
    expect(Object.keys(rootConfig.resources).filter((type) => type.startsWith("aws_iam"))).to.deep.equal([]);
  });

  it("grants execute-api:ManageConnections only to the message function, on this API stage's @connections", () => {
    const managers = Object.entries(stack.functions).filter(([, fn]) => fn.managesConnections).map(([name]) => name);
    expect(managers).to.deep.equal(["message"]);

    const permissions = policyStatements((lambdaModule.data.aws_iam_policy_document ?? {}).permissions as Block);
    const manage = permissions.filter((statement) => actionsOf(statement).includes("execute-api:ManageConnections"));
    expect(manage).to.have.lengthOf(1);
    expect(actionsOf(manage[0] as Block)).to.deep.equal(["execute-api:ManageConnections"]);
    expect(manage[0]?.resources).to.equal("${statement.value}");
    const dynamicStatement = dynamicBlocks((lambdaModule.data.aws_iam_policy_document ?? {}).permissions as Block, "statement")[0] as Block;
    expect(dynamicStatement.for_each).to.equal("${length(var.manage_connections_arns) > 0 ? [var.manage_connections_arns] : []}");

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
      "${aws_apigatewayv2_api.this.execution_arn}/authorizers/${aws_apigatewayv2_authorizer.this.id}",
    );
    expect(permissions.route?.source_arn).to.equal("${aws_apigatewayv2_api.this.execution_arn}/${var.stage_name}/${each.key}");
  });

  it("keeps the query string, headers and identity sources out of the access log", () => {
    const format = String(apiModule.locals.access_log_format);
    const fields = [...format.matchAll(/\$context\.[A-Za-z.]+/g)].map((match) => match[0]);
    expect(fields.length).to.be.greaterThan(5);
    const leaking = fields.filter((field) => /querystring|requesturl|path|header|identitysource|authorization/i.test(field));
    expect(leaking).to.deep.equal([]);
    const stage = apiModule.resources.aws_apigatewayv2_stage?.this as Block;
    expect(blocksOf(stage, "access_log_settings")[0]?.format).to.equal("${local.access_log_format}");
    expect(blocksOf(stage, "default_route_settings")[0]?.data_trace_enabled).to.equal(false);
  });
});

describe("Terraform READMEs", () => {
  // The bootstrap's reference lives in terraform/README.md, beside the deploy steps that use it.
  const readmes: Record<string, string> = {
    terraform: "terraform/README.md",
    "terraform/bootstrap": "terraform/README.md",
    "terraform/modules/cognito": "terraform/modules/cognito/README.md",
    "terraform/modules/lambda-function": "terraform/modules/lambda-function/README.md",
    "terraform/modules/websocket-api": "terraform/modules/websocket-api/README.md",
  };
  for (const [dir, readmePath] of Object.entries(readmes)) {
    it(`document every input and output of ${dir} in ${readmePath}`, async () => {
      const config = await loadTerraform(join(root, dir));
      const readme = readFileSync(join(root, readmePath), "utf8");
      const rows = new Set([...readme.matchAll(/^\| ([a-z0-9_]+) \|/gm)].map((match) => match[1]));
      const missing = [...Object.keys(config.variables), ...Object.keys(config.outputs)].filter((name) => !rows.has(name));
      expect(missing).to.deep.equal([]);
    });
  }
});
