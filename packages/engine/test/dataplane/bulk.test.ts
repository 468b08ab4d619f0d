// The bulk path (compiled netfilter programs and batched LPM on the core) against the TypeScript
// tracer, on random flows over every endpoint kind, under every model: equal results.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { InputError } from "../../src/errors.ts";
import { BulkRun, bulkJsonLine, dataplane, flowTable, loadNsgs, loadWorkload, parseTraceFlowTable, parseTraceFlows, trace, traceBulk, type BulkFlow } from "../../src/dataplane/index.ts";
import { parseTraceFlowTableTs } from "../../src/dataplane/bulk.ts";
import { firstAlternativeServices } from "../../src/dataplane/dataplane.ts";
import { ip4 } from "../../src/dataplane/net4.ts";
import { readFileSync } from "node:fs";
import { CLIENT, INTERNET, MODELS, ON_PREM, PEERED, VM, cluster, fixture, workload } from "./fixtures/cluster.ts";

const pod = fc.tuple(fc.constantFrom("system/0", "apps/0", "apps/1"), fc.integer({ min: 0, max: 29 })).map(([n, i]) => `pod:${n}/${i}`);
const node = fc.constantFrom("node:system/0", "node:apps/0", "node:apps/1");
const ipSrc = fc.constantFrom(VM, PEERED, ON_PREM, INTERNET, CLIENT, "10.10.0.5").map((a) => `ip:${a}`);
const ipDst = fc.constantFrom(VM, PEERED, ON_PREM, INTERNET, CLIENT, "10.10.0.5", "192.168.9.9", "10.0.0.10", "10.244.1.9").map((a) => `ip:${a}`);
const svc = fc.constantFrom("svc:web", "svc:front", "svc:front-local", "svc:api", "svc:kube-dns:dns", "svc:kube-dns:dns-tcp");
const flow = fc.record({
  from: fc.oneof(pod, node, ipSrc),
  to: fc.oneof(pod, node, ipDst, svc),
  port: fc.option(fc.constantFrom(80, 443, 53, 30080, 30081, 8080), { nil: undefined }),
  proto: fc.option(fc.constantFrom("tcp" as const, "udp" as const), { nil: undefined }),
});

describe.each(MODELS)("%s (%s): bulk equals the TypeScript tracer", (model, dp) => {
  const nsgs = [...loadNsgs({ name: "nsg-vms.json", text: readFileSync(fixture("nsg-vms.json"), "utf8") })];
  it("on random flows", () => {
    fc.assert(fc.property(fc.array(flow, { minLength: 1, maxLength: 60 }), (fs) => {
      const d = dataplane(cluster(model, dp), { workload: workload(), nsgs });
      // Repeated flows too (the TypeScript engine answers a repeat from the first, the wasm path from its memo).
      const flows: BulkFlow[] = [...fs, ...fs.slice(0, 5)].map((f, i) => ({ ...f, line: i + 1 }));
      const ts = traceBulk(d, flows, { engine: "ts" });
      const wasm = traceBulk(dataplane(cluster(model, dp), { workload: workload(), nsgs }), flows);
      expect(wasm.engine).toBe("wasm");
      expect(wasm.results).toEqual(ts.results);
      // The bulk rulesets (shared, or the node's external Services only) decide as the node's full
      // ruleset does: trace() on it gives the same results (the rule named by chain and text in
      // bulk, by number and line in the node's ruleset too in a single trace).
      const noLine = (r?: string) => r?.replace(/ rule \d+ \(line \d+\):/, ":");
      flows.forEach((f, i) => {
        const t = trace(d, f);
        const b = ts.results[i];
        expect([b.verdict, b.seenSource, b.resolved, b.toAddress, noLine(b.reason)]).toEqual([t.verdict, t.seenSource, t.to.resolved, t.to.address, noLine(t.reason)]);
      });
    }), { numRuns: 15 });
  });
});

describe("flow files", () => {
  it("CSV and JSON Lines give the same flows", () => {
    const csv = parseTraceFlows("from,to,port,proto\npod:apps/0/1,svc:web,,\npod:apps/0/1,ip:8.8.8.8,443,tcp\n");
    const jl = parseTraceFlows('{"from":"pod:apps/0/1","to":"svc:web"}\n{"from":"pod:apps/0/1","to":"ip:8.8.8.8","port":443,"proto":"tcp"}\n');
    expect(csv.map(({ line, ...f }) => f)).toEqual(jl.map(({ line, ...f }) => f));
  });
  it("bad lines are located", () => {
    expect(() => parseTraceFlows("from,to,port\npod:a/0/0,ip:1.1.1.1,99999\n", "f.csv")).toThrow(/^f\.csv:2:22: port "99999"/);
    expect(() => parseTraceFlows("src,dst\n", "f.csv")).toThrow(/^f\.csv:1:1: the CSV header must name from and to/);
    expect(() => parseTraceFlows('{"from": 1}\n', "f.jsonl")).toThrow(InputError);
    const d = dataplane(cluster("kubenet"), { workload: workload() });
    expect(() => traceBulk(d, parseTraceFlows("from,to\npod:apps/0/1,svc:web\nbogus,svc:web\n", "f.csv"), { source: "f.csv" })).toThrow(/^f\.csv:3: from "bogus"/);
  });
  it("the first bad endpoint in the flows' order is the one reported, whatever the table's ids", () => {
    const d = dataplane(cluster("kubenet"), { workload: workload() });
    // A bad to-endpoint first seen on line 4, a bad from-endpoint on line 5 (the readers' ids: in order of first sight).
    const text = "from,to\npod:apps/0/1,svc:web\npod:apps/0/2,svc:web\npod:apps/0/1,bad-to\nbad-from,svc:web\n";
    for (const t of [parseTraceFlowTable(text), parseTraceFlowTableTs(text), flowTable(parseTraceFlows(text))]) {
      expect(() => traceBulk(d, t, { source: "f.csv" })).toThrow(/^f\.csv:4: to "bad-to"/);
    }
    // The same flows with ids numbered otherwise (the last text first): read flow by flow, the same error.
    const t = parseTraceFlowTable(text), m = t.texts.length, flip = (x: Int32Array) => x.map((id) => m - 1 - id);
    const flipped = { ...t, from: flip(t.from), to: flip(t.to), texts: [...t.texts].reverse() };
    expect(() => traceBulk(d, flipped, { source: "f.csv" })).toThrow(/^f\.csv:4: to "bad-to"/);
    // And a good table numbered otherwise traces as the same flows do.
    const good = parseTraceFlowTable("from,to\npod:apps/0/1,svc:web\npod:apps/0/2,ip:8.8.8.8\n");
    const k = good.texts.length, flipGood = { ...good, from: good.from.map((id) => k - 1 - id), to: good.to.map((id) => k - 1 - id), texts: [...good.texts].reverse() };
    expect(traceBulk(d, flipGood).results).toEqual(traceBulk(d, good).results);
  });
});

describe("a netfilter drop in bulk", () => {
  it("gives the same reason (the rule) as the TypeScript tracer", () => {
    // kubenet: the VM is outside kube-proxy's cluster CIDR, so eTP Local applies (under Azure CNI
    // the cluster CIDR is the VNet and the VM counts as pod traffic).
    const d = dataplane(cluster("kubenet"), { workload: workload() });
    const flows = [{ from: "node:system/0", to: "node:system/0", port: 30081, line: 1 }, { from: "pod:apps/0/3", to: "ip:10.10.0.4", port: 30081, line: 2 }, { from: `ip:${VM}`, to: "node:system/0", port: 30081, line: 3 }];
    const ts = traceBulk(d, flows, { engine: "ts" });
    // The node itself reaches the endpoint elsewhere (LOCAL traffic); a pod is masqueraded to its node IP
    // first (§5.1), so the node without a local endpoint drops it, like a VM.
    expect(ts.results.map((r) => r.verdict)).toEqual(["delivered", "dropped", "dropped"]);
    expect(ts.results[2].reason).toMatch(/has no local endpoints/);
    expect(traceBulk(d, flows).results).toEqual(ts.results);
  });
  it("names the rule by chain and text: the bulk path's rulesets number rules otherwise than the node's", () => {
    const d = dataplane(cluster("kubenet"), { workload: workload() });
    const flows = [{ from: `ip:${VM}`, to: "node:system/0", port: 30081, line: 1 }, { from: "pod:apps/0/3", to: "ip:127.0.0.1", line: 2 }];
    const bulk = traceBulk(d, flows).results;
    for (const r of bulk) {
      expect(r.verdict).toBe("dropped");
      expect(r.reason).toMatch(/^netfilter on \S+ drops it: filter KUBE-[A-Z-]+: -A KUBE-/);
      expect(r.reason).not.toMatch(/\(line \d+\)/);
    }
    // A single trace names the rule's number and its line in the node's ruleset as --iptables prints it.
    flows.forEach((f, k) => {
      const t = trace(d, { from: f.from, to: f.to, port: f.port });
      const m = /^netfilter on (\S+) drops it: (\S+) (\S+) rule \d+ \(line (\d+)\): (.*)$/.exec(t.reason!)!;
      expect(m).not.toBeNull();
      expect(d.iptables(d.byName.get(m[1])!).split("\n")[Number(m[4]) - 1]).toBe(m[5]);
      // The same rule as the bulk reason names.
      expect(bulk[k].reason).toBe(`netfilter on ${m[1]} drops it: ${m[2]} ${m[3]}: ${m[5]}`);
    });
  });
});

describe("one verdict per ClusterIP for pods that are not its endpoints", () => {
  it.each(MODELS)("%s (%s): shared, and equal to the TypeScript tracer (hairpin pods included)", (model, dp) => {
    const d = dataplane(cluster(model, dp), { workload: workload() });
    const flows: BulkFlow[] = [];
    for (const n of ["system/0", "apps/0", "apps/1"]) for (let i = 0; i < 30; i++) for (const to of ["svc:web", "svc:api", "svc:kube-dns:dns"]) flows.push({ from: `pod:${n}/${i}`, to, line: flows.length + 1 });
    const wasm = traceBulk(d, flows);
    expect(wasm.results).toEqual(traceBulk(d, flows, { engine: "ts" }).results);
    if (dp === "azure") expect(wasm.netfilterBatched).toBeLessThan(flows.length);
  });
});

describe("flow tables", () => {
  // Cells as people write them: padded, upper case, empty, CRLF, comments and blank lines between.
  const cellOf = (s: string) => fc.tuple(fc.constantFrom("", " ", "\t", "  "), fc.constantFrom("", " ", "\t")).map(([a, b]) => `${a}${s}${b}`);
  const row = fc.record({
    from: fc.oneof(pod, node, ipSrc).chain(cellOf),
    to: fc.oneof(pod, node, ipDst, svc).chain(cellOf),
    port: fc.constantFrom("", "80", " 443", "53 ", "08080", "65535", "65536", "x1", "123456"),
    proto: fc.constantFrom("", "tcp", "UDP", " Tcp ", "icmp"),
    eol: fc.constantFrom("\n", "\r\n"),
    filler: fc.constantFrom("", "", "", "# a comment\n", "\n", "   \n"),
  });
  const header = fc.constantFrom("from,to,port,proto", "FROM, to ,Port,proto", "to,from,proto,port", "from,to", "from,to,port", "src,dst");
  const file = fc.tuple(header, fc.array(row, { maxLength: 30 }), fc.boolean()).map(([h, rows, lastEol]) => {
    const cols = h.split(",").map((c) => c.trim().toLowerCase());
    const lines = rows.map((r) => r.filler + cols.map((c) => (c === "from" ? r.from : c === "to" ? r.to : c === "port" ? r.port : c === "proto" ? r.proto : "x")).join(",") + r.eol);
    const text = `${h}\n${lines.join("")}`;
    return lastEol ? text : text.replace(/\r?\n$/, "");
  });
  const outcome = (f: () => unknown) => { try { return { ok: f() }; } catch (e) { return { error: (e as Error).message }; } };

  it("the one-pass CSV reader gives parseTraceFlows' flows, or its located error", () => {
    fc.assert(fc.property(file, (text) => {
      expect(outcome(() => parseTraceFlowTable(text, "f.csv"))).toEqual(outcome(() => flowTable(parseTraceFlows(text, "f.csv"))));
    }), { numRuns: 300 });
  });

  // The core's reader (dpScanFlows) and its readable twin: the same columns, ids and texts, and
  // the same files left to parseTraceFlows (the slow reader's result is the same either way, so
  // the twin's decision is compared through a marker).
  const bytesOf = (t: string) => new TextEncoder().encode(t);
  const sameAsTwin = (text: string) => {
    expect(outcome(() => parseTraceFlowTable(bytesOf(text), "f.csv"))).toEqual(outcome(() => parseTraceFlowTableTs(bytesOf(text), "f.csv")));
  };
  it("the core's reader == parseTraceFlowTableTs on people's files (fast-check)", () => {
    fc.assert(fc.property(file, sameAsTwin), { numRuns: 300 });
  });

  it("the core's reader == parseTraceFlowTableTs near its limits: 63 and 64 cells, bad bytes, '{', more endpoints than its first dictionary", () => {
    const many = ["from,to,port,proto", ...Array.from({ length: 9000 }, (_, i) => `ip:10.${i >> 16}.${(i >> 8) & 255}.${i & 255},svc:s${i % 1000},${i % 65536},${i % 2 ? "tcp" : "UDP"}`)].join("\n");
    const t = parseTraceFlowTable(bytesOf(many));
    expect(t.texts.length).toBe(10_000);
    sameAsTwin(many);
    const cells = (k: number) => `from,to${",x".repeat(k - 2)}\npod:apps/0/1,svc:web${",y".repeat(k - 2)}\n`;
    for (const k of [62, 63, 64]) sameAsTwin(cells(k));
    for (const odd of ["from,to\npod:apps/0/1,svc:w\u0001b\n", "from,to\n  {\"from\":1}\n", "from,to\npod:apps/0/1\n", "from,to,port\na,b,1x\n", "from,to,proto\na,b,sctp\n", "# c\n\n from , to \r\n a , b \r\n", "", "\n\n# only comments\n"]) sameAsTwin(odd);
  });

  it("the core's reader == parseTraceFlowTableTs on cells that differ in one byte, at every place and length (its hash and comparison go 8 bytes at a time)", () => {
    // Texts of 0-24 bytes alike but for one byte (first, last, either side of an 8-byte word), or
    // alike but for their length; cells at the very end of the file too.
    const texts = new Set<string>();
    for (let n = 1; n <= 24; n++) {
      const base = "abcdefghijklmnopqrstuvwx".slice(0, n);
      texts.add(base);
      for (const k of [0, n - 1, 7, 8, 15, 16].filter((k) => k < n)) texts.add(base.slice(0, k) + "Z" + base.slice(k + 1));
    }
    const list = [...texts];
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(list.length - 1), fc.nat(list.length - 1)), { minLength: 1, maxLength: 80 }), fc.boolean(), (pairs, lastEol) => {
      const text = "from,to\n" + pairs.map(([a, b]) => `${list[a]},${list[b]}`).join("\n") + (lastEol ? "\n" : "");
      sameAsTwin(text);
      const t = parseTraceFlowTable(bytesOf(text));
      expect(t.texts.length).toBe(new Set(pairs.flat().map((k) => list[k])).size);
    }), { numRuns: 200 });
  });

  it("JSON Lines and non-ASCII go through parseTraceFlows", () => {
    const jl = '{"from":"pod:apps/0/1","to":"svc:web"}\n{"from":"pod:apps/0/1","to":"ip:8.8.8.8","port":443,"proto":"udp"}\n';
    expect(parseTraceFlowTable(jl)).toEqual(flowTable(parseTraceFlows(jl)));
    const odd = "from,to\npod:apps/0/1,svc:wéb\n";
    expect(outcome(() => parseTraceFlowTable(odd))).toEqual(outcome(() => flowTable(parseTraceFlows(odd))));
  });

  it("repeats share an endpoint id and a result", () => {
    const t = parseTraceFlowTable("from,to\npod:apps/0/1,svc:web\n pod:apps/0/1 ,svc:web\npod:apps/0/2,svc:web\n");
    expect(t.texts).toEqual(["pod:apps/0/1", "svc:web", "pod:apps/0/2"]);
    expect([...t.from]).toEqual([0, 0, 2]);
    const run = traceBulk(dataplane(cluster("kubenet"), { workload: workload() }), t);
    expect(run.results[1]).toEqual(run.results[0]);
    expect(run.results[2].from).toBe("pod:apps/0/2");
  });
});

describe("the JSON lines of a bulk run", () => {
  it.each(MODELS)("%s (%s): bytes() (the core's formatter) are bulkJsonLine of every result", (model, dp) => {
    fc.assert(fc.property(fc.array(flow, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 400 }), (fs, chunk) => {
      const d = dataplane(cluster(model, dp), { workload: workload() });
      const flows: BulkFlow[] = [...fs, ...fs.slice(0, 3)].map((f, i) => ({ ...f, line: i + 1 }));
      const run = traceBulk(d, flows);
      const want = run.results.map((r) => bulkJsonLine(r) + "\n").join("");
      // Small chunks: lines split across them, buffers reused.
      let got = "";
      for (const b of run.bytes(chunk)) got += new TextDecoder().decode(b);
      expect(got).toBe(want);
    }), { numRuns: 10 });
  });
});

describe("the core's formatter on texts that are not plain ASCII", () => {
  // No cluster makes these (its names are plain): columns made by hand, every kind of string the
  // formatter lays out (endpoint texts, an address, reasons) with escapes and non-ASCII letters.
  it("writes bulkJsonLine of every result", () => {
    const texts = ['pod:"q"/0/0', "svc:wéb", "ip:10.0.0.1", "pod:a\\b/1/2", "svc:plain"];
    const t = flowTable([
      { from: texts[0], to: texts[1], line: 1 }, { from: texts[2], to: texts[3], line: 2 },
      { from: texts[3], to: texts[4], line: 3 }, { from: texts[2], to: texts[1], line: 4 },
    ]);
    const n = t.count, same = Int32Array.from({ length: n }, (_, i) => i);
    const run = new BulkRun(t, "wasm", 1, 0, 0, {
      same, proto: Uint8Array.of(1, 2, 1, 1), port: Int32Array.of(80, 53, 443, 8080), address: Int32Array.of(0, 1, 0, 1),
      addresses: ["10.0.0.9", "fe80::ü"], verdict: Uint8Array.of(0, 1, 2, 0), seen: Uint32Array.of(0x0a000001, 0, 0, 0x0a000002),
      resolved: new Uint32Array(n), resolvedPort: Int32Array.of(-1, -1, -1, -1), reason: Int32Array.of(-1, 0, 1, -1),
      reasons: ['denied by "deny-all"', "no route — ü"],
    });
    const want = run.results.map((r) => bulkJsonLine(r) + "\n").join("");
    for (const chunk of [1, 7, 1 << 20]) {
      let got = "";
      for (const b of run.bytes(chunk)) got += new TextDecoder().decode(b);
      expect(got).toBe(want);
    }
  });
});

describe("one verdict per LoadBalancer frontend for sources that are not its endpoints", () => {
  const extra = `  - name: ranged
    namespace: shop
    type: LoadBalancer
    loadBalancerSourceRanges: [203.0.113.0/25]
    ports: [{ name: http, port: 80, targetPort: 8080 }]
    endpoints: 2
  - name: local-many
    namespace: shop
    type: LoadBalancer
    externalTrafficPolicy: Local
    ports: [{ name: http, port: 443, targetPort: 8443 }, { name: dns, port: 53, protocol: UDP, targetPort: 53 }]
    endpoints: 4
`;
  const wl = () => loadWorkload({ name: "w.yaml", text: readFileSync(fixture("workload.yaml"), "utf8") + extra });
  it.each(MODELS)("%s (%s): equal to the TypeScript tracer, source ranges and pods included", (model, dp) => {
    const d = dataplane(cluster(model, dp), { workload: wl() });
    const flows: BulkFlow[] = [];
    // Internet clients in and out of the source range, VNet and on-prem sources, pods that are
    // endpoints (hairpin), a node; to the Services and to their frontends as plain addresses.
    const lbs = d.services.filter((s) => s.loadBalancerIP);
    const sources = ["ip:203.0.113.7", "ip:203.0.113.200", "ip:8.8.8.8", "ip:198.51.100.9", `ip:${VM}`, `ip:${ON_PREM}`, "pod:apps/0/3", "node:apps/1", ...lbs.flatMap((s) => s.endpoints.map((e) => `pod:${e.pod}`))];
    const targets = ["svc:front", "svc:front-local", "svc:ranged", "svc:local-many", "svc:local-many:dns", ...lbs.map((s) => `ip:${s.loadBalancerIP}`)];
    for (const from of sources) for (const to of targets) for (const port of [undefined, 80, 443, 53]) for (const proto of [undefined, "udp" as const]) flows.push({ from, to, port, proto, line: flows.length + 1 });
    const wasm = traceBulk(d, flows);
    expect(wasm.results).toEqual(traceBulk(dataplane(cluster(model, dp), { workload: wl() }), flows, { engine: "ts" }).results);
    if (dp === "azure") expect(wasm.netfilterBatched).toBeLessThan(flows.length / 2);
  });
});

describe("the rules a template relies on", () => {
  it("kube-proxy's generated rules test a source only against the cluster CIDR, an endpoint, a source range, or localnet", () => {
    const w = loadWorkload({ name: "w.yaml", text: readFileSync(fixture("workload.yaml"), "utf8") + "  - { name: r, namespace: x, type: LoadBalancer, loadBalancerSourceRanges: [192.0.2.0/24], port: 80, targetPort: 80, endpoints: 2 }\n" });
    for (const [model, dpk] of MODELS) {
      const d = dataplane(cluster(model, dpk), { workload: w });
      const endpoints = new Set(d.services.flatMap((s) => s.endpoints.map((e) => `${e.address}/32`)));
      const ranges = new Set(d.services.flatMap((s) => s.loadBalancerSourceRanges));
      for (const n of d.nodes) {
        for (const m of d.iptables(n).matchAll(/(!?) ?-s (\S+)/g)) {
          const p = m[2];
          expect(p === d.clusterCidr || endpoints.has(p) || ranges.has(p) || p === "127.0.0.0/8", `${model}: -s ${p}`).toBe(true);
        }
        expect(d.iptables(n)).not.toMatch(/--src-range|-m set .*src/);
      }
    }
  });
});

describe("the bulk rulesets hold the endpoints the first alternative reaches", () => {
  // Endpoints spread over nodes, the first one elsewhere than most nodes' local ones; session
  // affinity (its --rcheck rules before the statistic ones); a pod that is an endpoint (hairpin).
  const extra = `  - name: spread-local
    namespace: shop
    type: LoadBalancer
    externalTrafficPolicy: Local
    ports: [{ name: http, port: 80, targetPort: 8080, nodePort: 30090 }]
    endpoints: ["apps/0/1", "apps/1/2", "apps/1/3", "system/0/4"]
  - name: sticky
    namespace: shop
    type: ClusterIP
    sessionAffinity: ClientIP
    port: 8443
    targetPort: 8443
    endpoints: ["apps/1/7", "apps/0/7", "apps/0/8"]
`;
  const wl = () => loadWorkload({ name: "w.yaml", text: readFileSync(fixture("workload.yaml"), "utf8") + extra });
  it("firstAlternativeServices keeps the first endpoint, and the node's first local one under Local", () => {
    const d = dataplane(cluster("kubenet"), { workload: wl() });
    const spread = d.services.find((s) => s.name === "spread-local")!;
    const sticky = d.services.find((s) => s.name === "sticky")!;
    const node = (n: string) => d.nodeAt(n.split("/")[0], Number(n.split("/")[1]))!.name;
    const eps = (s: typeof spread, n: string | undefined) => firstAlternativeServices([s], n)[0].endpoints.map((e) => e.pod);
    expect(eps(spread, undefined)).toEqual(["apps/0/1"]);
    expect(eps(spread, node("apps/0"))).toEqual(["apps/0/1"]);
    expect(eps(spread, node("apps/1"))).toEqual(["apps/0/1", "apps/1/2"]);
    expect(eps(spread, node("system/0"))).toEqual(["apps/0/1", "system/0/4"]);
    // Not Local: the first endpoint on every node.
    expect(eps(sticky, node("apps/0"))).toEqual(["apps/1/7"]);
  });
  it.each(MODELS)("%s (%s): the first alternative equals trace() on the node's full ruleset", (model, dp) => {
    const d = dataplane(cluster(model, dp), { workload: wl() });
    const lb = d.services.find((s) => s.name === "spread-local")!.loadBalancerIP!;
    const sources = ["ip:203.0.113.7", `ip:${VM}`, `ip:${ON_PREM}`, "pod:apps/0/1", "pod:apps/1/2", "pod:apps/1/7", "pod:apps/0/9", "node:apps/1", "node:system/0"];
    const targets = ["svc:spread-local", "svc:sticky", "svc:web", `ip:${lb}`, "node:apps/0", "node:apps/1", "node:system/0"];
    const flows: BulkFlow[] = [];
    for (const from of sources) for (const to of targets) for (const port of [undefined, 30090, 80]) flows.push({ from, to, port, line: flows.length + 1 });
    const wasm = traceBulk(d, flows);
    expect(wasm.results).toEqual(traceBulk(dataplane(cluster(model, dp), { workload: wl() }), flows, { engine: "ts" }).results);
    const noLine = (r?: string) => r?.replace(/ rule \d+ \(line \d+\):/, ":");
    flows.forEach((f, i) => {
      const t = trace(d, f);
      const b = wasm.results[i];
      expect([b.verdict, b.seenSource, b.resolved, b.toAddress, noLine(b.reason)], `${f.from} -> ${f.to}:${f.port}`).toEqual([t.verdict, t.seenSource, t.to.resolved, t.to.address, noLine(t.reason)]);
    });
    // The case is there: from the internet, a node's own local endpoint, not the first endpoint.
    const later = new Set(d.services.find((s) => s.name === "spread-local")!.endpoints.slice(1).map((e) => `${e.address}:8080`));
    const fromInternet = wasm.results.filter((r) => r.from === "ip:203.0.113.7" && r.to === "svc:spread-local" && r.resolved);
    expect(fromInternet.length).toBeGreaterThan(0);
    expect(fromInternet.every((r) => later.has(r.resolved!))).toBe(true);
  });
  it("the shared ruleset is the full one less the other endpoints' rules", () => {
    const d = dataplane(cluster("azure-cni-overlay"), { workload: wl() });
    const n = d.nodes[0];
    const full = d.iptables({ ...n, name: "(a node without local endpoints)" });
    const shared = d.rulesetFor(n, ip4(d.services.find((s) => s.name === "web")!.clusterIP)!);
    const sepFull = full.split("\n").filter((l) => l.startsWith(":KUBE-SEP-")).length;
    const sepShared = [...shared.tables.get("nat")!.chains.keys()].filter((c) => c.startsWith("KUBE-SEP-")).length;
    // One SEP chain per Service port with endpoints, of one per endpoint.
    const withEndpoints = d.services.reduce((k, s) => k + (s.endpoints.length ? s.ports.length : 0), 0);
    expect(sepShared).toBe(withEndpoints);
    expect(sepFull).toBeGreaterThan(sepShared);
  });
});
