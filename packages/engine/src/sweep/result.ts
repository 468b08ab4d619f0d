// Rendering a finished (or partial) sweep: summary and frontier as text, JSON or CSV; shard parts
// written and merged back. The same functions serve a single run and a merge, which is why their
// outputs are byte-identical.
import { groupDigits } from "../text.ts";
import { inputError } from "../aks/reader.ts";
import { podRangeKind } from "../aks/capacity.ts";
import type { ModelId } from "../aks/constants.ts";
import { PARAMS, valueLabel, specFingerprint, type SweepSpec } from "./spec.ts";
import { countsOf, frontierOf, mergeAggregates, aggregatesToJson, aggregatesFromJson, type FrontierPoint } from "./aggregate.ts";
import { CSV_HEADER, rowObject, rowValues, type RowFormat } from "./format.ts";
import { decodeIndex } from "./reference.ts";
import type { SweepRun } from "./runner.ts";

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
  aggregates: (number | null)[];
}

export function partHeader(spec: SweepSpec, specName: string, specText: string, shard: [number, number], total: number, start: number, end: number, show: string, format: RowFormat | AggregateFormat, heatmap = false): string {
  const h: PartHeader = { aksnetSweepPart: 1, sweep: spec.name, specName, specText, fingerprint: specFingerprint(spec), shard, total, start, end, show, format, heatmap };
  return JSON.stringify(h) + "\n";
}

export function partTrailer(run: SweepRun): string {
  const t: PartTrailer = { aksnetSweepEnd: 1, evaluated: run.evaluated, complete: !run.partial, aggregates: aggregatesToJson(run.aggregates) };
  return JSON.stringify(t) + "\n";
}

export interface ParsedPart {
  name: string;
  header: PartHeader;
  trailer: PartTrailer;
  rows: string;
}

export function parsePart(name: string, text: string): ParsedPart {
  const first = text.indexOf("\n");
  const body = text.trimEnd();
  const last = body.lastIndexOf("\n");
  let header: PartHeader, trailer: PartTrailer;
  try {
    header = JSON.parse(text.slice(0, first));
  } catch {
    throw inputError(`${name}:1: not a sweep part (the first line is not a part header)`, "merge the files that aksnet sweep --shard i/n wrote");
  }
  if (header?.aksnetSweepPart !== 1) throw inputError(`${name}:1: not a sweep part (no aksnetSweepPart header)`, "merge the files that aksnet sweep --shard i/n wrote");
  try {
    trailer = JSON.parse(body.slice(last + 1));
  } catch {
    throw inputError(`${name}: the part is truncated (no end line); run its shard again`);
  }
  if (trailer?.aksnetSweepEnd !== 1 || last <= 0) throw inputError(`${name}: the part is truncated (no end line); run its shard again`);
  return { name, header, trailer, rows: last > first ? text.slice(first + 1, last + 1) : "" };
}

/**
 * Checks that parts are the n shards of one sweep of this spec, each once and complete, and
 * returns them in shard order with their aggregates merged.
 */
export function mergeParts(spec: SweepSpec, parts: ParsedPart[]): { parts: ParsedPart[]; run: SweepRun } {
  if (!parts.length) throw inputError("no parts given");
  const fp = specFingerprint(spec);
  const nShards = parts[0].header.shard[1];
  const seen = new Map<number, ParsedPart>();
  for (const p of parts) {
    if (p.header.fingerprint !== fp) throw inputError(`${p.name}: computed from a different spec (fingerprint ${p.header.fingerprint}, this spec ${fp})`);
    if (p.header.shard[1] !== nShards) throw inputError(`${p.name}: shard ${p.header.shard.join("/")} is from a split into ${p.header.shard[1]}, not ${nShards}`);
    if (p.header.show !== parts[0].header.show || p.header.format !== parts[0].header.format) throw inputError(`${p.name}: written with --show ${p.header.show} --format ${p.header.format}, unlike ${parts[0].name}`);
    if (seen.has(p.header.shard[0])) throw inputError(`${p.name}: shard ${p.header.shard[0]} is also in ${seen.get(p.header.shard[0])!.name}`);
    if (!p.trailer.complete) throw inputError(`${p.name}: shard ${p.header.shard[0]} was interrupted (${n(p.trailer.evaluated)} of ${n(p.header.end - p.header.start)} rows); run it again`);
    seen.set(p.header.shard[0], p);
  }
  const missing = Array.from({ length: nShards }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length) throw inputError(`missing shard${missing.length > 1 ? "s" : ""} ${missing.join(", ")} of ${nShards}`, "merge every part of the split");
  const ordered = [...seen.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
  const agg = aggregatesFromJson(spec, ordered[0].trailer.aggregates);
  for (const p of ordered.slice(1)) mergeAggregates(spec, agg, aggregatesFromJson(spec, p.trailer.aggregates));
  const total = ordered[0].header.total;
  return { parts: ordered, run: { spec, total, start: 0, end: total, evaluated: total, partial: false, aggregates: agg } };
}
