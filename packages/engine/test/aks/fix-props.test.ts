// Acceptance properties of issue 9, over random clusters built from ranges that collide on purpose:
// every suggested fix, applied, removes its finding and adds no new error; diff of a cluster with
// itself is empty; fit and plan agree (SNAT included).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { loadCluster, plan, diff, fit, applyFix, type ModelId, type Finding } from "../../src/aks/index.ts";

const MODELS: ModelId[] = ["kubenet", "azure-cni", "azure-cni-pod-subnet", "azure-cni-static-block", "azure-cni-overlay"];
// Pod and service candidates that overlap the VNet, each other, reserved ranges and on-prem.
const POD = ["10.244.1.0/16", "10.244.0.0/16", "10.244.0.0/22", "10.0.0.0/20", "10.0.128.0/20", "172.16.0.0/12", "192.168.0.0/20", "100.64.0.0/18", "10.96.0.0/16", "10.244.0.0/24"];
const SVC = ["10.0.0.0/16", "10.96.0.0/16", "10.64.0.0/11", "172.30.0.0/16", "192.168.0.0/16", "10.100.0.0/12", "10.244.0.0/16"];
const ONPREM = [null, "192.168.0.0/20", "10.244.128.0/20", "10.96.0.0/12"];

const gen = fc.record({
  model: fc.constantFrom(...MODELS),
  version: fc.constantFrom("1.26", "1.29", "1.31"),
  pod: fc.constantFrom(...POD),
  svc: fc.constantFrom(...SVC),
  dns: fc.constantFrom("tenth", "default", "first"),
  onPrem: fc.constantFrom(...ONPREM),
  nodeLen: fc.integer({ min: 22, max: 28 }),
  podLen: fc.integer({ min: 18, max: 26 }),
  // Where the pod subnet sits: inside the VNet, overlapping the node subnet, outside the VNet, or with host bits.
  podAt: fc.constantFrom("10.0.64.0", "10.0.0.0", "10.9.0.0", "10.0.64.1"),
  ports: fc.constantFrom(0, 1001, 1024, 8000, 4000),
  ips: fc.integer({ min: 1, max: 3 }),
  pools: fc.array(fc.record({ count: fc.integer({ min: 1, max: 120 }), maxPods: fc.constantFrom(30, 63, 110, 250), surge: fc.constantFrom("1", "10%", "33%") }), { minLength: 1, maxLength: 3 }),
});
type G = typeof gen extends fc.Arbitrary<infer T> ? T : never;

function spec(g: G): string {
  const podSubnet = g.model === "azure-cni-pod-subnet" || g.model === "azure-cni-static-block";
  const base = g.svc.split("/")[0].split(".").map(Number);
  const dns = g.dns === "default" ? "" : `, dnsServiceIP: ${base[0]}.${base[1]}.${base[2]}.${g.dns === "tenth" ? base[3] + 10 : base[3] + 1}`;
  return `name: prop
kubernetesVersion: "${g.version}"
network: { model: ${g.model}, podCidr: ${g.pod}, serviceCidr: ${g.svc}${dns}, outbound: { type: loadBalancer, managedOutboundIPs: ${g.ips}, allocatedOutboundPorts: ${g.ports} } }
vnet:
  addressSpace: [10.0.0.0/16]
  subnets:
    - { name: nodes, cidr: 10.0.0.0/${g.nodeLen} }
    - { name: pods, cidr: ${g.podAt}/${g.podLen} }
${g.onPrem ? `onPremises: [ { name: dc, cidrs: [${g.onPrem}] } ]\n` : ""}nodePools:
${g.pools.map((p, i) => `  - { name: p${i}, ${i === 0 ? "mode: System, " : ""}count: ${p.count}, maxPods: ${p.maxPods}, maxSurge: "${p.surge}", subnet: nodes${podSubnet ? ", podSubnet: pods" : ""} }`).join("\n")}
`;
}

const key = (f: Finding) => `${f.code} @ ${f.path}`;

describe("suggested fixes pass the tool's own checks", () => {
  it("applying any patch removes its finding and adds no new error", () => {
    let patched = 0;
    const codes = new Set<string>();
    fc.assert(fc.property(gen, (g) => {
      const c = loadCluster([{ name: "p.yaml", text: spec(g) }]);
      const before = plan(c).findings;
      const errorsBefore = new Set(before.filter((f) => f.severity === "error").map(key));
      for (const f of before.filter((x) => x.patch)) {
        patched++;
        codes.add(f.code);
        const after = plan(applyFix(c, f.patch!)).findings;
        expect(after.map(key), `${key(f)} fixed by ${JSON.stringify(f.patch)}\n${spec(g)}`).not.toContain(key(f));
        const added = after.filter((x) => x.severity === "error" && !errorsBefore.has(key(x))).map((x) => `${key(x)}: ${x.message}`);
        expect(added, `${key(f)} fixed by ${JSON.stringify(f.patch)}\n${spec(g)}`).toEqual([]);
      }
    }), { numRuns: 300, seed: 9 });
    expect(patched).toBeGreaterThan(100); // the generator does produce fixable findings, of these kinds:
    for (const code of ["HostBitsSet", "SubnetOverlap", "SubnetOutsideVnet", "InsufficientSubnetSize", "NetworkProfileCIDROverlapVNET", "PodCidrOverlapServiceCidr", "ServiceCidrOverlapExistingSubnetsCidr", "ServiceCidrTooLarge", "ReservedRangeOverlap", "DnsServiceIpOutOfServiceCidr", "DnsServiceIpReserved", "InvalidLoadBalancerProfileAllocatedOutboundPorts", "PodCidrOverlapOnPremises"]) expect(codes, code).toContain(code);
  });
});

describe("diff of a cluster with itself is empty", () => {
  it("random clusters, and the real az documents", () => {
    fc.assert(fc.property(gen, (g) => {
      const text = spec(g);
      const p = diff(loadCluster([{ name: "a.yaml", text }]), loadCluster([{ name: "b.yaml", text }]));
      expect(p.changes).toEqual([]);
      expect(p.verdict).toBe("none");
    }), { numRuns: 200, seed: 10 });
  });
});

describe("fit and plan agree", () => {
  const one = fc.record({
    model: fc.constantFrom(...MODELS),
    maxPods: fc.integer({ min: 10, max: 250 }),
    nodes: fc.integer({ min: 1, max: 1000 }),
    surge: fc.oneof(fc.integer({ min: 1, max: 100 }).map((v) => ({ value: v, percent: true })), fc.integer({ min: 1, max: 10 }).map((v) => ({ value: v, percent: false }))),
    nodeLen: fc.integer({ min: 12, max: 28 }),
    podLen: fc.integer({ min: 12, max: 24 }),
    ports: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 500 }).map((x) => x * 8)),
    ips: fc.integer({ min: 1, max: 4 }),
  });
  const text = (o: { model: ModelId; maxPods: number; nodes: number; surge: { value: number; percent: boolean }; ports: number; ips: number }, nodeLen: number, podLen: number) => {
    const podSubnet = o.model === "azure-cni-pod-subnet" || o.model === "azure-cni-static-block";
    return `name: k
kubernetesVersion: "1.31"
network: { model: ${o.model}, podCidr: 100.64.0.0/${Math.max(podLen, 10)}, serviceCidr: 172.20.0.0/16, dnsServiceIP: 172.20.0.10, outbound: { type: loadBalancer, managedOutboundIPs: ${o.ips}, allocatedOutboundPorts: ${o.ports} } }
vnet: { addressSpace: [10.0.0.0/8, 11.0.0.0/8], subnets: [ { name: nodes, cidr: 10.0.0.0/${nodeLen} }, { name: pods, cidr: 11.0.0.0/${podLen} } ] }
nodePools: [ { name: p, mode: System, count: ${o.nodes}, maxPods: ${o.maxPods}, maxSurge: "${o.surge.value}${o.surge.percent ? "%" : ""}", subnet: nodes${podSubnet ? ", podSubnet: pods" : ""} } ]
`;
  };
  const CAPACITY = ["InsufficientSubnetSize", "SubnetIsFull", "KubenetRouteTableLimit", "ClusterNodeLimit", "InvalidLoadBalancerProfileAllocatedOutboundPorts", "VnetIpLimit"];
  it("--prefix: fit's max nodes are plan's max nodes for the same subnet, pod range and SNAT", () => {
    fc.assert(fc.property(one, (o) => {
      const podLen = o.model === "kubenet" || o.model === "azure-cni-overlay" ? Math.min(o.podLen, 24) : o.podLen;
      const p = plan(loadCluster([{ name: "k.yaml", text: text(o, o.nodeLen, podLen) }]));
      const f = fit({ model: o.model, maxPods: o.maxPods, surge: o.surge, prefix: o.nodeLen, podPrefix: Math.max(podLen, 10), allocatedOutboundPorts: o.ports, outboundIps: o.ips });
      expect(f.maxNodes).toBe(p.pools[0].maxNodes);
    }), { numRuns: 300, seed: 11 });
  });
  it("--nodes: fit says it fits exactly when plan, in the smallest subnet and pod range fit names, has no capacity error", () => {
    fc.assert(fc.property(one, (o) => {
      const f = fit({ model: o.model, maxPods: o.maxPods, surge: o.surge, nodes: o.nodes, allocatedOutboundPorts: o.ports, outboundIps: o.ips });
      const nodeLen = f.nodeSubnet.smallestPrefix > 0 ? Math.max(8, f.nodeSubnet.smallestPrefix) : 8;
      const podLen = f.podRange && f.podRange.smallestPrefix > 0 ? Math.max(10, f.podRange.smallestPrefix) : 10;
      const p = plan(loadCluster([{ name: "k.yaml", text: text(o, nodeLen, podLen) }]));
      const capacity = p.findings.filter((x) => x.severity === "error" && CAPACITY.includes(x.code)).map((x) => x.code);
      expect(f.fits, `${JSON.stringify(o)} plan: ${capacity.join(", ")} fit: ${f.reasons.join("; ")}`).toBe(capacity.length === 0);
      if (o.ports > 0) expect(f.snat!.fits).toBe(p.snat.fits);
    }), { numRuns: 300, seed: 12 });
  });
});
