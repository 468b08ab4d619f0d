// NSGs: Azure's default rules, priority order, the service tags, and the two model-dependent
// cases: a deny that blocks pod-IP traffic under Azure CNI (pod subnet) but not under kubenet (the
// node IP is on the wire), and Overlay's rule that node <-> pod traffic must be allowed.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { CompiledNsg, dataplane, loadNsgs, loadWorkload, trace, type Nsg } from "../../src/dataplane/index.ts";
import { parseP4 } from "../../src/dataplane/net4.ts";
import { ip4 } from "../../src/dataplane/net4.ts";
import { CLIENT, VM, cluster, fixture, workload } from "./fixtures/cluster.ts";

const load = (name: string) => loadNsgs({ name, text: readFileSync(fixture(name), "utf8") });
const empty: Nsg = { name: "empty", subnets: [], nics: [], rules: [], source: "test" };
const ctx = { virtualNetwork: ["10.10.0.0/16", "10.20.0.0/16"].map(parseP4) };
const decide = (g: CompiledNsg, dir: "Inbound" | "Outbound", src: string, dst: string, port = 80) => g.rules[g.evaluate(dir, ip4(src)!, ip4(dst)!, 6, port)];

describe("default rules", () => {
  const g = new CompiledNsg(empty, ctx);
  it("allow the VNet and the load balancer in, deny the rest, allow internet out", () => {
    expect(decide(g, "Inbound", "10.20.0.9", "10.10.0.4")).toMatchObject({ name: "AllowVnetInBound", priority: 65000, access: "Allow" });
    expect(decide(g, "Inbound", "168.63.129.16", "10.10.0.4")).toMatchObject({ name: "AllowAzureLoadBalancerInBound", priority: 65001, access: "Allow" });
    expect(decide(g, "Inbound", CLIENT, "10.10.0.4")).toMatchObject({ name: "DenyAllInBound", priority: 65500, access: "Deny" });
    expect(decide(g, "Outbound", "10.10.0.4", "8.8.8.8")).toMatchObject({ name: "AllowInternetOutBound", access: "Allow" });
    expect(decide(g, "Outbound", "10.10.0.4", "10.20.0.1")).toMatchObject({ name: "AllowVnetOutBound", access: "Allow" });
    // 192.168.1.1 is neither VirtualNetwork nor (for the Internet tag) inside it: Internet.
    expect(decide(g, "Outbound", "10.10.0.4", "192.168.1.1").name).toBe("AllowInternetOutBound");
  });
});

describe("priority order", () => {
  const rule = (name: string, priority: number, access: "Allow" | "Deny") => ({ name, priority, direction: "Inbound" as const, access, protocol: "Tcp", sourcePrefixes: ["Internet"], destinationPrefixes: ["*"], sourcePorts: ["*"], destinationPorts: ["80"], path: "test" });
  it("the lowest number decides, whatever the order in the input", () => {
    const a = new CompiledNsg({ ...empty, rules: [rule("deny", 300, "Deny"), rule("allow", 200, "Allow")] }, ctx);
    expect(decide(a, "Inbound", CLIENT, "10.10.0.4").name).toBe("allow");
    const b = new CompiledNsg({ ...empty, rules: [rule("allow", 300, "Allow"), rule("deny", 200, "Deny")] }, ctx);
    expect(decide(b, "Inbound", CLIENT, "10.10.0.4").name).toBe("deny");
    // Another port is not matched by either: the default rule decides.
    expect(decide(b, "Inbound", CLIENT, "10.10.0.4", 443).name).toBe("DenyAllInBound");
  });
});

describe("service tags", () => {
  it("VirtualNetwork holds peered VNets, on-prem and kubenet's UDR prefixes", () => {
    const d = dataplane(cluster("kubenet"), { nsgs: [{ ...empty, name: "probe", subnets: ["snet-vms"] }] });
    const g = d.compiledNsgs.find((x) => x.nsg.name === "probe")!;
    expect(decide(g, "Inbound", "172.16.3.3", VM).name).toBe("AllowVnetInBound");
    expect(decide(g, "Inbound", "10.20.1.1", VM).name).toBe("AllowVnetInBound");
    expect(decide(g, "Inbound", "10.244.1.9", VM).name).toBe("AllowVnetInBound"); // a node's /24 route
    expect(decide(g, "Inbound", "10.244.99.9", VM).name).toBe("DenyAllInBound"); // no node there, no route
  });
});

describe("on the addresses each model puts on the wire", () => {
  it("a deny on the VM subnet blocks pod IPs under Azure CNI pod subnet, not under kubenet", () => {
    const nsgs = load("nsg-vms.json");
    expect(nsgs[0].subnets).toEqual(["snet-vms"]);
    const flow = { from: "pod:apps/0/3", to: `ip:${VM}` };
    const cni = trace(dataplane(cluster("azure-cni-pod-subnet"), { nsgs, workload: workload() }), flow);
    expect(cni.verdict).toBe("dropped");
    expect(cni.reason).toMatch(/nsg-vms.*DenyRestOfVnet \(priority 200\)/);
    const kubenet = trace(dataplane(cluster("kubenet"), { nsgs, workload: workload() }), flow);
    expect(kubenet.verdict).toBe("delivered");
    expect(kubenet.seenSource).toBe(kubenet.from.nodeAddress);
    const nsgStep = kubenet.hops.flatMap((h) => h.steps).find((s) => s.kind === "nsg" && s.nsg === "nsg-vms");
    expect(nsgStep).toMatchObject({ rule: "AllowNodeSubnet", priority: 100, access: "Allow", direction: "Inbound" });
  });

  it("Overlay: the node subnet's NSG must allow pod traffic between nodes, node → pod passes", () => {
    const nsgs = load("nsg-nodes.yaml");
    const d = dataplane(cluster("azure-cni-overlay"), { nsgs, workload: workload() });
    const podToPod = trace(d, { from: "pod:apps/0/3", to: "pod:apps/1/3" });
    expect(podToPod.verdict).toBe("dropped");
    expect(podToPod.reason).toMatch(/DenyRestOfVnet/);
    const nodeToPod = trace(d, { from: "node:apps/0", to: "pod:apps/1/3" });
    expect(nodeToPod.verdict).toBe("delivered");
    // pod → another node leaves SNATed to the node IP (§5.1: outside the pod CIDR), so it passes.
    const podToNode = trace(d, { from: "pod:apps/0/3", to: "node:apps/1" });
    expect(podToNode.verdict).toBe("delivered");
    expect(podToNode.seenSource).toBe(podToNode.from.nodeAddress);
    // Allowing the pod CIDR fixes pod → pod.
    const fixed = nsgs.map((g) => ({ ...g, rules: [...g.rules, { ...g.rules[0], name: "AllowPodCidr", priority: 150, sourcePrefixes: ["10.244.0.0/16"] }] }));
    const d2 = dataplane(cluster("azure-cni-overlay"), { nsgs: fixed, workload: workload() });
    expect(trace(d2, { from: "pod:apps/0/3", to: "pod:apps/1/3" }).verdict).toBe("delivered");
    // Denying the pod CIDR as a destination blocks node → pod: the pod IP is on the wire.
    const denyPods = nsgs.map((g) => ({ ...g, rules: [{ ...g.rules[0], name: "DenyToPods", priority: 90, access: "Deny" as const, sourcePrefixes: ["*"], destinationPrefixes: ["10.244.0.0/16"] }, ...g.rules] }));
    const d3 = dataplane(cluster("azure-cni-overlay"), { nsgs: denyPods, workload: workload() });
    const blocked = trace(d3, { from: "node:apps/0", to: "pod:apps/1/3" });
    expect(blocked.verdict).toBe("dropped");
    expect(blocked.reason).toMatch(/DenyToPods/);
  });

  it("loadBalancerSourceRanges become the only NSG allow for the frontend", () => {
    const w = loadWorkload({ name: "w.yaml", text: "services:\n  - { name: ext, type: LoadBalancer, port: 443, endpoints: 2, loadBalancerSourceRanges: [198.18.0.0/15] }\n" });
    const d = dataplane(cluster("azure-cni"), { workload: w });
    const ok = trace(d, { from: "ip:198.18.0.7", to: "svc:ext" });
    expect(ok.verdict).toBe("delivered");
    const no = trace(d, { from: `ip:${CLIENT}`, to: "svc:ext" });
    expect(no.verdict).toBe("dropped");
    expect(no.reason).toMatch(/DenyAllInBound/);
  });
});
