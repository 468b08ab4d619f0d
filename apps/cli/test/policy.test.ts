// aksnet policy list|eval|explain|lint on the built bundle: goldens for every list format, exit
// codes (0 allowed, 1 denied or error findings, 2 bad input), located errors without a stack.
import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { aksnet, golden } from "./run.ts";

const FX = "packages/engine/test/policy/fixtures";
const DOCS = `${FX}/netpol-real/k8s-docs/networkpolicy.yaml`;
const tmp = mkdtempSync(join(tmpdir(), "aksnet-policy-"));
const pods = join(tmp, "pods.yaml");
writeFileSync(pods, [
  "apiVersion: v1\nkind: Namespace\nmetadata: {name: myproject, labels: {project: myproject}}",
  "apiVersion: v1\nkind: Pod\nmetadata: {name: db, namespace: default, labels: {role: db}}",
  "apiVersion: v1\nkind: Pod\nmetadata: {name: frontend, namespace: default, labels: {role: frontend}}",
  "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: client, namespace: myproject}\nspec: {template: {metadata: {labels: {app: client}}}}",
  "apiVersion: v1\nkind: Service\nmetadata: {name: db, namespace: default}",
].join("\n---\n"));

describe("policy list", () => {
  for (const format of ["text", "json", "csv", "md", "dot"]) {
    it(`--format ${format} (golden)`, () => {
      const r = aksnet(["policy", "list", DOCS, pods, "--format", format]);
      expect(r.code).toBe(0);
      const g = golden(`policy/list-k8s-docs.${format === "text" ? "txt" : format}`, r.stdout);
      expect(g.actual).toBe(g.expected);
      expect(r.stderr).toMatch(/^note: .*pods\.yaml:\d+:\d+: skipped kind Service/m);
    });
  }
  it("text lines are SRC => DST : CONN, sorted by source then destination, none to itself", () => {
    const lines = aksnet(["policy", "list", DOCS, pods]).stdout.trimEnd().split("\n");
    expect(lines.every((l) => /^\S+ => \S+ : .+$/.test(l))).toBe(true);
    const keys = lines.map((l) => l.split(" : ")[0]);
    expect([...keys].sort()).toEqual(keys);
    expect(lines.some((l) => { const [s, d] = l.split(" : ")[0].split(" => "); return s === d; })).toBe(false);
  });
  it("the app on each cluster, text (golden): the model and engine change the list", () => {
    for (const m of ["kubenet-calico", "azure-cni-npm", "overlay-cilium", "overlay-none"]) {
      const r = aksnet(["policy", "list", `${FX}/app`, "--cluster", `${FX}/clusters/${m}.yaml`]);
      expect(r.code).toBe(0);
      const g = golden(`policy/list-app-${m}.txt`, r.stdout);
      expect(g.actual).toBe(g.expected);
    }
    expect(aksnet(["policy", "list", `${FX}/app`, "--cluster", `${FX}/clusters/overlay-none.yaml`]).stderr).toMatch(/note: 4 NetworkPolicies are not enforced/);
  });
  it("directories are read recursively, and stdin with -", () => {
    const dir = join(tmp, "tree");
    mkdirSync(join(dir, "sub"), { recursive: true });
    writeFileSync(join(dir, "sub", "a.yml"), "kind: Pod\nmetadata: {name: a}\n");
    writeFileSync(join(dir, "b.json"), '{"kind": "Pod", "metadata": {"name": "b"}}');
    writeFileSync(join(dir, "notes.txt"), "not a manifest");
    const r = aksnet(["policy", "list", dir]);
    expect(r.stdout).toContain("default/a[Pod] => default/b[Pod] : All Connections");
    const s = aksnet(["policy", "list", "-"], { stdin: "kind: Pod\nmetadata: {name: a}\n---\nkind: Pod\nmetadata: {name: b}\n" });
    expect(s.stdout).toContain("default/b[Pod] => default/a[Pod] : All Connections");
  });
});

describe("policy eval and explain", () => {
  it("eval exits 0 when allowed and 1 when denied", () => {
    const yes = aksnet(["policy", "eval", DOCS, pods, "--from", "default/frontend", "--to", "db", "--port", "6379"]);
    expect([yes.code, yes.stdout]).toEqual([0, "default/frontend[Pod] => default/db[Pod] over TCP/6379: allowed\n"]);
    const no = aksnet(["policy", "eval", DOCS, pods, "--from", "default/frontend", "--to", "db", "--port", "6379", "--proto", "udp"]);
    expect([no.code, no.stdout]).toEqual([1, "default/frontend[Pod] => default/db[Pod] over UDP/6379: denied\n"]);
    expect(aksnet(["policy", "eval", DOCS, pods, "--from", "172.17.1.5", "--to", "default/db", "--port", "6379"]).code).toBe(1);
  });
  it("explain names the selecting policy and the allowing rule, or the default deny (golden)", () => {
    const allowed = aksnet(["policy", "explain", DOCS, pods, "--from", "myproject/client", "--to", "default/db", "--port", "6379"]);
    const denied = aksnet(["policy", "explain", DOCS, pods, "--from", "default/db", "--to", "default/frontend", "--port", "80"]);
    const g = golden("policy/explain.txt", allowed.stdout + denied.stdout);
    expect(g.actual).toBe(g.expected);
    expect(allowed.stdout).toMatch(/allowed by default\/test-network-policy spec\.ingress\[0\] \(.*networkpolicy\.yaml:\d+:\d+\)/);
    expect(denied.stdout).toMatch(/no rule allows it: default deny of default\/test-network-policy/);
    expect([allowed.code, denied.code]).toEqual([0, 1]);
  });
  it("explain --format json carries both sides", () => {
    const r = aksnet(["policy", "explain", DOCS, pods, "--from", "default/db", "--to", "10.0.0.9", "--port", "5978", "--format", "json"]);
    const d = JSON.parse(r.stdout);
    expect([d.allowed, d.sides.length, d.sides[0].direction, d.sides[0].allowing[0].rule]).toEqual([true, 1, "egress", "spec.egress[0]"]);
  });
  it("an unknown workload or a bad port is a usage error (exit 2)", () => {
    const r = aksnet(["policy", "eval", DOCS, pods, "--from", "nope", "--to", "db", "--port", "80"]);
    expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(/--from "nope" is not a workload/)]);
    expect(aksnet(["policy", "eval", DOCS, pods, "--from", "db", "--to", "db", "--port", "0"]).code).toBe(2);
  });
});

describe("policy lint", () => {
  it("with a cluster: engine findings with code, path and fix; error findings exit 1 (golden)", () => {
    const r = aksnet(["policy", "lint", `${FX}/app`, "--cluster", `${FX}/clusters/azure-cni-npm.yaml`]);
    expect(r.code).toBe(1);
    const g = golden("policy/lint-app-azure-cni-npm.txt", r.stdout);
    expect(g.actual).toBe(g.expected);
  });
  it("json: findings and a summary", () => {
    const r = aksnet(["policy", "lint", `${FX}/app`, "--cluster", `${FX}/clusters/kubenet-calico.yaml`, "--format", "json"]);
    const j = JSON.parse(r.stdout);
    expect([r.code, j.findings.map((f: { code: string }) => f.code)]).toEqual([0, ["IpBlockSourceHiddenByNat"]]);
  });
});

describe("bad input", () => {
  const bad = (name: string, text: string) => { const p = join(tmp, name); writeFileSync(p, text); return p; };
  const cases: [string, string, RegExp][] = [
    ["yaml.yaml", "kind: Pod\nmetadata: {name: x\n", /^error: .*yaml\.yaml:3:1: invalid YAML/],
    ["op.yaml", "kind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector: {matchExpressions: [{key: a, operator: Is, values: [b]}]}\n", /^error: .*op\.yaml:4:55: NetworkPolicy default\/p spec\.podSelector\.matchExpressions\[0\]\.operator: invalid selector operator "Is"/],
    ["port.yaml", "kind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector: {}\n  ingress: [{ports: [{port: 65536}]}]\n", /^error: .*port\.yaml:5:29: .*port 65536 is out of range/],
    ["cidr.yaml", "kind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector: {}\n  egress: [{to: [{ipBlock: {cidr: 10.0.0.0}}]}]\n", /^error: .*cidr\.yaml:5:35: .*ipBlock\.cidr: invalid CIDR/],
  ];
  for (const [name, text, want] of cases) {
    it(`${name}: exit 2, located, no stack`, () => {
      const r = aksnet(["policy", "list", bad(name, text)]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(want);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe("");
    });
  }
  it("a missing file and a bad --format exit 2", () => {
    expect(aksnet(["policy", "list", join(tmp, "none.yaml")]).code).toBe(2);
    expect(aksnet(["policy", "list", DOCS, "--format", "xml"]).code).toBe(2);
  });
});

describe("policy list without workloads", () => {
  it("prints nothing and says why on stderr", () => {
    const r = aksnet(["policy", "list", DOCS]);
    expect([r.code, r.stdout]).toEqual([0, ""]);
    expect(r.stderr).toMatch(/note: the manifests have no workloads/);
  });
});
