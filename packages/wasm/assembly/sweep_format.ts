// Sweep rows as bytes: the CSV or JSON-lines text of evaluated records (swRun's REC_WORDS i32 per
// row), written into an output buffer. Every piece of text (labels of the parameter values, keys,
// limit names) comes from a string table the engine builds (packages/engine/src/sweep/format.ts:
// rowTable), so this knows numbers and bytes only; formatRows there is the reference twin.
import {
  NDIM, W_COUNT, REC_WORDS, R_PLANNED, R_SURGE, R_NODE_REQ, R_NODE_USABLE, R_NODE_SMALLEST, R_POD_REQ, R_POD_CAP, R_POD_SMALLEST,
  R_MAX_NODES, R_LIMIT, R_FLAGS, R_VNET, R_MAX_PODS, D_POOLS, D_SERVICE_LEN, D_MAX_PODS, W_VALUES,
  T_NLIMITS, T_PARAM_BASE, T_HEADER_WORDS, S_OPEN, S_CLOSE, S_MAX_PODS, S_TRUE, S_FALSE, S_KEY, S_LIMIT,
} from "./abi/sweep";

const FDIGIT = memory.data(4 * 12, 4);
let cfgF: usize = 0;
let tblF: usize = 0;

@inline function wordF(i: i32): i32 {
  return load<i32>(cfgF + (<usize>i << 2));
}

/**
 * Copies string `id` of the table to p; returns the end. Eight bytes at a time (the strings are
 * short; memory.copy costs a call each): it may read up to 7 bytes past the string (the table
 * is padded) and write up to 7 past the end, which the next piece overwrites (maxRow has room).
 */
@inline function put(p: usize, id: i32): usize {
  const e = tblF + (<usize>(T_HEADER_WORDS + 2 * id) << 2);
  const src = <usize>load<u32>(e);
  const len = <usize>load<u32>(e + 4);
  for (let i: usize = 0; i < len; i += 8) store<u64>(p + i, load<u64>(src + i));
  return p + len;
}

@inline function putByte(p: usize, b: i32): usize {
  store<u8>(p, <u8>b);
  return p + 1;
}

/** Writes v (an integer below 2^53 in magnitude) in decimal, as JavaScript's String(v) does. */
function putInt(p: usize, v: i64): usize {
  if (v < 0) { p = putByte(p, 0x2d); v = -v; }
  if (v <= 0xffffffff) return putU32(p, <u32>v);
  let u = <u64>v;
  let n = 1;
  for (let t = u; t >= 10; t /= 10) n++;
  let q = p + n;
  do {
    q--;
    store<u8>(q, <u8>(0x30 + <i32>(u % 10)));
    u /= 10;
  } while (u != 0);
  return p + n;
}

@inline function putU32(p: usize, u: u32): usize {
  const n: usize = u < 10 ? 1 : u < 100 ? 2 : u < 1000 ? 3 : u < 10000 ? 4 : u < 100000 ? 5 : u < 1000000 ? 6 : u < 10000000 ? 7 : u < 100000000 ? 8 : u < 1000000000 ? 9 : 10;
  let q = p + n;
  do {
    q--;
    store<u8>(q, <u8>(0x30 + u % 10));
    u /= 10;
  } while (u != 0);
  return p + n;
}

/** Whether x is an integer JavaScript prints as plain digits (|x| < 2^53). */
@inline function plainInt(x: f64): bool {
  return x == Math.floor(x) && Math.abs(x) < 9007199254740992.0;
}

/**
 * Text of rows [start, start + count) whose records are at rec, into out (cap bytes of text);
 * with feasibleOnly the rows that are not feasible are skipped. Writes the number of rows
 * written as an i32 at out and the text after it; returns the bytes of text, or -1 when a value
 * is one JavaScript would print otherwise (very large products; the engine's TypeScript formatter
 * takes the chunk then) and -2 when cap is too small.
 */
export function swFormat(cfg: usize, tbl: usize, start: f64, count: i32, rec: usize, feasibleOnly: bool, out: usize, cap: i32, maxRow: i32): i32 {
  cfgF = cfg;
  tblF = tbl;
  let rest = <i64>start;
  for (let d = NDIM - 1; d >= 0; d--) {
    const n = <i64>wordF(W_COUNT + d);
    store<i32>(FDIGIT + (<usize>d << 2), <i32>(rest % n));
    rest /= n;
  }
  const nLimits = load<i32>(tbl + (<usize>T_NLIMITS << 2));
  const body = out + 4;
  const end = body + <usize>cap;
  let p = body;
  let rows = 0;
  for (let i = 0; i < count; i++) {
    const r = rec + (<usize>i * <usize>(REC_WORDS << 2));
    const flags = load<i32>(r + (R_FLAGS << 2));
    if (!feasibleOnly || (flags & 2) != 0) {
      // maxRow: the longest row the table allows (the caller computes it).
      if (p + <usize>maxRow > end) return -2;
      const mp = load<i32>(r + (R_MAX_PODS << 2));
      const k = <f64>load<i32>(<usize>wordF(W_VALUES + D_POOLS) + (<usize>load<i32>(FDIGIT + (D_POOLS << 2)) << 2));
      const S = load<i32>(<usize>wordF(W_VALUES + D_SERVICE_LEN) + (<usize>load<i32>(FDIGIT + (D_SERVICE_LEN << 2)) << 2));
      const planned = <f64>load<i32>(r + (R_PLANNED << 2));
      const maxN = load<i32>(r + (R_MAX_NODES << 2));
      const limit = load<i32>(r + (R_LIMIT << 2));
      const nodes = k * planned, pods = k * planned * <f64>mp, surgeNodes = k * <f64>load<i32>(r + (R_SURGE << 2));
      const podCapacity = <f64>maxN * <f64>mp;
      if (!plainInt(start + <f64>i) || !plainInt(pods) || !plainInt(podCapacity) || !plainInt(nodes) || !plainInt(surgeNodes)) return -1;
      if (limit < 0 || limit >= nLimits || S > 32) return -1;
      p = put(p, S_OPEN);
      p = put(p, S_KEY);
      p = putInt(p, <i64>(start + <f64>i));
      p = putByte(p, 0x2c);
      // The parameters; maxPods 0 (the model default) shows the value used.
      for (let d = 0; d < NDIM; d++) {
        const digit = load<i32>(FDIGIT + (<usize>d << 2));
        if (d == D_MAX_PODS && load<i32>(<usize>wordF(W_VALUES + d) + (<usize>digit << 2)) == 0) {
          p = put(p, S_MAX_PODS);
          p = putInt(p, mp);
        } else p = put(p, load<i32>(tbl + (<usize>(T_PARAM_BASE + d) << 2)) + digit);
        p = putByte(p, 0x2c);
      }
      p = put(p, S_KEY + 2); p = putInt(p, <i64>nodes); p = putByte(p, 0x2c);
      p = put(p, S_KEY + 3); p = putInt(p, <i64>pods); p = putByte(p, 0x2c);
      p = put(p, S_KEY + 4); p = putInt(p, <i64>surgeNodes); p = putByte(p, 0x2c);
      p = put(p, S_KEY + 5); p = putInt(p, load<i32>(r + (R_NODE_REQ << 2))); p = putByte(p, 0x2c);
      p = put(p, S_KEY + 6); p = putInt(p, load<i32>(r + (R_NODE_USABLE << 2))); p = putByte(p, 0x2c);
      p = put(p, S_KEY + 7); p = putInt(p, load<i32>(r + (R_NODE_SMALLEST << 2))); p = putByte(p, 0x2c);
      p = put(p, S_KEY + 8); p = putInt(p, load<i32>(r + (R_POD_REQ << 2))); p = putByte(p, 0x2c);
      p = put(p, S_KEY + 9); p = putInt(p, load<i32>(r + (R_POD_CAP << 2))); p = putByte(p, 0x2c);
      p = put(p, S_KEY + 10); p = putInt(p, load<i32>(r + (R_POD_SMALLEST << 2))); p = putByte(p, 0x2c);
      p = put(p, S_KEY + 11); p = putInt(p, <i64>load<u32>(r + (R_VNET << 2))); p = putByte(p, 0x2c);
      p = put(p, S_KEY + 12); p = putInt(p, S > 0 ? (<i64>1) << <i64>(32 - S) : 0); p = putByte(p, 0x2c);
      p = put(p, S_KEY + 13); p = putInt(p, maxN); p = putByte(p, 0x2c);
      p = put(p, S_KEY + 14); p = putInt(p, <i64>podCapacity); p = putByte(p, 0x2c);
      p = put(p, S_KEY + 15); p = put(p, S_LIMIT + limit); p = putByte(p, 0x2c);
      p = put(p, S_KEY + 16); p = put(p, (flags & 1) != 0 ? S_TRUE : S_FALSE); p = putByte(p, 0x2c);
      p = put(p, S_KEY + 17); p = put(p, (flags & 2) != 0 ? S_TRUE : S_FALSE);
      p = put(p, S_CLOSE);
      rows++;
    }
    // Odometer: the last parameter fastest.
    for (let d = NDIM - 1; d >= 0; d--) {
      const q = FDIGIT + (<usize>d << 2);
      const v = load<i32>(q) + 1;
      if (v < wordF(W_COUNT + d)) { store<i32>(q, v); break; }
      store<i32>(q, 0);
    }
  }
  store<i32>(out, rows);
  return <i32>(p - body);
}
