// aksnet dataplane and aksnet trace on the example cluster: golden text and JSON, the generated
// dump round-trips through `aksnet iptables`, bulk --flows equals --engine ts, broken inputs exit 2.
import { describe, it, expect } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { aksnet, golden } from "./run.ts";

const K = "examples/dataplane/kubenet.yaml";
const W = ["--workload", "examples/dataplane/workload.yaml"];
const cases: [string, string[]][] = [
  ["dataplane", ["dataplane", K, ...W]],
  ["dataplane-node", ["dataplane", K, ...W, "--node", "batch/1"]],
  ["trace-kubenet-cross-node", ["trace", K, ...W, "--from", "pod:system/0/4", "--to", "pod:batch/1/4"]],
  ["trace-lb-local", ["trace", K, ...W, "--from", "ip:203.0.113.9", "--to", "svc:checkout"]],
  ["trace-compare-vm", ["trace", K, ...W, "--nsg", "examples/dataplane/nsg-vms.json", "--from", "pod:batch/0/7", "--to", "ip:10.10.1.10", "--port", "443", "--compare"]],
];

describe("aksnet dataplane / trace: golden output", () => {
  for (const [name, args] of cases) {
    for (const format of ["text", "json"]) {
      it(`${name} (${format})`, () => {
        const r = aksnet([...args, "--format", format]);
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        const g = golden(`trace/${name}.${format === "json" ? "json" : "txt"}`, r.stdout);
        expect(g.actual).toBe(g.expected);
      });
    }
  }
});

describe("aksnet dataplane --iptables", () => {
  it("prints a dump that aksnet iptables parses, lints clean and traces", () => {
    const r = aksnet(["dataplane", K, ...W, "--node", "system/0", "--iptables"]);
    expect(r.code).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), "aksnet-dp-"));
    const file = join(dir, "node.rules");
    writeFileSync(file, r.stdout);
    const lint = aksnet(["iptables", "lint", "--rules", file, "--format", "json"]);
    expect(lint.code).toBe(0);
    expect(JSON.parse(lint.stdout).findings.filter((f: { severity: string }) => f.severity !== "info")).toEqual([]);
    const dp = JSON.parse(aksnet(["dataplane", K, ...W, "--format", "json"]).stdout);
    const web = dp.services.find((s: { name: string }) => s.name === "web");
    const t = JSON.parse(aksnet(["iptables", "trace", "--rules", file, "--src", "10.10.1.10", "--dst", web.clusterIP, "--dport", "80", "--in-iface", "eth0", "--node-ip", dp.nodes[0].address, "--format", "json"]).stdout);
    expect(t.alternatives.map((a: { dst: string }) => a.dst).sort()).toEqual(web.endpoints.map((e: { address: string }) => e.address).sort());
  });
  it("says a Cilium cluster has no kube-proxy chains", () => {
    const r = aksnet(["dataplane", "examples/clusters/overlay-cilium.yaml", "--node", "apps/0", "--iptables"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/Cilium.*no kube-proxy chains/);
  });
});

describe("aksnet trace --flows", () => {
  it("one JSON line per flow; the wasm path equals the TypeScript tracer", () => {
    const a = aksnet(["trace", K, ...W, "--flows", "examples/dataplane/flows.csv"]);
    const b = aksnet(["trace", K, ...W, "--flows", "examples/dataplane/flows.csv", "--engine", "ts"]);
    expect(a.code).toBe(0);
    expect(a.stderr).toMatch(/engine wasm/);
    expect(b.stderr).toMatch(/engine ts/);
    const lines = a.stdout.trim().split("\n");
    expect(lines).toHaveLength(11);
    for (const l of lines) expect(["delivered", "dropped", "unreachable"]).toContain(JSON.parse(l).verdict);
    expect(a.stdout).toBe(b.stdout);
    // The summary on stderr counts the verdicts of the lines.
    const count = (v: string) => lines.filter((l) => JSON.parse(l).verdict === v).length;
    expect(a.stderr).toContain(`11 flows (${count("delivered")} delivered, ${count("dropped")} dropped, ${count("unreachable")} unreachable) in `);
    expect(count("delivered")).toBeLessThan(11);
  });
});

describe("broken inputs exit 2 with a located message", () => {
  const dir = mkdtempSync(join(tmpdir(), "aksnet-bad-"));
  const bad = (name: string, text: string) => { const f = join(dir, name); writeFileSync(f, text); return f; };
  it.each([
    ["workload", ["--workload", bad("w.yaml", "services:\n  - name: web\n    port: 80\n    type: Headless\n")], /w\.yaml:4:11: services\[0\]\.type: unknown value "Headless"/],
    ["nsg", ["--nsg", bad("n.json", '{"name":"x","securityRules":[{"name":"r","priority":1,"direction":"Inbound","access":"Allow"}]}')], /n\.json:1:\d+: securityRules\[0\]\.priority: 1 is out of range/],
    ["routes", ["--routes", bad("r.json", '{"name":"rt","routes":[{"name":"x","addressPrefix":"0.0.0.0/0","nextHopType":"Firewall"}]}')], /r\.json:1:\d+: routes\[0\]\.nextHopType: unknown nextHopType "Firewall"/],
    ["flows", ["--flows", bad("f.csv", "from,to\npod:system/0/1\n")], /f\.csv:2:\d+: expected 2 cells/],
    ["endpoint", ["--from", "pod:nope/0/0", "--to", "ip:8.8.8.8"], /pod:nope\/0\/0: no pool nope/],
    // An empty file: the hint says what that input is (it named the cluster's formats).
    ["empty nsg", ["--nsg", bad("e1.json", "")], /e1\.json: the input is empty\nhint: pass az network nsg show -o json/],
    ["empty routes", ["--routes", bad("e2.json", "\n")], /e2\.json: the input is empty\nhint: pass az network route-table show -o json/],
    ["empty workload", ["--workload", bad("e3.yaml", "  ")], /e3\.yaml: the input is empty\nhint: a workload is an aksnet spec/],
  ])("%s", (_, args, re) => {
    const r = aksnet(["trace", K, ...(args.includes("--from") || args.includes("--flows") ? [] : ["--from", "pod:system/0/1", "--to", "ip:8.8.8.8"]), ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(re);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+|internal error/);
  });
});

describe("an az document without its VNet", () => {
  // examples/clusters/az/aks-show.json names its subnet in a VNet it does not hold: the planner
  // plans without the ranges, the dataplane cannot, and says what to pass (it crashed with a
  // TypeError when only --subnet gave the node subnet's range).
  it.each([[[]], [["--subnet", "snet-aks-nodes=10.20.0.0/21"]]])("%j: exit 2, the VNet's address space named, --vnet the fix", (extra) => {
    const r = aksnet(["trace", "examples/clusters/az/aks-show.json", ...extra, "--from", "pod:system/0/0", "--to", "ip:8.8.8.8"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: VNet vnet-spoke-weu: its address space is not in the input, and the dataplane needs it/);
    expect(r.stderr).toMatch(/hint: pass the VNet \(--vnet vnet\.json, from az network vnet show -o json\)/);
    expect(r.stderr).not.toMatch(/internal error/);
  });
  it("with the VNet document it traces", () => {
    const r = aksnet(["trace", "examples/clusters/az/aks-show.json", "--vnet", "examples/clusters/az/vnet-show.json", "--from", "pod:system/0/0", "--to", "ip:8.8.8.8", "--format", "json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).verdict).toBe("delivered");
  });
});

describe("aksnet trace --policies", () => {
  it("decides each pod's side with the manifests: a workload the policies do not allow is dropped with the default deny named", () => {
    const args = ["trace", "examples/clusters/overlay-cilium.yaml", "--from", "pod:apps/0/0", "--to", "pod:apps/1/0", "--port", "8080", "--policies", "examples/policy/", "--to-workload", "shop/web"];
    const denied = aksnet([...args, "--from-workload", "shop/winapp", "--format", "json"]);
    expect(denied.code).toBe(0);
    const t = JSON.parse(denied.stdout);
    expect(t.verdict).toBe("dropped");
    const steps = t.hops.flatMap((h: { steps: { kind: string }[] }) => h.steps).filter((s: { kind: string; evaluated?: boolean }) => s.kind === "policy" && s.evaluated);
    expect(steps.map((s: { direction: string; allowed: boolean }) => [s.direction, s.allowed])).toEqual([["egress", true], ["ingress", false]]);
    expect(steps[1].reason).toMatch(/default deny of shop\/default-deny-ingress/);
    const allowed = aksnet([...args, "--from-workload", "shop/client"]);
    expect(allowed.stdout).toMatch(/verdict: delivered/);
    expect(allowed.stdout).toMatch(/allowed, allowed by a rule \(shop\/web-from-cluster spec\.ingress\[0\]/);
  });

  it("refuses --from-workload without --policies, and --policies with --flows", () => {
    expect(aksnet(["trace", K, "--from", "pod:system/0/1", "--to", "ip:8.8.8.8", "--from-workload", "shop/web"]).code).toBe(2);
    expect(aksnet(["trace", K, ...W, "--flows", "examples/dataplane/flows.csv", "--policies", "examples/policy/"]).code).toBe(2);
  });
});
