// Property tests on plan() itself: random multi-pool clusters sharing subnets, checked against a
// plain recomputation of the documented formulas (not against capacity.ts).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { loadCluster, plan, evaluateSingle, MODEL_NODE_LIMIT, type ModelId } from "../../src/aks/index.ts";

const MODELS: ModelId[] = ["kubenet", "azure-cni", "azure-cni-pod-subnet", "azure-cni-static-block", "azure-cni-overlay"];

interface Gen {
  model: ModelId;
  nodeLen: number;
  podLen: number;
  pools: { count: number; max: number | null; maxPods: number; surge: string; subnet: 0 | 1 }[];
}

const gen = fc.record({
  model: fc.constantFrom(...MODELS),
  nodeLen: fc.integer({ min: 20, max: 28 }),
  podLen: fc.integer({ min: 14, max: 24 }),
  pools: fc.array(fc.record({
    count: fc.integer({ min: 1, max: 60 }),
    max: fc.option(fc.integer({ min: 60, max: 200 }), { nil: null }),
    maxPods: fc.integer({ min: 30, max: 250 }),
    surge: fc.oneof(fc.integer({ min: 1, max: 5 }).map(String), fc.integer({ min: 1, max: 100 }).map((p) => `${p}%`)),
    subnet: fc.constantFrom<0 | 1>(0, 1),
  }), { minLength: 1, maxLength: 4 }),
});

function spec(g: Gen): string {
  const podSubnet = g.model === "azure-cni-pod-subnet" || g.model === "azure-cni-static-block";
  const pools = g.pools.map((p, i) => `  - { name: p${i}, ${i === 0 ? "mode: System, " : ""}count: ${p.count}, ${p.max ? `autoscale: { min: 1, max: ${p.max} }, ` : ""}maxPods: ${p.maxPods}, maxSurge: "${p.surge}", subnet: n${p.subnet}${podSubnet ? ", podSubnet: pods" : ""} }`).join("\n");
  return `name: prop
network: { model: ${g.model}, podCidr: 100.64.0.0/${g.podLen}, serviceCidr: 172.20.0.0/16, dnsServiceIP: 172.20.0.10 }
vnet:
  addressSpace: [10.0.0.0/8]
  subnets:
    - { name: n0, cidr: 10.1.0.0/${g.nodeLen} }
    - { name: n1, cidr: 10.2.0.0/${g.nodeLen} }
    - { name: pods, cidr: 10.128.0.0/${g.podLen} }
nodePools:
${pools}
`;
}

/** The documented formulas, written out again: per-node node-subnet and pod-range addresses. */
function oracle(g: Gen, subnet: "n0" | "n1" | "pods"): number {
  let sum = 0;
  g.pools.forEach((p) => {
    const nodes = Math.max(p.count, p.max ?? 0);
    const surge = Math.min(nodes, p.surge.endsWith("%") ? Math.ceil((nodes * Number(p.surge.slice(0, -1))) / 100) : Number(p.surge));
    const n = nodes + surge;
    if (subnet === "pods") {
      if (g.model === "azure-cni-pod-subnet") sum += n * 16 * Math.ceil(p.maxPods / 16);
      if (g.model === "azure-cni-static-block") sum += n * 16 * Math.ceil((p.maxPods + 1) / 16);
    } else if (`n${p.subnet}` === subnet) {
      sum += n * (g.model === "azure-cni" ? p.maxPods + 1 : 1);
    }
  });
  return sum;
}

describe("plan() properties", () => {
  it("a subnet plan says fits never needs more addresses than it has; required matches the formulas", () => {
    fc.assert(fc.property(gen, (g) => {
      const p = plan(loadCluster([{ name: "prop.yaml", text: spec(g) }]));
      for (const s of p.subnets) {
        const expected = oracle(g, s.name as "n0" | "n1" | "pods");
        expect(s.required).toBe(expected);
        const usable = 2 ** (32 - Number(s.cidr.split("/")[1])) - 5;
        if (s.name !== "pods" || g.model === "azure-cni-pod-subnet") expect(s.usable).toBe(usable);
        if (s.fits) expect(expected).toBeLessThanOrEqual(s.usable);
        expect(s.fits).toBe(expected <= s.usable);
      }
      for (const r of p.podRanges.filter((x) => x.kind === "pod-cidr")) {
        expect(r.fits).toBe(r.slotsRequired <= 2 ** (24 - g.podLen));
      }
    }), { numRuns: 200 });
  });
  it("growing a node subnet or the pod range never lowers any pool's or the cluster's max nodes", () => {
    fc.assert(fc.property(gen, fc.integer({ min: 1, max: 3 }), (g, grow) => {
      const before = plan(loadCluster([{ name: "a.yaml", text: spec(g) }]));
      const after = plan(loadCluster([{ name: "b.yaml", text: spec({ ...g, nodeLen: g.nodeLen - grow, podLen: g.podLen - grow }) }]));
      before.pools.forEach((p, i) => expect(after.pools[i].maxNodes).toBeGreaterThanOrEqual(p.maxNodes));
      expect(after.cluster.maxNodes).toBeGreaterThanOrEqual(before.cluster.maxNodes);
    }), { numRuns: 100 });
  });
});

describe("plan() and the single-configuration kernel agree", () => {
  // evaluateSingle is the reference the WebAssembly sweep kernel will be compared with; plan() of
  // the same one-pool cluster must give the same numbers.
  const one = fc.record({
    model: fc.constantFrom(...MODELS),
    maxPods: fc.integer({ min: 10, max: 250 }),
    nodes: fc.integer({ min: 1, max: 1000 }),
    surge: fc.oneof(fc.integer({ min: 1, max: 100 }).map((v) => ({ value: v, percent: true })), fc.integer({ min: 1, max: 10 }).map((v) => ({ value: v, percent: false }))),
    nodeSubnetLen: fc.integer({ min: 12, max: 29 }),
    podRangeLen: fc.integer({ min: 10, max: 28 }),
    allocatedOutboundPorts: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1000 }).map((x) => x * 8)),
    outboundIps: fc.integer({ min: 1, max: 8 }),
  });
  it("required addresses, fits and max nodes", () => {
    fc.assert(fc.property(one, (o) => {
      const podSubnet = o.model === "azure-cni-pod-subnet" || o.model === "azure-cni-static-block";
      const podLen = o.model === "kubenet" || o.model === "azure-cni-overlay" ? Math.min(o.podRangeLen, 24) : o.podRangeLen;
      const text = `name: k
network: { model: ${o.model}, podCidr: 100.64.0.0/${Math.max(podLen, 10)}, serviceCidr: 172.20.0.0/16, dnsServiceIP: 172.20.0.10, outbound: { type: loadBalancer, managedOutboundIPs: ${o.outboundIps}, allocatedOutboundPorts: ${o.allocatedOutboundPorts} } }
vnet: { addressSpace: [10.0.0.0/8], subnets: [ { name: nodes, cidr: 10.0.0.0/${o.nodeSubnetLen} }, { name: pods, cidr: 10.128.0.0/${o.podRangeLen} } ] }
nodePools: [ { name: p, mode: System, count: ${o.nodes}, maxPods: ${o.maxPods}, maxSurge: "${o.surge.value}${o.surge.percent ? "%" : ""}", subnet: nodes${podSubnet ? ", podSubnet: pods" : ""} } ]
`;
      const p = plan(loadCluster([{ name: "k.yaml", text }]));
      const r = evaluateSingle({ model: o.model, maxPods: o.maxPods, nodes: o.nodes, surge: o.surge, nodeSubnetLen: o.nodeSubnetLen, podRangeLen: podSubnet ? o.podRangeLen : Math.max(podLen, 10), nodeLimit: MODEL_NODE_LIMIT[o.model], allocatedOutboundPorts: o.allocatedOutboundPorts, outboundIps: o.outboundIps });
      const nodes = p.subnets.find((s) => s.name === "nodes")!;
      expect(nodes.required).toBe(r.nodeSubnetRequired);
      expect(nodes.usable).toBe(r.nodeSubnetUsable);
      if (podSubnet) expect(p.subnets.find((s) => s.name === "pods")!.required).toBe(r.podRangeRequired);
      else if (r.podRangePerNode) expect(p.podRanges[0].required).toBe(r.podRangeRequired);
      expect(p.pools[0].maxNodes).toBe(r.maxNodes);
      expect(p.cluster.maxNodes).toBe(r.maxNodes);
      expect(p.pools[0].surgeNodes).toBe(r.surgeNodes);
    }), { numRuns: 300 });
  });
});
