// GitHub Actions expressions evaluated by GitHub's own library (@actions/expressions), for
// scripts/github_expressions.py. Reads JSON requests on stdin, one a line:
//   {"contexts": {...}, "lenient": ["env", "steps.*.outputs"], "failed": false,
//    "items": [{"template": "text with ${{ expr }}"}, {"condition": "expr or ${{ expr }}"}]}
// and answers each with one line of JSON, an entry per item: {"value": string | boolean} or
// {"error": string}. One process serves a whole action run (node starts in ~0.1 s).
// A lookup of a key the contexts do not hold is an error ("github.event is not simulated"),
// except inside the "lenient" objects, where it is null as on GitHub (an unset variable, an
// output a step did not set): the simulation never passes by silently doing less than GitHub.
import { createInterface } from "node:readline";
import { Evaluator, Lexer, Parser, data } from "@actions/expressions";
import { truthy } from "@actions/expressions/result";

const STATUS_FUNCTIONS = ["success", "failure", "always", "cancelled"];
const INTERPOLATION = /\$\{\{([\s\S]*?)\}\}/g;

class StrictDictionary extends data.Dictionary {
  constructor(path, lenient, pairs) {
    super(...pairs);
    this.path = path;
    this.lenient = lenient;
  }

  get(key) {
    const value = super.get(key);
    if (value === undefined && !this.lenient) {
      throw new Error(`${this.path ? `${this.path}.` : ""}${key} is not simulated`);
    }
    return value;
  }
}

function matches(path, pattern) {
  const [a, b] = [path.split("."), pattern.split(".")];
  return a.length === b.length && b.every((part, i) => part === "*" || part === a[i]);
}

function toData(value, path, lenient) {
  if (value === null) return new data.Null();
  if (typeof value === "string") return new data.StringData(value);
  if (typeof value === "number") return new data.NumberData(value);
  if (typeof value === "boolean") return new data.BooleanData(value);
  if (Array.isArray(value)) {
    return new data.Array(...value.map((v, i) => toData(v, `${path}[${i}]`, lenient)));
  }
  const pairs = Object.entries(value).map(([key, v]) => ({
    key,
    value: toData(v, path ? `${path}.${key}` : key, lenient),
  }));
  return new StrictDictionary(path, lenient.some((p) => matches(path, p)), pairs);
}

function statusFunctions(failed) {
  const results = { success: !failed, failure: failed, always: true, cancelled: false };
  return new Map(
    STATUS_FUNCTIONS.map((name) => [
      name,
      { name, minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(results[name]) },
    ]),
  );
}

function evaluate(text, contexts, functions) {
  const { tokens } = new Lexer(text).lex();
  const parser = new Parser(tokens, contexts.pairs().map((p) => p.key), [...functions.values()]);
  return new Evaluator(parser.parse(), contexts, functions).evaluate();
}

function render(value) {
  if (value.kind === data.Kind.Dictionary || value.kind === data.Kind.Array) {
    throw new Error(`cannot render ${data.Kind[value.kind]} as a string`);
  }
  return value.coerceString();
}

function item(request, contexts, functions) {
  if ("template" in request) {
    const evaluated = (_, expr) => render(evaluate(expr, contexts, functions));
    return request.template.replace(INTERPOLATION, evaluated);
  }
  let expr = request.condition.trim();
  if (expr.startsWith("${{") && expr.endsWith("}}")) expr = expr.slice(3, -2).trim();
  // The runner's implicit `success() &&` when the condition calls no status function.
  if (!expr) expr = "success()";
  else if (!new RegExp(`\\b(${STATUS_FUNCTIONS.join("|")})\\s*\\(`, "i").test(expr)) {
    expr = `success() && (${expr})`;
  }
  return truthy(evaluate(expr, contexts, functions));
}

function answer(request) {
  const contexts = toData(request.contexts, "", request.lenient);
  const functions = statusFunctions(request.failed);
  return request.items.map((r) => {
    const shown = r.template ?? r.condition;
    try {
      return { value: item(r, contexts, functions) };
    } catch (e) {
      return { error: `expression ${JSON.stringify(shown)}: ${e.message}` };
    }
  });
}

for await (const line of createInterface({ input: process.stdin })) {
  process.stdout.write(`${JSON.stringify(answer(JSON.parse(line)))}\n`);
}
