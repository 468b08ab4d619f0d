// The examples in Microsoft's AKS documentation, and the capacity rules' properties.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { evaluateSingle, fit, loadCluster, plan, compare, smallestSubnetLen, usableIps, surgeNodes, podRangeCapacity, lbDefaultPortsPerNode, lbManualMaxNodes, staticBlocksPerNode, MODEL_IDS, MODEL_NODE_LIMIT, type ModelId, type SingleConfig } from "../../src/aks/index.ts";

const one = (c: Partial<SingleConfig> & Pick<SingleConfig, "model" | "maxPods">): SingleConfig => ({
  nodes: 0, surge: { value: 0, percent: false }, nodeSubnetLen: 0, podRangeLen: 0, nodeLimit: MODEL_NODE_LIMIT[c.model],
  allocatedOutboundPorts: 0, outboundIps: 1, ...c,
});

describe("Microsoft's IP-planning examples", () => {
  // learn.microsoft.com/azure/aks/concepts-network-ip-address-planning (azure-aks-docs
  // articles/aks/concepts-network-ip-address-planning.md): "Example for a 50-node cluster:
  // (51) + (51 * 30 (default)) = 1,581 (/21 or larger)".
  it("50 nodes, surge 1, maxPods 30 on Azure CNI need 1,581 addresses: a /21", () => {
    const r = fit({ model: "azure-cni", maxPods: 30, nodes: 50, surge: { value: 1, percent: false } });
    expect(r.nodeSubnet.requiredAddresses).toBe(1581);
    expect(r.nodeSubnet.smallestPrefix).toBe(21);
    expect(usableIps(22)).toBeLessThan(1581);
  });
  // Same page: "50-node cluster, preparing to scale up an extra 10 nodes with the default max surge
  // of 1 node: (61) + (61 * 30 (default)) = 1,891 (/21 or larger)".
  it("60 nodes, surge 1, maxPods 30 need 1,891 addresses: a /21", () => {
    const r = fit({ model: "azure-cni", maxPods: 30, nodes: 60, surge: { value: 1, percent: false } });
    expect(r.nodeSubnet.requiredAddresses).toBe(1891);
    expect(r.nodeSubnet.smallestPrefix).toBe(21);
  });
  // learn.microsoft.com/azure/aks/configure-kubenet: "A simple /24 IP address range can support up
  // to 251 nodes in the cluster ... up to 27,610 pods, with a default maximum of 110 pods per node"
  // (the maximums "don't take into account upgrade or scale operations": no surge).
  it("kubenet: a /24 holds 251 nodes, 27,610 pods at 110", () => {
    const r = fit({ model: "kubenet", maxPods: 110, prefix: 24, surge: { value: 0, percent: false } });
    expect(r.maxNodes).toBe(251);
    expect(r.maxPodsTotal).toBe(27610);
    expect(r.limitedBy).toBe("nodeSubnet");
  });
  // Same page: "Azure CNI: That same basic /24 subnet range can only support a maximum of eight
  // nodes in the cluster ... up to 240 pods, with a default maximum of 30 pods per node".
  it("Azure CNI: a /24 holds 8 nodes, 240 pods at 30", () => {
    const r = fit({ model: "azure-cni", maxPods: 30, prefix: 24, surge: { value: 0, percent: false } });
    expect(r.maxNodes).toBe(8);
    expect(r.maxPodsTotal).toBe(240);
  });
  // Same page: "with a /27 IP address range on your subnet, you can run a 20-25 node cluster with
  // enough room to scale or upgrade. This cluster size can support up to 2,200-2,750 pods".
  it("kubenet: a /27 runs 25 nodes with room to upgrade (2,750 pods)", () => {
    const r = evaluateSingle(one({ model: "kubenet", maxPods: 110, nodes: 25, surge: { value: 1, percent: false }, nodeSubnetLen: 27 }));
    expect(r.nodeSubnetUsable).toBe(27);
    expect(r.fits).toBe(true);
    expect(25 * 110).toBe(2750);
    expect(fit({ model: "kubenet", maxPods: 110, prefix: 27, surge: { value: 0, percent: false } }).maxNodes).toBe(27);
  });
  // InsufficientSubnetSize as AKS reports it for an overlay pod CIDR (GH Azure/AKS-Construction#701):
  // "Pre-allocated IPs 1280 exceeds IPs available 1024 in Subnet Cidr 10.240.100.0/22, Subnet Name
  // networkProfile.podCIDR" — 5 nodes × /24 against a /22 with no Azure reserve.
  it("overlay: 5 nodes need 1,280 pod addresses, a /22 pod CIDR offers 1,024", () => {
    const r = evaluateSingle(one({ model: "azure-cni-overlay", maxPods: 250, nodes: 5, podRangeLen: 22 }));
    expect(r.podRangeRequired).toBe(1280);
    expect(r.podRangeCapacity).toBe(1024);
    expect(r.fits).toBe(false);
  });
  // InvalidLoadBalancerProfileAllocatedOutboundPorts (SupportArticles-docs error-code article, and
  // the node count rule in MicrosoftDocs/SupportArticles-docs#2101: 8 nodes + 10% surge = 9):
  // "Total node count 9 requires 72000 ports but only 64000 ports are available given 1 outbound public IPs."
  it("SNAT: 8 nodes + 10% surge at 8,000 ports need 72,000 of 64,000", () => {
    const c = loadCluster([{ name: "snat.yaml", text: `
network: { model: azure-cni-overlay, outbound: { type: loadBalancer, managedOutboundIPs: 1, allocatedOutboundPorts: 8000 } }
nodePools: [ { name: system, mode: System, count: 8 } ]
` }]);
    const p = plan(c);
    const f = p.findings.find((x) => x.code === "InvalidLoadBalancerProfileAllocatedOutboundPorts")!;
    expect(f.message).toContain("Total node count 9 requires 72,000 ports but only 64,000 ports are available given 1 outbound public IPs");
    expect(lbManualMaxNodes(8000, 1)).toBe(8);
  });
  // LB-OUT default port table: 1-50 VMs 1,024; 51-100 512; ... ; 801-1,000 32.
  it("the default port table", () => {
    expect([1, 50, 51, 100, 101, 200, 201, 400, 401, 800, 801, 1000].map((v) => lbDefaultPortsPerNode(v, 1))).toEqual([1024, 1024, 512, 512, 256, 256, 128, 128, 64, 64, 32, 32]);
    expect(lbDefaultPortsPerNode(100, 2)).toBe(1024); // two frontend IPs, capped at 1,024
    expect(lbDefaultPortsPerNode(1001, 1)).toBe(0); // beyond the documented table
  });
  it("static blocks: ceil((maxPods+1)/16); default pod CIDR holds 256 /24 node blocks", () => {
    expect([15, 16, 30, 31, 110, 250].map(staticBlocksPerNode)).toEqual([1, 2, 2, 2, 7, 16]);
    expect(podRangeCapacity("azure-cni-overlay", 16) / 256).toBe(256);
    expect(surgeNodes(8, { value: 10, percent: true })).toBe(1);
    expect(surgeNodes(40, { value: 33, percent: true })).toBe(14);
    expect(surgeNodes(10, { value: 10, percent: true })).toBe(1);
  });
});

const models = fc.constantFrom<ModelId>(...MODEL_IDS);
const config = fc.record({
  model: models,
  maxPods: fc.integer({ min: 10, max: 250 }),
  nodes: fc.integer({ min: 0, max: 1000 }),
  surge: fc.oneof(fc.record({ value: fc.integer({ min: 1, max: 100 }), percent: fc.constant(true) }), fc.record({ value: fc.integer({ min: 0, max: 20 }), percent: fc.constant(false) })),
  nodeSubnetLen: fc.integer({ min: 8, max: 29 }),
  podRangeLen: fc.integer({ min: 8, max: 28 }),
  allocatedOutboundPorts: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 8000 }).map((x) => x * 8)),
  outboundIps: fc.integer({ min: 1, max: 16 }),
}).map((c) => ({ ...c, nodeLimit: MODEL_NODE_LIMIT[c.model] }) as SingleConfig);

describe("capacity properties", () => {
  it("a configuration that fits never needs more addresses than its subnet and pod range have", () => {
    fc.assert(fc.property(config, (c) => {
      const r = evaluateSingle(c);
      if (r.fits) {
        expect(r.nodeSubnetRequired).toBeLessThanOrEqual(usableIps(c.nodeSubnetLen));
        if (r.podRangePerNode > 0) expect(r.podRangeRequired).toBeLessThanOrEqual(podRangeCapacity(c.model, c.podRangeLen));
      }
      // maxNodes is itself a configuration that fits, and one more node does not.
      const at = evaluateSingle({ ...c, nodes: r.maxNodes });
      expect(at.nodeSubnetRequired).toBeLessThanOrEqual(usableIps(c.nodeSubnetLen));
      if (r.maxNodes < 1000) expect(evaluateSingle({ ...c, nodes: r.maxNodes + 1 }).fits).toBe(false);
    }), { numRuns: 400 });
  });
  it("growing the subnet (or the pod range) never lowers max nodes", () => {
    fc.assert(fc.property(config, fc.integer({ min: 1, max: 4 }), (c, grow) => {
      const before = evaluateSingle(c).maxNodes;
      expect(evaluateSingle({ ...c, nodeSubnetLen: Math.max(1, c.nodeSubnetLen - grow) }).maxNodes).toBeGreaterThanOrEqual(before);
      expect(evaluateSingle({ ...c, podRangeLen: Math.max(1, c.podRangeLen - grow) }).maxNodes).toBeGreaterThanOrEqual(before);
    }), { numRuns: 400 });
  });
  it("the smallest subnet fit reports holds the nodes, and one bit less does not", () => {
    fc.assert(fc.property(models, fc.integer({ min: 10, max: 250 }), fc.integer({ min: 1, max: 1000 }), (model, maxPods, nodes) => {
      const r = fit({ model, maxPods, nodes, surge: { value: 10, percent: true } });
      if (r.nodeSubnet.smallestPrefix > 0) {
        expect(usableIps(r.nodeSubnet.smallestPrefix)).toBeGreaterThanOrEqual(r.nodeSubnet.requiredAddresses);
        if (r.nodeSubnet.smallestPrefix < 29) expect(usableIps(r.nodeSubnet.smallestPrefix + 1)).toBeLessThan(r.nodeSubnet.requiredAddresses);
      }
      expect(smallestSubnetLen(r.nodeSubnet.requiredAddresses)).toBe(r.nodeSubnet.smallestPrefix);
    }), { numRuns: 300 });
  });
});

describe("plan, compare and fit agree", () => {
  const spec = (model: string, maxPods: number, count: number, len: number, extra = "") => `
name: agree
network: { model: ${model}, podCidr: 100.64.0.0/14, serviceCidr: 172.20.0.0/16, dnsServiceIP: 172.20.0.10 ${extra} }
vnet: { name: v, addressSpace: [10.0.0.0/8], subnets: [ { name: nodes, cidr: 10.1.0.0/${len} }, { name: pods, cidr: 10.64.0.0/14 } ] }
nodePools: [ { name: system, mode: System, count: ${count}, maxPods: ${maxPods}, subnet: nodes, maxSurge: "10%"${model.includes("static") || model.includes("pod-subnet") ? ", podSubnet: pods" : ""} } ]
`;
  it.each([["kubenet", 110, 20, 24], ["azure-cni", 30, 50, 21], ["azure-cni-overlay", 250, 100, 24], ["azure-cni-pod-subnet", 110, 30, 25], ["azure-cni-static-block", 63, 30, 26]] as const)(
    "%s maxPods %i, %i nodes in a /%i", (model, maxPods, count, len) => {
      const c = loadCluster([{ name: "agree.yaml", text: spec(model, maxPods, count, len) }]);
      const p = plan(c);
      const f = fit({ model, maxPods, nodes: count, surge: { value: 10, percent: true } });
      const nodes = p.subnets.find((s) => s.name === "nodes")!;
      expect(nodes.required).toBe(f.nodeSubnet.requiredAddresses);
      if (f.podRange) {
        const pr = model.includes("pod-subnet") || model.includes("static") ? p.subnets.find((s) => s.name === "pods")! : undefined;
        expect(pr ? pr.required : p.podRanges[0].required).toBe(f.podRange.requiredAddresses);
      }
      const mx = fit({ model, maxPods, prefix: len, podPrefix: model.includes("pod") || model.includes("static") ? 14 : model === "azure-cni" ? undefined : 14, surge: { value: 10, percent: true } });
      expect(p.pools[0].maxNodes).toBe(mx.maxNodes);
      const row = compare(c).rows.find((r) => r.model === model && r.dataplane === "azure")!;
      expect(row.maxNodes).toBe(p.cluster.maxNodes);
      expect(row.nodeSubnetRequired).toBe(nodes.required);
    });
});

describe("fit --pools agrees with plan for pools sharing a subnet", () => {
  it("a second pool in a /24 next to a 3-node system pool (Azure CNI, maxPods 30)", () => {
    const f = fit({ model: "azure-cni", maxPods: 30, prefix: 24, surge: { value: 10, percent: true }, pools: [{ name: "system", nodes: 3, maxPods: 30, surge: { value: 10, percent: true } }] });
    // (3+1)×31 = 124 for the system pool leaves 127: 3 more nodes + 1 surge = 124 fit, 4 + 1 = 155 don't.
    expect([f.maxNodes, f.nodeSubnet.requiredAddresses, f.limitedBy]).toEqual([3, 248, "nodeSubnet"]);
    const p = plan(loadCluster([{ name: "two.yaml", text: `
network: { model: azure-cni }
vnet: { addressSpace: [10.0.0.0/16], subnets: [ { name: s, cidr: 10.0.0.0/24 } ] }
nodePools: [ { name: system, mode: System, count: 3, maxPods: 30, subnet: s }, { name: apps, count: 1, maxPods: 30, subnet: s } ]
` }]));
    expect(p.pools[1].maxNodes).toBe(f.maxNodes);
  });
});
