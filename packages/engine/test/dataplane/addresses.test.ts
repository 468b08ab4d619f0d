// Addresses in the order AKS hands them out, per model IPAM, and the inputs' located errors.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { InputError, UnsupportedError } from "../../src/errors.ts";
import { firstV4 } from "../../src/dataplane/addresses.ts";
import { Prefix } from "../../src/ip/prefix.ts";
import { dataplane, loadNsgs, loadRouteTables, loadWorkload } from "../../src/dataplane/index.ts";
import { cluster, fixture, workload } from "./fixtures/cluster.ts";

const ips = (model: string) => dataplane(cluster(model), { workload: workload() });

describe("node and pod addresses", () => {
  it("nodes take .4, .5, ... of the node subnet; Azure CNI node subnet reserves maxPods after each", () => {
    expect(ips("kubenet").nodes.map((n) => n.address)).toEqual(["10.10.0.4", "10.10.0.5", "10.10.0.6"]);
    // maxPods 30: each node takes 31 addresses.
    expect(ips("azure-cni").nodes.map((n) => n.address)).toEqual(["10.10.0.4", "10.10.0.35", "10.10.0.66"]);
  });
  it("pods: kubenet/Overlay from the node's /24, Azure CNI after the node, pod subnet in batches of 16 or /28 blocks", () => {
    const k = ips("kubenet");
    expect(k.nodes.map((n) => n.podCidr)).toEqual(["10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/24"]);
    expect(k.podIp(k.nodes[1], 0)).toBe(k.podIp(k.nodes[1], 1)! - 1);
    const c = ips("azure-cni");
    for (let i = 0; i < 30; i++) expect(c.podIp(c.nodes[1], i)).toBe(c.nodes[1].ip + 1 + i);
    expect(c.podIp(c.nodes[1], 30)).toBeUndefined();
    const dyn = ips("azure-cni-pod-subnet");
    const a = [0, 1, 2].map((n) => dyn.podIp(dyn.nodes[n], 0)!);
    expect(a[1] - a[0]).toBe(16);
    expect(a[2] - a[1]).toBe(16);
    // A node's second batch comes after every node's first.
    expect(dyn.podIp(dyn.nodes[0], 16)! - a[0]).toBe(48);
    const st = ips("azure-cni-static-block");
    // maxPods 30 → ceil(31/16) = 2 blocks of /28 per node, aligned, the first /28 of the subnet skipped.
    const s0 = st.podIp(st.nodes[0], 0)!, s1 = st.podIp(st.nodes[1], 0)!;
    expect(s1 - s0).toBe(32);
    expect(((s0 - 1) & 15)).toBe(0);
    // Every pod address maps back to its pod.
    for (const d of [k, c, dyn, st]) for (const n of d.nodes) for (const i of [0, 7, 29]) expect(d.podAt(d.podIp(n, i)!)).toEqual({ node: n, index: i });
  });
  it("services: the DNS IP holds kube-dns, others follow in the service CIDR; LB frontends are stand-ins", () => {
    const d = ips("kubenet");
    expect(d.services[0]).toMatchObject({ namespace: "kube-system", name: "kube-dns", clusterIP: "10.0.0.10" });
    const ipsSeen = d.services.map((s) => s.clusterIP);
    expect(new Set(ipsSeen).size).toBe(ipsSeen.length);
    for (const s of d.services.filter((x) => x.type === "LoadBalancer")) expect(s.loadBalancerIP).toMatch(/^198\.51\.100\./);
  });
});

describe("Kubernetes manifests", () => {
  it("a Service selects a Deployment's replicas and resolves a named targetPort", () => {
    const w = loadWorkload({ name: "manifests.yaml", text: readFileSync(fixture("manifests.yaml"), "utf8") });
    expect(w.services).toHaveLength(1);
    expect(w.services[0]).toMatchObject({ namespace: "shop", name: "web", type: "LoadBalancer", externalTrafficPolicy: "Local", endpoints: 3 });
    expect(w.services[0].ports[0]).toMatchObject({ port: 80, targetPort: 8080 });
  });
  it("Services that select the same pods have the same endpoints; one that selects two workloads, both's", () => {
    const deploy = (name: string, app: string, replicas: number) => `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: ${name}, namespace: shop }\nspec:\n  replicas: ${replicas}\n  template: { metadata: { labels: { app: ${app}, tier: t } } }\n`;
    const service = (name: string, selector: string) => `apiVersion: v1\nkind: Service\nmetadata: { name: ${name}, namespace: shop }\nspec:\n  selector: ${selector}\n  ports: [{ port: 80 }]\n`;
    const text = [deploy("web", "web", 3), service("web", "{ app: web }"), deploy("api", "api", 2), service("web-metrics", "{ app: web }"), service("all", "{ tier: t }")].join("---\n");
    const w = loadWorkload({ name: "m.yaml", text });
    expect(w.services.map((x) => [x.name, x.endpoints])).toEqual([["web", 3], ["web-metrics", 3], ["all", 5]]);
    const d = dataplane(cluster("kubenet"), { workload: w });
    const eps = (name: string) => d.services.find((x) => x.name === name)!.endpoints.map((e) => e.address);
    expect(eps("web")).toHaveLength(3);
    expect(eps("web-metrics")).toEqual(eps("web"));
    const all = eps("all");
    expect(all.slice(0, 3)).toEqual(eps("web"));
    expect(all).toHaveLength(5);
    // The api pods are placed once, after web's: five distinct pods in all.
    expect(new Set(all).size).toBe(5);
  });
});

describe("broken inputs: located errors", () => {
  const bad = (f: () => unknown, re: RegExp) => {
    let err: unknown;
    try { f(); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(re);
  };
  it("workload", () => {
    bad(() => loadWorkload({ name: "w.yaml", text: "services:\n  - name: a\n    port: 99999\n" }), /^w\.yaml:3:11: services\[0\]\.port: 99999 is out of range/);
    bad(() => loadWorkload({ name: "w.yaml", text: "services:\n  - name: a\n    port: 80\n    protocol: SCTP\n" }), /^w\.yaml:4:15: .*SCTP.*not modelled/);
    bad(() => loadWorkload({ name: "w.yaml", text: "services:\n  - name: a\n    port: 80\n    endpoints: [\"apps/x/1\"]\n" }), /^w\.yaml:4:17: services\[0\]\.endpoints\[0\]: expected a pod/);
    bad(() => loadWorkload({ name: "w.yaml", text: "services: [\n" }), /^w\.yaml:\d+:\d+: invalid YAML/);
    bad(() => loadWorkload({ name: "m.yaml", text: "kind: Service\nmetadata: { name: a }\nspec:\n  ports: [{ port: abc }]\n" }), /^m\.yaml:4:\d+: spec\.ports\[0\]\.port: expected an integer/);
    bad(() => dataplane(cluster("kubenet"), { workload: loadWorkload({ name: "w.yaml", text: "services:\n  - { name: a, port: 80, endpoints: [\"nopool/0/1\"] }\n" }) }), /w\.yaml: services\[0\].*no node 0 in pool nopool/);
  });
  it("NSG", () => {
    const nsg = readFileSync(fixture("nsg-vms.json"), "utf8");
    bad(() => loadNsgs({ name: "n.json", text: nsg.replace('"priority": 200', '"priority": 70000') }), /^n\.json:\d+:\d+: securityRules\[1\]\.priority: 70000 is out of range; expected 100 to 4096/);
    bad(() => loadNsgs({ name: "n.json", text: nsg.replace('"sourceAddressPrefix": "VirtualNetwork"', '"sourceAddressPrefix": "Storage"') }), /^n\.json:\d+:\d+: .*service tag "Storage" is not modelled/);
    bad(() => loadNsgs({ name: "n.json", text: nsg.replace('"priority": 200', '"priority": 100') }), /^n\.json:\d+:\d+: securityRules\[1\]: .*same priority 100/);
    bad(() => loadNsgs({ name: "n.json", text: nsg.replace('"destinationPortRange": "*"', '"destinationPortRange": "90-80"') }), /invalid port range "90-80"/);
    bad(() => loadNsgs({ name: "n.json", text: nsg.slice(0, 300) }), /^n\.json:\d+:\d+: invalid JSON/);
    bad(() => dataplane(cluster("kubenet"), { nsgs: loadNsgs({ name: "n.json", text: nsg.replace("subnets/snet-vms", "subnets/snet-nope") }) }), /n\.json: NSG nsg-vms is attached to subnet snet-nope/);
  });
  it("route table", () => {
    const rt = readFileSync(fixture("routes-udr.json"), "utf8");
    bad(() => loadRouteTables({ name: "r.json", text: rt.replace('"nextHopIpAddress": "10.10.2.4", ', "") }), /^r\.json:\d+:\d+: routes\[0\]: route to-firewall: a VirtualAppliance route needs nextHopIpAddress/);
    bad(() => loadRouteTables({ name: "r.json", text: rt.replace('"0.0.0.0/0"', '"0.0.0.0/33"') }), /^r\.json:\d+:\d+: .*invalid IPv4 prefix/);
  });
});

describe("userDefinedRouting", () => {
  it("egress goes to the appliance of the 0.0.0.0/0 route", () => {
    const routeTables = loadRouteTables({ name: "r.json", text: readFileSync(fixture("routes-udr.json"), "utf8") });
    const d = dataplane(cluster("azure-cni", "azure", ""), { routeTables });
    expect(d.egress.via).toBe("load-balancer"); // the cluster's outboundType is loadBalancer...
    const c = cluster("azure-cni");
    c.outbound = { type: "userDefinedRouting" };
    const u = dataplane(c, { routeTables });
    expect(u.egress).toMatchObject({ via: "appliance", appliance: "10.10.2.4" });
  });
});

describe("a range the dataplane needs", () => {
  it("missing from the input: an input error that says so, with the fix; IPv6 only: not modelled", () => {
    const missing = () => firstV4([], "subnet snet-a", "pass the VNet");
    expect(missing).toThrow(InputError);
    expect(missing).toThrow(/^subnet snet-a: its address range is not in the input, and the dataplane needs it$/);
    try { missing(); } catch (e) { expect((e as InputError).hint).toBe("pass the VNet"); }
    expect(() => firstV4([Prefix.parse("fd00::/64")], "subnet snet-a")).toThrow(UnsupportedError);
    expect(firstV4([Prefix.parse("fd00::/64"), Prefix.parse("10.1.0.0/24")], "subnet snet-a")).toMatchObject({ bits: 24 });
  });
});
