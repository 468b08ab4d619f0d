// The bulk path's flow memo (memo.ts) answers a flow from an earlier flow of its class. A class
// that is too coarse would hand one source another's result: these runs compare the memo with the
// unmemoised walk (and the TypeScript tracer) on flows built to sit on the classes' edges — NSG
// rules naming single pods, pod ranges and node addresses, hairpin pods, same-node endpoints,
// masquerading, internet clients inside and outside loadBalancerSourceRanges.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { dataplane, loadNsgs, loadWorkload, traceBulk, type BulkFlow } from "../../src/dataplane/index.ts";
import { MODELS, VM, cluster, workload } from "./fixtures/cluster.ts";

// NSGs on the node subnet and on the apps pool's NICs whose rules cut through the pod and node
// ranges of every model (overlay/kubenet pods in 10.244.x, Azure CNI pods after the node's address
// in 10.10.0.x, pod-subnet pods in 10.10.64.x).
const nsgText = `nsgs:
  - name: nsg-nodes
    subnets: [snet-nodes]
    rules:
      - { name: DenyOnePodOut, priority: 100, direction: Outbound, access: Deny, protocol: "*", sourceAddressPrefix: 10.244.1.7/32, destinationAddressPrefix: "*", destinationPortRange: "*" }
      - { name: DenyCniPodOut, priority: 110, direction: Outbound, access: Deny, protocol: Tcp, sourceAddressPrefixes: [10.10.0.40/30, 10.10.64.20/32], destinationAddressPrefix: "*", destinationPortRange: "8000-9000" }
      - { name: DenyNodeOut, priority: 120, direction: Outbound, access: Deny, protocol: Tcp, sourceAddressPrefix: 10.10.0.5/32, destinationAddressPrefix: "*", destinationPortRange: "8080" }
      - { name: DenyRangeIn, priority: 100, direction: Inbound, access: Deny, protocol: "*", sourceAddressPrefixes: [10.244.2.16/28, 10.10.0.70/31], destinationAddressPrefix: "*", destinationPortRange: "*" }
      - { name: DenyToRange, priority: 140, direction: Outbound, access: Deny, protocol: Tcp, sourceAddressPrefix: "*", destinationAddressPrefix: 140.82.0.0/16, destinationPortRange: "*" }
      - { name: DenyClient, priority: 130, direction: Inbound, access: Deny, protocol: Tcp, sourceAddressPrefix: 203.0.113.64/26, destinationAddressPrefix: "*", destinationPortRange: "*" }
  - name: nsg-apps
    nodePools: [apps]
    rules:
      - { name: DenyToPod, priority: 100, direction: Inbound, access: Deny, protocol: "*", sourceAddressPrefix: "*", destinationAddressPrefix: 10.244.2.12/32, destinationPortRange: "*" }
      - { name: DenyFromPodsOut, priority: 100, direction: Outbound, access: Deny, protocol: Udp, sourceAddressPrefix: 10.244.0.0/28, destinationAddressPrefix: "*", destinationPortRange: "*" }
`;
const nsgs = loadNsgs({ name: "nsgs.yaml", text: nsgText });
const extraServices = loadWorkload({
  name: "w.yaml",
  text: `services:
  - { name: ranged, namespace: shop, type: LoadBalancer, port: 443, targetPort: 8443, endpoints: 3, loadBalancerSourceRanges: [203.0.113.0/25] }
  - { name: same, namespace: shop, type: ClusterIP, port: 81, targetPort: 8081, endpoints: ["apps/0/20"] }
`,
}).services;
const services = () => ({ ...workload(), services: [...workload().services, ...extraServices] });

const nodes = ["system/0", "apps/0", "apps/1"];
const pod = fc.tuple(fc.constantFrom(...nodes), fc.integer({ min: 0, max: 29 })).map(([n, i]) => `pod:${n}/${i}`);
const client = fc.integer({ min: 0, max: 255 }).map((x) => `ip:203.0.113.${x}`);
const target = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("svc:web", "svc:api", "svc:front", "svc:front-local", "svc:ranged", "svc:same", "svc:kube-dns:dns") },
  { weight: 2, arbitrary: pod },
  { weight: 1, arbitrary: fc.constantFrom(`ip:${VM}`, "ip:172.16.0.4", "ip:10.20.0.4", "node:apps/1", "ip:10.10.0.5") },
  // Internet addresses share entries by class: on both sides of an NSG's range, and loopback.
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom("8.8", "140.82", "140.83", "1.1", "127.0"), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 254 })).map(([a, b, c]) => `ip:${a}.${b}.${c}`) },
);
// A few targets (with a port and protocol or the defaults), each from many sources: classes repeat.
const combo = fc.record({
  to: target,
  port: fc.option(fc.constantFrom(80, 81, 443, 53, 8080, 8443, 30080), { nil: undefined, freq: 2 }),
  proto: fc.option(fc.constantFrom("tcp" as const, "udp" as const), { nil: undefined, freq: 2 }),
});
const source = fc.oneof({ weight: 5, arbitrary: pod }, { weight: 2, arbitrary: client }, { weight: 1, arbitrary: fc.constantFrom(`ip:${VM}`, "ip:10.10.1.9", "ip:10.20.0.4", "ip:172.16.0.4") });
const flowsArb = fc.tuple(fc.array(combo, { minLength: 1, maxLength: 8 }), fc.array(fc.tuple(source, fc.nat()), { minLength: 20, maxLength: 250 }))
  .map(([combos, picks]) => picks.map(([from, k], i): BulkFlow => ({ from, ...combos[k % combos.length], line: i + 1 })));

describe.each(MODELS)("%s (%s): the flow memo", (model, dp) => {
  it("gives every flow the unmemoised walk's result (and the TypeScript tracer's)", () => {
    let hits = 0;
    fc.assert(fc.property(flowsArb, (flows) => {
      const d = () => dataplane(cluster(model, dp), { workload: services(), nsgs });
      const memo = traceBulk(d(), flows);
      const plain = traceBulk(d(), flows, { memo: false });
      expect(plain.memoHits).toBe(0);
      expect(memo.results).toEqual(plain.results);
      expect(traceBulk(d(), flows, { engine: "ts" }).results).toEqual(plain.results);
      hits += memo.memoHits;
    }), { numRuns: 12 });
    // The memo is used (Cilium has no kube-proxy templates: it walks every flow).
    if (dp === "azure") expect(hits).toBeGreaterThan(0);
    else expect(hits).toBe(0);
  });
});

describe("the flow memo on the classes' edges", () => {
  // Every pod of every node to each target, then every client: most flows are answered by the memo.
  const all: BulkFlow[] = [];
  for (const n of nodes) for (let i = 0; i < 30; i++) for (const to of ["svc:web", "svc:api", "svc:same", "pod:apps/1/12", `ip:8.8.8.${i}`, `ip:140.82.0.${i}`, `ip:${VM}`]) all.push({ from: `pod:${n}/${i}`, to, line: all.length + 1 });
  for (let x = 0; x < 256; x += 3) for (const to of ["svc:front", "svc:front-local", "svc:ranged"]) all.push({ from: `ip:203.0.113.${x}`, to, line: all.length + 1 });

  it.each(MODELS.filter(([, dp]) => dp === "azure"))("%s: equal to the unmemoised walk, and mostly answered by the memo", (model, dp) => {
    const d = () => dataplane(cluster(model, dp), { workload: services(), nsgs });
    const memo = traceBulk(d(), all), plain = traceBulk(d(), all, { memo: false });
    expect(memo.results).toEqual(plain.results);
    expect(memo.memoHits).toBeGreaterThan(all.length / 4);
  });

  it("a pod an NSG names alone is dropped while its node's other pods are answered by the memo", () => {
    const d = dataplane(cluster("azure-cni-overlay"), { workload: services(), nsgs });
    // apps/0 holds 10.244.1.0/24, pods from .2: pod 5 is 10.244.1.7.
    const flows: BulkFlow[] = [];
    for (let i = 0; i < 30; i++) flows.push({ from: `pod:apps/0/${i}`, to: "pod:apps/1/3", line: i + 1 });
    const r = traceBulk(d, flows);
    expect(r.memoHits).toBeGreaterThan(20);
    expect(r.results.map((x) => x.verdict)).toEqual(flows.map((_, i) => (i === 5 ? "dropped" : "delivered")));
    expect(r.results[5].reason).toMatch(/DenyOnePodOut/);
  });

  it("a pod target an NSG names alone is dropped while the other pods of its node share a class", () => {
    const d = dataplane(cluster("azure-cni-overlay"), { workload: services(), nsgs });
    // apps/1 holds 10.244.2.0/24: pod 10 is 10.244.2.12 (DenyToPod on the apps pool's NICs). Its
    // flows come last, after more than a chunk of flows to its node's other pods, so the class's
    // entries are kept before they are asked for.
    const flows: BulkFlow[] = [];
    const to = (i: number) => { for (const n of ["system/0", "apps/0"]) for (let p = 0; p < 30; p++) flows.push({ from: `pod:${n}/${p}`, to: `pod:apps/1/${i}`, port: 8080, line: flows.length + 1 }); };
    for (let i = 0; i < 30; i++) if (i !== 10) to(i);
    to(10);
    const r = traceBulk(d, flows), plain = traceBulk(d, flows, { memo: false });
    expect(r.results).toEqual(plain.results);
    expect(r.memoHits).toBeGreaterThan(1000);
    const ten = r.results.filter((x) => x.to === "pod:apps/1/10");
    expect(ten.length).toBe(60);
    for (const x of ten) expect(x.reason ?? "").toMatch(/DenyToPod|DenyOnePodOut/);
    expect(r.results.filter((x) => x.verdict === "delivered").length).toBeGreaterThan(1500);
  });

  it("masqueraded flows see each pod's own node; kept sources see themselves", () => {
    // kubenet: pod → VM is masqueraded to the node IP (ip-masq-agent); pod → pod is not.
    const d = dataplane(cluster("kubenet"), { workload: services() });
    const flows: BulkFlow[] = [];
    for (const n of nodes) for (let i = 0; i < 10; i++) flows.push({ from: `pod:${n}/${i}`, to: `ip:${VM}`, line: flows.length + 1 }, { from: `pod:${n}/${i}`, to: "svc:web", line: flows.length + 2 });
    const r = traceBulk(d, flows), plain = traceBulk(d, flows, { memo: false });
    expect(r.results).toEqual(plain.results);
    expect(r.memoHits).toBeGreaterThan(40);
    const nodeIps = new Set(r.results.filter((x) => x.to === `ip:${VM}`).map((x) => x.seenSource));
    expect(nodeIps.size).toBe(3);
  });
});
