// The dataplane of real ManagedCluster documents (Azure CLI test recordings, fixtures/SOURCES.md).
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { loadCluster } from "../../src/aks/index.ts";
import { dataplane, trace } from "../../src/dataplane/index.ts";
import { fixture } from "./fixtures/cluster.ts";

const load = (name: string) => loadCluster([{ name, text: readFileSync(fixture(`az-real/${name}`), "utf8") }]);

describe("az aks show: kubenet with 2 outbound IPs and 2,048 ports per node", () => {
  const d = dataplane(load("A-kubenet-lb-outbound-ports.json"));
  it("has the kubenet route table on the managed subnet and the planner's SNAT budget", () => {
    expect(d.nodes).toHaveLength(3);
    expect(d.nodes.map((n) => n.address)).toEqual(["10.224.0.4", "10.224.0.5", "10.224.0.6"]);
    const aks = d.routes(d.nodes[0].subnet).table.routes.filter((r) => r.source === "AKS");
    expect(aks.map((r) => r.nextHop)).toEqual(d.nodes.map((n) => n.address));
    expect(d.egress).toMatchObject({ via: "load-balancer", snatPortsPerNode: 2048 });
    expect(d.egress.frontendIps).toHaveLength(2);
  });
  it("pod → internet leaves as the load balancer's frontend", () => {
    const pool = d.nodes[0].pool;
    const t = trace(d, { from: `pod:${pool}/1/3`, to: "ip:93.184.216.34", port: 443 });
    expect(t.verdict).toBe("delivered");
    expect(d.egress.frontendIps).toContain(t.seenSource);
  });
});

describe("az aks show: Overlay + Cilium", () => {
  const d = dataplane(load("A-overlay-cilium-dataplane.json"));
  it("has no kube-proxy; a pod reaching the DNS service goes through eBPF", () => {
    expect(d.kubeProxy).toBe(false);
    const pool = d.nodes[0].pool;
    const t = trace(d, { from: `pod:${pool}/0/9`, to: "svc:kube-dns:dns" });
    expect(t.verdict).toBe("delivered");
    expect(t.flow).toEqual({ proto: "udp", port: 53 });
    expect(t.hops.flatMap((h) => h.steps).some((s) => s.kind === "ebpf")).toBe(true);
  });
});
