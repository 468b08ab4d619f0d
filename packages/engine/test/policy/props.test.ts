// Property tests: connection sets against a boolean model of ports, and the compiled analysis
// against a direct reading of the specification (one question at a time, no precomputation) on
// random namespaces, pods and policies.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ConnSet, loadPolicyInput, PolicyAnalysis, connectivityList, type Protocol, PROTOCOLS } from "../../src/policy/index.ts";

describe("ConnSet", () => {
  // Ports 1..40 stand for the whole range: intervals are built only from them, so a 40-entry
  // boolean array per protocol is a complete model.
  const N = 40;
  const iv = fc.tuple(fc.constantFrom<Protocol>(...PROTOCOLS), fc.integer({ min: 1, max: N }), fc.integer({ min: 0, max: 6 })).map(([p, lo, len]) => ({ p, lo, hi: Math.min(N, lo + len) }));
  const build = (xs: { p: Protocol; lo: number; hi: number }[]) => xs.reduce((s, x) => s.union(ConnSet.of(x.p, x.lo, x.hi)), ConnSet.NONE);
  const model = (xs: { p: Protocol; lo: number; hi: number }[]) => {
    const m = new Set<string>();
    for (const x of xs) for (let i = x.lo; i <= x.hi; i++) m.add(`${x.p}/${i}`);
    return m;
  };
  it("union, intersection, subset and has agree with sets of (protocol, port)", () => {
    fc.assert(fc.property(fc.array(iv, { maxLength: 6 }), fc.array(iv, { maxLength: 6 }), (a, b) => {
      const A = build(a), B = build(b), ma = model(a), mb = model(b);
      const U = A.union(B), I = A.intersect(B);
      for (const p of PROTOCOLS) {
        for (let i = 1; i <= N + 1; i++) {
          const k = `${p}/${i}`;
          expect(U.has(p, i)).toBe(ma.has(k) || mb.has(k));
          expect(I.has(p, i)).toBe(ma.has(k) && mb.has(k));
        }
      }
      expect(A.subsetOf(B)).toBe([...ma].every((k) => mb.has(k)));
      expect(I.subsetOf(A) && I.subsetOf(B) && A.subsetOf(U)).toBe(true);
    }));
  });
  it("prints netpol-analyzer's form", () => {
    const s = ConnSet.of("UDP", 53).union(ConnSet.of("TCP", 8080, 8090)).union(ConnSet.of("TCP", 80)).union(ConnSet.of("SCTP", 9003));
    expect(s.toString()).toBe("SCTP 9003,TCP 80,8080-8090,UDP 53");
    expect(ConnSet.of("TCP").toString()).toBe("TCP 1-65535");
    expect(PROTOCOLS.reduce((x, p) => x.union(ConnSet.of(p)), ConnSet.NONE).toString()).toBe("All Connections");
  });
});

// ---- A direct reading of the specification, for random inputs ----
type Labels = Record<string, string>;
interface RPod { ns: string; name: string; labels: Labels; ports: { name: string; port: number; protocol: Protocol }[] }
interface RSel { labels: Labels; notIn?: [string, string] }
interface RPeer { ns?: RSel; pod?: RSel; cidr?: string }
interface RPort { protocol: Protocol; port?: number | string; endPort?: number }
interface RRule { peers?: RPeer[]; ports?: RPort[] }
interface RPolicy { ns: string; name: string; sel: RSel; types?: ("Ingress" | "Egress")[]; ingress: RRule[]; egress: RRule[] }

const NS = ["a", "b"];
const nsLabels: Record<string, Labels> = { a: { env: "prod", "kubernetes.io/metadata.name": "a" }, b: { env: "dev", "kubernetes.io/metadata.name": "b" } };
const selMatch = (s: RSel, l: Labels) => Object.entries(s.labels).every(([k, v]) => l[k] === v) && (!s.notIn || l[s.notIn[0]] !== s.notIn[1]);

function peerMatch(pol: RPolicy, peer: RPeer, p: RPod): boolean {
  if (peer.cidr) return false; // ipBlocks never match pods
  if (peer.ns ? !selMatch(peer.ns, nsLabels[p.ns]) : p.ns !== pol.ns) return false;
  return !peer.pod || selMatch(peer.pod, p.labels);
}
function portMatch(ports: RPort[] | undefined, dst: RPod, proto: Protocol, port: number): boolean {
  if (!ports) return true;
  return ports.some((x) => {
    if (x.protocol !== proto) return false;
    if (x.port === undefined) return true;
    if (typeof x.port === "string") return dst.ports.some((cp) => cp.name === x.port && cp.protocol === proto && cp.port === port);
    return port >= x.port && port <= (x.endPort ?? x.port);
  });
}
function types(p: RPolicy) {
  const t = p.types ?? (p.egress.length ? ["Ingress", "Egress"] : ["Ingress"]);
  return { ingress: t.includes("Ingress"), egress: t.includes("Egress") };
}
function refAllowed(pols: RPolicy[], src: RPod, dst: RPod, proto: Protocol, port: number): boolean {
  const eg = pols.filter((p) => p.ns === src.ns && selMatch(p.sel, src.labels) && types(p).egress);
  const egOk = !eg.length || eg.some((p) => p.egress.some((r) => (!r.peers || r.peers.some((x) => peerMatch(p, x, dst))) && portMatch(r.ports, dst, proto, port)));
  const ing = pols.filter((p) => p.ns === dst.ns && selMatch(p.sel, dst.labels) && types(p).ingress);
  const ingOk = !ing.length || ing.some((p) => p.ingress.some((r) => (!r.peers || r.peers.some((x) => peerMatch(p, x, src))) && portMatch(r.ports, dst, proto, port)));
  return egOk && ingOk;
}

const yamlSel = (s: RSel) => JSON.stringify({ matchLabels: s.labels, ...(s.notIn ? { matchExpressions: [{ key: s.notIn[0], operator: "NotIn", values: [s.notIn[1]] }] } : {}) });
function toYaml(pods: RPod[], pols: RPolicy[]): string {
  const docs: string[] = NS.map((n) => JSON.stringify({ kind: "Namespace", metadata: { name: n, labels: { env: nsLabels[n].env } } }));
  for (const p of pods) docs.push(JSON.stringify({ kind: "Pod", metadata: { name: p.name, namespace: p.ns, labels: p.labels }, spec: { containers: [{ name: "c", ports: p.ports.map((x) => ({ name: x.name, containerPort: x.port, protocol: x.protocol })) }] } }));
  for (const p of pols) {
    const rule = (r: RRule, k: string) => ({
      ...(r.peers ? { [k]: r.peers.map((x) => (x.cidr ? { ipBlock: { cidr: x.cidr } } : { ...(x.ns ? { namespaceSelector: JSON.parse(yamlSel(x.ns)) } : {}), ...(x.pod ? { podSelector: JSON.parse(yamlSel(x.pod)) } : {}) })) } : {}),
      ...(r.ports ? { ports: r.ports } : {}),
    });
    docs.push(JSON.stringify({ kind: "NetworkPolicy", metadata: { name: p.name, namespace: p.ns }, spec: { podSelector: JSON.parse(yamlSel(p.sel)), ...(p.types ? { policyTypes: p.types } : {}), ingress: p.ingress.map((r) => rule(r, "from")), egress: p.egress.map((r) => rule(r, "to")) } }));
  }
  return docs.join("\n---\n");
}

const label = fc.dictionary(fc.constantFrom("app", "tier"), fc.constantFrom("x", "y"), { maxKeys: 2 });
const sel: fc.Arbitrary<RSel> = fc.record({ labels: label, notIn: fc.option(fc.tuple(fc.constantFrom("app", "tier", "env"), fc.constantFrom("x", "y", "dev")), { nil: undefined }) });
const peer: fc.Arbitrary<RPeer> = fc.oneof(
  fc.record({ ns: fc.option(sel, { nil: undefined }), pod: fc.option(sel, { nil: undefined }) }).filter((p) => !!(p.ns || p.pod)),
  fc.constant({ cidr: "10.0.0.0/8" }),
);
const port: fc.Arbitrary<RPort> = fc.oneof(
  fc.record({ protocol: fc.constantFrom<Protocol>("TCP", "UDP"), port: fc.constantFrom(80, 443) }),
  fc.record({ protocol: fc.constant<Protocol>("TCP"), port: fc.constant(80), endPort: fc.constant(443) }),
  fc.record({ protocol: fc.constantFrom<Protocol>("TCP", "UDP"), port: fc.constant("web") }),
  fc.record({ protocol: fc.constant<Protocol>("UDP") }),
);
const rule: fc.Arbitrary<RRule> = fc.record({ peers: fc.option(fc.array(peer, { minLength: 1, maxLength: 2 }), { nil: undefined }), ports: fc.option(fc.array(port, { minLength: 1, maxLength: 2 }), { nil: undefined }) });
const pods = fc.array(fc.record({ ns: fc.constantFrom(...NS), labels: label, webPort: fc.constantFrom(80, 443, 8080), webProto: fc.constantFrom<Protocol>("TCP", "UDP") }), { minLength: 2, maxLength: 5 })
  .map((xs) => xs.map((x, i): RPod => ({ ns: x.ns, name: `p${i}`, labels: x.labels, ports: [{ name: "web", port: x.webPort, protocol: x.webProto }] })));
const policies = fc.array(fc.record({
  ns: fc.constantFrom(...NS), sel, types: fc.option(fc.subarray<"Ingress" | "Egress">(["Ingress", "Egress"], { minLength: 1 }), { nil: undefined }),
  ingress: fc.array(rule, { maxLength: 2 }), egress: fc.array(rule, { maxLength: 2 }),
}), { maxLength: 3 }).map((xs) => xs.map((x, i): RPolicy => ({ ...x, name: `np${i}` })));

describe("the analysis against a direct reading of the specification", () => {
  it("every pod pair, protocol and port decides the same, and the list holds exactly the allowed pairs", () => {
    fc.assert(fc.property(pods, policies, (ps, pols) => {
      const input = loadPolicyInput([{ name: "r.yaml", text: toYaml(ps, pols) }]);
      const a = new PolicyAnalysis(input);
      const idx = (p: RPod) => a.endpoint(`${p.ns}/${p.name}`, "t");
      const list = new Map(connectivityList(input).connections.map((c) => [`${c.src} ${c.dst}`, c.conn]));
      for (const s of ps) for (const d of ps) {
        if (s === d) continue;
        const conn = a.allowed(idx(s), idx(d));
        let any = false;
        for (const proto of ["TCP", "UDP", "SCTP"] as Protocol[]) for (const n of [53, 80, 200, 443, 8080]) {
          const want = refAllowed(pols, s, d, proto, n);
          any ||= want;
          expect([s.name, d.name, proto, n, conn.has(proto, n)]).toEqual([s.name, d.name, proto, n, want]);
        }
        const line = list.get(`${s.ns}/${s.name}[Pod] ${d.ns}/${d.name}[Pod]`);
        if (any) expect(line).toBe(conn.toString());
        if (conn.isEmpty) expect(line).toBeUndefined();
      }
    }), { numRuns: 300 });
  });
});
