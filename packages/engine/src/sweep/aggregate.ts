// Aggregates of a sweep, in one Float64Array shared with the kernel (layout in layout.ts):
// counts per model, the best objective per (model, node prefix, pod-subnet prefix) bucket with
// the first row index reaching it, and heatmap cells. Merging is associative and commutative
// (sums, max with the smaller index on ties), so any split of the grid merges to the same result.
import { MODEL_IDS } from "../aks/constants.ts";
import { METRIC_INDEX, PARAM_INDEX, type SweepSpec, OBJECTIVES } from "./spec.ts";
import { decodeDigits, decodeIndex, metricOf } from "./reference.ts";
import { FLAG_FEASIBLE, FLAG_FITS, LENS, MODELS, R, SW, aggLength } from "./layout.ts";

export function heatCells(spec: SweepSpec): number {
  return MODELS * spec.values[PARAM_INDEX[spec.heatmap.x]].length * spec.values[PARAM_INDEX[spec.heatmap.y]].length;
}

export function newAggregates(spec: SweepSpec): Float64Array {
  const a = new Float64Array(aggLength(heatCells(spec)));
  resetAggregates(spec, a);
  return a;
}

export function resetAggregates(spec: SweepSpec, a: Float64Array): void {
  a.fill(0);
  for (let i = SW.A_FRONT; i < SW.A_HEAT; i++) a[i] = -1;
  const init = spec.heatmap.agg === "max" ? -Infinity : spec.heatmap.agg === "min" ? Infinity : 0;
  for (let i = SW.A_HEAT; i < a.length; i += 2) a[i] = init;
}

function bucket(model: number, nodeLen: number, podLen: number): number {
  return SW.A_FRONT + ((model * LENS + nodeLen) * LENS + podLen) * 2;
}

/** Adds evaluated records (rows start.. of the grid) to `a`, as the kernel does in place. */
export function aggregateRecords(spec: SweepSpec, start: number, count: number, rec: Int32Array, a: Float64Array, heat: boolean): void {
  const codes: number[] = new Array(spec.values.length);
  const obj = METRIC_INDEX[spec.maximize];
  const hx = PARAM_INDEX[spec.heatmap.x], hy = PARAM_INDEX[spec.heatmap.y], hv = METRIC_INDEX[spec.heatmap.value];
  const nx = spec.values[hx].length, ny = spec.values[hy].length;
  for (let i = 0; i < count; i++) {
    const off = i * SW.REC_WORDS;
    const index = start + i;
    decodeIndex(spec.values, index, codes);
    const m = codes[0];
    const flags = rec[off + R.FLAGS];
    a[m * 3] += 1;
    if (flags & FLAG_FITS) a[m * 3 + 1] += 1;
    if (flags & FLAG_FEASIBLE) {
      a[m * 3 + 2] += 1;
      // A pod-subnet row without a pod subnet size would look cheaper than it is: not a frontier point.
      const unsized = podSubnetModel(m) && codes[PARAM_INDEX.podRangePrefix] === 0;
      if (!unsized) {
        const b = bucket(m, codes[PARAM_INDEX.nodeSubnetPrefix], rec[off + R.POD_PER] > 0 && podSubnetModel(m) ? codes[PARAM_INDEX.podRangePrefix] : 0);
        const o = metricOf(obj, codes, rec, off);
        if (o > a[b] || (o === a[b] && index < a[b + 1])) { a[b] = o; a[b + 1] = index; }
      }
    }
    if (heat) {
      const of = spec.heatmap.of;
      if (of === "all" || (of === "fit" && flags & FLAG_FITS) || (of === "feasible" && flags & FLAG_FEASIBLE)) {
        const d = decodeDigits(spec.values, index);
        const c = SW.A_HEAT + ((m * nx + d[hx]) * ny + d[hy]) * 2;
        const v = metricOf(hv, codes, rec, off);
        if (spec.heatmap.agg === "max") a[c] = Math.max(a[c], v);
        else if (spec.heatmap.agg === "min") a[c] = Math.min(a[c], v);
        else a[c] += 1;
        a[c + 1] += 1;
      }
    }
  }
}

function podSubnetModel(m: number): boolean {
  return MODEL_IDS[m] === "azure-cni-pod-subnet" || MODEL_IDS[m] === "azure-cni-static-block";
}

/** into += from. */
export function mergeAggregates(spec: SweepSpec, into: Float64Array, from: Float64Array): void {
  if (into.length !== from.length) throw new Error("aggregates of different sweeps");
  for (let i = 0; i < SW.A_FRONT; i++) into[i] += from[i];
  for (let b = SW.A_FRONT; b < SW.A_HEAT; b += 2) {
    if (from[b] > into[b] || (from[b] === into[b] && from[b] >= 0 && from[b + 1] < into[b + 1])) { into[b] = from[b]; into[b + 1] = from[b + 1]; }
  }
  for (let c = SW.A_HEAT; c < into.length; c += 2) {
    if (spec.heatmap.agg === "max") into[c] = Math.max(into[c], from[c]);
    else if (spec.heatmap.agg === "min") into[c] = Math.min(into[c], from[c]);
    else into[c] += from[c];
    into[c + 1] += from[c + 1];
  }
}

export interface ModelCounts {
  model: string;
  rows: number;
  fit: number;
  feasible: number;
}

export function countsOf(spec: SweepSpec, a: Float64Array): ModelCounts[] {
  return spec.values[0].map((m) => ({ model: MODEL_IDS[m], rows: a[m * 3], fit: a[m * 3 + 1], feasible: a[m * 3 + 2] }));
}

export interface FrontierPoint {
  model: string;
  vnetAddresses: number;
  /** The objective (output.maximize) reached with that many VNet addresses. */
  value: number;
  /** First grid row reaching it. */
  index: number;
}

/**
 * The Pareto frontier per model among feasible rows: fewest VNet addresses against the largest
 * objective. A point is kept when no cheaper point reaches as much; ties go to the first row.
 */
export function frontierOf(spec: SweepSpec, a: Float64Array): FrontierPoint[] {
  const out: FrontierPoint[] = [];
  for (const m of spec.values[0]) {
    const byVnet = new Map<number, { value: number; index: number }>();
    for (let l = 0; l < LENS; l++) {
      for (let p = 0; p < LENS; p++) {
        const b = bucket(m, l, p);
        if (a[b] < 0) continue;
        const vnet = (l > 0 ? 2 ** (32 - l) : 0) + (p > 0 ? 2 ** (32 - p) : 0);
        const cur = byVnet.get(vnet);
        if (!cur || a[b] > cur.value || (a[b] === cur.value && a[b + 1] < cur.index)) byVnet.set(vnet, { value: a[b], index: a[b + 1] });
      }
    }
    let best = -1;
    for (const [vnet, v] of [...byVnet].sort((x, y) => x[0] - y[0])) {
      if (v.value > best) { out.push({ model: MODEL_IDS[m], vnetAddresses: vnet, value: v.value, index: v.index }); best = v.value; }
    }
  }
  return out;
}

export interface HeatmapPanel {
  model: string;
  /** cells[yi][xi]: the aggregated value, or null where no row counted. */
  cells: (number | null)[][];
}

export interface Heatmap {
  x: string;
  y: string;
  xLabels: string[];
  yLabels: string[];
  value: string;
  agg: string;
  of: string;
  panels: HeatmapPanel[];
}

export function heatmapOf(spec: SweepSpec, a: Float64Array, label: (p: string, code: number) => string): Heatmap {
  const hx = PARAM_INDEX[spec.heatmap.x], hy = PARAM_INDEX[spec.heatmap.y];
  const nx = spec.values[hx].length, ny = spec.values[hy].length;
  const panels = spec.values[0].map((m) => ({
    model: MODEL_IDS[m],
    cells: Array.from({ length: ny }, (_, yi) => Array.from({ length: nx }, (_, xi) => {
      const c = SW.A_HEAT + ((m * nx + xi) * ny + yi) * 2;
      return a[c + 1] > 0 ? a[c] : null;
    })),
  }));
  return {
    x: spec.heatmap.x, y: spec.heatmap.y,
    xLabels: spec.values[hx].map((v) => label(spec.heatmap.x, v)), yLabels: spec.values[hy].map((v) => label(spec.heatmap.y, v)),
    value: spec.heatmap.value, agg: spec.heatmap.agg, of: spec.heatmap.of, panels,
  };
}

/** JSON-safe copy of aggregates (±Infinity → null) and back. */
export function aggregatesToJson(a: Float64Array): (number | null)[] {
  return Array.from(a, (v) => (Number.isFinite(v) ? v : null));
}
export function aggregatesFromJson(spec: SweepSpec, v: unknown): Float64Array {
  const a = newAggregates(spec);
  if (!Array.isArray(v) || v.length !== a.length) throw new Error("aggregates do not match the spec");
  const init = spec.heatmap.agg === "max" ? -Infinity : Infinity;
  v.forEach((x, i) => { a[i] = x === null ? init : Number(x); });
  return a;
}

export { OBJECTIVES };
