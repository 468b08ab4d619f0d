// The capacity sweep kernel: evaluates a contiguous range of a parameter grid with the planner's
// capacity rules (packages/engine/src/aks/capacity.ts: evaluateSingle, sharedResources,
// scaleMaxNodes), writing one record per row and/or aggregating in place (counts per model, the
// cheapest-address buckets of the Pareto frontier, heatmap cells). Nothing about Azure is baked in:
// the facts (5 reserved IPs, /24 per node, limits) arrive in the config block from constants.ts.
//
// Speed: the grid index is decoded once per call and then stepped like an odometer; everything
// that does not depend on the two innermost parameters (autoscaleMax, nodeCount) is computed once
// per run of those; the most nodes a resource allows is computed in closed form, not searched.
// The layout constants live in abi/sweep.ts (not exported as globals; swLayout(i) returns them).

import {
  NDIM, W_COUNT, W_VALUES, W_FACTS, F_RESERVED, F_SMALLEST_SUBNET_LEN, F_NODE_POD_BLOCK_LEN, F_STATIC_SIZE,
  F_STATIC_RESERVED, F_STATIC_LOST, F_STATIC_MAX_LEN, F_DYNAMIC_BATCH, F_ROUTE_LIMIT, F_CLUSTER_LIMIT, F_POOL_LIMIT, F_VNET_LIMIT,
  F_LB_PORTS, F_SERVICE_MIN_LEN, F_MODEL_LIMIT, F_DEFAULT_MAX_PODS, F_COUNT, W_NCONS, W_OBJECTIVE, W_CONS,
  CONS_WORDS, MAX_CONS, W_HEAT_ON, W_HEAT_X, W_HEAT_Y, W_HEAT_VALUE, W_HEAT_AGG, W_HEAT_OF,
  CFG_WORDS, D_MODEL, D_POOLS, D_NODE_LEN, D_POD_LEN, D_SERVICE_LEN, D_MAX_PODS, D_OUTBOUND,
  D_IPS, D_PORTS, D_SURGE, D_AUTOSCALE, D_NODES, M_NODES, M_PODS, M_MAX_NODES,
  M_POD_CAPACITY, M_VNET, M_SURGE_NODES, M_NODE_REQ, M_POD_REQ, M_SERVICES, M_FITS, M_COUNT,
  SURGE_PERCENT, KUBENET, AZURE_CNI, POD_SUBNET, STATIC_BLOCK, OVERLAY, MODELS, L_NODE_SUBNET,
  L_POD_RANGE, L_ROUTE_TABLE, L_MODEL_LIMIT, L_CLUSTER_LIMIT, L_POOL_LIMIT, L_SNAT, L_VNET, R_PLANNED,
  R_SURGE, R_NODE_PER, R_NODE_REQ, R_NODE_USABLE, R_NODE_SMALLEST, R_POD_PER, R_POD_REQ, R_POD_CAP,
  R_POD_SMALLEST, R_POOL_MAX, R_MAX_NODES, R_LIMIT, R_FLAGS, R_VNET, R_MAX_PODS, REC_WORDS,
  A_COUNTS, A_FRONT, LENS, A_HEAT, AGG_MAX, AGG_MIN, AGG_COUNT,
} from "./abi/sweep";
export { swLayout } from "./abi/sweep";

// ---- Outer state: one setting of every parameter but the two innermost -------------------------
let cfgP: usize = 0;
let oModel: i32 = 0;
let oPools: i64 = 1;
let oNodeLen: i32 = 0;
let oPodLen: i32 = 0;
let oMaxPods: i64 = 0;
let oSurgePct: bool = false;
let oSurgeV: i64 = 0;
let oNodePer: i64 = 0;
let oPodPer: i64 = 0;
let oPodKind: i32 = 0; // 0 none, 1 pod CIDR (/24 per node), 2 dynamic pod subnet, 3 static blocks
let oNodeUsable: i64 = 0;
let oPodCap: i64 = 0;
let oVnet: i64 = 0;
let oServiceOk: bool = true;
let oConsOk: bool = true; // constraints that depend on outer parameters only
let nRes: i32 = 0;
let nPre: i32 = 0; // resources before SNAT's place
// The cluster's scale (nodes per pool) and what limits it: no planned count enters it.
let oPoolMax: i64 = 0;
let oLimit: i32 = 0;
let oMaxNodes: i64 = 0; // pools × oPoolMax
// Facts, cached per call.
let fReserved: i64 = 5;
let fSmallest: i32 = 29;
let fPoolLimit: i64 = 1000;

/** Resources of the outer prefix: kind, withSurge (i32), most nodes without surge (i64). */
const RES = memory.data(16 * 8, 8);
/** Metric values of the current row (i64 × M_COUNT). */
const MET = memory.data(8 * 24, 8);
/** Which metrics change with the innermost parameters (1 byte each), and the constraint split. */
const INNER = memory.data(24);
/** Odometer digits. */
const DIGIT = memory.data(4 * 12, 4);

@inline function fact(i: i32): i32 {
  return load<i32>(cfgP + (<usize>(W_FACTS + i) << 2));
}
@inline function word(i: i32): i32 {
  return load<i32>(cfgP + (<usize>i << 2));
}
@inline function valueAt(d: i32, digit: i32): i32 {
  return load<i32>(<usize>word(W_VALUES + d) + (<usize>digit << 2));
}
@inline function setMet(m: i32, v: i64): void {
  store<i64>(MET + (<usize>m << 3), v);
}
@inline function getMet(m: i32): i64 {
  return load<i64>(MET + (<usize>m << 3));
}

@inline function pow2(bits: i32): i64 {
  return (<i64>1) << <i64>bits;
}
@inline function usable(len: i32): i64 {
  const u = pow2(32 - len) - fReserved;
  return u > 0 ? u : 0;
}
/** ceil(log2(x)) for x >= 1. */
@inline function clog2(x: i64): i32 {
  return x <= 1 ? 0 : 64 - <i32>clz<i64>(x - 1);
}
/** ceil(x / 100) for x >= 0: a multiply and a shift below 2^32 (exact there), else a division. */
@inline function ceilDiv100(x: i64): i64 {
  const y = <u64>(x + 99);
  return y < 0x100000000 ? <i64>((y * 1374389535) >> 37) : <i64>(y / 100);
}
@inline function surgeOf(n: i64): i64 {
  const e = oSurgePct ? ceilDiv100(n * oSurgeV) : oSurgeV;
  return e < n ? e : n;
}

/**
 * The most nodes N with N [+ surge(N)] <= k, where k = floor(rem / per) is the most nodes a
 * resource holds without surge (-1 when rem < 0). Closed form.
 */
@inline function underSurge(k: i64, withSurge: bool): i64 {
  if (k < 0) return -1;
  if (!withSurge) return k;
  if (oSurgePct) {
    const p = oSurgeV;
    if (p >= 100) return k >> 1;
    if (p == 0) return k;
    // h(N) = N + ceil(N p / 100) >= N (100 + p) / 100, so N <= floor(100 k / (100 + p)); at most one too many.
    let n = (k * 100) / (100 + p);
    if (n + (n * p + 99) / 100 > k) n--;
    return n;
  }
  const v = oSurgeV;
  return k <= 2 * v ? k >> 1 : k - v;
}

/** floor(rem / per), or -1 when rem < 0. */
@inline function plainMax(rem: i64, per: i64): i64 {
  return rem < 0 ? -1 : rem / per;
}

/** Resources of the outer prefix: kind, withSurge, and k = plainMax(capacity, pools × per). */
function addRes(kind: i32, capacity: i64, per: i64, withSurge: bool): void {
  const r = RES + (<usize>nRes << 4);
  store<i32>(r, kind);
  store<i32>(r + 4, withSurge ? 1 : 0);
  store<i64>(r + 8, plainMax(capacity, oPools * per));
  nRes++;
}

@inline function compare(v: f64, op: i32, x: f64): bool {
  switch (op) {
    case 0: return v >= x;
    case 1: return v <= x;
    case 2: return v > x;
    case 3: return v < x;
    case 4: return v == x;
    default: return v != x;
  }
}

/** The constraints of the config, split by cacheFacts(): [metric i32, op i32, value f64] each. */
const CONS_OUTER = memory.data(16 * 8, 8);
const CONS_INNER = memory.data(16 * 8, 8);
let nConsOuter: i32 = 0;
let nConsInner: i32 = 0;

function splitConstraints(): void {
  nConsOuter = 0;
  nConsInner = 0;
  const n = word(W_NCONS);
  for (let c = 0; c < n; c++) {
    const base = W_CONS + c * CONS_WORDS;
    const m = word(base);
    const inner = load<u8>(INNER + m) != 0;
    const e = (inner ? CONS_INNER : CONS_OUTER) + (<usize>(inner ? nConsInner++ : nConsOuter++) << 4);
    store<i32>(e, m);
    store<i32>(e + 4, word(base + 1));
    store<f64>(e + 8, load<f64>(cfgP + (<usize>(base + 2) << 2)));
  }
}

/** The constraints over metrics that do not change with the innermost parameters (in MET). */
function consOuter(): bool {
  for (let c = 0; c < nConsOuter; c++) {
    const e = CONS_OUTER + (<usize>c << 4);
    if (!compare(<f64>getMet(load<i32>(e)), load<i32>(e + 4), load<f64>(e + 8))) return false;
  }
  return true;
}

/** Metric m of a row: computed when it changes with the innermost parameters, else from MET. */
@inline function rowMetric(m: i32, autoscale: i32, nodeCount: i32, planned: i64, fits: bool): i64 {
  if (load<u8>(INNER + m) == 0) return getMet(m);
  const k = oPools;
  if (m == D_AUTOSCALE) return autoscale;
  if (m == D_NODES) return nodeCount;
  if (m == M_NODES) return k * planned;
  if (m == M_PODS) return k * planned * oMaxPods;
  if (m == M_FITS) return fits ? 1 : 0;
  const surge = surgeOf(planned);
  const ns = k * (planned + surge);
  return m == M_SURGE_NODES ? k * surge : m == M_NODE_REQ ? ns * oNodePer : ns * oPodPer; // M_POD_REQ
}

/** The constraints over the inner metrics of a row that fits. */
function consInner(autoscale: i32, nodeCount: i32, planned: i64): bool {
  for (let c = 0; c < nConsInner; c++) {
    const e = CONS_INNER + (<usize>c << 4);
    if (!compare(<f64>rowMetric(load<i32>(e), autoscale, nodeCount, planned, true), load<i32>(e + 4), load<f64>(e + 8))) return false;
  }
  return true;
}

/**
 * The outer state that depends on the six outermost parameters only (maxPods 0 = the model's
 * default): per-node needs, capacities, the resources of sharedResources() but SNAT (kept as the
 * most nodes each holds without surge, so the surge and SNAT settings below need no division).
 */
function outerPrefix(model: i32, pools: i32, nodeLen: i32, podLen: i32, serviceLen: i32, maxPodsCode: i32): void {
  oModel = model;
  oPools = pools;
  oNodeLen = nodeLen;
  oPodLen = podLen;
  const mp: i64 = maxPodsCode != 0 ? maxPodsCode : fact(F_DEFAULT_MAX_PODS + model);
  oMaxPods = mp;
  oNodePer = model == AZURE_CNI ? 1 + mp : 1;
  oPodKind = model == KUBENET || model == OVERLAY ? 1 : model == POD_SUBNET ? 2 : model == STATIC_BLOCK ? 3 : 0;
  const size: i64 = fact(F_STATIC_SIZE);
  const blocks = (mp + <i64>fact(F_STATIC_RESERVED) + size - 1) / size;
  const batch: i64 = fact(F_DYNAMIC_BATCH);
  if (oPodKind == 1) oPodPer = pow2(32 - fact(F_NODE_POD_BLOCK_LEN));
  else if (oPodKind == 3) oPodPer = size * blocks;
  else if (oPodKind == 2) { const b = (mp + batch - 1) / batch; oPodPer = batch * (b > 1 ? b : 1); }
  else oPodPer = 0;
  oNodeUsable = nodeLen > 0 ? usable(nodeLen) : 0;
  let cap: i64 = 0;
  if (podLen > 0) {
    if (oPodKind == 1) cap = podLen <= fact(F_NODE_POD_BLOCK_LEN) ? pow2(32 - podLen) : 0;
    else if (oPodKind == 3) {
      const b = podLen <= fact(F_STATIC_MAX_LEN) ? pow2(32 - podLen) / size - <i64>fact(F_STATIC_LOST) : 0;
      cap = (b > 0 ? b : 0) * size;
    } else if (oPodKind == 2) cap = usable(podLen);
  }
  oPodCap = cap;
  oVnet = (nodeLen > 0 ? pow2(32 - nodeLen) : 0) + (oPodKind >= 2 && podLen > 0 ? pow2(32 - podLen) : 0);
  oServiceOk = serviceLen == 0 || serviceLen >= fact(F_SERVICE_MIN_LEN);

  // The resources of sharedResources(), in its order; SNAT (outerSuffix) comes between the
  // cluster limit and the VNet.
  nRes = 0;
  if (nodeLen > 0) addRes(L_NODE_SUBNET, oNodeUsable, oNodePer, true);
  if (podLen > 0 && oPodKind != 0) addRes(L_POD_RANGE, cap, oPodPer, true);
  const nodeLimit: i64 = fact(F_MODEL_LIMIT + model);
  const cluster: i64 = fact(F_CLUSTER_LIMIT);
  if (model == KUBENET) {
    const routes: i64 = fact(F_ROUTE_LIMIT);
    addRes(L_ROUTE_TABLE, nodeLimit < routes ? nodeLimit : routes, 1, true);
  } else if (nodeLimit < cluster) addRes(L_MODEL_LIMIT, nodeLimit, 1, false);
  addRes(L_CLUSTER_LIMIT, cluster, 1, false);
  nPre = nRes;
  if (model == AZURE_CNI || model == POD_SUBNET || model == STATIC_BLOCK) {
    const per: i64 = model == AZURE_CNI ? 1 + mp : model == STATIC_BLOCK ? 1 + blocks : 1 + oPodPer;
    addRes(L_VNET, fact(F_VNET_LIMIT), per, true);
  }

  setMet(D_MODEL, model);
  setMet(D_POOLS, pools);
  setMet(D_NODE_LEN, nodeLen);
  setMet(D_POD_LEN, podLen);
  setMet(D_SERVICE_LEN, serviceLen);
  setMet(D_MAX_PODS, mp);
  setMet(M_VNET, oVnet);
  setMet(M_SERVICES, serviceLen > 0 ? pow2(32 - serviceLen) : 0);
}

/**
 * The rest of the outer state: the cluster's scale as scaleMaxNodes() in capacity.ts (the pools
 * are identical, so every pool holds s nodes; s is the largest, up to the per-pool limit, with
 * pools × per × (s [+ surge(s)]) <= capacity for every resource; oLimit is the kind of the first
 * resource that stops s + 1, the per-pool limit when none does), and the outer constraints.
 */
function outerSuffix(outbound: i32, ips: i32, ports: i32, surge: i32): void {
  oSurgePct = (surge & SURGE_PERCENT) != 0;
  oSurgeV = surge & ~SURGE_PERCENT;
  let minM: i64 = 0x7fffffffffffffff;
  let kind = -1;
  for (let i = 0; i < nRes; i++) {
    const r = RES + (<usize>i << 4);
    if (i == nPre) {
      const snat: i64 = outbound == 0 ? ports : 0;
      if (snat > 0) {
        const m = underSurge(plainMax(<i64>fact(F_LB_PORTS) * ips, oPools * snat), true);
        if (m < minM) { minM = m; kind = L_SNAT; }
      }
    }
    const m = underSurge(load<i64>(r + 8), load<i32>(r + 4) != 0);
    if (m < minM) { minM = m; kind = load<i32>(r); }
  }
  if (nPre == nRes) {
    const snat: i64 = outbound == 0 ? ports : 0;
    if (snat > 0) {
      const m = underSurge(plainMax(<i64>fact(F_LB_PORTS) * ips, oPools * snat), true);
      if (m < minM) { minM = m; kind = L_SNAT; }
    }
  }
  if (minM >= fPoolLimit) { oPoolMax = fPoolLimit; oLimit = L_POOL_LIMIT; }
  else { oPoolMax = minM; oLimit = kind; }
  oMaxNodes = oPools * oPoolMax;

  setMet(D_OUTBOUND, outbound);
  setMet(D_IPS, ips);
  setMet(D_PORTS, ports);
  setMet(D_SURGE, surge);
  setMet(M_MAX_NODES, oMaxNodes);
  setMet(M_POD_CAPACITY, oMaxNodes * oMaxPods);
  oConsOk = nConsOuter == 0 || consOuter();
}

/** Sets the outer state from parameter codes (maxPods 0 = the model's default). */
function outer(model: i32, pools: i32, nodeLen: i32, podLen: i32, serviceLen: i32, maxPodsCode: i32, outbound: i32, ips: i32, ports: i32, surge: i32): void {
  outerPrefix(model, pools, nodeLen, podLen, serviceLen, maxPodsCode);
  outerSuffix(outbound, ips, ports, surge);
}

/** Marks the metrics that change with autoscaleMax and nodeCount (all computed ones, bar a few). */
function markInner(): void {
  for (let m = 0; m < M_COUNT; m++) store<u8>(INNER + m, m >= M_NODES || m == D_AUTOSCALE || m == D_NODES ? 1 : 0);
  store<u8>(INNER + M_VNET, 0);
  store<u8>(INNER + M_SERVICES, 0);
  store<u8>(INNER + M_MAX_NODES, 0);
  store<u8>(INNER + M_POD_CAPACITY, 0);
}

function cacheFacts(cfg: usize): void {
  cfgP = cfg;
  fReserved = fact(F_RESERVED);
  fSmallest = fact(F_SMALLEST_SUBNET_LEN);
  fPoolLimit = fact(F_POOL_LIMIT);
  markInner();
  splitConstraints();
}

/** Smallest node subnet (longest prefix) holding `addr` usable addresses, or -1. */
@inline function nodeSmallest(addr: i64): i32 {
  let len = 32 - clog2(addr + fReserved);
  if (len > fSmallest) len = fSmallest;
  return len < 1 ? -1 : len;
}

/** Longest pod range whose capacity holds `addr`, as smallestPodRangeLen() finds it by search. */
function podSmallest(addr: i64): i32 {
  if (oPodPer == 0) return 0;
  if (addr == 0) return 32;
  let len: i32;
  if (oPodKind == 1) {
    len = 32 - clog2(addr);
    const b = fact(F_NODE_POD_BLOCK_LEN);
    if (len > b) len = b;
  } else if (oPodKind == 3) {
    len = 32 - clog2(addr + <i64>fact(F_STATIC_LOST) * <i64>fact(F_STATIC_SIZE));
    const m = fact(F_STATIC_MAX_LEN);
    if (len > m) len = m;
  } else {
    len = 32 - clog2(addr + fReserved);
  }
  return len < 1 ? -1 : len;
}

/** The metrics of one row that change with the innermost parameters, into MET. */
@inline function innerMetrics(autoscale: i32, nodeCount: i32, planned: i64, surge: i64, fits: bool): void {
  const k = oPools;
  const ns = k * (planned + surge);
  setMet(D_AUTOSCALE, autoscale);
  setMet(D_NODES, nodeCount);
  setMet(M_NODES, k * planned);
  setMet(M_PODS, k * planned * oMaxPods);
  setMet(M_MAX_NODES, oMaxNodes);
  setMet(M_POD_CAPACITY, oMaxNodes * oMaxPods);
  setMet(M_SURGE_NODES, k * surge);
  setMet(M_NODE_REQ, ns * oNodePer);
  setMet(M_POD_REQ, ns * oPodPer);
  setMet(M_FITS, fits ? 1 : 0);
}


// What segment() and feasibleRow() found (read back by swRun once per segment).
let sFeasible: i32 = 0;
let sBest: i64 = -1;
let sBestIdx: i64 = -1;

/** A row that fits: adds it to the feasible count and the best objective when it meets the constraints. */
function feasibleRow(autoscale: i32, nodeCount: i32, planned: i32, which: i32, index: i64): void {
  if (nConsInner != 0 && !consInner(autoscale, nodeCount, planned)) return;
  sFeasible++;
  const o = objective(planned, which);
  if (o > sBest) { sBest = o; sBestIdx = index; }
}

/**
 * n rows of one autoscale value: the nodeCount values at p, the first of them row `index`.
 * Returns how many fit (planned <= poolMax; poolMax is within [-1, the per-pool limit]). Four
 * rows at a time (SIMD); the rows that fit go to feasibleRow in index order.
 */
function segment(p: usize, n: i32, autoscale: i32, poolMax: i32, canPass: bool, which: i32, index: i64): i32 {
  // planned = autoscale > 0 ? max(autoscale, nodeCount) : nodeCount
  const floor = autoscale > 0 ? autoscale : i32.MIN_VALUE;
  const vFloor = i32x4.splat(floor), vMax = i32x4.splat(poolMax);
  let fit = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const planned = i32x4.max_s(v128.load(p + (<usize>i << 2)), vFloor);
    let mask = i32x4.bitmask(i32x4.le_s(planned, vMax));
    if (mask == 0) continue;
    fit += popcnt<i32>(mask);
    if (!canPass) continue;
    while (mask != 0) {
      const j = ctz<i32>(mask);
      mask &= mask - 1;
      const nodeCount = load<i32>(p + (<usize>(i + j) << 2));
      feasibleRow(autoscale, nodeCount, nodeCount > floor ? nodeCount : floor, which, index + i + j);
    }
  }
  for (; i < n; i++) {
    const nodeCount = load<i32>(p + (<usize>i << 2));
    const planned = nodeCount > floor ? nodeCount : floor;
    if (planned <= poolMax) {
      fit++;
      if (canPass) feasibleRow(autoscale, nodeCount, planned, which, index + i);
    }
  }
  return fit;
}

// The heatmap of the current call (swRun sets them).
let hX: i32 = 0;
let hY: i32 = 0;
let hValue: i32 = 0;
let hAgg: i32 = 0;
let hOf: i32 = 0;
let hNx: i32 = 0;
let hNy: i32 = 0;

/**
 * segment() with the heatmap: n rows of one autoscale value (digit dA), nodeCount digits from
 * dN0, each also added to its heatmap cell (when it is of the rows the heatmap counts).
 */
function heatSegment(p: usize, n: i32, autoscale: i32, dA: i32, dN0: i32, canPass: bool, which: i32, index: i64, agg: usize): i32 {
  const floor = autoscale > 0 ? autoscale : i32.MIN_VALUE;
  const poolMax = <i32>oPoolMax;
  const canFit = oServiceOk;
  // The heatmap's settings in locals; which rows it counts as a flag bit (4: every row).
  const value = hValue, aggKind = hAgg, ny = hNy;
  const ofBit = hOf == 0 ? 4 : hOf == 1 ? 1 : 2;
  const valueFixed = load<u8>(INNER + value) == 0;
  const fixedV = <f64>getMet(value);
  // Cell coordinates: fixed along the segment, or the nodeCount digit (step 1 per row).
  const xStep = hX == D_NODES ? 1 : 0, yStep = hY == D_NODES ? 1 : 0;
  const x0 = hX == D_NODES ? dN0 : hX == D_AUTOSCALE ? dA : load<i32>(DIGIT + (<usize>hX << 2));
  const y0 = hY == D_NODES ? dN0 : hY == D_AUTOSCALE ? dA : load<i32>(DIGIT + (<usize>hY << 2));
  const cells = agg + (<usize>(A_HEAT + oModel * hNx * ny * 2) << 3);
  let fit = 0;
  for (let i = 0; i < n; i++) {
    const nodeCount = load<i32>(p + (<usize>i << 2));
    const planned = nodeCount > floor ? nodeCount : floor;
    const fits = planned <= poolMax && canFit;
    let flags = 4;
    if (fits) {
      fit++;
      flags = 5;
      if (canPass && (nConsInner == 0 || consInner(autoscale, nodeCount, planned))) {
        flags = 7;
        sFeasible++;
        const o = objective(planned, which);
        if (o > sBest) { sBest = o; sBestIdx = index + i; }
      }
    }
    if ((flags & ofBit) != 0) {
      const cell = cells + (<usize>(((x0 + xStep * i) * ny + y0 + yStep * i) * 2) << 3);
      const v = valueFixed ? fixedV : <f64>rowMetric(value, autoscale, nodeCount, planned, fits);
      const cur = load<f64>(cell);
      if (aggKind == AGG_MAX) { if (v > cur) store<f64>(cell, v); }
      else if (aggKind == AGG_MIN) { if (v < cur) store<f64>(cell, v); }
      else store<f64>(cell, cur + 1);
      store<f64>(cell + 8, load<f64>(cell + 8) + 1);
    }
  }
  return fit;
}

/**
 * Adds `rows` rows of one segment (autoscale digit dA) to their heatmap cell, when every row of the
 * segment has the same cell and the same value: as many single additions would (counts stay exact).
 */
function heatCount(agg: usize, dA: i32, rows: i32): void {
  if (rows == 0) return;
  const x = hX == D_AUTOSCALE ? dA : load<i32>(DIGIT + (<usize>hX << 2));
  const y = hY == D_AUTOSCALE ? dA : load<i32>(DIGIT + (<usize>hY << 2));
  const cell = agg + (<usize>(A_HEAT + ((oModel * hNx + x) * hNy + y) * 2) << 3);
  const v = <f64>getMet(hValue);
  const cur = load<f64>(cell);
  if (hAgg == AGG_MAX) { if (v > cur) store<f64>(cell, v); }
  else if (hAgg == AGG_MIN) { if (v < cur) store<f64>(cell, v); }
  else store<f64>(cell, cur + <f64>rows);
  store<f64>(cell + 8, load<f64>(cell + 8) + <f64>rows);
}

/**
 * One row: the outer state plus planned nodes. Writes a record at `rec` when rec != 0; returns the
 * flags (1 fits, 2 feasible). Leaves the row's metrics in MET when `metrics` is set (and when it
 * fits and there are constraints).
 */
@inline function row(autoscale: i32, nodeCount: i32, rec: usize, metrics: bool): i32 {
  const planned: i64 = autoscale > 0 ? (autoscale > nodeCount ? autoscale : nodeCount) : nodeCount;
  // Every pool fits at its planned size exactly when that size is within the cluster's scale.
  const fits = planned <= oPoolMax && oServiceOk;
  let flags = fits ? 1 : 0;
  const surge = surgeOf(planned);
  if (metrics) innerMetrics(autoscale, nodeCount, planned, surge, fits);
  if (fits && oConsOk && (nConsInner == 0 || consInner(autoscale, nodeCount, planned))) flags |= 2;
  if (rec != 0) {
    const ns = oPools * (planned + surge);
    const nodeReq = ns * oNodePer;
    const podReq = ns * oPodPer;
    store<i32>(rec + (R_PLANNED << 2), <i32>planned);
    store<i32>(rec + (R_SURGE << 2), <i32>surge);
    store<i32>(rec + (R_NODE_PER << 2), <i32>oNodePer);
    store<i32>(rec + (R_NODE_REQ << 2), <i32>nodeReq);
    store<i32>(rec + (R_NODE_USABLE << 2), <i32>oNodeUsable);
    store<i32>(rec + (R_NODE_SMALLEST << 2), nodeSmallest(nodeReq));
    store<i32>(rec + (R_POD_PER << 2), <i32>oPodPer);
    store<i32>(rec + (R_POD_REQ << 2), <i32>podReq);
    store<i32>(rec + (R_POD_CAP << 2), <i32>oPodCap);
    store<i32>(rec + (R_POD_SMALLEST << 2), podSmallest(podReq));
    store<i32>(rec + (R_POOL_MAX << 2), <i32>oPoolMax);
    store<i32>(rec + (R_MAX_NODES << 2), <i32>oMaxNodes);
    store<i32>(rec + (R_LIMIT << 2), oLimit);
    store<i32>(rec + (R_FLAGS << 2), flags | (oServiceOk ? 4 : 0));
    store<u32>(rec + (R_VNET << 2), <u32>oVnet);
    store<i32>(rec + (R_MAX_PODS << 2), <i32>oMaxPods);
  }
  return flags;
}

@inline function objective(planned: i64, which: i32): i64 {
  // 0 nodes, 1 pods, 2 maxNodes, 3 podCapacity (OBJECTIVES order in spec.ts)
  switch (which) {
    case 0: return oPools * planned;
    case 1: return oPools * planned * oMaxPods;
    case 2: return oMaxNodes;
    default: return oMaxNodes * oMaxPods;
  }
}

/** Sets the outer state from the digits; `level`: the outermost digit that changed since the last call. */
function outerAt(level: i32): void {
  if (level <= D_MAX_PODS) {
    outerPrefix(
      valueAt(D_MODEL, load<i32>(DIGIT)), valueAt(D_POOLS, load<i32>(DIGIT + 4)), valueAt(D_NODE_LEN, load<i32>(DIGIT + 8)),
      valueAt(D_POD_LEN, load<i32>(DIGIT + 12)), valueAt(D_SERVICE_LEN, load<i32>(DIGIT + 16)), valueAt(D_MAX_PODS, load<i32>(DIGIT + 20)),
    );
  }
  outerSuffix(valueAt(D_OUTBOUND, load<i32>(DIGIT + 24)), valueAt(D_IPS, load<i32>(DIGIT + 28)), valueAt(D_PORTS, load<i32>(DIGIT + 32)), valueAt(D_SURGE, load<i32>(DIGIT + 36)));
}

/**
 * Evaluates rows [start, start + count) of the grid in cfg. With out != 0 writes REC_WORDS i32 per
 * row there; with agg != 0 adds the rows to the aggregates there. Returns the rows evaluated.
 */
export function swRun(cfg: usize, start: f64, count: i32, out: usize, agg: usize): i32 {
  cacheFacts(cfg);
  // Decode the start index, innermost digit last.
  let rest = <i64>start;
  for (let d = NDIM - 1; d >= 0; d--) {
    const n = <i64>word(W_COUNT + d);
    store<i32>(DIGIT + (<usize>d << 2), <i32>(rest % n));
    rest /= n;
  }
  const heatOn = agg != 0 && word(W_HEAT_ON) != 0;
  const heatX = word(W_HEAT_X), heatY = word(W_HEAT_Y), heatValue = word(W_HEAT_VALUE), heatAgg = word(W_HEAT_AGG), heatOf = word(W_HEAT_OF);
  const nx = word(W_COUNT + heatX), ny = word(W_COUNT + heatY);
  hX = heatX; hY = heatY; hValue = heatValue; hAgg = heatAgg; hOf = heatOf; hNx = nx; hNy = ny;
  // When a segment's rows share one cell and one value (no nodeCount axis, a value that does not
  // change with the innermost parameters), the heatmap only needs how many rows it counts.
  const heatByCount = heatX != D_NODES && heatY != D_NODES && load<u8>(INNER + heatValue) == 0;
  const which = word(W_OBJECTIVE);
  const nAuto = word(W_COUNT + D_AUTOSCALE), nNodes = word(W_COUNT + D_NODES);
  const autoVals = <usize>word(W_VALUES + D_AUTOSCALE), nodeVals = <usize>word(W_VALUES + D_NODES);
  const first = <i64>start;
  let done = 0;
  let level = 0;
  while (done < count) {
    outerAt(level);
    const model = oModel;
    // Counters and the frontier bucket stay fixed within one run of the inner parameters.
    const runStart = done;
    let fit = 0, feasible = 0;
    let best: i64 = -1, bestIdx: i64 = -1;
    let dA = load<i32>(DIGIT + (<usize>D_AUTOSCALE << 2));
    let dN = load<i32>(DIGIT + (<usize>D_NODES << 2));
    if (out == 0) {
      // Aggregating only: a segment of nodeCount values per autoscale value, each row just its
      // planned size against the cluster's scale (feasibleRow for the rows that fit); with the
      // heatmap, heatSegment also adds every row to its cell.
      while (done < count) {
        const m = min(nNodes - dN, count - done);
        if (oServiceOk || heatOn) {
          const autoscale = load<i32>(autoVals + (<usize>dA << 2));
          sFeasible = 0; sBest = best; sBestIdx = bestIdx;
          // Two call sites, so that the optimiser keeps segment() a function of its own (its loop
          // keeps its values in registers, measured: inlined here it spills them).
          const p = nodeVals + (<usize>dN << 2);
          if (heatOn && !heatByCount) {
            fit += oConsOk ? heatSegment(p, m, autoscale, dA, dN, true, which, first + done, agg) : heatSegment(p, m, autoscale, dA, dN, false, which, first + done, agg);
          } else {
            const f = !oServiceOk ? 0 : oConsOk ? segment(p, m, autoscale, <i32>oPoolMax, true, which, first + done) : segment(p, m, autoscale, <i32>oPoolMax, false, which, first + done);
            fit += f;
            if (heatOn) heatCount(agg, dA, hOf == 0 ? m : hOf == 1 ? f : sFeasible);
          }
          feasible += sFeasible; best = sBest; bestIdx = sBestIdx;
        }
        done += m;
        dN += m;
        if (dN < nNodes) break; // count reached
        dN = 0;
        if (++dA < nAuto) continue;
        dA = 0;
        break;
      }
    } else {
      while (done < count) {
        const autoscale = load<i32>(autoVals + (<usize>dA << 2));
        const nodeCount = load<i32>(nodeVals + (<usize>dN << 2));
        const rec = out != 0 ? out + (<usize>done * <usize>(REC_WORDS << 2)) : 0;
        const flags = row(autoscale, nodeCount, rec, heatOn);
        if (agg != 0) {
          if (flags & 1) fit++;
          if (flags & 2) {
            feasible++;
            const planned: i64 = autoscale > 0 ? (autoscale > nodeCount ? autoscale : nodeCount) : nodeCount;
            const o = objective(planned, which);
            if (o > best) { best = o; bestIdx = first + done; }
          }
          if (heatOn && (heatOf == 0 || (heatOf == 1 && (flags & 1)) || (heatOf == 2 && (flags & 2)))) {
            store<i32>(DIGIT + (<usize>D_AUTOSCALE << 2), dA);
            store<i32>(DIGIT + (<usize>D_NODES << 2), dN);
            const x = load<i32>(DIGIT + (<usize>heatX << 2)), y = load<i32>(DIGIT + (<usize>heatY << 2));
            const cell = agg + (<usize>(A_HEAT + ((model * nx + x) * ny + y) * 2) << 3);
            const v = <f64>getMet(heatValue);
            const cur = load<f64>(cell);
            if (heatAgg == AGG_MAX) { if (v > cur) store<f64>(cell, v); }
            else if (heatAgg == AGG_MIN) { if (v < cur) store<f64>(cell, v); }
            else store<f64>(cell, cur + 1);
            store<f64>(cell + 8, load<f64>(cell + 8) + 1);
          }
        }
        done++;
        // Odometer: the innermost digits first.
        if (++dN < nNodes) continue;
        dN = 0;
        if (++dA < nAuto) continue;
        dA = 0;
        break;
      }
    }
    store<i32>(DIGIT + (<usize>D_AUTOSCALE << 2), dA);
    store<i32>(DIGIT + (<usize>D_NODES << 2), dN);
    if (agg != 0) {
      const c = agg + (<usize>(A_COUNTS + model * 3) << 3);
      store<f64>(c, load<f64>(c) + <f64>(done - runStart));
      store<f64>(c + 8, load<f64>(c + 8) + <f64>fit);
      store<f64>(c + 16, load<f64>(c + 16) + <f64>feasible);
      // A pod-subnet row without a pod subnet size does not describe its VNet addresses: it
      // would look cheaper than it is, so it stays off the frontier.
      if (best >= 0 && !(oPodKind >= 2 && oPodLen == 0)) {
        const b = agg + (<usize>(A_FRONT + ((model * LENS + oNodeLen) * LENS + (oPodKind >= 2 ? oPodLen : 0)) * 2) << 3);
        const cur = load<f64>(b);
        const fb = <f64>best, fi = <f64>bestIdx;
        if (fb > cur || (fb == cur && fi < load<f64>(b + 8))) { store<f64>(b, fb); store<f64>(b + 8, fi); }
      }
    }
    if (dA != 0 || dN != 0) break; // count reached inside an inner run
    // Carry into the outer digits; a wrap of the whole grid changes every digit.
    level = 0;
    for (let d = D_SURGE; d >= 0; d--) {
      const p = DIGIT + (<usize>d << 2);
      const v = load<i32>(p) + 1;
      if (v < word(W_COUNT + d)) { store<i32>(p, v); level = d; break; }
      store<i32>(p, 0);
    }
  }
  return done;
}

/**
 * Evaluates n single configurations given as 12 i32 parameter codes each (PARAMS order), not a
 * grid: the property tests use it on random configurations. Writes REC_WORDS i32 per row at out.
 */
export function swEvalList(cfg: usize, codes: usize, n: i32, out: usize): void {
  cacheFacts(cfg);
  for (let i = 0; i < n; i++) {
    const c = codes + (<usize>i * <usize>(NDIM << 2));
    outer(load<i32>(c), load<i32>(c + 4), load<i32>(c + 8), load<i32>(c + 12), load<i32>(c + 16), load<i32>(c + 20),
      load<i32>(c + 24), load<i32>(c + 28), load<i32>(c + 32), load<i32>(c + 36));
    row(load<i32>(c + 40), load<i32>(c + 44), out + (<usize>i * <usize>(REC_WORDS << 2)), true);
  }
}
