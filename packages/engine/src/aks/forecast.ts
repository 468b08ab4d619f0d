// forecast(): when each limited resource runs out as the cluster grows. The growth (nodes or pods
// per period, or a percentage) goes into one pool; each step re-checks the same resources plan()
// uses (capacityModel: subnets, pod ranges, route table, node limits, SNAT ports, VNet IPs, policy
// engine), so a forecast's "runs out" is the step at which `aksnet plan` would first report it.
// Then each remedy (a bigger subnet or pod range, one more outbound IP, Overlay instead of kubenet's
// route table) is tried on the numbers alone, and the one that postpones the first exhaustion most wins.
import { UsageError } from "../errors.ts";
import { groupDigits } from "../text.ts";
import { CLUSTER_NODE_LIMIT, LB_PORTS_PER_IP, POOL_NODE_LIMIT } from "./constants.ts";
import { podRangeCapacity, resourceRequired, usableIps, type PoolDemand, type Resource } from "./capacity.ts";
import type { Cluster } from "./model.ts";
import { capacityModel, plannedNodes } from "./plan.ts";
import { today } from "./findings.ts";

export type GrowthUnit = "nodes" | "pods" | "percent";
export type Period = "day" | "week" | "month" | "quarter" | "year";
export interface Growth { amount: number; unit: GrowthUnit; period: Period }

/** "5/month", "5 nodes/month", "500 pods/week", "10%/quarter". */
export function parseGrowth(text: string): Growth {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%|nodes?|pods?)?\s*(?:\/|per|a|an)\s*(day|week|month|quarter|year)s?\s*$/i.exec(text);
  if (!m || Number(m[1]) <= 0) throw new UsageError(`--growth must be like 5/month, 500 pods/week or 10%/quarter, not ${JSON.stringify(text)}`);
  const unit: GrowthUnit = m[2] === "%" ? "percent" : /^pod/i.test(m[2] ?? "") ? "pods" : "nodes";
  if (unit === "nodes" && !Number.isInteger(Number(m[1]))) throw new UsageError(`--growth ${text}: a node count is a whole number`);
  const max = unit === "percent" ? 1000 : unit === "pods" ? 1_000_000 : 5000;
  if (Number(m[1]) > max) throw new UsageError(`--growth ${text}: at most ${groupDigits(max)}${unit === "percent" ? "%" : ` ${unit}`} a period`);
  return { amount: Number(m[1]), unit, period: m[3].toLowerCase() as Period };
}

export interface ForecastRow {
  kind: Resource["kind"] | "poolNodeLimit";
  resource: string;
  /** The first step (period) at which it no longer holds; 0 = already out; null = not within the horizon. */
  step: number | null;
  date: string | null;
  /** Planned nodes of the growing pool at that step. */
  nodes: number | null;
}

export interface Forecast {
  cluster: { name: string; model: string };
  growth: Growth & { pool: string; text: string };
  start: string;
  horizon: number;
  now: { nodes: number };
  rows: ForecastRow[];
  first: ForecastRow | null;
  /** The single change that postpones the first exhaustion most, and by how many periods. */
  best: { change: string; firstStep: number | null; gained: number | null } | null;
}

const HORIZON = 600;

function addPeriods(date: string, period: Period, n: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  if (period === "day") d.setUTCDate(d.getUTCDate() + n);
  else if (period === "week") d.setUTCDate(d.getUTCDate() + 7 * n);
  else d.setUTCMonth(d.getUTCMonth() + n * (period === "month" ? 1 : period === "quarter" ? 3 : 12));
  return d.toISOString().slice(0, 10);
}

export function forecast(c: Cluster, growth: Growth, opts: { pool?: string; start?: string; horizon?: number } = {}): Forecast {
  if (!c.pools.length) throw new UsageError("the cluster has no node pools to grow");
  const m = capacityModel(c);
  const planned = c.pools.map(plannedNodes);
  let gi = opts.pool ? c.pools.findIndex((p) => p.name.toLowerCase() === opts.pool!.toLowerCase()) : -1;
  if (opts.pool && gi < 0) throw new UsageError(`--pool ${opts.pool}: no such pool (pools: ${c.pools.map((p) => p.name).join(", ")})`);
  if (gi < 0) {
    // The largest User pool grows (the System pool rarely does); else the largest pool.
    const order = c.pools.map((p, k) => k).sort((a, b) => Number(c.pools[b].mode === "User") - Number(c.pools[a].mode === "User") || planned[b] - planned[a]);
    gi = order[0];
  }
  const pool = c.pools[gi];
  const horizon = opts.horizon ?? HORIZON;
  const start = opts.start ?? today();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(start) || Number.isNaN(Date.parse(`${start}T00:00:00Z`)) || new Date(`${start}T00:00:00Z`).toISOString().slice(0, 10) !== start) {
    throw new UsageError(`--start must be a real date like 2026-12-01, not ${JSON.stringify(start)}`);
  }
  const total0 = planned.reduce((s, x) => s + x, 0);
  const nodesAt = (step: number): number => {
    if (growth.unit === "nodes") return planned[gi] + growth.amount * step;
    if (growth.unit === "pods") return planned[gi] + Math.ceil((growth.amount * step) / Math.max(1, pool.maxPods));
    return planned[gi] + Math.ceil(total0 * ((1 + growth.amount / 100) ** step - 1) - 1e-9);
  };
  const demands = (step: number): PoolDemand[] => m.demands.map((d, k) => (k === gi ? { ...d, nodes: nodesAt(step) } : d));
  const firstStep = (r: Resource): number | null => {
    // Demands only grow with the step, so a binary search finds the first failing one.
    const fails = (s: number) => resourceRequired(r, demands(s)) > r.capacity;
    if (!fails(horizon)) return null;
    let lo = -1, hi = horizon;
    while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (fails(mid)) hi = mid; else lo = mid; }
    return hi;
  };
  const poolLimitStep = (): number | null => {
    for (let s = 0; s <= horizon; s++) if (nodesAt(s) > POOL_NODE_LIMIT) return s;
    return null;
  };
  const row = (kind: ForecastRow["kind"], resource: string, step: number | null): ForecastRow => ({ kind, resource, step, date: step === null ? null : addPeriods(start, growth.period, step), nodes: step === null ? null : nodesAt(step) });
  const rows: ForecastRow[] = m.resources.map((r, i) => row(r.kind, m.names[i].message, firstStep(r)));
  rows.push(row("poolNodeLimit", `AKS per-pool node limit (${groupDigits(POOL_NODE_LIMIT)}) for pool ${pool.name}`, poolLimitStep()));
  rows.sort((a, b) => (a.step ?? Infinity) - (b.step ?? Infinity));
  const first = rows.find((r) => r.step !== null) ?? null;

  // Remedies, tried on the numbers: each changes one resource's capacity.
  const overall = (rs: Resource[]): number | null => {
    const steps = [...rs.map((r) => firstStep(r)), poolLimitStep()].filter((x): x is number => x !== null);
    return steps.length ? Math.min(...steps) : null;
  };
  const candidates: { change: string; resources: Resource[] }[] = [];
  const swap = (i: number, capacity: number) => m.resources.map((r, k) => (k === i ? { ...r, capacity } : r));
  m.resources.forEach((r, i) => {
    if (r.kind === "nodeSubnet" && r.ref >= 0) {
      const s = c.vnet.subnets[r.ref];
      const p4 = s.prefixes.find((p) => p.family === 4);
      if (p4) for (const grow of [1, 2]) if (p4.bits - grow >= 8) candidates.push({ change: `a /${p4.bits - grow} node subnet instead of ${s.name}'s /${p4.bits} (a new pool on a new subnet)`, resources: swap(i, Math.max(0, usableIps(p4.bits - grow) - (s.inUseByOthers ?? 0))) });
    } else if (r.kind === "podRange" && r.ref < 0) {
      const p4 = c.podCidrs.find((p) => p.prefix.family === 4)?.prefix;
      if (p4) for (const grow of [1, 2]) if (p4.bits - grow >= 8) candidates.push({ change: `pod CIDR /${p4.bits - grow} (${c.model === "azure-cni-overlay" ? "az aks update --pod-cidr to the superset" : "a new cluster"})`, resources: swap(i, podRangeCapacity(c.model, p4.bits - grow)) });
    } else if (r.kind === "podRange" && r.ref >= 0) {
      const s = c.vnet.subnets[r.ref];
      const p4 = s.prefixes.find((p) => p.family === 4);
      if (p4) candidates.push({ change: `a /${p4.bits - 1} pod subnet instead of ${s.name}'s /${p4.bits}`, resources: swap(i, Math.round(r.capacity * 2)) });
    } else if (r.kind === "snatPorts") {
      candidates.push({ change: "one more outbound IP (az aks update --load-balancer-managed-outbound-ip-count)", resources: swap(i, r.capacity + LB_PORTS_PER_IP) });
      candidates.push({ change: "half the SNAT ports per node (--load-balancer-outbound-ports)", resources: swap(i, r.capacity * 2) });
    } else if (r.kind === "routeTable") {
      candidates.push({ change: "migrate to Azure CNI Overlay (no route table limit; the pod CIDR stays)", resources: m.resources.map((x, k) => (k === i ? { ...x, capacity: CLUSTER_NODE_LIMIT } : x)) });
    }
  });
  const base = overall(m.resources);
  let best: Forecast["best"] = null;
  for (const cand of candidates) {
    const s = overall(cand.resources);
    const gained = base === null ? null : s === null ? horizon - base : s - base;
    if (gained !== null && gained > 0 && (!best || (best.gained ?? 0) < gained)) best = { change: cand.change, firstStep: s, gained };
  }
  return {
    cluster: { name: c.name, model: c.model },
    growth: { ...growth, pool: pool.name, text: `${growth.unit === "percent" ? `${growth.amount}%` : `${groupDigits(growth.amount)} ${growth.unit}`} a ${growth.period}` },
    start,
    horizon,
    now: { nodes: planned[gi] },
    rows,
    first,
    best,
  };
}
