// The bulk path (compiled netfilter programs and batched LPM on the core) against the TypeScript
// tracer, on random flows over every endpoint kind, under every model: equal results.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { InputError } from "../../src/errors.ts";
import { dataplane, loadNsgs, parseTraceFlows, trace, traceBulk, type BulkFlow } from "../../src/dataplane/index.ts";
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
      // Repeated flows too (the bulk path answers a repeat from the first).
      const flows: BulkFlow[] = [...fs, ...fs.slice(0, 5)].map((f, i) => ({ ...f, line: i + 1 }));
      const ts = traceBulk(d, flows, { engine: "ts" });
      const wasm = traceBulk(dataplane(cluster(model, dp), { workload: workload(), nsgs }), flows);
      expect(wasm.engine).toBe("wasm");
      expect(wasm.results).toEqual(ts.results);
      // The bulk rulesets (shared, or the node's external Services only) decide as the node's full
      // ruleset does: trace() on it gives the same results (rule line numbers aside).
      const noLine = (r?: string) => r?.replace(/\(line \d+\)/, "(line)");
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
