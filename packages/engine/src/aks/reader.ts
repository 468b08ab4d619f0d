// Reading untrusted JSON/YAML documents: parse errors with line and column, case-insensitive keys
// (ARM writes dnsServiceIP, the az CLI dnsServiceIp), nulls treated as unset, and type errors that
// name the field's path and, where the text is known, its line.
import { parseDocument, LineCounter, type Document } from "yaml";
import { InputError, ParseError } from "../errors.ts";
import { Addr } from "../ip/addr.ts";
import { Prefix } from "../ip/prefix.ts";

export type Seg = string | number;

export function inputError(message: string, hint?: string): InputError {
  return new InputError(message, hint);
}

export interface SourceDoc {
  name: string;
  value: unknown;
  doc?: Document;
  lines?: LineCounter;
}

function lineColOf(text: string, offset: number): { line: number; col: number } {
  let line = 1, last = -1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) { line++; last = i; }
  return { line, col: offset - last };
}

/** Parses JSON or YAML text; a syntax error names the file, line and column. */
export function parseSource(name: string, text: string): SourceDoc {
  if (text.trim() === "") throw inputError(`${name}: the input is empty`, "pass a cluster spec (YAML or JSON), az aks show JSON or an ARM template");
  const lines = new LineCounter();
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      const msg = (e as Error).message;
      const m = /position (\d+)/.exec(msg);
      const pos = m ? Number(m[1]) : text.length;
      const atEnd = pos >= text.trimEnd().length;
      const at = lineColOf(text, Math.min(pos, text.trimEnd().length));
      const why = atEnd ? "unexpected end of input (is the JSON truncated?)" : msg.replace(/ in JSON at position \d+.*$/s, "").replace(/ at position \d+.*$/s, "");
      throw inputError(`${name}:${at.line}:${at.col}: invalid JSON: ${why}`, "check the file is complete JSON, e.g. the whole output of az aks show -o json");
    }
    const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
    return { name, value, doc: doc.errors.length ? undefined : doc, lines };
  }
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const pos = e.linePos?.[0];
    const where = pos ? `${name}:${pos.line}:${pos.col}` : name;
    throw inputError(`${where}: invalid YAML: ${e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`);
  }
  return { name, value: doc.toJS({ maxAliasCount: 100 }), doc, lines };
}

export function pathText(segs: readonly Seg[]): string {
  let s = "";
  for (const x of segs) s += typeof x === "number" ? `[${x}]` : s ? `.${x}` : x;
  return s;
}

function typeName(v: unknown): string {
  if (v === null) return "null";
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
    const node = this.src.doc?.getIn(segs as Seg[], true) as { range?: [number, number, number] } | undefined;
    const pos = node?.range && this.src.lines ? this.src.lines.linePos(node.range[0]) : undefined;
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
    return k === undefined ? undefined : new Node(this.src, (this.value as Record<string, unknown>)[k], [...this.segs, k]);
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
    return (c.value as unknown[]).map((v, i) => new Node(this.src, v, [...c.segs, i]));
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
    if (Array.isArray(c.value)) return (c.value as unknown[]).map((_, i) => { const n = new Node(this.src, (c.value as unknown[])[i], [...c.segs, i]); return { prefix: n.asPrefix(), path: n.path }; });
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
