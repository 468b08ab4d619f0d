// Rows as CSV or JSON lines: the parameters, then what the planner's rules give for them.
import { LIMIT_KINDS } from "../aks/capacity.ts";
import { MODEL_IDS } from "../aks/constants.ts";
import { PARAMS, PARAM_INDEX, OUTBOUND_TYPES, valueLabel, type SweepSpec } from "./spec.ts";
import { decodeDigits, decodeIndex } from "./reference.ts";
import { FLAG_FEASIBLE, FLAG_FITS, R, SW, S_CLOSE, S_FALSE, S_MAX_PODS, S_OPEN, S_TRUE, T_NLIMITS, T_PARAM_BASE } from "./layout.ts";

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

interface Labels {
  /** Per parameter, per value: the CSV cell, and the JSON `"key":value` fragment. */
  csv: string[][];
  json: string[][];
}
const labelCache = new WeakMap<SweepSpec, Labels>();

function labelsOf(spec: SweepSpec): Labels {
  let l = labelCache.get(spec);
  if (!l) {
    const cell = (p: (typeof PARAMS)[number], code: number) => (p === "model" ? MODEL_IDS[code] : p === "outboundType" ? OUTBOUND_TYPES[code] : valueLabel(p, code));
    const csv = PARAMS.map((p, d) => spec.values[d].map((c) => cell(p, c)));
    const isText = (p: string) => p === "surge" || p === "model" || p === "outboundType";
    const json = PARAMS.map((p, d) => spec.values[d].map((c) => `${JSON.stringify(p)}:${isText(p) ? JSON.stringify(cell(p, c)) : c}`));
    l = { csv, json };
    labelCache.set(spec, l);
  }
  return l;
}

const MAX_PODS_D = PARAMS.indexOf("maxPods");
const POOLS_D = PARAMS.indexOf("pools");
const SERVICE_D = PARAMS.indexOf("serviceCidrPrefix");
const LAST = PARAMS.length - 1;
/** `"key":` prefixes of the JSON cells formatRows joins (index, the last parameter, the results). */
const JSON_TAIL_KEYS = ["index", "", ...RESULT_COLUMNS].map((k) => (k ? `${JSON.stringify(k)}:` : ""));

/**
 * Formats records of rows [start, start + count); with `feasibleOnly` the other rows are skipped.
 * Returns the text and how many rows it holds. The parameters are stepped like the kernel's
 * odometer and their text is cached while only the innermost one changes (this is the hot path of
 * row output).
 */
export function formatRows(spec: SweepSpec, start: number, count: number, rec: Int32Array, format: RowFormat, feasibleOnly: boolean): { text: string; rows: number } {
  const labels = labelsOf(spec);
  const digits = decodeDigits(spec.values, start);
  const sizes = spec.values.map((v) => v.length);
  const csv = format === "csv";
  let text = "";
  let head = "", headValid = false;
  const cells: (string | number | boolean)[] = new Array(18).fill(0);
  const jsonCells: string[] = new Array(18).fill("");
  let rows = 0;
  for (let i = 0; i < count; i++) {
    const off = i * SW.REC_WORDS;
    const flags = rec[off + R.FLAGS];
    if (!feasibleOnly || flags & FLAG_FEASIBLE) {
      const mp = rec[off + R.MAX_PODS];
      if (!headValid) {
        // Parameters but the last; maxPods 0 (the model default) shows the value used.
        let h = "";
        for (let d = 0; d < LAST; d++) {
          const code = spec.values[d][digits[d]];
          const cell = d === MAX_PODS_D && code === 0 ? (csv ? String(mp) : `"maxPods":${mp}`) : (csv ? labels.csv : labels.json)[d][digits[d]];
          h += cell + ",";
        }
        head = h;
        headValid = true;
      }
      const k = spec.values[POOLS_D][digits[POOLS_D]];
      const S = spec.values[SERVICE_D][digits[SERVICE_D]];
      const planned = rec[off + R.PLANNED], maxN = rec[off + R.MAX_NODES];
      const last = (csv ? labels.csv : labels.json)[LAST][digits[LAST]];
      const limit = LIMIT_KINDS[rec[off + R.LIMIT]];
      const fits = (flags & FLAG_FITS) !== 0, feasible = (flags & FLAG_FEASIBLE) !== 0;
      // One flat string per row (join), not a rope of dozens of pieces: 3x faster here.
      cells[0] = start + i; cells[1] = last; cells[2] = k * planned; cells[3] = k * planned * mp; cells[4] = k * rec[off + R.SURGE];
      cells[5] = rec[off + R.NODE_REQ]; cells[6] = rec[off + R.NODE_USABLE]; cells[7] = rec[off + R.NODE_SMALLEST]; cells[8] = rec[off + R.POD_REQ];
      cells[9] = rec[off + R.POD_CAP]; cells[10] = rec[off + R.POD_SMALLEST]; cells[11] = rec[off + R.VNET] >>> 0; cells[12] = S > 0 ? 2 ** (32 - S) : 0;
      cells[13] = maxN; cells[14] = maxN * mp; cells[15] = csv ? limit : `"${limit}"`; cells[16] = fits; cells[17] = feasible;
      if (csv) {
        cells[1] = head + last;
        text += cells.join(",") + "\n";
      } else {
        for (let c = 0; c < 18; c++) jsonCells[c] = JSON_TAIL_KEYS[c] + cells[c];
        jsonCells[1] = head + last;
        text += "{" + jsonCells.join(",") + "}\n";
      }
      rows++;
    }
    // Odometer: the last parameter fastest; the cached head stays valid until another one moves.
    for (let d = LAST; d >= 0; d--) {
      if (++digits[d] < sizes[d]) break;
      digits[d] = 0;
    }
    if (digits[LAST] === 0) headValid = false;
  }
  return { text, rows };
}

/**
 * The string table of the wasm row formatter (swFormat in packages/wasm/assembly/sweep_format.ts)
 * for `spec` and `format`, as it lies in linear memory at `base`: header words, (ptr, len) pairs
 * (layout.ts: S_*, T_*), then the bytes. Every piece of text is the one formatRows writes, so the
 * two agree byte for byte (a property test checks it). `maxRow`: the most bytes one row can take.
 */
export function rowTable(spec: SweepSpec, format: RowFormat, base = 0): { block: Uint8Array; maxRow: number } {
  const labels = labelsOf(spec);
  const csv = format === "csv";
  const strings: string[] = [];
  strings[S_OPEN] = csv ? "" : "{";
  strings[S_CLOSE] = csv ? "\n" : "}\n";
  strings[S_MAX_PODS] = csv ? "" : `"maxPods":`;
  strings[S_TRUE] = "true";
  strings[S_FALSE] = "false";
  for (let c = 0; c < SW.FMT_CELLS; c++) strings[SW.S_KEY + c] = csv ? "" : JSON_TAIL_KEYS[c];
  LIMIT_KINDS.forEach((l, i) => { strings[SW.S_LIMIT + i] = csv ? l : `"${l}"`; });
  const paramBase: number[] = [];
  PARAMS.forEach((_, d) => {
    paramBase.push(strings.length);
    for (const cell of (csv ? labels.csv : labels.json)[d]) strings.push(cell);
  });
  const bytes = strings.map((t) => new TextEncoder().encode(t));
  const head = SW.T_HEADER_WORDS * 4 + strings.length * 8;
  // 8 bytes of padding: swFormat copies strings 8 bytes at a time.
  const block = new Uint8Array(head + bytes.reduce((a, b) => a + b.length, 0) + 8);
  const w = new DataView(block.buffer);
  w.setUint32(T_NLIMITS * 4, LIMIT_KINDS.length, true);
  paramBase.forEach((b, d) => w.setUint32((T_PARAM_BASE + d) * 4, b, true));
  let at = head;
  bytes.forEach((b, id) => {
    w.setUint32(SW.T_HEADER_WORDS * 4 + id * 8, base + at, true);
    w.setUint32(SW.T_HEADER_WORDS * 4 + id * 8 + 4, b.length, true);
    block.set(b, at);
    at += b.length;
  });
  // The longest row: every label at its longest, every number at 20 characters, the separators.
  const longest = (ids: number[]) => Math.max(...ids.map((id) => bytes[id].length));
  let maxRow = bytes[S_OPEN].length + bytes[S_CLOSE].length + 20 + 40;
  for (let c = 0; c < SW.FMT_CELLS; c++) maxRow += bytes[SW.S_KEY + c].length + 21;
  PARAMS.forEach((_, d) => { maxRow += Math.max(longest(spec.values[d].map((_, j) => paramBase[d] + j)), bytes[S_MAX_PODS].length + 20) + 1; });
  maxRow += longest(LIMIT_KINDS.map((_, i) => SW.S_LIMIT + i)) + 10;
  return { block, maxRow };
}

/** The same text as formatRows, one row at a time through rowValues (the readable reference). */
export function formatRowsSlow(spec: SweepSpec, start: number, count: number, rec: Int32Array, format: RowFormat, feasibleOnly: boolean): { text: string; rows: number } {
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
