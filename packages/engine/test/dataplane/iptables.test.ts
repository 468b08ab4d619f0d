// The generated node rulesets: they parse, lint without errors or warnings, and trace with the
// netfilter engine (kernel tracer and its wasm twin); a Service with 3 endpoints DNATs to each
// with probability 1/3; externalTrafficPolicy Local keeps the client address; chain names are
// kube-proxy's.
import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { lintRuleset, parseRuleset, traceKernel, traceFlows } from "../../src/netfilter/index.ts";
import { chainName, dataplane, sha256 } from "../../src/dataplane/index.ts";
import { base32, hash16 } from "../../src/dataplane/chain-names.ts";
import { nodeRuleset } from "../../src/dataplane/iptables.ts";
import { MODELS, CLIENT, cluster, workload } from "./fixtures/cluster.ts";

describe.each(MODELS.filter(([, dp]) => dp === "azure"))("%s node rulesets", (model) => {
  const d = dataplane(cluster(model), { workload: workload() });
  it("parse and lint without errors or warnings on every node", () => {
    for (const n of d.nodes) {
      const text = d.iptables(n);
      const rs = parseRuleset(text, { source: n.name });
      const bad = lintRuleset(rs).filter((f) => f.severity !== "info");
      expect(bad, n.name).toEqual([]);
      expect(rs.tables.get("nat")!.chains.has("IP-MASQ-AGENT")).toBe(true);
    }
  });

  it("ip-masq-agent returns the model's non-masquerade CIDRs and masquerades the rest", () => {
    const rs = d.ruleset(d.nodes[0]);
    const rules = rs.tables.get("nat")!.chains.get("IP-MASQ-AGENT")!.rules;
    const returned = rules.filter((r) => r.target?.kind === "verdict").map((r) => r.matches.find((m) => m.kind === "dst")!);
    expect(returned.map((m) => (m.kind === "dst" ? m.prefix.text : ""))).toEqual([...d.result().nonMasqueradeCidrs, "169.254.0.0/16"]);
    expect(rules.at(-1)!.target?.kind).toBe("masquerade");
  });

  it("a ClusterIP with 3 endpoints DNATs to each with probability 1/3 (TS tracer and wasm agree)", () => {
    const web = d.services.find((s) => s.name === "web")!;
    const node = d.nodes[0];
    const flow = { src: "10.10.0.200", dst: web.clusterIP, proto: "tcp", dport: 80, sport: 40000, inIface: "eth0" };
    const t = traceKernel(d.ruleset(node), flow, { local: [node.address], nodeIp: node.address });
    const byDst = new Map<string, number>();
    for (const a of t.alternatives) byDst.set(a.dst, (byDst.get(a.dst) ?? 0) + a.probability);
    expect([...byDst.keys()].sort()).toEqual(web.endpoints.map((e) => e.address).sort());
    for (const p of byDst.values()) expect(p).toBeCloseTo(1 / 3, 9);
    const bulk = traceFlows(d.ruleset(node), [flow], { local: [node.address], nodeIp: node.address });
    expect(bulk.engine).toBe("wasm");
    const r = bulk.results[0] as { alternatives: { dst: string; probability: number }[] };
    expect(r.alternatives.map((a) => [a.dst, a.probability])).toEqual(t.alternatives.map((a) => [a.dst, a.probability]));
  });

  it("externalTrafficPolicy Local keeps the client address, Cluster masquerades it", () => {
    const local = d.services.find((s) => s.name === "front-local")!;
    const cl = d.services.find((s) => s.name === "front")!;
    const node = d.byName.get(local.endpoints[0].node)!;
    const opts = { local: [node.address], nodeIp: node.address };
    const tl = traceKernel(d.ruleset(node), { src: CLIENT, dst: local.loadBalancerIP!, proto: "tcp", dport: 80, inIface: "eth0" }, opts);
    expect(tl.alternatives.map((a) => [a.verdict, a.src, a.dst])).toEqual([["ACCEPT", CLIENT, local.endpoints[0].address]]);
    const tc = traceKernel(d.ruleset(node), { src: CLIENT, dst: cl.loadBalancerIP!, proto: "tcp", dport: 80, inIface: "eth0" }, opts);
    expect(tc.alternatives.map((a) => [a.verdict, a.src, a.dst])).toEqual([["ACCEPT", node.address, cl.endpoints[0].address]]);
    // A node without a local endpoint drops Local traffic (KUBE-EXTERNAL-SERVICES / KUBE-SVL).
    const other = d.nodes.find((n) => n !== node)!;
    const td = traceKernel(d.ruleset(other), { src: CLIENT, dst: local.loadBalancerIP!, proto: "tcp", dport: 80, inIface: "eth0" }, { local: [other.address], nodeIp: other.address });
    expect(td.verdict).toBe("DROP");
  });
});

describe("the generator's two text paths", () => {
  const d = dataplane(cluster("azure-cni-overlay"), { workload: workload() });
  const inp = (services = d.services) => ({ node: d.nodes[0], services, clusterCidr: d.clusterCidr, nonMasqueradeCidrs: d.result().nonMasqueradeCidrs });
  it("bytes and strings give the same text", () => {
    const text = nodeRuleset(inp());
    expect(text.split("\n").length).toBeGreaterThan(50);
    expect(nodeRuleset(inp(), { strings: true })).toBe(text);
    expect(d.iptables(d.nodes[0])).toBe(text);
  });
  it("names UTF-8 would not carry (a lone surrogate) come through unchanged, as do other non-ASCII ones", () => {
    for (const name of ["web\ud800x", "wéb-ü\u{1F600}", "x\ufffdy"]) {
      const services = d.services.map((s, i) => (i === 1 ? { ...s, name } : s));
      const text = nodeRuleset(inp(services));
      expect(text).toContain(`"${d.services[1].namespace}/${name}`);
      expect(text).toBe(nodeRuleset(inp(services), { strings: true }));
    }
  });
});

describe("chain names", () => {
  it("sha256 matches node:crypto", () => {
    for (const s of ["", "a", "x".repeat(55), "y".repeat(56), "z".repeat(64), "ns/svc:port" + "tcp10.244.1.2:8080"]) {
      expect(Buffer.from(sha256(new TextEncoder().encode(s))).toString("hex")).toBe(createHash("sha256").update(s).digest("hex"));
    }
  });
  it("hash16 is base32(sha256(key))[0, 16) of node:crypto, for one- and two-block and non-ASCII keys", () => {
    const b32 = (buf: Buffer) => base32(new Uint8Array(buf)).slice(0, 16);
    for (const s of ["", "a", "x".repeat(55), "y".repeat(56), "z".repeat(64), "w".repeat(130), "ns/svc:porttcp10.244.1.2:8080", "ünï/cödé:ptcp", "ns/a:b\u{1F600}tcp"]) {
      expect(hash16(s), s).toBe(b32(createHash("sha256").update(s).digest()));
      expect(chainName("KUBE-SEP-", s)).toBe("KUBE-SEP-" + hash16(s));
    }
  });
  it("are kube-proxy's: the example dump (generated by bench/iptables/gen.mjs with node:crypto) has the same", () => {
    const text = readFileSync(new URL("../../../../examples/iptables/kube-proxy-node.rules", import.meta.url), "utf8");
    expect(text).toContain(`:${chainName("KUBE-SVC-", "shop/web:httptcp")} -`);
    expect(text).toContain(`:${chainName("KUBE-SEP-", "shop/web:httptcp10.244.1.20:8080")} -`);
  });
});

describe("Cilium clusters", () => {
  it("hold no kube-proxy chains", () => {
    const d = dataplane(cluster("azure-cni-overlay", "cilium"), { workload: workload() });
    expect(d.result().kubeProxy).toBe(false);
  });
});
