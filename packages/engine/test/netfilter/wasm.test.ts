import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import {
  parseRuleset, parseIpsets, traceFlows, traceFlowsTs, compileKubeProxy, compileKernel, KpProgram, KernelProgram,
  type Flow, type Ruleset, type IpsetDb,
} from "../../src/netfilter/index.ts";
import { core } from "../../src/core/module.ts";

const read = (rel: string) => readFileSync(new URL(rel, import.meta.url), "utf8");
const fixture = (f: string) => parseRuleset(read(`./fixtures/${f}`), { source: f });

/** Addresses, ports and protocols that appear in a ruleset, so random flows hit its rules. */
function vocabulary(rs: Ruleset) {
  const addrs = new Set<string>(["127.0.0.1", "10.0.0.2", "192.0.2.1", "203.0.113.2"]);
  const ports = new Set<number>([80, 443, 53]);
  const text = [...rs.tables.values()].flatMap((t) => [...t.chains.values()].flatMap((c) => c.rules.map((r) => r.text))).join("\n");
  for (const m of text.matchAll(/(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})(?:\/(\d+))?/g)) {
    addrs.add(m[1]);
    if (m[2] && Number(m[2]) < 32) {
      const n = m[1].split(".").map(Number);
      addrs.add(`${n[0]}.${n[1]}.${n[2]}.${(n[3] + 7) & 255}`);
    }
  }
  for (const m of text.matchAll(/--d?ports? (\d+)|:(\d{2,5})\b/g)) ports.add(Number(m[1] ?? m[2]));
  return { addrs: [...addrs], ports: [...ports].filter((p) => p <= 65535) };
}

function flowArb(rs: Ruleset) {
  const v = vocabulary(rs);
  const ip = fc.oneof(
    fc.constantFrom(...v.addrs),
    fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).map((a) => a.join(".")),
  );
  const flow = fc.record({
    src: ip,
    dst: ip,
    proto: fc.constantFrom("tcp", "udp", "sctp", "icmp"),
    dport: fc.option(fc.oneof(fc.constantFrom(...v.ports), fc.integer({ min: 0, max: 65535 })), { nil: undefined }),
  });
  return { flows: fc.array(flow, { minLength: 1, maxLength: 60 }), local: fc.subarray(v.addrs, { maxLength: 4 }) };
}

/** Kernel mode: random flows (with and without an in-interface, ports, node addresses) through both engines. */
function kernelSameAsTs(rs: Ruleset, runs: number, ipsets?: IpsetDb) {
  const { flows, local } = flowArb(rs);
  const withIfaces = flows.chain((fl) =>
    fc.tuple(fc.constant(fl), fc.array(fc.record({ inIface: fc.option(fc.constantFrom("eth0", "azv1", "cali12", "docker0"), { nil: undefined }), outIface: fc.option(fc.constantFrom("eth0", "cali9", "docker0"), { nil: undefined }), sport: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }) }), { minLength: fl.length, maxLength: fl.length })),
  ).map(([fl, extra]) => fl.map((f, i) => ({ ...f, ...Object.fromEntries(Object.entries(extra[i]).filter(([, v]) => v !== undefined)) })));
  fc.assert(
    fc.property(withIfaces, local, fc.option(fc.constantFrom("10.224.0.4", "192.168.0.2", "10.128.0.183"), { nil: undefined }), (fl: Flow[], loc: string[], nodeIp?: string) => {
      const opts = { mode: "kernel" as const, local: loc, nodeIp, ipsets };
      const w = traceFlows(rs, fl, { ...opts, engine: "wasm" });
      expect(w.engine).toBe("wasm");
      expect(w.results).toEqual(traceFlowsTs(rs, fl, opts));
    }),
    { numRuns: runs, seed: 777 },
  );
}

function sameAsTs(rs: Ruleset, runs: number) {
  const { flows, local } = flowArb(rs);
  fc.assert(
    fc.property(flows, local, (fl: Flow[], loc: string[]) => {
      const opts = { mode: "kube-proxy-test" as const, local: loc };
      const w = traceFlows(rs, fl, { ...opts, engine: "wasm" });
      expect(w.engine).toBe("wasm");
      expect(w.results).toEqual(traceFlowsTs(rs, fl, opts));
    }),
    { numRuns: runs, seed: 4242 },
  );
}

/** A random ruleset with every match the kube-proxy helper reads, negations, jumps forward, missing chains, gotos. */
function randomRuleset(seed: number): string {
  let s = seed >>> 0;
  const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const pick = <T,>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const neg = () => (r() < 0.25 ? "! " : "");
  const chains = ["KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES", "KUBE-NODEPORTS", "KUBE-PROXY-FIREWALL", "C1", "C2", "C3", "C4", "C5"];
  const addrs = ["10.0.0.1", "10.0.0.2", "10.1.0.0/16", "10.0.0.0/8", "192.168.0.2", "1.2.3.4", "127.0.0.1"];
  const out: string[] = [];
  for (const table of ["filter", "nat"]) {
    out.push(`*${table}`);
    const builtins = table === "nat" ? ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"] : ["INPUT", "FORWARD", "OUTPUT"];
    for (const b of builtins) out.push(`:${b} ACCEPT [0:0]`);
    for (const c of chains) out.push(`:${c} - [0:0]`);
    const all = table === "nat" ? ["PREROUTING", ...chains] : chains;
    all.forEach((c, i) => {
      const n = 2 + Math.floor(r() * 14);
      for (let k = 0; k < n; k++) {
        const parts = [`-A ${c}`];
        if (r() < 0.3) parts.push(`${neg()}-s ${pick(addrs)}`);
        if (r() < 0.6) parts.push(`${neg()}-d ${pick(addrs)}`);
        const proto = pick(["tcp", "udp", "sctp"]);
        if (r() < 0.6) parts.push(`${neg()}-p ${proto}`);
        if (r() < 0.5) parts.push(`-m ${proto} ${neg()}--dport ${pick(["80", "443", "53", "1000:2000", "8080"])}`);
        if (r() < 0.15) parts.push(`-m addrtype ${neg()}--${pick(["src", "dst"])}-type ${pick(["LOCAL", "UNICAST"])}`);
        if (r() < 0.05) parts.push(`-m mark --mark 0x4000/0x4000`);
        if (r() < 0.05) parts.push(`-m conntrack --ctstate NEW`);
        if (r() < 0.05) parts.push(`-m recent --name X --rcheck --seconds 10`);
        if (r() < 0.2) parts.push(`-m statistic --mode random --probability 0.5`);
        if (r() < 0.1) parts.push(`-m comment --comment "c ${k}" -m set --match-set s1 src -i eth+`);
        const later = all.slice(i + 1);
        const t = r();
        if (t < 0.1) parts.push("-j KUBE-MARK-MASQ");
        else if (t < 0.2) parts.push(`-j ${pick(["ACCEPT", "DROP", "REJECT", "RETURN"])}`);
        else if (t < 0.35 && table === "nat") parts.push(`-j DNAT --to-destination ${pick(["10.9.0.1:80", "10.9.0.2:8080", "10.9.0.3"])}`);
        else if (t < 0.6 && later.length) parts.push(`-j ${pick(later)}`);
        else if (t < 0.65 && later.length) parts.push(`-g ${pick(later)}`);
        else if (t < 0.7) parts.push("-j MISSING-CHAIN");
        else if (t < 0.75) parts.push("-j MARK --set-xmark 0x1/0x1");
        out.push(parts.join(" "));
      }
    });
    out.push("COMMIT");
  }
  return out.join("\n") + "\n";
}

describe("wasm bulk evaluation gives the TypeScript tracer's results (kernel mode)", () => {
  const node = read("../../../../examples/iptables/kube-proxy-node.rules");
  it("the generated kube-proxy node, with and without its ipsets", () => {
    const rs = parseRuleset(node);
    kernelSameAsTs(rs, 80, parseIpsets(read("../../../../examples/iptables/ipsets.txt")));
    kernelSameAsTs(rs, 40);
  });
  it("kube-proxy's TestTracePacket dump", () => kernelSameAsTs(fixture("kube-proxy-tracepacket.rules"), 80));
  for (const f of ["B-aks-npm-v2.rules", "B-aks-npm-v1-oneline.rules", "B-aks-npm-filter-2021.rules", "B-calico-fv-kubeproxy-docker-2019.rules", "B-calico-fv-felix-only-2025.rules"]) {
    it(`real dump ${f}`, () => kernelSameAsTs(fixture(f), 40));
  }
  it("random rulesets", () => {
    for (let seed = 1; seed <= 25; seed++) kernelSameAsTs(parseRuleset(randomRuleset(seed)), 10);
  });
  it("ipsets: hash:net with nomatch, hash:ip,port, list:set, negated set matches", () => {
    const rs = parseRuleset([
      "*filter", ":INPUT ACCEPT [0:0]", ":FORWARD DROP [0:0]", ":OUTPUT ACCEPT [0:0]",
      "-A FORWARD -m set --match-set nets src -m set ! --match-set blocked dst -j ACCEPT",
      "-A FORWARD -p tcp -m set --match-set svc dst,dst -j ACCEPT",
      "-A FORWARD -m set --match-set all src -j REJECT",
      "COMMIT", "",
    ].join("\n"));
    const sets = parseIpsets([
      "create nets hash:net", "add nets 10.0.0.0/8", "add nets 10.9.0.0/16 nomatch",
      "create blocked hash:ip", "add blocked 10.0.0.2",
      "create svc hash:ip,port", "add svc 10.0.0.3,tcp:443", "add svc 10.0.0.4,udp:53",
      "create all list:set", "add all nets", "add all svc", "",
    ].join("\n"));
    kernelSameAsTs(rs, 150, sets);
    const r = traceFlows(rs, [{ src: "10.9.1.1", dst: "10.0.0.3", dport: 443, inIface: "eth0" }, { src: "10.1.1.1", dst: "10.0.0.2", dport: 80, inIface: "eth0" }], { ipsets: sets, engine: "wasm" });
    expect(r.results.map((x) => (x as { verdict: string }).verdict)).toEqual(["ACCEPT", "REJECT"]);
  });
  it("many probabilistic branches: 256 alternatives at most, the rest flagged truncated", () => {
    const lines = ["*nat", ":PREROUTING ACCEPT [0:0]"];
    for (let i = 0; i < 12; i++) lines.push(`-A PREROUTING -m statistic --mode random --probability 0.5 -j MARK --xor-mark 0x${(1 << i).toString(16)}`);
    lines.push("COMMIT", "");
    const rs = parseRuleset(lines.join("\n"));
    const f = [{ src: "192.0.2.1", dst: "192.0.2.2", inIface: "eth0" }];
    const w = traceFlows(rs, f, { engine: "wasm" });
    expect((w.results[0] as { alternatives: unknown[] }).alternatives).toHaveLength(256);
    expect(w.results).toEqual(traceFlowsTs(rs, f, {}));
  });
});

describe("wasm bulk evaluation gives the TypeScript tracer's results (kube-proxy-test mode)", () => {
  it("kube-proxy's TestTracePacket dump", () => sameAsTs(fixture("kube-proxy-tracepacket.rules"), 200));
  it("the generated kube-proxy node", () => sameAsTs(parseRuleset(read("../../../../examples/iptables/kube-proxy-node.rules")), 200));
  for (const f of ["B-aks-npm-v2.rules", "B-aks-npm-v1-oneline.rules", "B-aks-npm-filter-2021.rules", "B-calico-fv-kubeproxy-docker-2019.rules", "B-calico-fv-felix-only-2025.rules"]) {
    it(`real dump ${f}`, () => sameAsTs(fixture(f), 60));
  }
  it("random rulesets (negations, ranges, addrtype, marks, gotos, missing chains)", () => {
    for (let seed = 1; seed <= 25; seed++) sameAsTs(parseRuleset(randomRuleset(seed)), 20);
  });

  it("a kube-proxy-shaped dump with 2,000 services is indexed, and still agrees", async () => {
    const gen = await import(new URL("../../../../bench/iptables/gen.mjs", import.meta.url).href);
    const rs = parseRuleset(gen.kubeProxyDump({ services: gen.scaleServices(2000, 3, 7) }));
    const p = compileKubeProxy(rs) as KpProgram;
    expect(p).toBeInstanceOf(KpProgram);
    expect(p.indexedChains).toBeGreaterThanOrEqual(1);
    sameAsTs(rs, 40);
    const k = compileKernel(rs) as KernelProgram;
    expect(k.indexedChains).toBeGreaterThanOrEqual(1);
    kernelSameAsTs(rs, 10);
    // One large batch with repeats: sources that are endpoints of the service they call (hairpin,
    // masq) next to ordinary pods and node-range sources, all sharing cache keys.
    const svc = gen.scaleServices(2000, 3, 7) as { clusterIP: string; port: { proto: string; port: number } }[];
    const flows: Flow[] = [];
    for (let i = 0; i < 6000; i++) {
      const s = svc[(i * 7919) % svc.length];
      const ep = (s as unknown as { endpoints: { ip: string }[] }).endpoints[i % 3].ip;
      const src = i % 4 === 0 ? ep : i % 3 ? `10.244.${(i * 13) & 255}.${i & 255}` : `10.224.0.${i & 255}`;
      flows.push({ src, dst: s.clusterIP, proto: s.port.proto, dport: i % 5 ? s.port.port : 1 + (i % 9) });
    }
    flows.push(...flows.slice(0, 500));
    const w = traceFlows(rs, flows, { mode: "kube-proxy-test", local: ["10.224.0.4"], engine: "wasm" });
    expect(w.results).toEqual(traceFlowsTs(rs, flows, { mode: "kube-proxy-test", local: ["10.224.0.4"] }));
  });

  it("a jump loop ends at the helper's depth limit in both", () => {
    const rs = parseRuleset("*nat\n:PREROUTING ACCEPT [0:0]\n:L - [0:0]\n-A PREROUTING -j L\n-A L -j KUBE-MARK-MASQ\n-A L -j L\nCOMMIT\n");
    const f = [{ src: "10.0.0.1", dst: "10.0.0.2", dport: 80 }];
    const w = traceFlows(rs, f, { mode: "kube-proxy-test", engine: "wasm" });
    expect(w.results).toEqual([{ output: "", masq: true }]);
    expect(w.results).toEqual(traceFlowsTs(rs, f, { mode: "kube-proxy-test" }));
  });

  it("falls back to the TypeScript tracer where wasm does not apply, and says why", () => {
    const rs = parseRuleset(read("../../../../examples/iptables/kube-proxy-node.rules"));
    expect(traceFlows(rs, [{ src: "10.0.0.1", dst: "10.0.0.10" }], { mode: "kernel" })).toMatchObject({ engine: "wasm" });
    expect(traceFlows(rs, [{ src: "fd00::1", dst: "fd00::2" }], { mode: "kernel" })).toMatchObject({ engine: "ts", fallback: expect.stringMatching(/IPv6/) });
    for (const mode of ["kernel", "kube-proxy-test"] as const) {
      expect(() => traceFlows(rs, [{ src: "10.0.0.1", dst: "10.0.0.10", proto: "nope" }], { mode })).toThrow(/unknown protocol/);
      expect(() => traceFlows(rs, [{ src: "10.0.0.1", dst: "10.0.0.10", dport: 70000 }], { mode })).toThrow(/--dport must be a port/);
    }
    const egress = [{ src: "10.244.1.9", dst: "93.184.216.34", dport: 443, inIface: "azv1" }];
    const v6node = traceFlows(rs, egress, { mode: "kernel", nodeIp: "fd00::4" });
    expect(v6node).toMatchObject({ engine: "ts", results: [{ alternatives: [{ src: "fd00::4" }] }] });
    const v6 = parseRuleset("*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -d fd00::1/128 -j DNAT --to-destination [fd00::2]:80\nCOMMIT\n");
    const r = traceFlows(v6, [{ src: "fd00::9", dst: "fd00::1", dport: 80 }], { mode: "kube-proxy-test" });
    expect(r).toMatchObject({ engine: "ts", results: [{ output: "[fd00::2]:80", masq: false }] });
    expect(() => traceFlows(v6, [], { mode: "kube-proxy-test", engine: "wasm" })).toThrow(/IPv6/);
  });

  it("grows its output buffer when a batch needs more than the first guess", () => {
    // One service with 40 endpoints: every flow lists all 40 (the first guess is 4 per flow).
    const lines = ["*nat", ":PREROUTING ACCEPT [0:0]", ":S - [0:0]"];
    for (let i = 0; i < 40; i++) lines.push(`:E${i} - [0:0]`);
    lines.push("-A PREROUTING -j S");
    for (let i = 0; i < 40; i++) lines.push(`-A S -m statistic --mode random --probability 0.5 -j E${i}`);
    for (let i = 0; i < 40; i++) lines.push(`-A E${i} -j DNAT --to-destination 10.1.0.${i}:80`);
    lines.push("COMMIT", "");
    const rs = parseRuleset(lines.join("\n"));
    const flows = Array.from({ length: 10 }, (_, i) => ({ src: `10.0.0.${i}`, dst: "10.0.0.100", dport: 80 }));
    const w = traceFlows(rs, flows, { mode: "kube-proxy-test", engine: "wasm" });
    expect((w.results[9] as { output: string }).output.split(", ")).toHaveLength(40);
    expect(w.results).toEqual(traceFlowsTs(rs, flows, { mode: "kube-proxy-test" }));
  });
});
