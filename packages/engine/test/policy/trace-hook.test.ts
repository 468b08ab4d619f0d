// NetworkPolicies as the policy step of `aksnet trace` (policy/trace-hook.ts): each side decided
// with the address the packet carries there. The NAT case of the issue: on kubenet a client from
// the internet reaches a pod through a LoadBalancer Service with externalTrafficPolicy Cluster SNATed
// to a node IP, so an ipBlock naming the client never matches; with Local it keeps its address.
import { describe, expect, it } from "vitest";
import { dataplane, trace, type Step } from "../../src/dataplane/index.ts";
import { contextFromCluster, loadPolicyInput, tracePolicyHook } from "../../src/policy/index.ts";
import { cluster, workload, CLIENT } from "../dataplane/fixtures/cluster.ts";

const deploy = (name: string, app: string, port: number, portName: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: shop}
spec:
  selector: {matchLabels: {app: ${app}}}
  template:
    metadata: {labels: {app: ${app}}}
    spec: {containers: [{name: c, image: i, ports: [{name: ${portName}, containerPort: ${port}}]}]}
`;
// The client's /24 may reach web on 8080 (and 8443); client pods may reach web by its port's name.
const manifests = [deploy("web", "web", 8080, "http"), deploy("checkout", "checkout", 8443, "https"), deploy("client", "client", 9999, "x"), `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-partner, namespace: shop}
spec:
  podSelector: {}
  ingress:
  - from: [{ipBlock: {cidr: 203.0.113.0/24}}]
    ports: [{port: 8080}, {port: 8443}]
  - from: [{podSelector: {matchLabels: {app: client}}}]
    ports: [{port: http}]
`].map((text, i) => ({ name: `m${i}.yaml`, text }));

const policySteps = (steps: Step[]) => steps.filter((s): s is Extract<Step, { kind: "policy"; evaluated: true }> => s.kind === "policy" && s.evaluated);

describe("trace with NetworkPolicies (kubenet + Calico)", () => {
  const c = cluster("kubenet", "azure", "");
  c.policy = "calico";
  const d = dataplane(c, { workload: workload() });
  const input = loadPolicyInput(manifests);
  const ctx = contextFromCluster(c);

  it("internet → LoadBalancer (externalTrafficPolicy Cluster): the pod sees a node IP, the client's ipBlock never matches", () => {
    const t = trace(d, { from: `ip:${CLIENT}`, to: "svc:front" }, { policy: tracePolicyHook(input, ctx, { to: "shop/web" }) });
    expect(t.verdict).toBe("dropped");
    expect(t.reason).toBe("network policy denies ingress");
    const [p] = policySteps(t.hops.flatMap((h) => h.steps));
    expect(p.direction).toBe("ingress");
    expect(p.allowed).toBe(false);
    // The peer the policy judged is the SNAT address (a node's), not the client.
    expect(p.peer).not.toContain(CLIENT);
    expect(d.nodes.map((n) => n.address)).toContain(p.peer.split(" ")[0]);
    expect(p.reason).toMatch(/default deny of shop\/from-partner/);
  });

  it("internet → LoadBalancer (externalTrafficPolicy Local): the client keeps its address and the ipBlock rule allows it", () => {
    const t = trace(d, { from: `ip:${CLIENT}`, to: "svc:front-local" }, { policy: tracePolicyHook(input, ctx, { to: "shop/web" }) });
    expect(t.verdict).toBe("delivered");
    const [p] = policySteps(t.hops.flatMap((h) => h.steps));
    expect(p.allowed).toBe(true);
    expect(p.peer.startsWith(CLIENT)).toBe(true);
    expect(p.rule).toMatchObject({ policy: "shop/from-partner", rule: "spec.ingress[0]" });
  });

  it("pod → pod across nodes keeps the pod address: the podSelector rule (named port) allows client → web, not another workload", () => {
    const to = "pod:apps/1/3";
    const ok = trace(d, { from: "pod:apps/0/3", to, port: 8080 }, { policy: tracePolicyHook(input, ctx, { from: "shop/client", to: "shop/web" }) });
    expect(ok.verdict).toBe("delivered");
    const sides = policySteps(ok.hops.flatMap((h) => h.steps));
    expect(sides.map((s) => [s.direction, s.allowed])).toEqual([["egress", true], ["ingress", true]]);
    expect(sides[1].rule).toMatchObject({ policy: "shop/from-partner", rule: "spec.ingress[1]" });
    const no = trace(d, { from: "pod:apps/0/3", to, port: 8080 }, { policy: tracePolicyHook(input, ctx, { from: "shop/checkout", to: "shop/web" }) });
    expect(no.verdict).toBe("dropped");
  });

  it("a side with no named workload is not evaluated, and says how to name it", () => {
    const t = trace(d, { from: "pod:apps/0/3", to: "pod:apps/1/3", port: 8080 }, { policy: tracePolicyHook(input, ctx, { to: "shop/web" }) });
    const egress = t.hops.flatMap((h) => h.steps).find((s) => s.kind === "policy" && !s.evaluated);
    expect(egress && egress.kind === "policy" ? egress.note : "").toMatch(/--from-workload/);
  });

  it("networkPolicy none: the step says nothing is enforced and lets the packet through", () => {
    const none = cluster("kubenet");
    const t = trace(dataplane(none, { workload: workload() }), { from: `ip:${CLIENT}`, to: "svc:front" }, { policy: tracePolicyHook(input, contextFromCluster(none), { to: "shop/web" }) });
    expect(t.verdict).toBe("delivered");
    expect(policySteps(t.hops.flatMap((h) => h.steps))[0].reason).toMatch(/not enforced/);
  });
});
