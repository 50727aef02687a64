// functions/api.json's `registry` and `registryIndexes` become each function's IAM grant on the connection registry
// (terraform/modules/connection-registry; tf-validate checks the plan, tf-moto the roles). Here the grant is checked
// against the code, not assumed: which ConnectionRegistry methods each function's own files call, and which DynamoDB
// operations and indexes those methods use, read from the TypeScript source.
import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import ts from "typescript";
import * as registryModule from "../../functions/shared/registry.ts";

const root = join(import.meta.dirname, "..", "..");
const functionsDir = join(root, "functions");
const registryFile = join(functionsDir, "shared", "registry.ts");

interface FunctionDescription {
  registry?: string[];
  registryIndexes?: string[];
}
const api = JSON.parse(readFileSync(join(functionsDir, "api.json"), "utf8")) as {
  functions: Record<string, FunctionDescription>;
};

function sourceOf(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
}

function visit(node: ts.Node, each: (node: ts.Node) => void): void {
  each(node);
  node.forEachChild((child) => visit(child, each));
}

/** `receiver.name(...)` or `receiver.name?.(...)`: the receiver's text and the method's name. */
function methodCall(node: ts.Node): { receiver: string; name: string } | undefined {
  if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression)) return undefined;
  return { receiver: node.expression.expression.getText(), name: node.expression.name.text };
}

interface MethodUse {
  operations: Set<string>;
  indexes: Set<string>;
  calls: Set<string>;
}

/** Per ConnectionRegistry method: the operations of its `this.db.call("Op", ...)`, the *_INDEX constants it names. */
function registryMethods(): Map<string, MethodUse> {
  const constants = registryModule as unknown as Record<string, unknown>;
  const methods = new Map<string, MethodUse>();
  visit(sourceOf(registryFile), (node) => {
    if (!ts.isClassDeclaration(node) || node.name?.text !== "ConnectionRegistry") return;
    for (const member of node.members) {
      if (!ts.isMethodDeclaration(member) || !ts.isIdentifier(member.name)) continue;
      const use: MethodUse = { operations: new Set(), indexes: new Set(), calls: new Set() };
      visit(member, (inner) => {
        const call = methodCall(inner);
        if (call?.receiver === "this.db" && call.name === "call" && ts.isCallExpression(inner)) {
          const [operation] = inner.arguments;
          if (operation === undefined || !ts.isStringLiteral(operation)) {
            throw new Error(`${member.name.getText()}: db.call without a literal operation`);
          }
          use.operations.add(operation.text);
        } else if (call?.receiver === "this") {
          use.calls.add(call.name);
        }
        if (ts.isIdentifier(inner) && /_INDEX$/.test(inner.text)) use.indexes.add(String(constants[inner.text]));
      });
      methods.set(member.name.text, use);
    }
  });
  return methods;
}

/** The files a function's handler reaches through relative imports (its own folder and functions/shared). */
function reachableFiles(entry: string): string[] {
  const seen = new Set<string>();
  const pending = [entry];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    visit(sourceOf(file), (node) => {
      if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined) {
        const specifier = (node.moduleSpecifier as ts.StringLiteral).text;
        if (specifier.startsWith(".")) pending.push(resolve(dirname(file), specifier));
      }
    });
  }
  return [...seen];
}

/** The DynamoDB actions and indexes a function's code needs, from the registry methods it calls on a `registry`. */
function neededGrant(name: string, methods: Map<string, MethodUse>): { actions: string[]; indexes: string[] } {
  const called = new Set<string>();
  for (const file of reachableFiles(join(functionsDir, name, "index.ts"))) {
    if (file === registryFile) continue;
    visit(sourceOf(file), (node) => {
      const call = methodCall(node);
      if (call !== undefined && /(^|\.)registry$/.test(call.receiver) && methods.has(call.name)) called.add(call.name);
    });
  }
  // Methods that call other methods (expired() is expiring()).
  for (const method of [...called]) {
    for (const inner of methods.get(method)?.calls ?? []) if (methods.has(inner)) called.add(inner);
  }
  const uses = [...called].map((method) => methods.get(method) as MethodUse);
  return {
    actions: [...new Set(uses.flatMap((use) => [...use.operations]))].map((op) => `dynamodb:${op}`).sort(),
    indexes: [...new Set(uses.flatMap((use) => [...use.indexes]))].sort(),
  };
}

describe("Registry grants against the code", () => {
  const methods = registryMethods();
  const functionNames = readdirSync(functionsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== "shared")
    .map((entry) => entry.name);

  it("reads every registry method's operations and indexes from registry.ts", () => {
    // The reader itself, on methods whose use is plain to see: a change to registry.ts that it misreads fails here.
    expect([...(methods.get("markWarned")?.operations ?? [])]).to.deep.equal(["UpdateItem"]);
    expect([...(methods.get("lookup")?.operations ?? [])]).to.deep.equal(["GetItem"]);
    expect([...(methods.get("connectionPage")?.indexes ?? [])].sort()).to.deep.equal(
      [registryModule.SUB_INDEX, registryModule.ORIGIN_JTI_INDEX].sort(),
    );
    expect([...(methods.get("countLive")?.indexes ?? [])]).to.deep.equal([registryModule.EXPIRY_INDEX]);
    expect([...(methods.get("expired")?.calls ?? [])]).to.deep.equal(["expiring"]);
    for (const [method, use] of methods) {
      if (method !== "constructor" && method !== "expired") expect(use.operations.size, method).to.be.above(0);
    }
  });

  it("sends every DynamoDB request of functions/ through ConnectionRegistry", () => {
    const callers = readdirSync(functionsDir, { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts"))
      .filter((file) => /\bcreateDynamoDb\(|\bdb\.call\b/.test(readFileSync(join(functionsDir, file), "utf8")))
      .sort();
    expect(callers).to.deep.equal([join("shared", "dynamodb.ts"), join("shared", "registry.ts")]);
  });

  for (const name of functionNames) {
    it(`grants ${name} exactly the registry actions and indexes its code uses, no more, no fewer`, () => {
      const needed = neededGrant(name, methods);
      const declared = api.functions[name] ?? {};
      expect([...(declared.registry ?? [])].sort(), `${name}: api.json registry`).to.deep.equal(needed.actions);
      expect([...(declared.registryIndexes ?? [])].sort(), `${name}: api.json registryIndexes`).to.deep.equal(
        needed.indexes,
      );
    });
  }

  it("finds the grants the control plane added: the sweeper's warning marker, revoke's two indexes", () => {
    expect(functionNames).to.include.members(["sweeper", "revoke"]);
    expect(neededGrant("sweeper", methods)).to.deep.equal({
      actions: ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"],
      indexes: [registryModule.EXPIRY_INDEX],
    });
    expect(neededGrant("revoke", methods)).to.deep.equal({
      actions: ["dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:Query"],
      indexes: [registryModule.ORIGIN_JTI_INDEX, registryModule.SUB_INDEX].sort(),
    });
  });
});
