// The end-to-end trace under every network model, pinned against aks-facts §5.1 (the source
// address each destination class sees) and §5.5 (who can reach a pod IP), plus the kubenet
// cross-node hop list through its UDR and the Service paths (ClusterIP, LoadBalancer with
// externalTrafficPolicy Cluster and Local).
import { describe, expect, it } from "vitest";
import { Prefix } from "../../src/ip/index.ts";
import { dataplane, trace, type Trace, type Step } from "../../src/dataplane/index.ts";
import { loadWorkload } from "../../src/dataplane/workload.ts";
import { SERVICES_LISTED } from "../../src/dataplane/trace.ts";
import { UsageError } from "../../src/errors.ts";
import { CLIENT, INTERNET, MODELS, ON_PREM, PEERED, VM, cluster, workload } from "./fixtures/cluster.ts";

/** aks-facts §5.1, written out: what the far side sees as the source of a pod's packet. */
const SEEN: Record<string, Record<"pod" | "vnet" | "peered" | "onPrem" | "internet", "pod IP" | "node IP" | "egress IP">> = {
  kubenet: { pod: "pod IP", vnet: "node IP", peered: "node IP", onPrem: "node IP", internet: "egress IP" },
  "azure-cni": { pod: "pod IP", vnet: "pod IP", peered: "node IP", onPrem: "node IP", internet: "egress IP" },
  "azure-cni-pod-subnet": { pod: "pod IP", vnet: "pod IP", peered: "pod IP", onPrem: "pod IP", internet: "egress IP" },
  "azure-cni-static-block": { pod: "pod IP", vnet: "pod IP", peered: "pod IP", onPrem: "pod IP", internet: "egress IP" },
  "azure-cni-overlay": { pod: "pod IP", vnet: "node IP", peered: "node IP", onPrem: "node IP", internet: "egress IP" },
};
/** aks-facts §5.5: a VM in the VNet / on-prem can reach a pod IP directly. */
const REACHABLE: Record<string, boolean> = { kubenet: false, "azure-cni": true, "azure-cni-pod-subnet": true, "azure-cni-static-block": true, "azure-cni-overlay": false };

const SRC = "pod:system/0/5"; // not an endpoint of any Service

function expectedAddress(t: Trace, kind: "pod IP" | "node IP" | "egress IP", egress: string): string {
  return kind === "pod IP" ? t.from.address : kind === "node IP" ? t.from.nodeAddress! : egress;
}

describe.each(MODELS)("%s (%s dataplane)", (model, dp) => {
  const d = dataplane(cluster(model, dp), { workload: workload() });
  const egress = d.egress.address!;
  const seen = SEEN[model];

  it("pod → pod on the same node keeps the pod IP and never leaves the node", () => {
    const t = trace(d, { from: SRC, to: "pod:system/0/6" });
    expect(t.verdict).toBe("delivered");
    expect(t.seenSource).toBe(t.from.address);
    expect(t.hops.some((h) => h.kind === "azure")).toBe(false);
    expect(t.hops.flatMap((h) => h.steps).some((s) => s.kind === "nsg")).toBe(false);
  });

  it.each([
    ["pod", "pod:apps/1/3"],
    ["vnet", `ip:${VM}`],
    ["peered", `ip:${PEERED}`],
    ["onPrem", `ip:${ON_PREM}`],
    ["internet", `ip:${INTERNET}`],
  ] as const)("pod → %s: the destination sees the §5.1 source", (cls, to) => {
    const t = trace(d, { from: SRC, to });
    expect(t.verdict).toBe("delivered");
    expect(t.from.address).not.toBe(t.from.nodeAddress);
    expect(t.seenSource).toBe(expectedAddress(t, seen[cls], egress));
  });

  it("VNet VM → pod and on-prem → pod: reachable exactly in the flat models (§5.5)", () => {
    for (const from of [`ip:${VM}`, `ip:${ON_PREM}`]) {
      const t = trace(d, { from, to: "pod:apps/0/3" });
      expect(t.verdict === "delivered", `${from}: ${t.reason}`).toBe(REACHABLE[model]);
      if (REACHABLE[model]) expect(t.seenSource).toBe(from.slice(3));
      else expect(t.reason).toMatch(/not routable/);
    }
  });

  it("pod → ClusterIP Service: DNAT to one of its 3 endpoints, each with probability 1/3", () => {
    const t = trace(d, { from: SRC, to: "svc:web" });
    expect(t.verdict).toBe("delivered");
    const eps = d.services.find((s) => s.name === "web")!.endpoints.map((e) => `${e.address}:8080`);
    expect(eps).toHaveLength(3);
    expect(eps).toContain(t.to.resolved);
    const step = t.hops.flatMap((h) => h.steps).find((s) => (s.kind === "netfilter" || s.kind === "ebpf") && s.alternatives) as Extract<Step, { alternatives?: unknown }>;
    expect(step.alternatives!.map((a) => a.to).sort()).toEqual([...eps].sort());
    for (const a of step.alternatives!) expect(a.probability).toBeCloseTo(1 / 3, 9);
    // Each endpoint is reachable by following its alternative.
    const all = [0, 1, 2].map((pick) => trace(d, { from: SRC, to: "svc:web" }, { pick }).to.resolved);
    expect(new Set(all)).toEqual(new Set(eps));
    // A pod inside the cluster keeps its own address towards a Service endpoint.
    expect(t.seenSource).toBe(t.from.address);
  });

  it("internet → LoadBalancer Service: Cluster hides the client, Local keeps it", () => {
    const c = trace(d, { from: `ip:${CLIENT}`, to: "svc:front" });
    expect(c.verdict).toBe("delivered");
    expect(c.seenSource).not.toBe(CLIENT);
    expect(d.nodes.map((n) => n.address)).toContain(c.seenSource);
    const l = trace(d, { from: `ip:${CLIENT}`, to: "svc:front-local" });
    expect(l.verdict).toBe("delivered");
    expect(l.seenSource).toBe(CLIENT);
    // Local: the load balancer only sends to the node holding the endpoint.
    const lb = l.hops.flatMap((h) => h.steps).find((s) => s.kind === "load-balancer") as Extract<Step, { kind: "load-balancer" }>;
    expect(lb.backend).toBe(d.services.find((s) => s.name === "front-local")!.endpoints[0].node);
  });

  it("JSON contract: verdict, seenSource, from/to with address and nodeAddress, hops", () => {
    const t = JSON.parse(JSON.stringify(trace(d, { from: SRC, to: "pod:apps/1/3" })));
    expect(Object.keys(t)).toEqual(expect.arrayContaining(["verdict", "seenSource", "from", "to", "hops"]));
    expect(t.from).toMatchObject({ kind: "pod", address: expect.any(String), nodeAddress: d.nodes[0].address });
    expect(t.to.nodeAddress).toBe(d.nodes[2].address);
    const bad = trace(d, { from: `ip:${CLIENT}`, to: "pod:apps/0/3" });
    expect(bad.verdict).not.toBe("delivered");
    expect(bad.reason).toEqual(expect.any(String));
    expect(bad.seenSource).toBeUndefined();
  });
});

describe("kubenet cross-node routing (aks-facts §5.2)", () => {
  const d = dataplane(cluster("kubenet"), { workload: workload() });
  it("goes through the route named after the destination node, next hop that node's IP", () => {
    const t = trace(d, { from: "pod:apps/0/3", to: "pod:apps/1/3" });
    expect(t.verdict).toBe("delivered");
    expect(t.hops.map((h) => h.kind)).toEqual(["pod", "node", "azure", "node", "destination"]);
    const dst = d.nodes.find((n) => n.pool === "apps" && n.index === 1)!;
    const route = t.hops[2].steps.find((s) => s.kind === "route") as Extract<Step, { kind: "route" }>;
    expect(route).toMatchObject({ route: dst.name, prefix: dst.podCidr, nextHopType: "VirtualAppliance", nextHop: dst.address });
    expect(t.hops[3].at).toContain(dst.name);
    expect(t.seenSource).toBe(t.from.address);
  });

  it("the route table has one route per node, named after it, pod /24 → node IP", () => {
    const rt = d.routes("snet-nodes").table;
    const aks = rt.routes.filter((r) => r.source === "AKS");
    expect(aks.map((r) => r.name)).toEqual(d.nodes.map((n) => n.name));
    for (const [i, n] of d.nodes.entries()) expect(aks[i]).toMatchObject({ prefix: `10.244.${i}.0/24`, nextHop: n.address });
    // Another subnet has no such routes: a VM there cannot reach pod IPs (§5.5).
    expect(d.routes("snet-vms").table.routes.some((r) => r.source === "AKS")).toBe(false);
  });
});

describe("Cilium", () => {
  const d = dataplane(cluster("azure-cni-overlay", "cilium"), { workload: workload() });
  it("has no kube-proxy chains: Services are translated by eBPF", () => {
    expect(d.kubeProxy).toBe(false);
    const t = trace(d, { from: SRC, to: "svc:web" });
    const steps = t.hops.flatMap((h) => h.steps);
    expect(steps.some((s) => s.kind === "netfilter")).toBe(false);
    expect(steps.some((s) => s.kind === "ebpf")).toBe(true);
  });
});

describe("policy seam", () => {
  const d = dataplane(cluster("azure-cni"), { workload: workload() });
  it("without a policy engine the step says it was not evaluated; a hook can deny", () => {
    const t = trace(d, { from: SRC, to: "pod:apps/1/3" });
    expect(t.hops.flatMap((h) => h.steps).filter((s) => s.kind === "policy")).toHaveLength(2);
    const denied = trace(d, { from: SRC, to: "pod:apps/1/3" }, {
      policy: (dir) => ({ allowed: dir === "egress", step: { kind: "note", text: `policy ${dir}` } }),
    });
    expect(denied.verdict).toBe("dropped");
    expect(denied.reason).toMatch(/ingress/);
  });
});

describe("other reasons", () => {
  it("a ClusterIP is not reachable from a VNet VM", () => {
    const d = dataplane(cluster("azure-cni"), { workload: workload() });
    const t = trace(d, { from: `ip:${VM}`, to: "svc:web" });
    expect(t.verdict).toBe("dropped");
    expect(t.reason).toMatch(/ClusterIP/);
  });
  it.each(MODELS)("%s (%s): a ClusterIP on a port its Service does not serve: the reason names the Service and its ports", (model, dpKind) => {
    const d = dataplane(cluster(model, dpKind), { workload: workload() });
    const web = d.services.find((s) => s.name === "web")!;
    const served = web.ports.map((p) => `${p.port}/${p.proto}`).join(", ");
    const t = trace(d, { from: SRC, to: "svc:web", port: 81 });
    expect(t.verdict).toBe("dropped");
    expect(t.reason).toContain(`is the ClusterIP of shop/web, which serves ${served}, not 81/tcp: ${dpKind === "cilium" ? "Cilium's eBPF service translation" : "kube-proxy"} translates only those`);
    // Its own port is translated as before.
    expect(trace(d, { from: SRC, to: "svc:web" }).verdict).toBe("delivered");
  });
  it("an endpoint on a pool at count 0: the pool is named as having no nodes, not as missing", () => {
    const c = cluster("azure-cni");
    c.pools = [...c.pools, { ...c.pools[c.pools.length - 1], name: "spot", count: 0 }];
    const d = dataplane(c, { workload: workload() });
    expect(() => trace(d, { from: "pod:spot/0/0", to: "ip:8.8.8.8" })).toThrow(/^pod:spot\/0\/0: pool spot has no nodes \(its count is 0\)$/);
    expect(() => trace(d, { from: "pod:nope/0/0", to: "ip:8.8.8.8" })).toThrow(/no pool nope \(pools: .*, spot\)$/);
  });
  it("a Windows node's netfilter step says HNS is not modelled (the dataplane too)", () => {
    const c = cluster("azure-cni-overlay");
    c.pools = c.pools.map((p) => (p.name === "apps" ? { ...p, osType: "Windows" as const } : p));
    const d = dataplane(c, { workload: workload() });
    expect(d.notes.some((n) => /Windows pools \(apps\).*HNS.*not modelled/.test(n))).toBe(true);
    const notes = (t: Trace) => t.hops.flatMap((h) => h.steps).filter((s) => s.kind === "note").map((s) => (s as { text: string }).text);
    expect(notes(trace(d, { from: "pod:system/0/5", to: "pod:apps/0/1" })).some((n) => /^aks-apps-\S+ runs Windows: .*HNS, which is not modelled/.test(n))).toBe(true);
    expect(notes(trace(d, { from: "pod:system/0/5", to: "ip:8.8.8.8" })).some((n) => /runs Windows/.test(n))).toBe(false);
  });
  it("a source in no network the inputs know: the error says how to give it, --on-prem included", () => {
    const d = dataplane(cluster("azure-cni"), {});
    let err: UsageError | undefined;
    try { trace(d, { from: "ip:192.168.77.7", to: "ip:8.8.8.8" }); } catch (e) { err = e as UsageError; }
    expect(err).toBeInstanceOf(UsageError);
    expect(err!.message).toMatch(/192\.168\.77\.7 is neither in the cluster, the VNet, a peered VNet, on-premises nor public$/);
    expect(err!.hint).toMatch(/--on-prem CIDR, or onPremises \/ peeredNetworks in a cluster spec/);
  });
  it("a private range nobody advertises has next hop None", () => {
    const d = dataplane(cluster("azure-cni"), { workload: workload() });
    const t = trace(d, { from: SRC, to: "ip:192.168.7.7" });
    expect(t.verdict).toBe("dropped");
    expect(t.reason).toMatch(/next hop None/);
  });
  it("an on-prem range inside the VNet space is shadowed by the VNet route", () => {
    const d = dataplane(cluster("azure-cni"), {});
    // 172.16.0.0/12: the gateway route wins over the equal system None route (UDR-OV: gateway before system).
    const rs = d.routes("snet-nodes").table.routes;
    expect(rs.find((r) => r.name === "private range 172.16.0.0/12")!.shadowedBy).toBe("gateway-learned dc");
    expect(rs.some((r) => r.source === "VirtualNetworkGateway" && r.shadowedBy)).toBe(false);
    const c = cluster("azure-cni");
    c.external.push({ name: "branch", kind: "on-premises", prefixes: [{ prefix: Prefix.parse("10.10.200.0/24"), path: "onPremises[1]" }] });
    const d2 = dataplane(c, {});
    const shadowed = d2.routes("snet-nodes").table.routes.find((r) => r.name === "gateway-learned branch")!;
    expect(shadowed.shadowedBy).toBe("VNet address space");
    const t = trace(d2, { from: SRC, to: "ip:10.10.200.9" });
    expect(t.verdict).toBe("unreachable");
    expect(t.reason).toMatch(/overlap/);
  });

  it("an unknown Service: a bounded list, and a hint that fits whether the workload was given", () => {
    const err = (d: ReturnType<typeof dataplane>) => { try { trace(d, { from: SRC, to: "svc:nosuch" }); } catch (e) { return e as UsageError; } throw new Error("no error"); };
    const none = err(dataplane(cluster("kubenet"), {}));
    expect(none).toBeInstanceOf(UsageError);
    expect(none.message).toBe("svc:nosuch: no Service nosuch (services: kube-system/kube-dns)");
    expect(none.hint).toBe("give the Services with --workload");
    const few = err(dataplane(cluster("kubenet"), { workload: workload() }));
    expect(few.message).toMatch(/^svc:nosuch: no Service nosuch \(services: kube-system\/kube-dns, [^)]+\)$/);
    expect(few.hint).toMatch(/NAMESPACE\/NAME/);
    const many = Array.from({ length: 40 }, (_, i) => `  - { name: s${i}, namespace: apps, type: ClusterIP, ports: [{ port: 80 }], endpoints: 1 }`).join("\n");
    const big = err(dataplane(cluster("kubenet"), { workload: loadWorkload({ name: "w.yaml", text: `services:\n${many}\n` }) }));
    const listed = /\(services: (.*)\)$/.exec(big.message)![1];
    expect(listed.split(", ")).toHaveLength(SERVICES_LISTED);
    expect(listed).toMatch(/ and 33 more$/);
  });
});
