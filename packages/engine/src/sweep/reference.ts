// The TypeScript reference of the sweep: one row evaluated with the planner's own functions
// (capacity.ts: evaluateSingle for one pool; sharedResources + scaleMaxNodes for several identical
// pools, as plan() does for the cluster). Slow and readable; the wasm kernel must write the same records.
import {
  DEFAULT_MAX_PODS, LB_PORTS_PER_IP, MODEL_IDS, MODEL_NODE_LIMIT, POOL_NODE_LIMIT, SERVICE_CIDR_MIN_LEN_V4, SMALLEST_SUBNET_LEN,
  AZURE_RESERVED_IPS_PER_SUBNET, NODE_POD_BLOCK_LEN, STATIC_BLOCK_SIZE, STATIC_BLOCK_RESERVED_PER_NODE, STATIC_BLOCKS_LOST_TO_RESERVED,
  DYNAMIC_BATCH_SIZE, KUBENET_ROUTE_LIMIT, CLUSTER_NODE_LIMIT, VNET_PRIVATE_IP_LIMIT, type ModelId,
} from "../aks/constants.ts";
import {
  LIMIT_KINDS, evaluateSingle, nodeSubnetIpsPerNode, podRangeCapacity, podRangeIpsPerNode, podRangeKind, scaleMaxNodes, resourceRequired,
  sharedResources, smallestPodRangeLen, smallestSubnetLen, surgeNodes, usableIps, type Surge,
} from "../aks/capacity.ts";
import { METRIC_INDEX, PARAMS, SURGE_PERCENT_FLAG, type Constraint, type SweepSpec } from "./spec.ts";
import { FLAG_FEASIBLE, FLAG_FITS, FLAG_SERVICE_OK, R, SW } from "./layout.ts";

const P = Object.fromEntries(PARAMS.map((p, i) => [p, i])) as Record<(typeof PARAMS)[number], number>;

/**
 * The facts the kernel needs, in its config order (F_* in sweep.ts), taken from constants.ts so a
 * changed fact reaches the kernel without touching it.
 */
export function kernelFacts(): number[] {
  const f = [
    AZURE_RESERVED_IPS_PER_SUBNET, SMALLEST_SUBNET_LEN, NODE_POD_BLOCK_LEN, STATIC_BLOCK_SIZE, STATIC_BLOCK_RESERVED_PER_NODE,
    STATIC_BLOCKS_LOST_TO_RESERVED, 28, DYNAMIC_BATCH_SIZE, KUBENET_ROUTE_LIMIT, CLUSTER_NODE_LIMIT, POOL_NODE_LIMIT,
    VNET_PRIVATE_IP_LIMIT, LB_PORTS_PER_IP, SERVICE_CIDR_MIN_LEN_V4,
    ...MODEL_IDS.map((m) => MODEL_NODE_LIMIT[m]),
    ...MODEL_IDS.map((m) => DEFAULT_MAX_PODS[m]),
  ];
  if (f.length !== SW.F_COUNT) throw new Error("kernelFacts out of step with the kernel");
  return f;
}

/** Parameter codes of grid row `index` (mixed radix, the last parameter fastest). */
export function decodeIndex(values: readonly (readonly number[])[], index: number, codes: number[] = new Array(PARAMS.length)): number[] {
  let rest = index;
  for (let d = values.length - 1; d >= 0; d--) {
    const n = values[d].length;
    const digit = rest % n;
    codes[d] = values[d][digit];
    rest = (rest - digit) / n;
  }
  return codes;
}

/** Digits (positions in each value list) of grid row `index`. */
export function decodeDigits(values: readonly (readonly number[])[], index: number): number[] {
  const digits = new Array(values.length);
  let rest = index;
  for (let d = values.length - 1; d >= 0; d--) {
    const n = values[d].length;
    digits[d] = rest % n;
    rest = (rest - digits[d]) / n;
  }
  return digits;
}

export function surgeOf(code: number): Surge {
  return { value: code & ~SURGE_PERCENT_FLAG, percent: (code & SURGE_PERCENT_FLAG) !== 0 };
}

/** A metric of one evaluated row (metric ids: METRICS order). */
export function metricOf(m: number, codes: readonly number[], rec: Int32Array, off: number): number {
  if (m === P.maxPods) return rec[off + R.MAX_PODS];
  if (m < PARAMS.length) return codes[m];
  const k = codes[P.pools];
  switch (m) {
    case METRIC_INDEX.nodes: return k * rec[off + R.PLANNED];
    case METRIC_INDEX.pods: return k * rec[off + R.PLANNED] * rec[off + R.MAX_PODS];
    case METRIC_INDEX.maxNodes: return rec[off + R.MAX_NODES];
    case METRIC_INDEX.podCapacity: return rec[off + R.MAX_NODES] * rec[off + R.MAX_PODS];
    case METRIC_INDEX.vnetAddresses: return rec[off + R.VNET] >>> 0;
    case METRIC_INDEX.surgeNodes: return k * rec[off + R.SURGE];
    case METRIC_INDEX.nodeSubnetRequired: return rec[off + R.NODE_REQ];
    case METRIC_INDEX.podRangeRequired: return rec[off + R.POD_REQ];
    case METRIC_INDEX.services: return codes[P.serviceCidrPrefix] > 0 ? 2 ** (32 - codes[P.serviceCidrPrefix]) : 0;
    case METRIC_INDEX.fits: return rec[off + R.FLAGS] & FLAG_FITS;
    default: throw new Error(`unknown metric ${m}`);
  }
}

export function constraintHolds(c: Constraint, v: number): boolean {
  switch (c.op) {
    case ">=": return v >= c.value;
    case "<=": return v <= c.value;
    case ">": return v > c.value;
    case "<": return v < c.value;
    case "==": return v === c.value;
    case "!=": return v !== c.value;
  }
}

/** Evaluates one configuration (12 parameter codes) into a record at rec[off...]. */
export function referenceRecord(codes: readonly number[], constraints: readonly Constraint[], rec: Int32Array, off: number): void {
  const model = MODEL_IDS[codes[P.model]] as ModelId;
  const k = codes[P.pools];
  const L = codes[P.nodeSubnetPrefix], PL = codes[P.podRangePrefix], S = codes[P.serviceCidrPrefix];
  const mp = codes[P.maxPods] || DEFAULT_MAX_PODS[model];
  const surge = surgeOf(codes[P.surge]);
  const auto = codes[P.autoscaleMax], count = codes[P.nodeCount];
  const planned = auto > 0 ? Math.max(auto, count) : count;
  const base = {
    model, nodeSubnetLen: L, podRangeLen: PL, nodeLimit: MODEL_NODE_LIMIT[model],
    allocatedOutboundPorts: codes[P.outboundType] === 0 ? codes[P.allocatedPorts] : 0, outboundIps: codes[P.outboundIps],
  };
  const serviceOk = S === 0 || S >= SERVICE_CIDR_MIN_LEN_V4;
  let fits: boolean, poolMax: number, limit: number, s: number, nodePer: number, podPer: number;
  let nodeReq: number, nodeUsable: number, nodeSmallest: number, podReq: number, podCap: number, podSmallest: number;
  if (k === 1) {
    const r = evaluateSingle({ ...base, maxPods: mp, nodes: planned, surge });
    fits = r.fits; poolMax = r.maxNodes; limit = LIMIT_KINDS.indexOf(r.limitedBy); s = r.surgeNodes;
    nodePer = r.nodeSubnetPerNode; nodeReq = r.nodeSubnetRequired; nodeUsable = r.nodeSubnetUsable; nodeSmallest = r.smallestNodeSubnetLen;
    podPer = r.podRangePerNode; podReq = r.podRangeRequired; podCap = r.podRangeCapacity; podSmallest = r.smallestPodRangeLen;
  } else {
    const rs = sharedResources(base, Array.from({ length: k }, () => mp));
    const demands = Array.from({ length: k }, () => ({ nodes: planned, surge }));
    fits = rs.every((r) => resourceRequired(r, demands) <= r.capacity) && planned <= POOL_NODE_LIMIT;
    // How far the cluster scales keeping its mix, as plan() reports it; identical pools stay equal.
    const scale = scaleMaxNodes(rs, demands);
    poolMax = scale.nodes[0];
    limit = LIMIT_KINDS.indexOf(scale.limitedBy < 0 ? "poolNodeLimit" : rs[scale.limitedBy].kind);
    s = surgeNodes(planned, surge);
    nodePer = nodeSubnetIpsPerNode(model, mp);
    podPer = podRangeIpsPerNode(model, mp);
    nodeReq = k * (planned + s) * nodePer;
    podReq = k * (planned + s) * podPer;
    nodeUsable = L > 0 ? usableIps(L) : 0;
    nodeSmallest = smallestSubnetLen(nodeReq);
    podCap = PL > 0 ? podRangeCapacity(model, PL) : 0;
    podSmallest = podPer > 0 ? smallestPodRangeLen(model, podReq) : 0;
  }
  fits &&= serviceOk;
  const vnet = (L > 0 ? 2 ** (32 - L) : 0) + (podRangeKind(model) === "pod-subnet" && PL > 0 ? 2 ** (32 - PL) : 0);
  rec[off + R.PLANNED] = planned;
  rec[off + R.SURGE] = s;
  rec[off + R.NODE_PER] = nodePer;
  rec[off + R.NODE_REQ] = nodeReq;
  rec[off + R.NODE_USABLE] = nodeUsable;
  rec[off + R.NODE_SMALLEST] = nodeSmallest;
  rec[off + R.POD_PER] = podPer;
  rec[off + R.POD_REQ] = podReq;
  rec[off + R.POD_CAP] = podCap;
  rec[off + R.POD_SMALLEST] = podSmallest;
  rec[off + R.POOL_MAX] = poolMax;
  rec[off + R.MAX_NODES] = k * poolMax;
  rec[off + R.LIMIT] = limit;
  rec[off + R.VNET] = vnet | 0;
  rec[off + R.MAX_PODS] = mp;
  rec[off + R.FLAGS] = (fits ? FLAG_FITS : 0) | (serviceOk ? FLAG_SERVICE_OK : 0);
  const feasible = fits && constraints.every((c) => constraintHolds(c, metricOf(METRIC_INDEX[c.metric], codes, rec, off)));
  if (feasible) rec[off + R.FLAGS] |= FLAG_FEASIBLE;
}

/** Rows [start, start + count) evaluated by the reference into records. */
export function referenceRange(spec: SweepSpec, start: number, count: number, rec = new Int32Array(count * SW.REC_WORDS)): Int32Array {
  const codes = new Array(PARAMS.length);
  for (let i = 0; i < count; i++) referenceRecord(decodeIndex(spec.values, start + i, codes), spec.constraints, rec, i * SW.REC_WORDS);
  return rec;
}
