// A small evaluator for the ARM template expressions that networking fields use in practice:
// parameters(), variables(), concat(), resourceId(), format(), toLower() and string or number
// literals. A function it does not know is left as written, and the field reader says it could
// not be evaluated. A broken expression (unterminated, a variable that refers to itself, format()
// short of arguments, an evaluation that grows without bound) becomes an ArmFailure in place of
// the value, which the field reader reports at the field's line when the field is read.

type Val = string | number | boolean | null | object;

export interface ArmContext {
  parameters: Record<string, unknown>;
  variables: Record<string, unknown>;
}

/** Bounds on one template's evaluation (docs/limits.md). */
export const ARM_LIMITS = {
  /** Function calls evaluated in the whole template (variables are evaluated once each). */
  maxCalls: 100_000,
  /** Characters of one evaluated string: 30 variables doubling each other would be 2^30. */
  maxString: 64 * 1024,
} as const;

/** An expression that could not be evaluated, in place of its value; the reader reports it located. */
export class ArmFailure {
  constructor(readonly expr: string, readonly reason: string) {}
}

class Unsupported extends Error {}
class Broken extends Error {}

interface EvalState {
  ctx: ArmContext;
  calls: number;
  /** Resolved parameters and variables ("p:name", "v:name"), and those being resolved. */
  done: Map<string, unknown>;
  active: string[];
  /** How each id is written in the template, for messages. */
  shown: Map<string, string>;
}

function check(s: EvalState, v: Val): Val {
  if (typeof v === "string" && v.length > ARM_LIMITS.maxString) throw new Broken(`the value grows past ${ARM_LIMITS.maxString} characters (variables repeating each other?)`);
  return v;
}

function lookup(s: EvalState, kind: "parameters" | "variables", key: unknown): Val {
  const table = s.ctx[kind];
  if (typeof key !== "string") throw new Broken(`${kind}() takes a name in quotes`);
  const k = Object.keys(table).find((x) => x.toLowerCase() === key.toLowerCase());
  if (k === undefined) throw new Broken(`${kind}('${key}') is not defined in the template`);
  const id = `${kind === "parameters" ? "p" : "v"}:${k.toLowerCase()}`;
  if (s.done.has(id)) return s.done.get(id) as Val;
  s.shown.set(id, `${kind}('${k}')`);
  const at = s.active.indexOf(id);
  if (at >= 0) {
    const cycle = [...s.active.slice(at), id].map((x) => s.shown.get(x)!).join(" -> ");
    throw new Broken(`${cycle}: the value refers to itself`);
  }
  const v = table[k];
  const dv = kind === "parameters" && v && typeof v === "object" && "defaultValue" in (v as object) ? (v as { defaultValue: unknown }).defaultValue : v;
  s.active.push(id);
  try {
    const r = resolveIn(dv, s);
    if (r instanceof ArmFailure) throw new Broken(r.reason);
    s.done.set(id, r);
    return r as Val;
  } finally {
    s.active.pop();
  }
}

function parseExpr(src: string, s: EvalState): Val {
  let i = 0;
  const ws = () => { while (src[i] === " ") i++; };
  const call = (name: string, args: Val[]): Val => {
    if (++s.calls > ARM_LIMITS.maxCalls) throw new Broken(`more than ${ARM_LIMITS.maxCalls} function calls to evaluate the template`);
    const n = name.toLowerCase();
    if (n === "parameters") return lookup(s, "parameters", args[0]);
    if (n === "variables") return lookup(s, "variables", args[0]);
    if (n === "concat") return check(s, args.every((a) => Array.isArray(a)) ? (args as unknown[][]).flat() : args.map(String).join(""));
    if (n === "tolower") return String(args[0]).toLowerCase();
    if (n === "toupper") return String(args[0]).toUpperCase();
    if (n === "format") {
      if (typeof args[0] !== "string") throw new Broken("format() takes a format string first");
      return check(s, args[0].replace(/\{(\d+)(?::[^}]*)?\}/g, (_, d) => {
        if (Number(d) + 1 >= args.length) throw new Broken(`format('${args[0]}'): {${d}} has no argument (${args.length - 1} given)`);
        return String(args[Number(d) + 1]);
      }));
    }
    if (n === "resourceid") {
      const strs = args.map(String);
      const typeIdx = strs.findIndex((x) => x.includes("/"));
      if (typeIdx < 0) throw new Unsupported();
      const [provider, ...types] = strs[typeIdx].split("/");
      const names = strs.slice(typeIdx + 1);
      return check(s, `/subscriptions/template/resourceGroups/template/providers/${provider}` + types.map((t, k) => `/${t}/${names[k] ?? ""}`).join(""));
    }
    throw new Unsupported();
  };
  const value = (): Val => {
    ws();
    if (i >= src.length) throw new Broken("the expression ends where a value should be");
    if (src[i] === "'") {
      let str = "";
      i++;
      while (i < src.length) {
        if (src[i] === "'" && src[i + 1] === "'") { str += "'"; i += 2; continue; }
        if (src[i] === "'") { i++; return str; }
        str += src[i++];
      }
      throw new Broken("a string in quotes is not closed");
    }
    const num = /^-?\d+/.exec(src.slice(i, i + 32));
    if (num) { i += num[0].length; return Number(num[0]); }
    const id = /^[A-Za-z_][\w.]*/.exec(src.slice(i, i + 256));
    if (!id) throw new Broken(`unexpected ${JSON.stringify(src[i])} at column ${i + 2} of the expression`);
    i += id[0].length;
    ws();
    if (src[i] !== "(") throw new Unsupported(); // a bare word: not something we evaluate
    i++;
    const args: Val[] = [];
    ws();
    if (src[i] === ")") { i++; }
    else {
      for (;;) {
        args.push(value());
        ws();
        if (src[i] === ",") { i++; continue; }
        if (src[i] === ")") { i++; break; }
        if (i >= src.length) throw new Broken(`${id[0]}( is not closed`);
        throw new Broken(`unexpected ${JSON.stringify(src[i])} in the arguments of ${id[0]}()`);
      }
    }
    ws();
    if (src[i] === "." || src[i] === "[") throw new Unsupported(); // property access: not needed for networking fields
    return call(id[0], args);
  };
  const v = value();
  ws();
  if (i !== src.length) throw new Broken(`unexpected ${JSON.stringify(src.slice(i, i + 10))} after the expression`);
  return v;
}

function resolveIn(value: unknown, s: EvalState): unknown {
  if (typeof value === "string") {
    if (!value.startsWith("[") || value.startsWith("[[") || !value.endsWith("]")) return value;
    try {
      return parseExpr(value.slice(1, -1).trim(), s);
    } catch (e) {
      if (e instanceof Unsupported) return value;
      if (e instanceof Broken) return new ArmFailure(value.length > 80 ? value.slice(0, 77) + "..." : value, e.message);
      throw e;
    }
  }
  if (Array.isArray(value)) return value.map((v) => resolveIn(v, s));
  if (value && typeof value === "object" && !(value instanceof ArmFailure)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolveIn(v, s);
    return out;
  }
  return value;
}

/**
 * Resolves every "[expression]" string inside a value; unsupported expressions stay as written,
 * broken ones become ArmFailures. Each parameter and variable is evaluated once.
 */
export function resolveArm(value: unknown, ctx: ArmContext): unknown {
  return resolveIn(value, { ctx, calls: 0, done: new Map(), active: [], shown: new Map() });
}
