// Regression tests for the planner's wrong or misleading answers (issue 9, points 1-13) and the
// planner parts of issue 13 item 14. Each test failed before its fix.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import {
  loadCluster, plan, compare, diff, fit, applyFix, type Cluster,
  DYNAMIC_BATCH_SIZE, DYNAMIC_REQUEST_THRESHOLD, DYNAMIC_MIN_IPS_PER_NODE, dynamicWorstCasePerNode, podRangeIpsPerNode,
  OVERLAY_POD_CIDR_SURGE_RULE, DEFAULT_MAX_SURGE_BEFORE_1_27, MAX_SURGE_10_PERCENT_FROM_MINOR, surgeNodes,
} from "../../src/aks/index.ts";
import { AksnetError, UsageError } from "../../src/errors.ts";

const fixture = (name: string) => readFileSync(new URL(`fixtures/az-real/${name}`, import.meta.url), "utf8");
const load = (text: string, name = "c.yaml") => loadCluster([{ name, text }]);
const findings = (c: Cluster) => plan(c).findings;
const err = (f: () => unknown): AksnetError => {
  try { f(); } catch (e) { expect(e).toBeInstanceOf(AksnetError); return e as AksnetError; }
  throw new Error("expected an error");
};

const overlay = (podCidr: string, pools: string, extra = "") => `name: o
kubernetesVersion: "1.31"
network: { model: azure-cni-overlay, podCidr: ${podCidr}, serviceCidr: 172.20.0.0/16, dnsServiceIP: 172.20.0.10${extra} }
vnet: { addressSpace: [10.10.0.0/16], subnets: [ { name: nodes, cidr: 10.10.0.0/22 } ] }
nodePools:
${pools}
`;

describe("1. an overlay pod-CIDR fix is a contiguous superset, and says when expansion is not allowed", () => {
  it("a /22 that is too small: expand to the /21 that contains it", () => {
    const c = load(overlay("10.244.0.0/22", "  - { name: sys, mode: System, count: 5, maxSurge: 1, subnet: nodes }"));
    const f = findings(c).find((x) => x.code === "InsufficientSubnetSize" && x.path === "network.podCidr")!;
    expect(f.fix).toContain("10.244.0.0/21");
    expect(f.fix).toContain("az aks update --pod-cidr 10.244.0.0/21");
    expect(f.patch).toEqual([{ field: "podCidr", value: "10.244.0.0/21" }]);
  });
  it("with a Windows pool, expansion is not allowed: a new cluster with a free range", () => {
    const c = load(overlay("10.244.0.0/22", "  - { name: sys, mode: System, count: 3, maxSurge: 1, subnet: nodes }\n  - { name: win, os: Windows, count: 2, maxSurge: 1, subnet: nodes }"));
    const f = findings(c).find((x) => x.code === "InsufficientSubnetSize" && x.path === "network.podCidr")!;
    expect(f.fix).toContain("not allowed with Windows pools");
    expect(f.patch![0].value).not.toBe("10.244.0.0/21");
  });
  it("a running kubenet cluster: the pod CIDR can't change, so a bigger one means a new cluster", () => {
    const j = JSON.parse(fixture("A-kubenet-lb-outbound-ports.json"));
    j.properties.networkProfile.podCidr = "10.244.0.0/23";
    j.properties.networkProfile.podCidrs = ["10.244.0.0/23"];
    const f = findings(load(JSON.stringify(j), "k.json")).find((x) => x.code === "InsufficientSubnetSize")!;
    expect(f.path).toBe("properties.networkProfile.podCidrs[0]");
    expect(f.fix).toContain("kubenet pod CIDR can't change after creation");
    expect(f.fix).toContain("new cluster");
  });
  it("a superset that would overlap the service CIDR is not suggested", () => {
    const text = overlay("172.20.4.0/22", "  - { name: sys, mode: System, count: 7, maxSurge: 1, subnet: nodes }");
    const f = findings(load(text)).find((x) => x.code === "InsufficientSubnetSize" && x.path === "network.podCidr")!;
    expect(f.fix).toContain("overlaps the service CIDR");
    expect(f.patch![0].value).not.toBe("172.20.0.0/20");
  });
});

describe("2. diff kubenet → Overlay checks the running cluster's prerequisites", () => {
  const kubenet = fixture("A-kubenet-lb-outbound-ports.json");
  const toOverlay = (text: string) => { const j = JSON.parse(text); j.properties.networkProfile.networkPlugin = "azure"; j.properties.networkProfile.networkPluginMode = "overlay"; return JSON.stringify(j); };
  it("a real 1.21 cluster with a system-assigned identity is blocked, with the steps to unblock", () => {
    const p = diff(load(kubenet, "a.json"), load(toOverlay(kubenet), "b.json"));
    const m = p.changes.find((c) => c.field === "network model")!;
    expect(m.kind).toBe("migration");
    expect(m.blockedBy?.join(" ")).toContain("Kubernetes 1.27 or later (the cluster runs 1.21.9)");
    expect(m.blockedBy?.join(" ")).toContain("user-assigned managed identity");
    expect(m.unblock?.join(" ")).toContain("az aks upgrade");
    expect(m.unblock?.join(" ")).toContain("--assign-identity");
    expect(p.blockedBy?.length).toBe(2);
  });
  it("a 1.17 spec cluster, and a user-assigned 1.29 one that is not blocked", () => {
    const spec = (v: string, id: string, plugin: string) => `name: k\nkubernetesVersion: "${v}"\nidentity: ${id}\nnetwork: { plugin: ${plugin}${plugin === "azure" ? ", pluginMode: overlay" : ""} }\nnodePools: [ { name: p, mode: System, count: 3 } ]\n`;
    expect(diff(load(spec("1.17", "userAssigned", "kubenet")), load(spec("1.17", "userAssigned", "azure"))).blockedBy).toEqual(["Kubernetes 1.27 or later (the cluster runs 1.17)"]);
    const ok = diff(load(spec("1.29", "userAssigned", "kubenet")), load(spec("1.29", "userAssigned", "azure")));
    expect(ok.blockedBy).toBeUndefined();
    expect(ok.changes.find((c) => c.field === "network model")?.command).toContain("--network-plugin-mode overlay");
  });
});

describe("3. diff: only fields the user wrote are changes", () => {
  it("neither file sets maxPods: no maxPods change across kubenet → Overlay", () => {
    const a = load("name: k\nkubernetesVersion: \"1.29\"\nnetwork: { plugin: kubenet }\nnodePools: [ { name: p1, mode: System, count: 3 } ]\n");
    const b = load("name: k\nkubernetesVersion: \"1.29\"\nnetwork: { plugin: azure, pluginMode: overlay }\nnodePools: [ { name: p1, mode: System, count: 3 } ]\n");
    const p = diff(a, b);
    expect(p.changes.map((c) => c.field)).not.toContain("p1.maxPods");
    expect(p.verdict).toBe("migration");
  });
  it("a maxPods the new file writes is still a change", () => {
    const a = load("name: k\nnetwork: { plugin: kubenet }\nkubernetesVersion: \"1.29\"\nnodePools: [ { name: p1, mode: System, count: 3 } ]\n");
    const b = load("name: k\nnetwork: { plugin: kubenet }\nkubernetesVersion: \"1.29\"\nnodePools: [ { name: p1, mode: System, count: 3, maxPods: 50 } ]\n");
    expect(diff(a, b).changes.find((c) => c.field === "p1.maxPods")).toMatchObject({ from: "110", to: "50", kind: "new-pool" });
  });
});

describe("4. fit counts SNAT, checks the port rule and says why nothing fits", () => {
  it("8,000 ports × 9 nodes on 1 IP does not fit (72,000 > 64,000)", () => {
    const r = fit({ model: "kubenet", maxPods: 110, surge: { value: 0, percent: true }, nodes: 9, allocatedOutboundPorts: 8000, outboundIps: 1 });
    expect(r.fits).toBe(false);
    expect(r.snat).toMatchObject({ required: 72000, available: 64000, maxNodes: 8, fits: false });
    expect(r.reasons.join(" ")).toContain("SNAT ports: 72,000 needed, 64,000 available");
  });
  it("ports that are not a multiple of 8 are refused", () => {
    expect(err(() => fit({ model: "kubenet", maxPods: 110, surge: { value: 1, percent: false }, nodes: 3, allocatedOutboundPorts: 1001 }))).toBeInstanceOf(UsageError);
  });
});

describe("5. an outbound public IP prefix is counted by its length, or the assumption is a default", () => {
  it("a spec prefix of /28 gives 16 IPs", () => {
    const c = load("name: s\nnetwork: { model: azure-cni-overlay, outbound: { type: loadBalancer, managedOutboundIPs: 0, outboundIPPrefixes: [28], allocatedOutboundPorts: 8000 } }\nnodePools: [ { name: p, mode: System, count: 9 } ]\n");
    expect(plan(c).snat.outboundIps).toBe(16);
  });
  it("an az prefix ID without its length counts as one IP and says so in Defaults applied", () => {
    const j = JSON.parse(fixture("A-overlay-cilium-dataplane.json"));
    j.properties.networkProfile.loadBalancerProfile = { outboundIPPrefixes: { publicIPPrefixes: [{ id: "/subscriptions/0/resourceGroups/r/providers/Microsoft.Network/publicIPPrefixes/pfx" }] } };
    const p = plan(load(JSON.stringify(j), "c.json"));
    expect(p.snat.outboundIps).toBe(1);
    expect(p.defaults.find((d) => d.field === "outboundIPPrefixes")?.why).toContain("prefix length is not in the input");
  });
});

describe("6. errors AKS raises", () => {
  it("userDefinedRouting on the AKS-managed VNet", () => {
    const c = load("name: u\nnetwork: { model: azure-cni-overlay, outbound: { type: userDefinedRouting } }\nnodePools: [ { name: p, mode: System, count: 3 } ]\n");
    expect(findings(c).find((f) => f.code === "OutboundTypeNotSupported")?.severity).toBe("error");
  });
  it("Cilium dual-stack before Kubernetes 1.29", () => {
    const c = load("name: d\nkubernetesVersion: \"1.28\"\nnetwork: { model: azure-cni-overlay, dataplane: cilium, policy: cilium, ipFamilies: [IPv4, IPv6] }\nnodePools: [ { name: p, mode: System, count: 3 } ]\n");
    expect(findings(c).find((f) => f.code === "DualStackNotSupported")?.path).toBe("kubernetesVersion");
  });
  it("a static-block pod subnet larger than /12", () => {
    const c = load("name: s\nkubernetesVersion: \"1.30\"\nnetwork: { model: azure-cni-static-block }\nvnet: { addressSpace: [10.0.0.0/8], subnets: [ { name: n, cidr: 10.0.0.0/24 }, { name: pods, cidr: 10.16.0.0/11 } ] }\nnodePools: [ { name: p, mode: System, count: 3, maxPods: 63, subnet: n, podSubnet: pods } ]\n");
    expect(findings(c).find((f) => f.code === "PodSubnetTooLarge")?.severity).toBe("error");
  });
  it("a delegated Azure CNI node subnet (from az network vnet show)", () => {
    const vnet = JSON.stringify({ name: "v", addressSpace: { addressPrefixes: ["10.0.0.0/16"] }, subnets: [{ name: "n", addressPrefix: "10.0.0.0/22", delegations: [{ name: "d", serviceName: "Microsoft.Web/serverFarms" }] }] });
    const c = loadCluster([{ name: "c.yaml", text: "name: c\nnetwork: { model: azure-cni }\nnodePools: [ { name: p, mode: System, count: 3, subnet: n } ]\n" }, { name: "vnet.json", text: vnet }]);
    expect(findings(c).find((f) => f.code === "NodeSubnetDelegated")?.message).toContain("Microsoft.Web/serverFarms");
  });
});

describe("7. finding paths are in the user's own document, with line and column", () => {
  it("az input: properties.networkProfile.ipFamilies, located", () => {
    const j = JSON.parse(fixture("A-kubenet-lb-outbound-ports.json"));
    j.properties.networkProfile.ipFamilies = ["IPv4", "IPv6"];
    j.properties.networkProfile.podCidrs = ["10.244.0.0/16", "fd12:3456:789a::/64"];
    const text = JSON.stringify(j, null, 2);
    const f = findings(load(text, "k.json")).find((x) => x.code === "DualStackNotSupported")!;
    expect(f.path).toBe("properties.networkProfile.ipFamilies");
    const line = text.split("\n").findIndex((l) => l.includes('"ipFamilies"')) + 1;
    expect(plan(load(text, "k.json")).findings.find((x) => x.code === "DualStackNotSupported")!.location).toMatch(new RegExp(`^k\\.json:${line}:\\d+$`));
  });
});

describe("8. kubenet dual-stack: existing clusters exist", () => {
  it("a running kubenet dual-stack cluster gets a warning with the 200-node limit, a new one an error; neither says 'single-stack'", () => {
    const j = JSON.parse(fixture("A-kubenet-lb-outbound-ports.json"));
    j.properties.networkProfile.ipFamilies = ["IPv4", "IPv6"];
    j.properties.networkProfile.podCidrs = ["10.244.0.0/16", "fd12:3456:789a::/64"];
    const running = findings(load(JSON.stringify(j), "k.json")).find((x) => x.code === "DualStackNotSupported")!;
    expect(running.severity).toBe("warning");
    expect(running.message).toContain("no longer supported for new clusters");
    expect(running.message).toContain("200 nodes");
    const fresh = findings(load("name: k\nnetwork: { plugin: kubenet, ipFamilies: [IPv4, IPv6] }\nnodePools: [ { name: p, mode: System, count: 3 } ]\n")).find((x) => x.code === "DualStackNotSupported")!;
    expect(fresh.severity).toBe("error");
    expect(fresh.message).not.toContain("single-stack");
  });
});

describe("9. compare: a row with errors does not fit; a row lacking an input says what is missing", () => {
  it("rows", () => {
    const c = load("name: c\nkubernetesVersion: \"1.31\"\nnetwork: { model: azure-cni-overlay, podCidr: 100.64.0.0/16 }\nvnet: { addressSpace: [10.0.0.0/24], subnets: [ { name: n, cidr: 10.0.0.0/24 } ] }\nnodePools: [ { name: p, mode: System, count: 3, subnet: n }, { name: w, os: Windows, count: 2, subnet: n } ]\n");
    const r = compare(c);
    for (const row of r.rows) if (row.errors > 0) expect(row.fits).toBe(false);
    const kubenet = r.rows.find((x) => x.model === "kubenet")!;
    expect(kubenet.errors).toBeGreaterThan(0); // Windows on kubenet
    const dyn = r.rows.find((x) => x.model === "azure-cni-pod-subnet")!;
    expect(dyn.maxNodes).toBeNull();
    expect(dyn.missing).toContain("pod subnet");
    expect(dyn.fits).toBe(false);
  });
});

describe("10. a service-CIDR fix passes the tool's own checks", () => {
  it("a /11 service CIDR is not replaced by a /12", () => {
    const c = load("name: s\nnetwork: { model: azure-cni-overlay, serviceCidr: 10.64.0.0/11, dnsServiceIP: 10.64.0.10 }\nnodePools: [ { name: p, mode: System, count: 3 } ]\n");
    const f = findings(c).find((x) => x.code === "ServiceCidrTooLarge")!;
    expect(f.patch![0].value).not.toMatch(/\/12$/);
    const after = plan(applyFix(c, f.patch!));
    expect(after.findings.filter((x) => x.severity !== "info").map((x) => x.code)).not.toContain("ServiceCidrTooLarge");
    expect(after.summary.errors).toBe(0);
  });
});

describe("11. diff never prints a command its verdict rules out", () => {
  it("kubenet → pod subnet needs a new cluster: no az command on any change", () => {
    const a = load("name: k\nkubernetesVersion: \"1.29\"\nnetwork: { plugin: kubenet }\nvnet: { addressSpace: [10.0.0.0/16], subnets: [ { name: n, cidr: 10.0.0.0/22 }, { name: pods, cidr: 10.0.8.0/21 } ] }\nnodePools: [ { name: p, mode: System, count: 3, subnet: n } ]\n");
    const b = load("name: k\nkubernetesVersion: \"1.29\"\nnetwork: { model: azure-cni-pod-subnet }\nvnet: { addressSpace: [10.0.0.0/16], subnets: [ { name: n, cidr: 10.0.0.0/22 }, { name: pods, cidr: 10.0.8.0/21 } ] }\nnodePools: [ { name: p, mode: System, count: 3, subnet: n, podSubnet: pods }, { name: q, count: 2, subnet: n, podSubnet: pods } ]\n");
    const p = diff(a, b);
    expect(p.verdict).toBe("new-cluster");
    expect(p.changes.filter((c) => c.command)).toEqual([]);
    expect(p.note).toContain("new cluster");
  });
});

describe("12. small things a user reads", () => {
  it("no '1 nodes', no '[0,64,000]'", () => {
    const c = load("name: s\nnetwork: { model: azure-cni-overlay, outbound: { type: loadBalancer, allocatedOutboundPorts: 1001 } }\nnodePools: [ { name: p, mode: System, count: 1, maxSurge: 0%, maxUnavailable: 1 } ]\n");
    const text = findings(c).map((f) => `${f.message} ${f.fix ?? ""}`).join("\n");
    expect(text).not.toMatch(/\b1 (nodes|addresses|routes)\b/);
    expect(text).not.toContain("[0,64,000]");
    expect(text).toContain("a multiple of 8 from 0 to 64,000");
  });
  it("findings are sorted by severity; a pod CIDR over two reserved ranges is one finding", () => {
    const c = load("name: s\nnetwork: { plugin: kubenet, podCidr: 172.16.0.0/12 }\nnodePools: [ { name: p, mode: System, count: 3 } ]\n");
    const fs = findings(c);
    const rank = { error: 0, warning: 1, info: 2 } as const;
    for (let i = 1; i < fs.length; i++) expect(rank[fs[i].severity]).toBeGreaterThanOrEqual(rank[fs[i - 1].severity]);
    const reserved = fs.filter((f) => f.code === "ReservedRangeOverlap" && f.path === "network.podCidr");
    expect(reserved.length).toBe(1);
    expect(reserved[0].message).toContain("172.30.0.0/16, 172.31.0.0/16");
  });
  it("6,000 nodes: ClusterNodeLimit alone, not ModelNodeLimit for the same cause", () => {
    const pools = Array.from({ length: 6 }, (_, i) => `  - { name: p${i}, ${i ? "" : "mode: System, "}count: 1000 }`).join("\n");
    const codes = findings(load(`name: big\nnetwork: { model: azure-cni-overlay, podCidr: 100.64.0.0/10 }\nnodePools:\n${pools}\n`)).map((f) => f.code);
    expect(codes).toContain("ClusterNodeLimit");
    expect(codes).not.toContain("ModelNodeLimit");
  });
});

describe("13. judgement calls kept as named constants with their sources", () => {
  it("dynamic pod subnet: 16 per node minimum; the worst case is capped by the node's maxIPCount (maxPods)", () => {
    expect([DYNAMIC_BATCH_SIZE, DYNAMIC_REQUEST_THRESHOLD, DYNAMIC_MIN_IPS_PER_NODE]).toEqual([16, 8, 16]);
    for (const p of [10, 16, 30, 110, 250]) {
      const w = dynamicWorstCasePerNode(p);
      expect(w).toBeGreaterThanOrEqual(DYNAMIC_MIN_IPS_PER_NODE);
      expect(w).toBeLessThanOrEqual(16 * Math.ceil((p + 8) / 16)); // the uncapped derivation in aks-facts §1.4
      expect(w).toBe(podRangeIpsPerNode("azure-cni-pod-subnet", p)); // what plan() counts
    }
    expect(dynamicWorstCasePerNode(30)).toBe(32);
  });
  it("overlay pod-CIDR surge follows the pool's maxSurge; Azure/AKS#4467's +1 per pool agrees up to 10 nodes at 10%", () => {
    expect(OVERLAY_POD_CIDR_SURGE_RULE).toBe("maxSurge");
    for (let n = 1; n <= 10; n++) expect(surgeNodes(n, { value: 10, percent: true })).toBe(1);
    expect(surgeNodes(11, { value: 10, percent: true })).toBe(2);
  });
  it("a cluster older than 1.27 gets the old default surge of one node", () => {
    expect([DEFAULT_MAX_SURGE_BEFORE_1_27, MAX_SURGE_10_PERCENT_FROM_MINOR]).toEqual(["1", 27]);
    const old = load("name: o\nkubernetesVersion: \"1.26\"\nnetwork: { plugin: kubenet }\nnodePools: [ { name: p, mode: System, count: 30 } ]\n");
    expect(plan(old).pools[0]).toMatchObject({ maxSurge: "1", surgeNodes: 1 });
    const now = load("name: o\nkubernetesVersion: \"1.27\"\nnetwork: { plugin: kubenet }\nnodePools: [ { name: p, mode: System, count: 30 } ]\n");
    expect(plan(now).pools[0]).toMatchObject({ maxSurge: "10%", surgeNodes: 3 });
  });
});

describe("issue 13 item 14: silently wrong inputs", () => {
  it("an unquoted kubernetesVersion 1.30 is 1.30 (YAML and JSON), so the default model stays Overlay", () => {
    const y = load("name: v\nkubernetesVersion: 1.30\nnodePools: [ { name: p, mode: System, count: 3 } ]\n");
    expect([y.kubernetesVersion, y.model]).toEqual(["1.30", "azure-cni-overlay"]);
    const j = load('{"name": "v", "kubernetesVersion": 1.30, "nodePools": [{"name": "p", "mode": "System", "count": 3}]}', "v.json");
    expect([j.kubernetesVersion, j.model]).toEqual(["1.30", "azure-cni-overlay"]);
  });
  it("podCidr ::/0 on an IPv4 single-stack cluster is a finding", () => {
    const c = load("name: s\nnetwork: { model: azure-cni-overlay, podCidr: ::/0, ipFamilies: [IPv4] }\nnodePools: [ { name: p, mode: System, count: 3 } ]\n");
    expect(findings(c).find((f) => f.code === "PodCidrFamilyMismatch")?.severity).toBe("error");
  });
  it("maxSurge 101% and '33.5%' are located errors", () => {
    expect(err(() => load("nodePools: [ { name: a, maxSurge: 101% } ]\n")).message).toMatch(/^c\.yaml:1:\d+: nodePools\[0\]\.maxSurge: maxSurge 101% is above 100%/);
    expect(err(() => load("nodePools: [ { name: a, maxSurge: '33.5%' } ]\n")).message).toMatch(/^c\.yaml:1:\d+: nodePools\[0\]\.maxSurge: maxSurge "33\.5%" must be a whole number/);
  });
  it("fit --surge 200% is refused", () => {
    expect(err(() => fit({ model: "kubenet", maxPods: 110, surge: { value: 200, percent: true }, nodes: 3 }))).toBeInstanceOf(UsageError);
  });
});

describe("maxUnavailable upgrades", () => {
  it("maxSurge 0 with maxUnavailable 1 plans no surge nodes; maxSurge 0 alone is refused", () => {
    const c = load("name: u\nnetwork: { plugin: kubenet }\nnodePools: [ { name: p, mode: System, count: 10, maxSurge: 0, maxUnavailable: 1 } ]\n");
    expect(plan(c).pools[0]).toMatchObject({ surgeNodes: 0, maxUnavailable: "1" });
    expect(err(() => load("nodePools: [ { name: a, maxSurge: 0 } ]\n")).message).toContain("maxSurge 0 needs maxUnavailable");
  });
});

describe("3. (cont.) a new file that leaves the VNet out keeps the running cluster's", () => {
  it("az aks show + VNet → a spec that only raises one pool's max: one change", () => {
    const text = (p: string) => readFileSync(new URL(`../../../../${p}`, import.meta.url), "utf8");
    const a = loadCluster([{ name: "aks.json", text: text("examples/clusters/az/aks-show.json") }, { name: "vnet.json", text: text("examples/clusters/az/vnet-show.json") }]);
    const b = load(`name: aks-shop-weu\nnetwork: { plugin: azure, policy: azure }\nnodePools:\n  - { name: system, mode: System, count: 3, autoscale: { min: 3, max: 5 }, maxPods: 30 }\n  - { name: user1, count: 12, autoscale: { min: 6, max: 30 }, maxPods: 30, maxSurge: 33% }\n`);
    const p = diff(a, b);
    expect(p.changes.map((c) => [c.field, c.from, c.to])).toEqual([["user1.autoscale", "6-20", "6-30"]]);
    expect(p.verdict).toBe("in-place");
  });
});

describe("7. (cont.) the locator doesn't stop a Cluster from being cloned", () => {
  it("structuredClone and JSON work; plan of the original still locates", () => {
    const text = fixture("A-kubenet-lb-outbound-ports.json");
    const c = load(text, "k.json");
    expect(() => structuredClone(c)).not.toThrow();
    expect(() => JSON.stringify(c)).not.toThrow();
    expect(plan(c).findings.find((f) => f.code === "RetiringOption")?.location).toMatch(/^k\.json:\d+:\d+$/);
  });
});
