import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { parseRuleset, parseIpsets, tracePacket, traceKernel, traceKubeProxy, type Flow, type TraceOptions } from "../../src/netfilter/index.ts";

const read = (rel: string) => readFileSync(new URL(rel, import.meta.url), "utf8");
const fixture = (f: string) => parseRuleset(read(`./fixtures/${f}`), { source: f });

describe("kube-proxy-test mode matches kube-proxy's own TestTracePacket", () => {
  // The dump and the expectations are kube-proxy's (pkg/proxy/iptables/proxier_test.go).
  const rs = fixture("kube-proxy-tracepacket.rules");
  const nodeIPs = ["192.168.0.2", "192.168.1.2", "192.168.99.11", "2001:db8::1", "2001:db8:1::2"];
  const cases: [string, string, string, number, string, boolean][] = [
    ["no match", "10.0.0.2", "10.0.0.3", 80, "", false],
    ["single endpoint", "10.0.0.2", "172.30.0.41", 80, "10.180.0.1:80", false],
    ["multiple endpoints", "10.0.0.2", "172.30.0.44", 80, "10.180.0.4:80, 10.180.0.5:80", false],
    ["LOCAL, KUBE-MARK-MASQ", "192.168.0.2", "192.168.99.22", 80, "10.180.0.2:80", true],
    ["DROP", "203.0.113.2", "192.168.99.22", 80, "DROP", false],
    ["ACCEPT (NodePortHealthCheck)", "192.168.0.2", "192.168.0.2", 30000, "ACCEPT", false],
    ["REJECT", "10.0.0.2", "172.30.0.46", 80, "REJECT", false],
  ];
  for (const [name, src, dst, dport, output, masq] of cases) {
    it(name, () => {
      const t = traceKubeProxy(rs, { src, dst, dport, proto: "tcp" }, { local: nodeIPs });
      expect({ output: t.output, masq: t.masq }).toEqual({ output, masq });
    });
  }

  it("lists every matched rule with table, chain, rule number and line", () => {
    const t = traceKubeProxy(rs, { src: "10.0.0.2", dst: "172.30.0.44", dport: 80 }, { local: nodeIPs });
    expect(t.steps.map((s) => `${s.table} ${s.chain} #${s.rule} L${s.line} ${s.action}`)).toEqual([
      "nat PREROUTING #1 L53 jump",
      "nat KUBE-SERVICES #6 L68 jump",
      "nat KUBE-SVC-4SW47YFZTEDKD3PK #2 L97 jump",
      "nat KUBE-SEP-UKSFD7AGPMPPLUHC #2 L95 dnat",
      "nat KUBE-SVC-4SW47YFZTEDKD3PK #3 L98 jump",
      "nat KUBE-SEP-C6EBXVWJJZMIWKLZ #2 L85 dnat",
    ]);
    expect(t.filterDst).toBe("10.180.0.4");
  });
});

describe("a generated kube-proxy node (examples/iptables/kube-proxy-node.rules)", () => {
  const rs = parseRuleset(read("../../../../examples/iptables/kube-proxy-node.rules"), { source: "kube-proxy-node.rules" });
  const ipsets = parseIpsets(read("../../../../examples/iptables/ipsets.txt"));
  const opts: TraceOptions = { nodeIp: "10.224.0.4", ipsets };
  const pod = "10.244.1.9";
  const kp = (f: Flow) => {
    const t = traceKubeProxy(rs, f, opts);
    return `${t.output} | ${t.masq}`;
  };
  const kernel = (f: Flow, o: TraceOptions = opts) => {
    const t = traceKernel(rs, f, o);
    return [t.verdict, ...t.alternatives.map((a) => `${+a.probability.toFixed(4)} ${a.verdict} ${a.src}:${a.sport ?? ""} -> ${a.dst}:${a.dport ?? ""}`)];
  };

  it("ClusterIP: every endpoint, with its share", () => {
    const f: Flow = { src: pod, dst: "10.0.12.34", dport: 80, sport: 40000, inIface: "azv1" };
    expect(kp(f)).toBe("10.244.1.20:8080, 10.244.2.21:8080, 10.244.3.22:8080 | false");
    expect(kernel(f)).toEqual([
      "ACCEPT",
      "0.3333 ACCEPT 10.244.1.9:40000 -> 10.244.1.20:8080",
      "0.3333 ACCEPT 10.244.1.9:40000 -> 10.244.2.21:8080",
      "0.3333 ACCEPT 10.244.1.9:40000 -> 10.244.3.22:8080",
    ]);
    const t = traceKernel(rs, f, opts);
    expect(t.alternatives.reduce((p, a) => p + a.probability, 0)).toBeCloseTo(1, 9);
    expect(t.alternatives[1].rewrites).toEqual([
      { field: "dstIp", from: "10.0.12.34", to: "10.244.2.21" },
      { field: "dstPort", from: "80", to: "8080" },
    ]);
    const branch = t.alternatives[1].steps.filter((s) => s.probability !== undefined).map((s) => `${s.rule} ${s.branch} ${s.probability!.toFixed(4)}`);
    expect(branch).toEqual(["2 not-taken 0.3333", "3 taken 0.5000"]);
  });

  it("ClusterIP from outside the pod range is masqueraded to the node address", () => {
    const f: Flow = { src: "10.224.0.77", dst: "10.0.12.34", dport: 80, sport: 40000, inIface: "eth0" };
    expect(kp(f)).toBe("10.244.1.20:8080, 10.244.2.21:8080, 10.244.3.22:8080 | true");
    const t = traceKernel(rs, f, opts);
    expect(t.alternatives.map((a) => a.src)).toEqual(["10.224.0.4", "10.224.0.4", "10.224.0.4"]);
    expect(t.alternatives[0].rewrites.map((r) => r.field)).toEqual(["mark", "dstIp", "dstPort", "mark", "srcIp"]);
    expect(t.alternatives[0].rewrites[0]).toEqual({ field: "mark", from: "0x0", to: "0x4000" });
  });

  it("NodePort on the node address", () => {
    const f: Flow = { src: "192.0.2.1", dst: "10.224.0.4", dport: 30080, sport: 5555, inIface: "eth0" };
    expect(kp(f)).toBe("10.244.1.20:8080, 10.244.2.21:8080, 10.244.3.22:8080 | true");
    expect(kernel(f)[0]).toBe("ACCEPT");
    expect(kernel(f).slice(1)).toEqual([
      "0.3333 ACCEPT 10.224.0.4:5555 -> 10.244.1.20:8080",
      "0.3333 ACCEPT 10.224.0.4:5555 -> 10.244.2.21:8080",
      "0.3333 ACCEPT 10.224.0.4:5555 -> 10.244.3.22:8080",
    ]);
  });

  it("LoadBalancer with source ranges: allowed and denied clients", () => {
    const ok: Flow = { src: "203.0.113.9", dst: "20.50.60.70", dport: 443, sport: 1, inIface: "eth0" };
    const denied: Flow = { ...ok, src: "192.0.2.1" };
    expect(kp(ok)).toBe("10.244.2.30:8443, 10.244.3.31:8443 | true");
    expect(kp(denied)).toBe("DROP | false");
    expect(kernel(ok)).toEqual(["ACCEPT", "0.5 ACCEPT 10.224.0.4:1 -> 10.244.2.30:8443", "0.5 ACCEPT 10.224.0.4:1 -> 10.244.3.31:8443"]);
    expect(kernel(denied)).toEqual(["DROP", "1 DROP 192.0.2.1:1 -> 20.50.60.70:443"]);
    const drop = traceKernel(rs, denied, opts).alternatives[0].steps.at(-1)!;
    expect([drop.table, drop.chain, drop.action]).toEqual(["filter", "KUBE-PROXY-FIREWALL", "drop"]);
  });

  it("externalTrafficPolicy Local: local endpoints only, keeps the client address; none here: DROP", () => {
    const edge: Flow = { src: "192.0.2.1", dst: "20.50.60.71", dport: 80, sport: 7, inIface: "eth0" };
    expect(kp(edge)).toBe("10.244.1.40:8080 | false");
    expect(kernel(edge)).toEqual(["ACCEPT", "1 ACCEPT 192.0.2.1:7 -> 10.244.1.40:8080"]);
    const batch: Flow = { ...edge, dst: "20.50.60.72" };
    expect(kp(batch)).toBe("DROP | false");
    expect(kernel(batch)).toEqual(["DROP", "1 DROP 192.0.2.1:7 -> 20.50.60.72:80"]);
    // From a pod, eTP Local does not apply: every endpoint of the service.
    expect(kp({ ...batch, src: pod })).toBe("10.244.2.50:8080 | false");
  });

  it("session affinity: the first packet of a connection is balanced like any other", () => {
    const f: Flow = { src: pod, dst: "10.0.20.4", dport: 80, inIface: "azv1" };
    expect(kp(f)).toBe("10.244.1.60:8080, 10.244.2.61:8080, 10.244.3.62:8080 | false");
    const t = traceKernel(rs, f, opts);
    expect(t.alternatives.map((a) => a.dst)).toEqual(["10.244.1.60", "10.244.2.61", "10.244.3.62"]);
    // The --rcheck rules were walked and did not match; the DNAT rule's --set matched.
    const firstAlt = t.alternatives[0].steps.map((s) => `${s.chain}#${s.rule}`);
    expect(firstAlt.some((s) => /^KUBE-SVC-.*#[234]$/.test(s))).toBe(false);
  });

  it("no endpoints: REJECT", () => {
    const f: Flow = { src: pod, dst: "10.0.20.5", dport: 80, inIface: "azv1" };
    expect(kp(f)).toBe("REJECT | false");
    expect(kernel(f)).toEqual(["REJECT", "1 REJECT 10.244.1.9: -> 10.0.20.5:80"]);
  });

  it("ip-masq-agent: pod to the internet is masqueraded, pod to the VNet is not", () => {
    expect(kernel({ src: pod, dst: "93.184.216.34", dport: 443, inIface: "azv1" })).toEqual(["ACCEPT", "1 ACCEPT 10.224.0.4: -> 93.184.216.34:443"]);
    expect(kernel({ src: pod, dst: "10.225.3.4", dport: 443, inIface: "azv1" })).toEqual(["ACCEPT", "1 ACCEPT 10.244.1.9: -> 10.225.3.4:443"]);
    const t = traceKernel(rs, { src: pod, dst: "93.184.216.34", dport: 443, inIface: "azv1" }, opts);
    const last = t.alternatives[0].steps.filter((s) => s.action === "masquerade")[0];
    expect(last.chain).toBe("IP-MASQ-AGENT");
    expect(last.note).toContain("--random-fully");
    // Without --node-ip the rewrite still shows, to a placeholder.
    const u = traceKernel(rs, { src: pod, dst: "93.184.216.34", dport: 443, inIface: "azv1" }, {});
    expect(u.alternatives[0].src).toBe("(node IP)");
  });

  it("network policy with ipsets: allowed from api pods to db on 5432, dropped otherwise", () => {
    const fromApi: Flow = { src: "10.244.2.30", dst: "10.244.2.80", dport: 5432, inIface: "azv2" };
    expect(kernel(fromApi)).toEqual(["ACCEPT", "1 ACCEPT 10.244.2.30: -> 10.244.2.80:5432"]);
    expect(kernel({ ...fromApi, src: pod })).toEqual(["DROP", "1 DROP 10.244.1.9: -> 10.244.2.80:5432"]);
    expect(kernel({ ...fromApi, dport: 22 })).toEqual(["DROP", "1 DROP 10.244.2.30: -> 10.244.2.80:22"]);
    // Without the sets, the policy chain never matches and the trace says why.
    const t = traceKernel(rs, { ...fromApi, src: pod }, { nodeIp: "10.224.0.4" });
    expect(t.verdict).toBe("ACCEPT");
    expect(t.alternatives[0].assumptions[0]).toMatch(/ipset azure-npm-1234567890 is not given/);
    // kube-proxy-test mode ignores --match-set (the helper assumes it matches) and only walks kube-proxy's chains.
    expect(kp({ ...fromApi, src: pod })).toBe(" | false");
  });

  it("a locally generated packet walks OUTPUT", () => {
    const t = traceKernel(rs, { src: "10.224.0.4", dst: "10.0.0.10", proto: "udp", dport: 53 }, opts);
    expect(t.path).toBe("local-out");
    expect(t.alternatives[0].steps[0]).toMatchObject({ table: "nat", chain: "OUTPUT", rule: 1 });
    expect(t.alternatives.map((a) => a.delivery)).toEqual(["output", "output"]);
  });

  it("tracePacket picks the mode; bad flows are usage errors", () => {
    expect(tracePacket(rs, { src: pod, dst: "10.0.0.10", proto: "udp", dport: 53 }).mode).toBe("kernel");
    expect(() => tracePacket(rs, { src: "10.0.0.300", dst: "10.0.0.10" })).toThrow(/--src/);
    expect(() => tracePacket(rs, { src: pod, dst: "::1" })).toThrow(/different IP families/);
    expect(() => tracePacket(rs, { src: pod, dst: "10.0.0.10", proto: "nope" })).toThrow(/unknown protocol/);
  });
});

describe("packets trace through every real dump (pinned)", () => {
  it("AKS node with Azure NPM: DNS to kube-dns", () => {
    const rs = fixture("B-aks-npm-v2.rules");
    const f: Flow = { src: "10.224.0.50", dst: "10.0.0.10", proto: "udp", dport: 53, inIface: "azv1" };
    expect(traceKubeProxy(rs, f, { nodeIp: "10.224.0.4" }).output).toBe("10.224.0.23:53, 10.224.0.69:53");
    const k = traceKernel(rs, f, { nodeIp: "10.224.0.4" });
    expect(k.alternatives.map((a) => `${a.probability} ${a.verdict} ${a.dst}`)).toEqual(["0.5 ACCEPT 10.224.0.23", "0.5 ACCEPT 10.224.0.69"]);
    // Real AKS NPM v1 order: AZURE-NPM first in FORWARD, and its ACCEPT ends the filter walk.
    expect(k.alternatives[0].steps.filter((s) => s.table === "filter").at(-1)).toMatchObject({ chain: "AZURE-NPM-ACCEPT", action: "accept" });
    // metrics-server has no endpoints: kube-proxy REJECTs it in filter KUBE-SERVICES ...
    const ms: Flow = { src: "10.224.0.50", dst: "10.0.52.70", dport: 443, inIface: "azv1" };
    expect(traceKubeProxy(rs, ms, {}).output).toBe("REJECT");
    // ... but in the kernel NPM's ACCEPT in FORWARD comes first, so a pod's packet is forwarded.
    expect(traceKernel(rs, ms, {}).verdict).toBe("ACCEPT");
    // From the node itself (OUTPUT), the REJECT applies.
    expect(traceKernel(rs, { ...ms, src: "10.224.0.4", inIface: undefined }, { nodeIp: "10.224.0.4" }).verdict).toBe("REJECT");
  });

  it("the one-line dump traces like the multi-line one", () => {
    const rs = fixture("B-aks-npm-v1-oneline.rules");
    const t = traceKernel(rs, { src: "10.224.0.50", dst: "168.63.129.16", dport: 80, inIface: "azv1" }, {});
    expect(t.verdict).toBe("DROP");
    expect(t.alternatives[0].steps.at(-1)!.line).toBe(1);
  });

  it("Docker-era NPM filter dump: FORWARD", () => {
    const rs = fixture("B-aks-npm-filter-2021.rules");
    const t = traceKernel(rs, { src: "10.240.0.50", dst: "10.240.0.60", dport: 80, inIface: "azure0" }, {});
    expect(t.verdict).toBe("ACCEPT");
    expect(t.alternatives[0].assumptions.length).toBeGreaterThan(0);
  });

  it("kubeadm node with Docker: FORWARD policy DROP, kube-dns REJECT", () => {
    const rs = fixture("B-calico-fv-kubeproxy-docker-2019.rules");
    expect(traceKernel(rs, { src: "192.168.1.5", dst: "10.96.0.10", proto: "udp", dport: 53, inIface: "cali1" }, {}).verdict).toBe("REJECT");
    const api = traceKernel(rs, { src: "192.168.1.5", dst: "10.96.0.1", dport: 443, inIface: "cali1" }, { nodeIp: "10.128.0.183" });
    expect(api.alternatives.map((a) => `${a.verdict} ${a.dst}:${a.dport}`)).toEqual(["ACCEPT 10.128.0.183:6443"]);
    expect(api.alternatives[0].delivery).toBe("local");
    expect(traceKernel(rs, { src: "192.168.1.5", dst: "8.8.8.8", dport: 443, inIface: "cali1" }, {}).verdict).toBe("DROP");
    expect(traceKubeProxy(rs, { src: "192.168.1.5", dst: "10.96.0.1", dport: 443 }, {}).output).toBe("10.128.0.183:6443");
  });

  it("Calico felix: goto, wildcard interfaces, marks cleared by --set-xmark", () => {
    const rs = fixture("B-calico-fv-felix-only-2025.rules");
    // A workload interface felix does not know: "Unknown interface" DROP, in FORWARD ...
    const fwd = traceKernel(rs, { src: "10.65.0.2", dst: "10.65.1.3", dport: 80, inIface: "cali1234" }, {});
    expect(fwd.verdict).toBe("DROP");
    expect(fwd.alternatives[0].steps.at(-1)).toMatchObject({ chain: "cali-from-wl-dispatch", line: 85, action: "drop" });
    expect(fwd.alternatives[0].rewrites).toEqual([{ field: "mark", from: "0x0", to: "0x80000" }, { field: "mark", from: "0x80000", to: "0x0" }]);
    expect(fwd.alternatives[0].assumptions).toEqual(["line 20: -m rpfilter: the reverse-path check is assumed to pass"]);
    // ... and to the host, through the goto in cali-INPUT.
    const inp = traceKernel(rs, { src: "10.65.0.2", dst: "10.65.0.1", dport: 80, inIface: "cali1234" }, { local: ["10.65.0.1"] });
    expect(inp.alternatives[0].steps.filter((s) => s.table === "filter").map((s) => `${s.chain}#${s.rule} ${s.action}`)).toEqual([
      "INPUT#1 jump", "cali-INPUT#2 goto", "cali-wl-to-host#1 jump", "cali-from-wl-dispatch#1 drop",
    ]);
    // A host interface is not a workload: cali-FORWARD's "-i cali+" does not match eth0.
    const host = traceKernel(rs, { src: "192.0.2.1", dst: "10.65.1.3", dport: 80, inIface: "eth0" }, {});
    expect(host.alternatives[0].steps.some((s) => s.chain === "cali-from-wl-dispatch")).toBe(false);
  });
});

describe("IPv6 (ip6tables-save)", () => {
  const rs = fixture("generated-ipv6-kube-proxy.rules");
  const f: Flow = { src: "fd00:10:244:1::9", dst: "fd00:10:96::a", proto: "udp", dport: 53, inIface: "azv1" };
  it("both modes, bracketed DNAT targets, MASQUERADE outside the pod range", () => {
    expect(rs.family).toBe(6);
    expect(traceKubeProxy(rs, f, {})).toMatchObject({ output: "[fd00:10:244:1::5]:53, [fd00:10:244:2::7]:53", masq: false, filterDst: "fd00:10:244:1::5" });
    const k = traceKernel(rs, f, { nodeIp: "fd00:10:224::4" });
    expect(k.alternatives.map((a) => `${a.probability} ${a.src} ${a.dst}:${a.dport}`)).toEqual([
      "0.5 fd00:10:244:1::9 fd00:10:244:1::5:53",
      "0.5 fd00:10:244:1::9 fd00:10:244:2::7:53",
    ]);
    const out = traceKernel(rs, { src: "fd00:10:244:1::9", dst: "2001:db8::1", dport: 443, inIface: "azv1" }, { nodeIp: "fd00:10:224::4" });
    expect(out.alternatives[0].src).toBe("fd00:10:224::4");
  });
});

describe("the examples are what the generator makes", () => {
  it("examples/iptables/kube-proxy-node.rules and ipsets.txt regenerate byte for byte", async () => {
    const gen = await import(new URL("../../../../bench/iptables/gen.mjs", import.meta.url).href);
    expect(gen.showcase()).toBe(read("../../../../examples/iptables/kube-proxy-node.rules"));
    expect(gen.SHOWCASE_IPSETS).toBe(read("../../../../examples/iptables/ipsets.txt"));
  });
});
