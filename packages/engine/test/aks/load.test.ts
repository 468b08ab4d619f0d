// Loading: the three input shapes, defaults with provenance, and broken inputs with located errors.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { loadCluster, plan, diff, BUILTIN_EXAMPLE } from "../../src/aks/index.ts";
import { AksnetError } from "../../src/index.ts";

const root = new URL("../../../../", import.meta.url);
const file = (p: string) => ({ name: p, text: readFileSync(new URL(p, root), "utf8") });
const load = (text: string, name = "in.yaml") => loadCluster([{ name, text }]);
const err = (f: () => unknown): AksnetError => {
  try { f(); } catch (e) { expect(e).toBeInstanceOf(AksnetError); return e as AksnetError; }
  throw new Error("expected an error");
};

describe("inputs", () => {
  it("the built-in example is examples/clusters/overlay-cilium.yaml", () => {
    expect(BUILTIN_EXAMPLE).toBe(file("examples/clusters/overlay-cilium.yaml").text);
  });
  it("az aks show + az network vnet show, az casing and nulls", () => {
    const c = loadCluster([file("examples/clusters/az/aks-show.json"), file("examples/clusters/az/vnet-show.json")]);
    expect(c.model).toBe("azure-cni");
    expect(c.dnsServiceIp.addr.toString()).toBe("10.250.0.10");
    expect(c.pools.map((p) => [p.name, p.nodeSubnet, p.maxPods, p.maxSurgeText])).toEqual([["system", "snet-aks-nodes", 30, "10%"], ["user1", "snet-aks-nodes", 30, "33%"]]);
    expect(c.external.map((e) => e.prefixes[0].prefix.toString())).toEqual(["10.0.0.0/16"]);
    expect(c.outbound.loadBalancer?.allocatedOutboundPorts).toBe(1024);
  });
  it("ARM casing (dnsServiceIP, vnetSubnetID) and template expressions", () => {
    const c = loadCluster([file("examples/clusters/arm/azuredeploy.json")]);
    expect(c.name).toBe("aks-data-eus2");
    expect(c.model).toBe("azure-cni-pod-subnet");
    expect(c.pools.map((p) => [p.nodeSubnet, p.podSubnet, p.count, p.maxCount])).toEqual([["snet-nodes", "snet-pods", 3, undefined], ["snet-nodes", "snet-pods", 10, 50]]);
    expect(c.dnsServiceIp.path).toBe("resources[1].properties.networkProfile.dnsServiceIP");
  });
  it("an ARM resource with dnsServiceIp in any case", () => {
    const c = loadCluster([{ name: "r.json", text: JSON.stringify({ type: "Microsoft.ContainerService/managedClusters", name: "r", properties: { networkProfile: { networkplugin: "kubenet", DNSSERVICEIP: "10.0.0.20" }, agentPoolProfiles: [{ name: "a", count: 2, mode: "System" }] } }) }]);
    expect(c.model).toBe("kubenet");
    expect(c.dnsServiceIp.addr.toString()).toBe("10.0.0.20");
    expect(c.vnet.managed).toBe(true);
  });
  it("defaults are today's AKS defaults and say where they would be", () => {
    const c = load("nodePools: [ { name: sys } ]");
    expect(c.model).toBe("azure-cni-overlay");
    const d = Object.fromEntries(c.provenance.map((p) => [p.field, p.value]));
    expect(d).toMatchObject({ podCidr: "10.244.0.0/16", serviceCidr: "10.0.0.0/16", dnsServiceIP: "10.0.0.10", "sys.maxPods": "250", "sys.maxSurge": "10%", outboundType: "loadBalancer" });
    expect(c.provenance.find((p) => p.field === "sys.maxPods")!.path).toBe("nodePools[0].maxPods");
    expect(load("kubernetesVersion: '1.29'\nnodePools: [ { name: sys } ]").model).toBe("kubenet");
  });
});

describe("broken inputs name the field or line", () => {
  it("invalid CIDR", () => {
    const e = err(() => load("network:\n  podCidr: 10.244.0.300/16\nnodePools: [ { name: a } ]\n"));
    expect(e.code).toBe("InputError");
    expect(e.message).toMatch(/^in\.yaml:2:12: network\.podCidr: invalid CIDR/);
  });
  it("unknown plugin", () => {
    const e = err(() => load("network:\n  plugin: flannel\nnodePools: [ { name: a } ]\n"));
    expect(e.message).toContain("in.yaml:2:11: network.plugin: unknown value \"flannel\"");
  });
  it("wrong type", () => {
    const e = err(() => load("nodePools:\n  - name: a\n    maxPods: lots\n"));
    expect(e.message).toBe('in.yaml:3:14: nodePools[0].maxPods: expected an integer, got string "lots"');
  });
  it("truncated JSON reports line and column", () => {
    const text = readFileSync(new URL("examples/clusters/az/aks-show.json", root), "utf8").slice(0, 500);
    const e = err(() => loadCluster([{ name: "cut.json", text }]));
    expect(e.message).toMatch(/^cut\.json:\d+:\d+: invalid JSON/);
  });
  it("missing subnet: az output without the VNet plans with the subnet unknown; a subnet the VNet lacks is an error", () => {
    // issue 9 ("Only az aks show"): this used to be an error; now the subnet's range is unknown and a finding says what to pass.
    const c = loadCluster([file("examples/clusters/az/aks-show.json")]);
    expect(c.vnet.unknownSpace).toBe(true);
    expect(c.vnet.subnets.find((s) => s.name === "snet-aks-nodes")?.unknown).toBe(true);
    const e2 = err(() => load("vnet: { addressSpace: [10.0.0.0/16], subnets: [ { name: a, cidr: 10.0.0.0/24 } ] }\nnodePools: [ { name: p, subnet: b } ]\n"));
    expect(e2.message).toContain("nodePools[0].subnet: node subnet \"b\" is not in VNet vnet (subnets: a)");
  });
  it("not a cluster at all", () => {
    expect(err(() => load("hello: world\n")).message).toContain("not a cluster spec");
    expect(err(() => load("")).message).toContain("empty");
  });
});

describe("findings", () => {
  const codes = (text: string) => plan(load(text)).findings.map((f) => `${f.severity}:${f.code}:${f.path}`);
  it("the classic trap: BYO VNet 10.0.0.0/16 with the default service CIDR", () => {
    expect(codes("vnet: { addressSpace: [10.0.0.0/16], subnets: [ { name: s, cidr: 10.0.0.0/24 } ] }\nnodePools: [ { name: p, subnet: s, count: 3 } ]\n"))
      .toContain("error:ServiceCidrOverlapExistingSubnetsCidr:network.serviceCidr");
  });
  it("DNS service IP rules", () => {
    expect(codes("network: { serviceCidr: 10.200.0.0/16 }\nnodePools: [ { name: p, count: 3 } ]\n")).toContain("error:DnsServiceIpOutOfServiceCidr:network.dnsServiceIP");
    expect(codes("network: { serviceCidr: 10.200.0.0/16, dnsServiceIP: 10.200.0.1 }\nnodePools: [ { name: p, count: 3 } ]\n")).toContain("error:DnsServiceIpReserved:network.dnsServiceIP");
  });
  it("host bits, maxPods bounds, minimum pods, Windows on kubenet, reserved ranges", () => {
    const f = codes(`network: { plugin: kubenet, podCidr: 172.16.0.0/12, serviceCidr: 10.1.2.3/16, dnsServiceIP: 10.1.0.10 }
nodePools:
  - { name: p, count: 3, maxPods: 300 }
  - { name: q, count: 1, maxPods: 10 }
  - { name: w, count: 1, os: Windows }
`);
    expect(f).toEqual(expect.arrayContaining([
      "warning:HostBitsSet:network.serviceCidr", "error:MaxPodsOutOfRange:nodePools[0].maxPods", "error:MaxPodsMinimumPods:nodePools[1].maxPods",
      "error:WindowsNotSupported:nodePools[2].os", "error:ReservedRangeOverlap:network.podCidr", "warning:RetiringOption:network.plugin",
    ]));
  });
  it("insufficient subnet: the fix is the smallest prefix and a free range from the VNet", () => {
    const p = plan(load("network: { model: azure-cni }\nvnet: { addressSpace: [10.0.0.0/16], subnets: [ { name: s, cidr: 10.0.0.0/24 } ] }\nnodePools: [ { name: p, subnet: s, count: 50, maxSurge: '1' } ]\n"));
    const f = p.findings.find((x) => x.code === "InsufficientSubnetSize")!;
    expect(f.path).toBe("vnet.subnets[0].cidr");
    expect(f.message).toContain("Pre-allocated IPs 1,550 exceeds IPs available 251");
    expect(f.fix).toBe("needs a /21 or larger; free /21 in the VNet: 10.0.8.0/21");
  });
  it("kubenet route limit and cilium/policy rules", () => {
    expect(codes("network: { plugin: kubenet, podCidr: 10.128.0.0/9 }\nvnet: { addressSpace: [10.0.0.0/16], subnets: [ { name: s, cidr: 10.0.0.0/16 } ] }\nnodePools: [ { name: p, subnet: s, count: 380 } ]\n"))
      .toContain("error:KubenetRouteTableLimit:nodePools[0].count");
    expect(codes("network: { model: azure-cni-overlay, policy: cilium }\nnodePools: [ { name: p, count: 3 } ]\n")).toContain("error:NetworkPolicyNotSupported:network.policy");
  });
});

describe("diff", () => {
  it("kubenet → overlay is a migration with its az command; maxPods needs a new pool", () => {
    const a = load("name: c\nnetwork: { plugin: kubenet }\nnodePools: [ { name: p, count: 3, maxPods: 110 } ]\n");
    const b = load("name: c\nnetwork: { model: azure-cni-overlay }\nnodePools: [ { name: p, count: 3, maxPods: 250 } ]\n");
    const d = diff(a, b);
    expect(d.changes.map((x) => [x.field, x.kind])).toEqual([["network model", "migration"], ["p.maxPods", "new-pool"]]);
    expect(d.changes[0].command).toBe("az aks update -g <resource-group> -n c --network-plugin azure --network-plugin-mode overlay");
    expect(d.verdict).toBe("new-pool");
    expect(diff(b, a).changes[0].kind).toBe("new-cluster");
  });
});

describe("shapes seen in real output", () => {
  const vnetRest = JSON.stringify({ name: "vnet", type: "Microsoft.Network/virtualNetworks", properties: { addressSpace: { addressPrefixes: ["10.1.0.0/16"] }, subnets: [{ name: "nodes", properties: { addressPrefix: "10.1.0.0/22" } }, { name: "nodes-win", properties: { addressPrefix: "10.1.4.0/24" } }] } });
  // The illustrative az skeleton of aks-facts.md §7: a Windows pool on the Cilium dataplane must be flagged.
  it("az skeleton with a Windows pool on Cilium, VNet in REST shape", () => {
    const aks = {
      name: "aks-prod", kubernetesVersion: "1.33",
      networkProfile: { networkPlugin: "azure", networkPluginMode: "overlay", networkPolicy: "cilium", networkDataplane: "cilium", podCidr: "192.168.0.0/16", podCidrs: ["192.168.0.0/16"], serviceCidr: "10.96.0.0/16", dnsServiceIp: "10.96.0.10", ipFamilies: ["IPv4"], outboundType: "loadBalancer", loadBalancerSku: "standard", loadBalancerProfile: { managedOutboundIPs: { count: 2, countIpv6: null }, outboundIPs: null, outboundIpPrefixes: null, allocatedOutboundPorts: 4000, idleTimeoutInMinutes: 30 }, natGatewayProfile: null },
      agentPoolProfiles: [
        { name: "system", mode: "System", osType: "Linux", count: 3, enableAutoScaling: true, minCount: 3, maxCount: 5, maxPods: 110, vnetSubnetId: "/subscriptions/x/resourceGroups/net-rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/nodes", podSubnetId: null, upgradeSettings: { maxSurge: "10%", maxUnavailable: "0" } },
        { name: "win1", mode: "User", osType: "Windows", count: 4, enableAutoScaling: false, minCount: null, maxCount: null, maxPods: 110, vnetSubnetId: "/subscriptions/x/resourcegroups/net-rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/nodes-win", podSubnetId: null, upgradeSettings: { maxSurge: "33%" } },
      ],
    };
    const p = plan(loadCluster([{ name: "aks.json", text: JSON.stringify(aks, null, 2) }, { name: "vnet.json", text: vnetRest }]));
    expect(p.findings.filter((f) => f.severity === "error").map((f) => `${f.code} ${f.path}`)).toEqual(["WindowsNotSupported agentPoolProfiles[1].osType"]);
    expect(p.pools.map((x) => [x.name, x.nodes, x.surgeNodes])).toEqual([["system", 5, 1], ["win1", 4, 2]]);
    // (5 + 1) + (4 + 2) = 12 nodes with surge × 4,000 ports = 48,000 of 128,000 on two IPs: up to 32 nodes.
    expect([p.snat.nodesCounted, p.snat.maxNodes, p.snat.fits]).toEqual([12, 32, true]);
  });
  it("az network vnet create output wraps the VNet in newVNet", () => {
    const wrapped = JSON.stringify({ newVNet: { name: "vnet", addressSpace: { addressPrefixes: ["10.1.0.0/16"] }, subnets: [{ name: "nodes", addressPrefix: "10.1.0.0/24" }] } });
    const c = loadCluster([{ name: "a.json", text: JSON.stringify({ name: "a", networkProfile: { networkPlugin: "kubenet" }, agentPoolProfiles: [{ name: "s", mode: "System", count: 3, vnetSubnetId: "/x/virtualNetworks/vnet/subnets/nodes" }] }) }, { name: "v.json", text: wrapped }]);
    expect(c.vnet.subnets[0].prefixes[0].toString()).toBe("10.1.0.0/24");
  });
  it("a terminal-wrapped string inside JSON is reported where it breaks", () => {
    const e = err(() => loadCluster([{ name: "wrapped.json", text: '{\n  "name": "a",\n  "id": "/subscriptions/abc\ndef"\n}' }]));
    expect(e.message).toMatch(/^wrapped\.json:3:\d+: invalid JSON: Bad control character in string literal/);
  });
  it("a subnet ID in another VNet than the one given", () => {
    const e = err(() => loadCluster([{ name: "a.json", text: JSON.stringify({ name: "a", agentPoolProfiles: [{ name: "s", vnetSubnetId: "/x/virtualNetworks/other/subnets/nodes" }] }) }, { name: "v.json", text: vnetRest }]));
    expect(e.message).toContain('agentPoolProfiles[0].vnetSubnetId: the node subnet is in VNet "other" but the VNet given is "vnet"');
  });
});
