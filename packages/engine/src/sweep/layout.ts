// TypeScript mirror of the layout constants of packages/wasm/assembly/sweep.ts (config block,
// result record, aggregates). test/sweep/layout.test.ts compares them with swLayout(i).
export const SW = {
  CFG_WORDS: 90,
  W_FACTS: 24,
  F_COUNT: 26,
  W_NCONS: 50,
  W_OBJECTIVE: 51,
  W_CONS: 52,
  MAX_CONS: 8,
  W_HEAT_ON: 84,
  REC_WORDS: 16,
  A_FRONT: 18,
  A_HEAT: 18 + 6 * 33 * 33 * 2,
  M_COUNT: 22,
  SURGE_PERCENT: 0x40000000,
  /** Row text table of swFormat: header words, the first key's string id, the first limit name's. */
  T_HEADER_WORDS: 13,
  S_KEY: 5,
  S_LIMIT: 23,
  FMT_CELLS: 18,
} as const;

/** Order of the values swLayout(i) returns. */
export const SW_LAYOUT_ORDER = [
  "CFG_WORDS", "W_FACTS", "F_COUNT", "W_NCONS", "W_OBJECTIVE", "W_CONS", "MAX_CONS", "W_HEAT_ON", "REC_WORDS", "A_FRONT", "A_HEAT", "M_COUNT", "SURGE_PERCENT",
  "T_HEADER_WORDS", "S_KEY", "S_LIMIT", "FMT_CELLS",
] as const;

/** Config words after W_CONS: 4 per constraint [metric, op, f64 value]; then the heatmap. */
export const W_COUNT = 0;
export const W_VALUES = 12;
export const CONS_WORDS = 4;
export const W_HEAT_X = 85, W_HEAT_Y = 86, W_HEAT_VALUE = 87, W_HEAT_AGG = 88, W_HEAT_OF = 89;

/** Result record fields (i32 words). */
export const R = {
  /** POOL_MAX: nodes per pool at the cluster's largest scale; MAX_NODES: pools × that. */
  PLANNED: 0, SURGE: 1, NODE_PER: 2, NODE_REQ: 3, NODE_USABLE: 4, NODE_SMALLEST: 5, POD_PER: 6, POD_REQ: 7, POD_CAP: 8,
  POD_SMALLEST: 9, POOL_MAX: 10, MAX_NODES: 11, LIMIT: 12, FLAGS: 13, VNET: 14, MAX_PODS: 15,
} as const;
export const FLAG_FITS = 1, FLAG_FEASIBLE = 2, FLAG_SERVICE_OK = 4;

/** Frontier buckets: per model × node prefix length (0-32) × pod-subnet prefix length (0-32). */
export const MODELS = 6;
export const LENS = 33;
export const AGG_NAMES = ["max", "min", "count"] as const;

/** String ids of the row text table before the keys (swFormat): S_OPEN .. S_FALSE. */
export const S_OPEN = 0, S_CLOSE = 1, S_MAX_PODS = 2, S_TRUE = 3, S_FALSE = 4;
export const T_NLIMITS = 0, T_PARAM_BASE = 1;

export function aggLength(heatCells: number): number {
  return SW.A_HEAT + heatCells * 2;
}
