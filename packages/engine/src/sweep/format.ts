// Rows as CSV or JSON lines: the parameters, then what the planner's rules give for them.
import { LIMIT_KINDS } from "../aks/capacity.ts";
import { MODEL_IDS } from "../aks/constants.ts";
import { PARAMS, PARAM_INDEX, OUTBOUND_TYPES, valueLabel, type SweepSpec } from "./spec.ts";
import { decodeIndex } from "./reference.ts";
import { FLAG_FEASIBLE, FLAG_FITS, R, SW } from "./layout.ts";

export const ROW_FORMATS = ["csv", "jsonl"] as const;
export type RowFormat = (typeof ROW_FORMATS)[number];

/** Columns after the parameters (documented in docs/sweep.md). */
export const RESULT_COLUMNS = [
  "nodes", "pods", "surgeNodes", "nodeSubnetRequired", "nodeSubnetUsable", "smallestNodeSubnetPrefix", "podRangeRequired",
  "podRangeCapacity", "smallestPodRangePrefix", "vnetAddresses", "services", "maxNodes", "podCapacity", "limitedBy", "fits", "feasible",
] as const;

export const CSV_HEADER = ["index", ...PARAMS, ...RESULT_COLUMNS].join(",") + "\n";

/** Values of one row, in CSV column order (index first). */
export function rowValues(spec: SweepSpec, index: number, codes: readonly number[], rec: Int32Array, off: number): (string | number | boolean)[] {
  const k = codes[PARAM_INDEX.pools];
  const mp = rec[off + R.MAX_PODS];
  const planned = rec[off + R.PLANNED];
  const S = codes[PARAM_INDEX.serviceCidrPrefix];
  const params = PARAMS.map((p, d) => (p === "maxPods" ? mp : p === "model" ? MODEL_IDS[codes[d]] : p === "outboundType" ? OUTBOUND_TYPES[codes[d]] : p === "surge" ? valueLabel(p, codes[d]) : codes[d]));
  const flags = rec[off + R.FLAGS];
  return [
    index, ...params,
    k * planned, k * planned * mp, k * rec[off + R.SURGE], rec[off + R.NODE_REQ], rec[off + R.NODE_USABLE], rec[off + R.NODE_SMALLEST],
    rec[off + R.POD_REQ], rec[off + R.POD_CAP], rec[off + R.POD_SMALLEST], rec[off + R.VNET] >>> 0, S > 0 ? 2 ** (32 - S) : 0,
    rec[off + R.MAX_NODES], rec[off + R.MAX_NODES] * mp, LIMIT_KINDS[rec[off + R.LIMIT]], (flags & FLAG_FITS) !== 0, (flags & FLAG_FEASIBLE) !== 0,
  ];
}

const JSON_KEYS = ["index", ...PARAMS, ...RESULT_COLUMNS];

/**
 * Formats records of rows [start, start + count); with `feasibleOnly` the other rows are skipped.
 * Returns the text and how many rows it holds.
 */
export function formatRows(spec: SweepSpec, start: number, count: number, rec: Int32Array, format: RowFormat, feasibleOnly: boolean): { text: string; rows: number } {
  const codes: number[] = new Array(PARAMS.length);
  let text = "";
  let rows = 0;
  for (let i = 0; i < count; i++) {
    const off = i * SW.REC_WORDS;
    if (feasibleOnly && !(rec[off + R.FLAGS] & FLAG_FEASIBLE)) continue;
    decodeIndex(spec.values, start + i, codes);
    const v = rowValues(spec, start + i, codes, rec, off);
    if (format === "csv") text += v.join(",") + "\n";
    else {
      let line = "{";
      for (let j = 0; j < v.length; j++) line += (j ? "," : "") + JSON.stringify(JSON_KEYS[j]) + ":" + (typeof v[j] === "string" ? JSON.stringify(v[j]) : String(v[j]));
      text += line + "}\n";
    }
    rows++;
  }
  return { text, rows };
}

/** One row as an object (for frontier and summary output). */
export function rowObject(spec: SweepSpec, index: number, rec: Int32Array, off = 0): Record<string, string | number | boolean> {
  const codes = decodeIndex(spec.values, index);
  const v = rowValues(spec, index, codes, rec, off);
  return Object.fromEntries(JSON_KEYS.map((k, i) => [k, v[i]]));
}
