// A small evaluator for the ARM template expressions that networking fields use in practice:
// parameters(), variables(), concat(), resourceId(), format(), toLower() and string or number
// literals. Anything else is left as written, and the field reader says it could not be evaluated.

type Val = string | number | boolean | null | object;

export interface ArmContext {
  parameters: Record<string, unknown>;
  variables: Record<string, unknown>;
}

class Unsupported extends Error {}

function parseExpr(src: string, ctx: ArmContext, depth: number): Val {
  let i = 0;
  const ws = () => { while (src[i] === " ") i++; };
  const call = (name: string, args: Val[]): Val => {
    const n = name.toLowerCase();
    const lookup = (table: Record<string, unknown>, key: unknown): Val => {
      const k = Object.keys(table).find((x) => x.toLowerCase() === String(key).toLowerCase());
      if (k === undefined) throw new Unsupported();
      const v = table[k];
      const dv = table === ctx.parameters && v && typeof v === "object" && "defaultValue" in (v as object) ? (v as { defaultValue: unknown }).defaultValue : v;
      return resolveArm(dv, ctx, depth + 1) as Val;
    };
    if (n === "parameters") return lookup(ctx.parameters, args[0]);
    if (n === "variables") return lookup(ctx.variables, args[0]);
    if (n === "concat") return args.every((a) => Array.isArray(a)) ? (args as unknown[][]).flat() : args.map(String).join("");
    if (n === "tolower") return String(args[0]).toLowerCase();
    if (n === "toupper") return String(args[0]).toUpperCase();
    if (n === "format") return String(args[0]).replace(/\{(\d+)\}/g, (_, d) => String(args[Number(d) + 1]));
    if (n === "resourceid") {
      const strs = args.map(String);
      const typeIdx = strs.findIndex((s) => s.includes("/"));
      if (typeIdx < 0) throw new Unsupported();
      const [provider, ...types] = strs[typeIdx].split("/");
      const names = strs.slice(typeIdx + 1);
      return `/subscriptions/template/resourceGroups/template/providers/${provider}` + types.map((t, k) => `/${t}/${names[k] ?? ""}`).join("");
    }
    throw new Unsupported();
  };
  const value = (): Val => {
    ws();
    if (src[i] === "'") {
      let s = "";
      i++;
      while (i < src.length) {
        if (src[i] === "'" && src[i + 1] === "'") { s += "'"; i += 2; continue; }
        if (src[i] === "'") { i++; return s; }
        s += src[i++];
      }
      throw new Unsupported();
    }
    const num = /^-?\d+/.exec(src.slice(i));
    if (num) { i += num[0].length; return Number(num[0]); }
    const id = /^[A-Za-z_][\w.]*/.exec(src.slice(i));
    if (!id) throw new Unsupported();
    i += id[0].length;
    ws();
    if (src[i] !== "(") throw new Unsupported();
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
        throw new Unsupported();
      }
    }
    ws();
    if (src[i] === "." || src[i] === "[") throw new Unsupported(); // property access: not needed for networking fields
    return call(id[0], args);
  };
  const v = value();
  ws();
  if (i !== src.length) throw new Unsupported();
  return v;
}

/** Resolves every "[expression]" string inside a value; unsupported expressions stay as written. */
export function resolveArm(value: unknown, ctx: ArmContext, depth = 0): unknown {
  if (depth > 20) return value;
  if (typeof value === "string") {
    if (!value.startsWith("[") || value.startsWith("[[") || !value.endsWith("]")) return value;
    try {
      return parseExpr(value.slice(1, -1).trim(), ctx, depth);
    } catch (e) {
      if (e instanceof Unsupported) return value;
      throw e;
    }
  }
  if (Array.isArray(value)) return value.map((v) => resolveArm(v, ctx, depth));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolveArm(v, ctx, depth);
    return out;
  }
  return value;
}
