// Memory layouts of the capacity sweep kernel (sweep.ts), shared with TypeScript: the config block
// the engine writes, the result record and the aggregates the kernel writes, the parameter and
// metric ids, the model and limit codes. packages/engine/src/sweep/layout.ts mirrors them one way
// (a test compares it with swLayout(i)); bench/c/sweep.c copies them for the C port.
// These are not exported from the module as wasm globals: swLayout(i) reports them.

// ---- Config block (i32 words at cfg; cfg is 8-byte aligned) --------------------------------------
export const NDIM: i32 = 12;
export const W_COUNT: i32 = 0; // 12 value counts
export const W_VALUES: i32 = 12; // 12 pointers to i32 value lists
export const W_FACTS: i32 = 24;
// facts, relative to W_FACTS
export const F_RESERVED: i32 = 0;
export const F_SMALLEST_SUBNET_LEN: i32 = 1;
export const F_NODE_POD_BLOCK_LEN: i32 = 2;
export const F_STATIC_SIZE: i32 = 3;
export const F_STATIC_RESERVED: i32 = 4;
export const F_STATIC_LOST: i32 = 5;
export const F_STATIC_MAX_LEN: i32 = 6;
export const F_DYNAMIC_BATCH: i32 = 7;
export const F_ROUTE_LIMIT: i32 = 8;
export const F_CLUSTER_LIMIT: i32 = 9;
export const F_POOL_LIMIT: i32 = 10;
export const F_VNET_LIMIT: i32 = 11;
export const F_LB_PORTS: i32 = 12;
export const F_SERVICE_MIN_LEN: i32 = 13;
export const F_MODEL_LIMIT: i32 = 14; // 6 words
export const F_DEFAULT_MAX_PODS: i32 = 20; // 6 words
export const F_COUNT: i32 = 26;
export const W_NCONS: i32 = 50;
export const W_OBJECTIVE: i32 = 51;
export const W_CONS: i32 = 52; // 8 × [metric, op, f64 value]
export const CONS_WORDS: i32 = 4;
export const MAX_CONS: i32 = 8;
export const W_HEAT_ON: i32 = 84;
export const W_HEAT_X: i32 = 85;
export const W_HEAT_Y: i32 = 86;
export const W_HEAT_VALUE: i32 = 87;
export const W_HEAT_AGG: i32 = 88;
export const W_HEAT_OF: i32 = 89;
export const CFG_WORDS: i32 = 90;

// ---- Parameter dimensions (outermost first) and metric ids ---------------------------------------
export const D_MODEL: i32 = 0;
export const D_POOLS: i32 = 1;
export const D_NODE_LEN: i32 = 2;
export const D_POD_LEN: i32 = 3;
export const D_SERVICE_LEN: i32 = 4;
export const D_MAX_PODS: i32 = 5;
export const D_OUTBOUND: i32 = 6;
export const D_IPS: i32 = 7;
export const D_PORTS: i32 = 8;
export const D_SURGE: i32 = 9;
export const D_AUTOSCALE: i32 = 10;
export const D_NODES: i32 = 11;
export const M_NODES: i32 = 12;
export const M_PODS: i32 = 13;
export const M_MAX_NODES: i32 = 14;
export const M_POD_CAPACITY: i32 = 15;
export const M_VNET: i32 = 16;
export const M_SURGE_NODES: i32 = 17;
export const M_NODE_REQ: i32 = 18;
export const M_POD_REQ: i32 = 19;
export const M_SERVICES: i32 = 20;
export const M_FITS: i32 = 21;
export const M_COUNT: i32 = 22;
export const SURGE_PERCENT: i32 = 0x40000000;

// Model codes: MODEL_IDS order in constants.ts.
export const KUBENET: i32 = 0;
export const AZURE_CNI: i32 = 1;
export const POD_SUBNET: i32 = 2;
export const STATIC_BLOCK: i32 = 3;
export const OVERLAY: i32 = 4;
export const MODELS: i32 = 6;
// Limit kinds: LIMIT_KINDS order in capacity.ts.
export const L_NODE_SUBNET: i32 = 1;
export const L_POD_RANGE: i32 = 2;
export const L_ROUTE_TABLE: i32 = 3;
export const L_MODEL_LIMIT: i32 = 4;
export const L_CLUSTER_LIMIT: i32 = 5;
export const L_POOL_LIMIT: i32 = 6;
export const L_SNAT: i32 = 7;
export const L_VNET: i32 = 8;

// ---- Result record (i32 words) ---------------------------------------------------------------------
export const R_PLANNED: i32 = 0; // planned nodes of one pool
export const R_SURGE: i32 = 1; // surge nodes of one pool
export const R_NODE_PER: i32 = 2;
export const R_NODE_REQ: i32 = 3; // all pools
export const R_NODE_USABLE: i32 = 4;
export const R_NODE_SMALLEST: i32 = 5;
export const R_POD_PER: i32 = 6;
export const R_POD_REQ: i32 = 7;
export const R_POD_CAP: i32 = 8;
export const R_POD_SMALLEST: i32 = 9;
export const R_POOL_MAX: i32 = 10; // nodes per pool at the cluster's largest scale
export const R_MAX_NODES: i32 = 11; // the cluster's most nodes
export const R_LIMIT: i32 = 12;
export const R_FLAGS: i32 = 13; // 1 fits, 2 feasible, 4 service CIDR ok
export const R_VNET: i32 = 14; // u32
export const R_MAX_PODS: i32 = 15; // maxPods after the model default
export const REC_WORDS: i32 = 16;

// ---- Aggregates (f64 at agg) -----------------------------------------------------------------------
export const A_COUNTS: i32 = 0; // per model: rows, fit, feasible
export const A_FRONT: i32 = 18; // per model × node len (33) × pod-subnet len (33): best objective, its index
export const LENS: i32 = 33;
export const A_HEAT: i32 = A_FRONT + MODELS * LENS * LENS * 2; // per model × x × y: value, rows
export const AGG_MAX: i32 = 0;
export const AGG_MIN: i32 = 1;
export const AGG_COUNT: i32 = 2;

/** Layout constants, mirrored in packages/engine/src/sweep/layout.ts (a test compares them). */
export function swLayout(i: i32): i32 {
  switch (i) {
    case 0: return CFG_WORDS;
    case 1: return W_FACTS;
    case 2: return F_COUNT;
    case 3: return W_NCONS;
    case 4: return W_OBJECTIVE;
    case 5: return W_CONS;
    case 6: return MAX_CONS;
    case 7: return W_HEAT_ON;
    case 8: return REC_WORDS;
    case 9: return A_FRONT;
    case 10: return A_HEAT;
    case 11: return M_COUNT;
    case 12: return SURGE_PERCENT;
    case 13: return T_HEADER_WORDS;
    case 14: return S_KEY;
    case 15: return S_LIMIT;
    case 16: return FMT_CELLS;
    default: return -1;
  }
}

// ---- Row text table (swFormat): u32 words at tbl, then (ptr, len) u32 pairs, one per string -----
// Header: T_NLIMITS, then T_PARAM_BASE + d (d < 12): the string id of parameter d's first value.
export const T_NLIMITS: i32 = 0;
export const T_PARAM_BASE: i32 = 1;
export const T_HEADER_WORDS: i32 = 13;
// String ids (each a (ptr, len) pair at tbl + (T_HEADER_WORDS + 2 × id) × 4).
export const S_OPEN: i32 = 0; // "{" or ""
export const S_CLOSE: i32 = 1; // "}\n" or "\n"
export const S_MAX_PODS: i32 = 2; // what precedes a maxPods number: "\"maxPods\":" or ""
export const S_TRUE: i32 = 3;
export const S_FALSE: i32 = 4;
export const S_KEY: i32 = 5; // 18 cells after the head: "\"index\":", "", "\"nodes\":", ...
export const S_LIMIT: i32 = 23; // T_NLIMITS limit kind names, then the parameters' values
export const FMT_CELLS: i32 = 18;
