// Reading untrusted JSON/YAML documents: parse errors with line and column, case-insensitive keys
// (ARM writes dnsServiceIP, the az CLI dnsServiceIp), nulls treated as unset, and type errors that
// name the field's path and, where the text is known, its line.
import { parseDocument, LineCounter, isAlias, isMap, isSeq, isPair, isScalar, type Document } from "yaml";
import { jsonSyntaxError, jsonPathOffset, lineColOf } from "./json-pos.ts";
import { ArmFailure } from "./arm-expr.ts";
import { InputError, ParseError } from "../errors.ts";
import { Addr } from "../ip/addr.ts";
import { Prefix } from "../ip/prefix.ts";

export type Seg = string | number;

export function inputError(message: string, hint?: string): InputError {
  return new InputError(message, hint);
}

/** Bounds on one JSON or YAML document (docs/limits.md): beyond them it is refused, located. */
export const DOC_LIMITS = {
  /** Characters of text: cluster documents and sweep specs are kilobytes; 16 Mi leaves room for generated ones. */
  maxChars: 16 * 1024 * 1024,
  /** Nesting of lists and objects: az and ARM documents nest about 10 deep. */
  maxDepth: 128,
  /** YAML alias expansion, in the yaml library's count (weighted by the size of what is repeated). */
  maxAliasCount: 100,
} as const;

export interface SourceDoc {
  name: string;
  value: unknown;
  /** The YAML document (YAML input only; JSON is located from its text when a message needs it). */
  doc?: Document;
  lines?: LineCounter;
  /** The text, for locating JSON values. */
  text?: string;
  json?: boolean;
}

export { lineColOf };

/** Where the value at a path is written (1-based line and column), when known. */
export function positionOf(src: SourceDoc, segs: readonly Seg[]): { line: number; col: number } | undefined {
  if (src.json && src.text !== undefined) {
    const at = jsonPathOffset(src.text, segs);
    return at ? lineColOf(src.text, at.value) : undefined;
  }
  const node = src.doc?.getIn(segs as Seg[], true) as { range?: [number, number, number] } | undefined;
  return node?.range && src.lines ? src.lines.linePos(node.range[0]) : undefined;
}

/** Where the key of the member `key` of the object at segs is written, else where the object is. */
export function keyPositionOf(src: SourceDoc, segs: readonly Seg[], key: string): { line: number; col: number } | undefined {
  if (src.json && src.text !== undefined) {
    const at = jsonPathOffset(src.text, [...segs, key]);
    return at?.key !== undefined ? lineColOf(src.text, at.key) : positionOf(src, segs);
  }
  const parent = (segs.length ? src.doc?.getIn(segs as Seg[], true) : src.doc?.contents) as { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] } | undefined;
  const item = parent?.items?.find((i) => i.key?.value === key);
  return item?.key?.range && src.lines ? src.lines.linePos(item.key.range[0]) : positionOf(src, segs);
}

/** Whether the scalar at segs is written in quotes (JSON strings always are). */
export function isQuoted(src: SourceDoc, segs: readonly Seg[]): boolean {
  if (src.json) return true;
  const node = src.doc?.getIn(segs as Seg[], true) as { type?: string } | undefined;
  return node?.type === "QUOTE_DOUBLE" || node?.type === "QUOTE_SINGLE";
}

/** The deepest nesting of a parsed value, counted without recursion; stops counting past limit. */
export function depthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (d >= limit) return true;
    for (const x of Array.isArray(v) ? v : Object.values(v)) if (typeof x === "object" && x !== null) stack.push([x, d + 1]);
  }
  return false;
}

/** What an empty cluster document should have been (parseSource's default). */
export const CLUSTER_INPUT_HINT = "pass a cluster spec (YAML or JSON), az aks show JSON or an ARM template";

/**
 * Parses JSON or YAML text; a syntax error names the file, line and column. `expected`: what the
 * input should be, for the message when it is empty (a cluster document unless said).
 */
export function parseSource(name: string, text: string, expected = CLUSTER_INPUT_HINT): SourceDoc {
  // A UTF-8 BOM (Windows editors, PowerShell's Out-File) is not part of the document.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === "") throw inputError(`${name}: the input is empty`, expected);
  if (text.length > DOC_LIMITS.maxChars) throw inputError(`${name}: the document has ${text.length} characters, more than the ${DOC_LIMITS.maxChars} an input document may have`, "docs/limits.md lists the bounds per input kind");
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      // Node's messages carry no position for many errors: find the first error ourselves.
      const e = jsonSyntaxError(text) ?? { offset: text.length, reason: "invalid JSON" };
      const at = lineColOf(text, e.offset);
      throw inputError(`${name}:${at.line}:${at.col}: invalid JSON: ${e.reason}`, "check the file is complete JSON, e.g. the whole output of az aks show -o json");
    }
    const src: SourceDoc = { name, value, text, json: true };
    // Code that reads positions from the YAML node tree (src.doc) still gets one for JSON: built on
    // first use only, i.e. on an error path (positionOf locates JSON from the text, faster).
    let tree: { doc?: Document; lines: LineCounter } | undefined;
    const build = () => (tree ??= (() => { const lines = new LineCounter(); const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false }); return { doc: doc.errors.length ? undefined : doc, lines }; })());
    Object.defineProperty(src, "doc", { get: () => build().doc, enumerable: false, configurable: true });
    Object.defineProperty(src, "lines", { get: () => build().lines, enumerable: false, configurable: true });
    if (depthExceeds(value, DOC_LIMITS.maxDepth)) throw inputError(`${name}: lists and objects are nested more than ${DOC_LIMITS.maxDepth} deep`, "docs/limits.md lists the bounds per input kind");
    return src;
  }
  const lines = new LineCounter();
  let doc: Document;
  let value: unknown;
  try {
    // uniqueKeys: false, because the library's duplicate check is quadratic in the keys of a map
    // (30,000 keys: 7 s); duplicates are found below, in one pass with a set per map.
    doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
  } catch (e) {
    if (e instanceof RangeError) throw inputError(`${name}: the YAML is nested too deeply to read`, "docs/limits.md lists the bounds per input kind");
    throw e;
  }
  if (doc.errors.length) {
    const e = doc.errors[0];
    const pos = e.linePos?.[0];
    const where = pos ? `${name}:${pos.line}:${pos.col}` : name;
    if (e.code === "RESOURCE_EXHAUSTION") throw inputError(`${where}: invalid YAML: nested too deeply to read (more than ${DOC_LIMITS.maxDepth} levels are refused anyway)`, "docs/limits.md lists the bounds per input kind");
    throw inputError(`${where}: invalid YAML: ${e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`);
  }
  const at = (range: [number, number, number] | undefined | null) => {
    const p = range ? lines.linePos(range[0]) : undefined;
    return p ? `${name}:${p.line}:${p.col}` : name;
  };
  // Walk the node tree once, in document order (explicit stack): aliases without an anchor
  // before them, duplicate keys, nesting depth.
  const stack: [unknown, number][] = [[doc.contents, 0]];
  const anchors = new Set<string>();
  let aliases = 0;
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (isAlias(node)) {
      aliases++;
      if (!anchors.has(node.source)) throw inputError(`${at(node.range)}: invalid YAML: alias *${node.source} refers to no anchor &${node.source} written before it`);
      continue;
    }
    const anchor = (node as { anchor?: string } | null)?.anchor;
    if (anchor) anchors.add(anchor);
    if (isMap(node) || isSeq(node)) {
      if (depth >= DOC_LIMITS.maxDepth) throw inputError(`${at(node.range)}: lists and objects are nested more than ${DOC_LIMITS.maxDepth} deep`, "docs/limits.md lists the bounds per input kind");
      const keys = isMap(node) ? new Set<unknown>() : undefined;
      const children: unknown[] = [];
      for (const item of node.items as unknown[]) {
        if (isPair(item)) {
          if (keys && isScalar(item.key)) {
            const k = item.key.value;
            if (keys.has(k)) throw inputError(`${at(item.key.range)}: invalid YAML: duplicate key ${JSON.stringify(String(k))}`);
            keys.add(k);
          }
          children.push(item.key, item.value);
        } else children.push(item);
      }
      for (let k = children.length - 1; k >= 0; k--) stack.push([children[k], depth + 1]);
    }
  }
  try {
    value = doc.toJS({ maxAliasCount: DOC_LIMITS.maxAliasCount });
  } catch (e) {
    // Every alias resolves (checked above), so what the library refused is the expansion: an
    // alias "bomb" (each level repeating the one before).
    if (aliases && e instanceof ReferenceError) throw inputError(`${name}: invalid YAML: the aliases expand too far (more than the ${DOC_LIMITS.maxAliasCount} the reader allows; an alias "bomb"?)`, "write the repeated values out, or use fewer aliases");
    if (e instanceof RangeError) throw inputError(`${name}: the YAML is nested too deeply to read`, "docs/limits.md lists the bounds per input kind");
    throw e;
  }
  // An alias inside the value its anchor names makes a cycle: it shows as endless nesting.
  if (aliases && depthExceeds(value, DOC_LIMITS.maxDepth)) throw inputError(`${name}: invalid YAML: lists and objects are nested more than ${DOC_LIMITS.maxDepth} deep (an alias inside its own anchor?)`);
  return { name, value, doc, lines, text };
}

export function pathText(segs: readonly Seg[]): string {
  let s = "";
  for (const x of segs) s += typeof x === "number" ? `[${x}]` : s ? `.${x}` : x;
  return s;
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (v instanceof ArmFailure) return `template expression ${v.expr} (${v.reason})`;
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** A view of one object in a source document, at a path. */
export class Node {
  constructor(readonly src: SourceDoc, readonly value: unknown, readonly segs: Seg[]) {}

  get path(): string {
    return pathText(this.segs);
  }

  /** "file:line:col: " for a path, when the document positions are known. */
  where(segs: readonly Seg[] = this.segs): string {
    const pos = positionOf(this.src, segs);
    return pos ? `${this.src.name}:${pos.line}:${pos.col}: ` : `${this.src.name}: `;
  }

  fail(segs: readonly Seg[], what: string, hint?: string): never {
    throw inputError(`${this.where(segs)}${pathText(segs)}: ${what}`, hint);
  }

  isObject(): boolean {
    return typeof this.value === "object" && this.value !== null && !Array.isArray(this.value);
  }

  /** The actual key matching `key` case-insensitively (first of several alternative names). */
  key(...names: string[]): string | undefined {
    if (!this.isObject()) return undefined;
    const obj = this.value as Record<string, unknown>;
    for (const n of names) {
      if (n in obj && obj[n] !== null && obj[n] !== undefined) return n;
      const lower = n.toLowerCase();
      for (const k of Object.keys(obj)) if (k.toLowerCase() === lower && obj[k] !== null && obj[k] !== undefined) return k;
    }
    return undefined;
  }

  has(...names: string[]): boolean {
    return this.key(...names) !== undefined;
  }

  child(...names: string[]): Node | undefined {
    const k = this.key(...names);
    if (k === undefined) return undefined;
    const v = (this.value as Record<string, unknown>)[k];
    const segs = [...this.segs, k];
    // A template expression that could not be evaluated is reported where the field is written.
    if (v instanceof ArmFailure) this.fail(segs, `template expression ${v.expr}: ${v.reason}`, "fix the expression, or give the value itself");
    return new Node(this.src, v, segs);
  }

  obj(...names: string[]): Node | undefined {
    const c = this.child(...names);
    if (c && !c.isObject()) this.fail(c.segs, `expected an object, got ${typeName(c.value)}`);
    return c;
  }

  list(...names: string[]): Node[] | undefined {
    const c = this.child(...names);
    if (!c) return undefined;
    if (!Array.isArray(c.value)) c.fail(c.segs, `expected a list, got ${typeName(c.value)}`);
    return (c.value as unknown[]).map((v, i) => {
      if (v instanceof ArmFailure) c.fail([...c.segs, i], `template expression ${v.expr}: ${v.reason}`, "fix the expression, or give the value itself");
      return new Node(this.src, v, [...c.segs, i]);
    });
  }

  /** The path a field has, or would have if written. */
  pathOf(...names: string[]): string {
    return pathText([...this.segs, this.key(...names) ?? names[0]]);
  }

  str(...names: string[]): string | undefined {
    const c = this.child(...names);
    if (!c) return undefined;
    if (typeof c.value === "number") return String(c.value);
    if (typeof c.value !== "string") c.fail(c.segs, `expected a string, got ${typeName(c.value)}`);
    return (c.value as string).trim();
  }

  oneOf<T extends string>(names: string[], allowed: readonly T[], hint?: string): T | undefined {
    const v = this.str(...names);
    if (v === undefined) return undefined;
    const hit = allowed.find((a) => a.toLowerCase() === v.toLowerCase());
    if (!hit) this.child(...names)!.fail(this.child(...names)!.segs, `unknown value ${JSON.stringify(v)}; expected one of ${allowed.join(", ")}`, hint);
    return hit;
  }

  int(names: string[], min: number, max: number): number | undefined {
    const c = this.child(...names);
    if (!c) return undefined;
    let v = c.value;
    if (typeof v === "string" && /^\s*-?\d+\s*$/.test(v)) v = Number(v);
    if (typeof v !== "number" || !Number.isInteger(v)) c.fail(c.segs, `expected an integer, got ${typeName(c.value)}`);
    if ((v as number) < min || (v as number) > max) c.fail(c.segs, `${v} is out of range; expected ${min} to ${max}`);
    return v as number;
  }

  bool(...names: string[]): boolean | undefined {
    const c = this.child(...names);
    if (!c) return undefined;
    if (c.value === "true" || c.value === "false") return c.value === "true";
    if (typeof c.value !== "boolean") c.fail(c.segs, `expected true or false, got ${typeName(c.value)}`);
    return c.value as boolean;
  }

  /** A prefix; a ParseError becomes an input error naming the field and line. */
  prefix(...names: string[]): { prefix: Prefix; path: string } | undefined {
    const c = this.child(...names);
    if (!c) return undefined;
    return { prefix: c.asPrefix(), path: c.path };
  }

  asPrefix(): Prefix {
    if (typeof this.value !== "string") this.fail(this.segs, `expected a CIDR string like "10.0.0.0/16", got ${typeName(this.value)}`);
    if ((this.value as string).startsWith("[")) this.fail(this.segs, `template expression ${this.value} could not be evaluated (parameters(), variables(), concat(), format() and resourceId() are supported)`);
    try {
      return Prefix.parse((this.value as string).trim());
    } catch (e) {
      this.fail(this.segs, `invalid CIDR: ${(e as Error).message}`);
    }
  }

  /** One or several prefixes: a string, a comma-separated string, or a list of strings. */
  prefixes(...names: string[]): { prefix: Prefix; path: string }[] | undefined {
    const c = this.child(...names);
    if (!c) return undefined;
    if (Array.isArray(c.value)) return (c.value as unknown[]).map((_, i) => { const n = new Node(this.src, (c.value as unknown[])[i], [...c.segs, i]); if (n.value instanceof ArmFailure) n.fail(n.segs, `template expression ${n.value.expr}: ${n.value.reason}`); return { prefix: n.asPrefix(), path: n.path }; });
    if (typeof c.value === "string" && c.value.includes(",")) {
      return c.value.split(",").map((t) => ({ prefix: new Node(this.src, t.trim(), c.segs).asPrefix(), path: c.path }));
    }
    return [{ prefix: c.asPrefix(), path: c.path }];
  }

  addr(...names: string[]): { addr: Addr; path: string } | undefined {
    const c = this.child(...names);
    if (!c) return undefined;
    if (typeof c.value !== "string") c.fail(c.segs, `expected an IP address string, got ${typeName(c.value)}`);
    try {
      const p = Prefix.parse((c.value as string).trim(), { allowBare: true });
      if (p.bits !== p.bitLength) c.fail(c.segs, `expected a single IP address, not a prefix`);
      return { addr: p.addr, path: c.path };
    } catch (e) {
      if (e instanceof InputError && !(e instanceof ParseError)) throw e;
      c.fail(c.segs, `invalid IP address: ${(e as Error).message}`);
    }
  }
}
