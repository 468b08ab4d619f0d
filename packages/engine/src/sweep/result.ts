// Rendering a finished (or partial) sweep: summary and frontier as text, JSON or CSV; shard parts
// written and merged back. The same functions serve a single run and a merge, which is why their
// outputs are byte-identical.
import { groupDigits } from "../text.ts";
import { inputError } from "../aks/reader.ts";
import { podRangeKind } from "../aks/capacity.ts";
import type { ModelId } from "../aks/constants.ts";
import { PARAMS, SHOW, valueLabel, specFingerprint, gridSize, loadSweepSpec, type SweepSpec } from "./spec.ts";
import { countsOf, frontierOf, mergeAggregates, aggregatesToJson, aggregatesFromJson, newAggregates, type FrontierPoint } from "./aggregate.ts";
import { CSV_HEADER, rowObject, rowValues, type RowFormat } from "./format.ts";
import { decodeIndex } from "./reference.ts";
import { shardRange, type SweepRun } from "./runner.ts";

export type AggregateFormat = "text" | "json" | "csv" | "jsonl";

const n = (x: number) => groupDigits(x);

function rangeText(run: Pick<SweepRun, "total" | "start" | "end" | "evaluated" | "partial">): string {
  const all = run.start === 0 && run.end === run.total;
  const what = all ? `${n(run.total)} configurations` : `rows ${n(run.start)}–${n(run.end - 1)} of ${n(run.total)}`;
  return run.partial ? `PARTIAL: ${n(run.evaluated)} of ${what} evaluated (interrupted)` : `${what} evaluated`;
}

/** The parameters with more than one value (the ones worth a column in a table). */
function varying(spec: SweepSpec): number[] {
  return PARAMS.map((_, d) => d).filter((d) => d === 0 || spec.values[d].length > 1);
}

export function renderSummary(run: SweepRun, format: "text" | "json", recordOf: (index: number) => Int32Array): string {
  const { spec } = run;
  const counts = countsOf(spec, run.aggregates);
  const front = frontierOf(spec, run.aggregates);
  const models = counts.map((c) => {
    const pts = front.filter((p) => p.model === c.model);
    const cheapest = pts[0], best = pts[pts.length - 1];
    return { ...c, cheapest: cheapest ? pointRow(spec, cheapest, recordOf) : null, best: best ? pointRow(spec, best, recordOf) : null };
  });
  if (format === "json") {
    return JSON.stringify({
      sweep: spec.name, fingerprint: specFingerprint(spec),
      grid: { size: run.total, parameters: Object.fromEntries(PARAMS.map((p, d) => [p, spec.values[d].map((v) => valueLabel(p, v))])) },
      range: [run.start, run.end], evaluated: run.evaluated, partial: run.partial,
      constraints: spec.constraints.map((c) => c.text), maximize: spec.maximize, models,
    }, null, 2) + "\n";
  }
  const L: string[] = [`sweep ${spec.name}: ${rangeText(run)}`];
  L.push(spec.constraints.length ? `feasible = fits every limit and ${spec.constraints.map((c) => c.text).join(", ")}` : "feasible = fits every limit (no constraints)");
  L.push("");
  L.push(`${"model".padEnd(24)}${"rows".padStart(16)}${"fit".padStart(16)}${"feasible".padStart(16)}`);
  for (const m of models) L.push(`${m.model.padEnd(24)}${n(m.rows).padStart(16)}${n(m.fit).padStart(16)}${n(m.feasible).padStart(16)}`);
  for (const m of models) {
    if (!m.cheapest) continue;
    L.push("");
    L.push(`${m.model}:`);
    L.push(`  fewest VNet addresses: ${describe(spec, m.cheapest)}`);
    if (m.best && m.best.index !== m.cheapest.index) L.push(`  most ${spec.maximize}:       ${describe(spec, m.best)}`);
  }
  return L.join("\n") + "\n";
}

function pointRow(spec: SweepSpec, p: FrontierPoint, recordOf: (index: number) => Int32Array) {
  return rowObject(spec, p.index, recordOf(p.index));
}

function describe(spec: SweepSpec, r: Record<string, string | number | boolean>): string {
  const parts = [`${n(Number(r.vnetAddresses))} addresses`, `/${r.nodeSubnetPrefix} node subnet`];
  if (Number(r.podRangePrefix) > 0 && podRangeKind(r.model as ModelId) !== "none") parts.push(`/${r.podRangePrefix} pod range`);
  parts.push(`maxPods ${r.maxPods}`);
  for (const d of varying(spec)) {
    const p = PARAMS[d];
    if (["model", "nodeSubnetPrefix", "podRangePrefix", "maxPods"].includes(p)) continue;
    parts.push(`${p} ${r[p]}`);
  }
  return `${parts.join(", ")} → ${n(Number(r.maxNodes))} maxNodes, ${n(Number(r.podCapacity))} pods at most (row ${r.index})`;
}

export function renderFrontier(run: SweepRun, format: AggregateFormat, recordOf: (index: number) => Int32Array): string {
  const { spec } = run;
  const front = frontierOf(spec, run.aggregates);
  if (format === "csv" || format === "jsonl") {
    let s = format === "csv" ? CSV_HEADER : "";
    for (const p of front) {
      const rec = recordOf(p.index);
      const v = rowValues(spec, p.index, decodeIndex(spec.values, p.index), rec, 0);
      s += format === "csv" ? v.join(",") + "\n" : JSON.stringify(rowObject(spec, p.index, rec)) + "\n";
    }
    if (format === "jsonl" && run.partial) s += JSON.stringify({ partial: true, evaluated: run.evaluated, total: run.total }) + "\n";
    return s;
  }
  if (format === "json") {
    return JSON.stringify({
      sweep: spec.name, fingerprint: specFingerprint(spec), range: [run.start, run.end], evaluated: run.evaluated, partial: run.partial,
      constraints: spec.constraints.map((c) => c.text), maximize: spec.maximize,
      frontier: front.map((p) => ({ model: p.model, vnetAddresses: p.vnetAddresses, [spec.maximize]: p.value, row: rowObject(spec, p.index, recordOf(p.index)) })),
    }, null, 2) + "\n";
  }
  const cols = varying(spec).filter((d) => d !== 0).map((d) => PARAMS[d]);
  const head = ["model", "vnetAddresses", spec.maximize, ...cols, "limitedBy", "row"];
  const rows = front.map((p) => {
    const r = rowObject(spec, p.index, recordOf(p.index));
    return [p.model, n(p.vnetAddresses), n(p.value), ...cols.map((c) => String(r[c])), String(r.limitedBy), String(p.index)];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  const L = [`sweep ${spec.name}: Pareto frontier, fewest VNet addresses against most ${spec.maximize}, feasible rows only`, rangeText(run), "", line(head), ...rows.map(line)];
  if (!rows.length) L.push("(no feasible rows)");
  return L.join("\n") + "\n";
}

// ---- Shard parts -----------------------------------------------------------------------------------

export interface PartHeader {
  aksnetSweepPart: 1;
  sweep: string;
  /** The spec itself, so that merge needs nothing but the parts. */
  specName: string;
  specText: string;
  fingerprint: string;
  shard: [number, number];
  total: number;
  start: number;
  end: number;
  show: string;
  format: string;
  /** Whether the aggregates hold heatmap cells (the shard ran with --heatmap). */
  heatmap: boolean;
}

export interface PartTrailer {
  aksnetSweepEnd: 1;
  evaluated: number;
  complete: boolean;
  /** Row lines between the header and this line. */
  rows: number;
  /** A 64-bit hash (hex) of those lines' bytes and of the aggregates' JSON: a part collected with kubectl logs can lose or repeat lines. */
  hash: string;
  aggregates: (number | null)[];
}

/**
 * The row count and content hash of a part, fed the row bytes as they are written. Two FNV-1a
 * lanes of 32 bits (not a cryptographic hash: it finds lost, repeated and edited lines).
 */
export class PartDigest {
  rows = 0;
  private a = 0x811c9dc5;
  private b = 0x01000193 ^ 0x5bd1e995;
  update(bytes: Uint8Array): void {
    let a = this.a, b = this.b, rows = this.rows;
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i];
      if (c === 10) rows++;
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
    }
    this.a = a; this.b = b; this.rows = rows;
  }
  /** The hash, after the aggregates (the last thing a part carries). */
  hash(aggregates: (number | null)[]): string {
    const d = new PartDigest();
    d.a = this.a; d.b = this.b;
    d.update(new TextEncoder().encode(JSON.stringify(aggregates)));
    return (d.a >>> 0).toString(16).padStart(8, "0") + (d.b >>> 0).toString(16).padStart(8, "0");
  }
}

export function partHeader(spec: SweepSpec, specName: string, specText: string, shard: [number, number], total: number, start: number, end: number, show: string, format: RowFormat | AggregateFormat, heatmap = false): string {
  const h: PartHeader = { aksnetSweepPart: 1, sweep: spec.name, specName, specText, fingerprint: specFingerprint(spec), shard, total, start, end, show, format, heatmap };
  return JSON.stringify(h) + "\n";
}

/** The end line of a part; `digest` has seen every row byte written after the header. */
export function partTrailer(run: SweepRun, digest: PartDigest = new PartDigest()): string {
  const aggregates = aggregatesToJson(run.aggregates);
  const t: PartTrailer = { aksnetSweepEnd: 1, evaluated: run.evaluated, complete: !run.partial, rows: digest.rows, hash: digest.hash(aggregates), aggregates };
  return JSON.stringify(t) + "\n";
}

export interface ParsedPart {
  name: string;
  header: PartHeader;
  trailer: PartTrailer;
  rows: string;
}

/** Most shards a split may have (k8s-job allows 100,000 Job completions). */
export const MAX_SHARDS = 1_000_000;
const MAX_ROWS = 2 ** 52;
const FORMATS = ["text", "json", "csv", "jsonl"] as const;

type Check = (v: unknown) => string | undefined;
const isInt = (v: unknown, min: number, max: number) => typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;
const int = (min: number, max: number): Check => (v) => (isInt(v, min, max) ? undefined : `expected a whole number from ${min} to ${max}, got ${shown(v)}`);
const str: Check = (v) => (typeof v === "string" ? undefined : `expected a string, got ${shown(v)}`);
const bool: Check = (v) => (typeof v === "boolean" ? undefined : `expected true or false, got ${shown(v)}`);
const oneOf = (xs: readonly string[]): Check => (v) => (typeof v === "string" && xs.includes(v) ? undefined : `expected one of ${xs.join(", ")}, got ${shown(v)}`);
const exactly = (x: unknown): Check => (v) => (v === x ? undefined : `expected ${JSON.stringify(x)}, got ${shown(v)}`);
function shown(v: unknown): string {
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (v === null || typeof v !== "object") { const t = JSON.stringify(v) ?? String(v); return t.length > 40 ? t.slice(0, 37) + "..." : t; }
  return "an object";
}

const HEADER_FIELDS: [keyof PartHeader, Check][] = [
  ["aksnetSweepPart", exactly(1)], ["sweep", str], ["specName", str], ["specText", str],
  ["fingerprint", (v) => (typeof v === "string" && /^[0-9a-f]{16}$/.test(v) ? undefined : `expected 16 hex digits, got ${shown(v)}`)],
  ["shard", (v) => (Array.isArray(v) && v.length === 2 && isInt(v[1], 1, MAX_SHARDS) && isInt(v[0], 0, (v[1] as number) - 1) ? undefined : `expected [i, n] with 0 <= i < n <= ${MAX_SHARDS}, got ${JSON.stringify(v)?.slice(0, 40)}`)],
  ["total", int(0, MAX_ROWS)], ["start", int(0, MAX_ROWS)], ["end", int(0, MAX_ROWS)],
  ["show", oneOf(SHOW)], ["format", oneOf(FORMATS)], ["heatmap", bool],
];
const TRAILER_FIELDS: [keyof PartTrailer, Check][] = [
  ["aksnetSweepEnd", exactly(1)], ["evaluated", int(0, MAX_ROWS)], ["complete", bool], ["rows", int(0, MAX_ROWS)],
  ["hash", (v) => (typeof v === "string" && /^[0-9a-f]{16}$/.test(v) ? undefined : `expected 16 hex digits, got ${shown(v)}`)],
  ["aggregates", (v) => (Array.isArray(v) && v.every((x) => x === null || (typeof x === "number" && Number.isFinite(x))) ? undefined : "expected a list of numbers and nulls")],
];

function checkFields<T>(obj: unknown, fields: [keyof T, Check][], where: string, what: string): T {
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) throw inputError(`${where}: the ${what} is not a JSON object`, "merge the files that aksnet sweep --shard i/n wrote");
  for (const [k, check] of fields) {
    const why = check((obj as Record<string, unknown>)[k as string]);
    if (why) throw inputError(`${where}: ${what} field ${String(k)}: ${why}`, "merge the files that aksnet sweep --shard i/n wrote, unedited");
  }
  return obj as T;
}

export function parsePart(name: string, text: unknown): ParsedPart {
  if (typeof text !== "string") throw inputError(`${name}: not a sweep part (not text)`);
  const first = text.indexOf("\n");
  const body = text.trimEnd();
  const last = body.lastIndexOf("\n");
  let header: unknown, trailer: unknown;
  try {
    header = JSON.parse(first < 0 ? text : text.slice(0, first));
  } catch {
    throw inputError(`${name}:1: not a sweep part (the first line is not a part header)`, "merge the files that aksnet sweep --shard i/n wrote");
  }
  if ((header as { aksnetSweepPart?: unknown } | null)?.aksnetSweepPart !== 1) throw inputError(`${name}:1: not a sweep part (no aksnetSweepPart header)`, "merge the files that aksnet sweep --shard i/n wrote");
  const h = checkFields<PartHeader>(header, HEADER_FIELDS, `${name}:1`, "header");
  const [start, end] = shardRange(h.total, h.shard[0], h.shard[1]);
  if (h.start !== start || h.end !== end) throw inputError(`${name}:1: header start ${h.start} and end ${h.end} are not shard ${h.shard[0]}/${h.shard[1]} of ${h.total} rows (${start} to ${end})`, "merge the files that aksnet sweep --shard i/n wrote, unedited");
  if (first < 0 || last <= 0) throw inputError(`${name}: the part is truncated (no end line); run its shard again`);
  try {
    trailer = JSON.parse(body.slice(last + 1));
  } catch {
    throw inputError(`${name}: the part is truncated (no end line); run its shard again`);
  }
  if ((trailer as { aksnetSweepEnd?: unknown } | null)?.aksnetSweepEnd !== 1) throw inputError(`${name}: the part is truncated (no end line); run its shard again`);
  const endLine = countLines(body, last);
  const t = checkFields<PartTrailer>(trailer, TRAILER_FIELDS, `${name}:${endLine}`, "end line");
  const rows = last > first ? text.slice(first + 1, last + 1) : "";
  const digest = new PartDigest();
  digest.update(new TextEncoder().encode(rows));
  if (digest.rows !== t.rows) throw inputError(`${name}: ${digest.rows} row lines, but the part was written with ${t.rows}: lines were lost or repeated (a part collected from logs?); run its shard again`);
  if (digest.hash(t.aggregates) !== t.hash) throw inputError(`${name}: the rows or aggregates are not what the shard wrote (content hash ${digest.hash(t.aggregates)}, written ${t.hash}); run its shard again`);
  if (t.complete && t.evaluated !== h.end - h.start) throw inputError(`${name}:${endLine}: end line says complete with ${t.evaluated} rows evaluated, but the shard has ${h.end - h.start}`);
  if (t.complete && h.show === "all" && t.rows !== t.evaluated) throw inputError(`${name}: ${t.rows} rows for ${t.evaluated} evaluated with --show all`);
  return { name, header: h, trailer: t, rows };
}

/** The spec a part carries; an error in it names the part first (the spec's own name is from another machine). */
export function partSpec(p: ParsedPart): SweepSpec {
  return loadSweepSpec(`${p.name} (its spec ${p.header.specName})`, p.header.specText);
}

/** 1-based line number of the character at offset `at` + 1 (the line after the newline at `at`). */
function countLines(text: string, at: number): number {
  let n = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i <= at; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/**
 * Checks that parts are the n shards of one sweep of this spec, each once and complete, and
 * returns them in shard order with their aggregates merged.
 */
export function mergeParts(spec: SweepSpec, parts: ParsedPart[]): { parts: ParsedPart[]; run: SweepRun } {
  if (!parts.length) throw inputError("no parts given");
  const fp = specFingerprint(spec);
  const nShards = parts[0].header.shard[1];
  const total = parts[0].header.total;
  const seen = new Map<number, ParsedPart>();
  const aggLength = newAggregates(spec).length;
  for (const p of parts) {
    if (p.header.fingerprint !== fp) throw inputError(`${p.name}: computed from a different spec (fingerprint ${p.header.fingerprint}, this spec ${fp})`);
    if (p.header.shard[1] !== nShards) throw inputError(`${p.name}: shard ${p.header.shard.join("/")} is from a split into ${p.header.shard[1]}, not ${nShards}`);
    if (p.header.total !== total || total !== gridSize(spec)) throw inputError(`${p.name}: header total ${p.header.total} is not the grid's ${gridSize(spec)} rows`);
    if (p.header.show !== parts[0].header.show || p.header.format !== parts[0].header.format) throw inputError(`${p.name}: written with --show ${p.header.show} --format ${p.header.format}, unlike ${parts[0].name}`);
    if (seen.has(p.header.shard[0])) throw inputError(`${p.name}: shard ${p.header.shard[0]} is also in ${seen.get(p.header.shard[0])!.name}`);
    if (!p.trailer.complete) throw inputError(`${p.name}: shard ${p.header.shard[0]} was interrupted (${n(p.trailer.evaluated)} of ${n(p.header.end - p.header.start)} rows); run it again`);
    if (p.trailer.aggregates.length !== aggLength) throw inputError(`${p.name}: ${p.trailer.aggregates.length} aggregates, this spec has ${aggLength}`);
    seen.set(p.header.shard[0], p);
  }
  if (seen.size < nShards) {
    const missing: number[] = [];
    for (let i = 0; i < nShards && missing.length < 10; i++) if (!seen.has(i)) missing.push(i);
    const more = nShards - seen.size - missing.length;
    throw inputError(`missing shard${nShards - seen.size > 1 ? "s" : ""} ${missing.join(", ")}${more ? ` and ${n(more)} more` : ""} of ${nShards}`, "merge every part of the split");
  }
  const ordered = [...seen.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
  const agg = aggregatesFromJson(spec, ordered[0].trailer.aggregates);
  for (const p of ordered.slice(1)) mergeAggregates(spec, agg, aggregatesFromJson(spec, p.trailer.aggregates));
  return { parts: ordered, run: { spec, total, start: 0, end: total, evaluated: total, partial: false, aggregates: agg } };
}
