// Golden tests of the AKS commands on the example inputs (text and JSON), run on a fresh bundle
// of the CLI with NO_COLOR=1; broken inputs exit 2 with a located message and no stack trace.
// Update the goldens with UPDATE_GOLDEN=1 (then review every changed file by eye).
import { beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const cliDir = fileURLToPath(new URL("..", import.meta.url));
const repo = join(cliDir, "..", "..");
const goldenDir = join(cliDir, "test", "golden", "aks");
let bundle = "";

beforeAll(async () => {
  bundle = join(mkdtempSync(join(tmpdir(), "aksnet-cli-")), "aksnet.mjs");
  await build({
    entryPoints: [join(cliDir, "src", "main.ts")], bundle: true, platform: "node", format: "esm", target: "node20", outfile: bundle, logLevel: "error",
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
}, 60_000);

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [bundle, ...args], { cwd: repo, input: input ?? "", encoding: "utf8", env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "", AKSNET_TODAY: "2026-11-26" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function golden(name: string, actual: string) {
  const path = join(goldenDir, name);
  if (process.env.UPDATE_GOLDEN === "1" || !existsSync(path)) {
    if (process.env.UPDATE_GOLDEN !== "1") throw new Error(`missing golden ${name}: run with UPDATE_GOLDEN=1 and review it`);
    writeFileSync(path, actual);
  }
  expect(actual).toBe(readFileSync(path, "utf8"));
}

const EXAMPLES = [
  { name: "spec-overlay", args: ["examples/clusters/overlay-cilium.yaml"], code: 0 },
  { name: "spec-kubenet", args: ["examples/clusters/kubenet-legacy.yaml"], code: 1 },
  { name: "az", args: ["examples/clusters/az/aks-show.json", "--vnet", "examples/clusters/az/vnet-show.json"], code: 0 },
  { name: "arm", args: ["examples/clusters/arm/azuredeploy.json"], code: 0 },
  { name: "spec-static-block", args: ["examples/clusters/static-block.yaml"], code: 0 },
  { name: "terraform", args: ["examples/clusters/terraform/plan.json"], code: 0 },
  { name: "az-only-real", args: ["packages/engine/test/aks/fixtures/az-real/A-azurecni-podsubnet-staticblock.json"], code: 0 },
];

describe("golden: aksnet plan", () => {
  for (const ex of EXAMPLES) {
    it(`${ex.name} text and json`, () => {
      const t = run(["plan", ...ex.args]);
      expect(t.code).toBe(ex.code);
      golden(`plan-${ex.name}.txt`, t.stdout);
      const j = run(["plan", ...ex.args, "--format", "json"]);
      expect(j.code).toBe(ex.code);
      golden(`plan-${ex.name}.json`, j.stdout);
      const plan = JSON.parse(j.stdout);
      for (const s of plan.subnets) expect(Object.keys(s)).toEqual(expect.arrayContaining(["name", "cidr", "usable", "required", "free", "fits"]));
      for (const p of plan.pools) expect(Object.keys(p)).toEqual(expect.arrayContaining(["name", "nodes", "surgeNodes", "maxNodes"]));
      expect(Object.keys(plan.cluster)).toEqual(expect.arrayContaining(["maxNodes", "maxPods", "limitedBy"]));
    });
  }
  it("no file plans the built-in example, from any folder", () => {
    const r = spawnSync(process.execPath, [bundle, "plan"], { cwd: tmpdir(), encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(goldenDir, "plan-spec-overlay.txt"), "utf8").replace("from examples/clusters/overlay-cilium.yaml (spec)", "from built-in example (examples/clusters/overlay-cilium.yaml) (spec)"));
  });
  it("the pair may come in any order, and the cluster from stdin", () => {
    const a = run(["plan", "examples/clusters/az/vnet-show.json", "examples/clusters/az/aks-show.json", "--format", "json"]);
    const b = run(["plan", "-", "--vnet", "examples/clusters/az/vnet-show.json", "--format", "json"], readFileSync(join(repo, "examples/clusters/az/aks-show.json"), "utf8"));
    expect(JSON.parse(a.stdout).subnets).toEqual(JSON.parse(b.stdout).subnets);
    const c = run(["plan", "--cluster", "examples/clusters/az/aks-show.json", "--vnet", "examples/clusters/az/vnet-show.json", "--format", "json"]);
    expect(JSON.parse(c.stdout).subnets).toEqual(JSON.parse(a.stdout).subnets);
    expect(JSON.parse(a.stdout).subnets[0]).toMatchObject({ name: "snet-aks-nodes", cidr: "10.20.0.0/21", usable: 2043, required: 1023, free: 1020, fits: true });
  });
});

describe("golden: check, compare, fit, diff", () => {
  it("check exits 1 on errors and lists findings", () => {
    const r = run(["check", "examples/clusters/kubenet-legacy.yaml"]);
    expect(r.code).toBe(1);
    golden("check-kubenet.txt", r.stdout);
    const j = run(["check", "examples/clusters/kubenet-legacy.yaml", "--format", "json"]);
    expect(JSON.parse(j.stdout).findings.map((f: { code: string }) => f.code)).toContain("ServiceCidrOverlapExistingSubnetsCidr");
    expect(run(["check", "examples/clusters/overlay-cilium.yaml"]).code).toBe(0);
  });
  it("compare", () => {
    const r = run(["compare", "examples/clusters/az/aks-show.json", "examples/clusters/az/vnet-show.json"]);
    expect(r.code).toBe(0);
    golden("compare-az.txt", r.stdout);
    golden("compare-az.json", run(["compare", "examples/clusters/az/aks-show.json", "examples/clusters/az/vnet-show.json", "--format", "json"]).stdout);
  });
  it("fit: Microsoft's 50-node example and the kubenet /24", () => {
    const a = JSON.parse(run(["fit", "--model", "azure-cni", "--max-pods", "30", "--nodes", "50", "--surge", "1", "--format", "json"]).stdout);
    expect([a.nodeSubnet.requiredAddresses, a.nodeSubnet.smallestPrefix]).toEqual([1581, 21]);
    const b = JSON.parse(run(["fit", "--model", "kubenet", "--max-pods", "110", "--prefix", "24", "--surge", "0%", "--format", "json"]).stdout);
    expect(b.maxNodes).toBe(251);
    golden("fit-azure-cni.txt", run(["fit", "--model", "azure-cni", "--max-pods", "30", "--nodes", "50", "--surge", "1"]).stdout);
  });
  it("diff", () => {
    const r = run(["diff", "examples/clusters/kubenet-legacy.yaml", "examples/clusters/overlay-cilium.yaml"]);
    expect(r.code).toBe(0);
    golden("diff-kubenet-overlay.txt", r.stdout);
  });
});

describe("broken inputs exit 2 with a located message", () => {
  const bad = (name: string, text: string, expected: RegExp) => it(name, () => {
    const r = run(["plan", "-"], text);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(expected);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe("");
  });
  bad("invalid CIDR", "network:\n  serviceCidr: 10.0.0.0/33\nnodePools: [ { name: a } ]\n", /<stdin>:2:16: network\.serviceCidr: invalid CIDR/);
  bad("unknown plugin", "network: { plugin: weave }\nnodePools: [ { name: a } ]\n", /network\.plugin: unknown value "weave"/);
  bad("wrong type", "nodePools: [ { name: a, count: three } ]\n", /<stdin>:1:\d+: nodePools\[0\]\.count: expected an integer/);
  bad("truncated JSON", '{"name": "x", "networkProfile": {"networkPlugin": "azure"', /<stdin>:1:\d+: invalid JSON: unexpected end of input/);
  bad("missing subnet", "vnet: { addressSpace: [10.0.0.0/16], subnets: [] }\nnodePools: [ { name: a, subnet: nodes } ]\n", /node subnet "nodes" is not in VNet/);
  it("a missing file and bad flags", () => {
    expect(run(["plan", "nope.yaml"]).code).toBe(2);
    expect(run(["fit", "--model", "calico", "--nodes", "3"]).code).toBe(2);
    expect(run(["fit", "--model", "kubenet"]).stderr).toContain("give exactly one of --nodes N or --prefix L");
    expect(run(["plan", "--format", "xml"]).code).toBe(2);
  });
});


describe("broken YAML is located too", () => {
  it("tabs and an unclosed flow sequence", () => {
    const tabs = run(["plan", "-"], "nodePools:\n\t- name: a\n");
    expect([tabs.code, tabs.stderr.split("\n")[0]]).toEqual([2, "error: <stdin>:2:1: invalid YAML: Tabs are not allowed as indentation"]);
    const open = run(["check", "-"], "a: [1, 2\nb: 3\n");
    expect(open.code).toBe(2);
    expect(open.stderr).toMatch(/^error: <stdin>:2:1: invalid YAML: /);
  });
  it("a bad maxSurge names its line", () => {
    expect(run(["plan", "-"], "nodePools: [ { name: a, maxSurge: lots } ]\n").stderr).toContain("<stdin>:1:35: nodePools[0].maxSurge: maxSurge must be");
  });
});

describe("issue 9: real az aks show documents, no VNet, and the new flags", () => {
  const realDir = "packages/engine/test/aks/fixtures/az-real";
  const real = readdirSync(join(repo, realDir)).filter((f) => f.endsWith(".json"));
  it("every real az aks show document plans with exit 0 or 1 without a VNet", () => {
    expect(real.length).toBeGreaterThanOrEqual(4);
    for (const f of real) {
      const r = run(["plan", `${realDir}/${f}`, "--format", "json"]);
      expect([0, 1], `${f}: ${r.stderr}`).toContain(r.code);
      const p = JSON.parse(r.stdout);
      expect(p.network.serviceCidrs.length).toBeGreaterThan(0);
      expect(p.snat.outboundType).toBe("loadBalancer");
    }
  });
  it("the subnets of a document without its VNet are unknown and say what to pass; --subnet fills them in", () => {
    const f = `${realDir}/A-azurecni-podsubnet-staticblock.json`;
    const a = JSON.parse(run(["plan", f, "--format", "json"]).stdout);
    expect(a.subnets.map((s: { name: string; unknown?: boolean }) => [s.name, s.unknown])).toEqual([["nodeSubnet", true], ["podSubnet", true]]);
    expect(a.findings.filter((x: { code: string }) => x.code === "SubnetRangeUnknown").map((x: { fix: string }) => x.fix)[0]).toContain("--subnet nodeSubnet=CIDR");
    const b = run(["plan", f, "--subnet", "nodeSubnet=10.240.0.0/24", "--subnet", "podSubnet=10.241.0.0/28", "--format", "json"]);
    expect(b.code).toBe(1); // a /28 pod subnet can't hold 3 nodes of 6 static blocks each
    const pb = JSON.parse(b.stdout);
    expect(pb.subnets.find((s: { name: string }) => s.name === "nodeSubnet")).toMatchObject({ cidr: "10.240.0.0/24", usable: 251, required: 4 });
    expect(pb.findings.map((x: { code: string }) => x.code)).toContain("InsufficientSubnetSize");
    expect(run(["plan", f, "--subnet", "nodeSubnet"]).code).toBe(2);
  });
  it("--on-prem ranges are checked against the pod and service ranges of az input", () => {
    const r = run(["check", `${realDir}/A-overlay-cilium-dataplane.json`, "--on-prem", "10.244.0.0/20,192.168.0.0/16", "--format", "json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).findings.map((x: { code: string }) => x.code)).toContain("PodCidrOverlapOnPremises");
    const dir = mkdtempSync(join(tmpdir(), "aksnet-onprem-"));
    writeFileSync(join(dir, "onprem.yaml"), "- name: dc-ams\n  cidrs: [10.0.0.0/20]\n- 172.16.0.0/12\n");
    const y = JSON.parse(run(["check", `${realDir}/A-overlay-cilium-dataplane.json`, "--on-prem", join(dir, "onprem.yaml"), "--format", "json"]).stdout);
    const svc = y.findings.find((x: { code: string }) => x.code === "ServiceCidrOverlapOnPremises");
    expect(svc.message).toContain("dc-ams (10.0.0.0/20)");
    expect(run(["check", `${realDir}/A-overlay-cilium-dataplane.json`, "--on-prem", join(dir, "missing.yaml")]).code).toBe(2);
  });
  it("fit exits 1 with the reason when nothing fits, and refuses ports that are not a multiple of 8", () => {
    const r = run(["fit", "--model", "kubenet", "--nodes", "9", "--outbound-ports", "8000", "--outbound-ips", "1", "--surge", "0%"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("does not fit: SNAT ports: 72,000 needed, 64,000 available");
    const bad = run(["fit", "--model", "kubenet", "--nodes", "9", "--outbound-ports", "1001"]);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining("multiple of 8")]);
    expect(run(["fit", "--model", "kubenet", "--nodes", "9", "--surge", "200%"]).code).toBe(2);
  });
  it("check, compare and diff name the cluster as an object, as plan does", () => {
    const f = "examples/clusters/overlay-cilium.yaml";
    for (const args of [["check", f], ["compare", f], ["diff", f, f]]) {
      const j = JSON.parse(run([...args, "--format", "json"]).stdout);
      expect(j.cluster, args.join(" ")).toMatchObject({ name: "aks-prod-weu", model: "azure-cni-overlay" });
    }
  });
  it("diff of a real kubenet 1.21 cluster to Overlay is blocked, with the steps", () => {
    const a = readFileSync(join(repo, realDir, "A-kubenet-lb-outbound-ports.json"), "utf8");
    const j = JSON.parse(a); j.properties.networkProfile.networkPlugin = "azure"; j.properties.networkProfile.networkPluginMode = "overlay";
    const dir = mkdtempSync(join(tmpdir(), "aksnet-diff-"));
    writeFileSync(join(dir, "b.json"), JSON.stringify(j));
    const r = run(["diff", `${realDir}/A-kubenet-lb-outbound-ports.json`, join(dir, "b.json")]);
    expect(r.stdout).toContain("blocked until: Kubernetes 1.27 or later (the cluster runs 1.21.9)");
    expect(r.stdout).toMatch(/1\. upgrade one minor version at a time/);
  });
  it("plan --live puts kubectl usage beside the plan", () => {
    const r = run(["plan", "examples/clusters/overlay-cilium.yaml", "--live", "examples/clusters/kubectl/nodes-overlay.json", "--format", "json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).live.podCidrs[0]).toMatchObject({ blocksNow: 11, slots: 256 });
    const t = run(["plan", "examples/clusters/overlay-cilium.yaml", "--live", "examples/clusters/kubectl/nodes-overlay.json"]);
    expect(t.stdout).toContain("pod CIDR 192.168.0.0/16: 11 of 256 /24 node blocks in use now");
  });
  it("forecast: first to run out first; exit 1 when something is already out", () => {
    const a = run(["forecast", "examples/clusters/overlay-cilium.yaml", "--growth", "5/month", "--start", "2026-12-01", "--format", "json"]);
    expect(a.code).toBe(0);
    const f = JSON.parse(a.stdout);
    const steps = f.rows.map((r: { step: number | null }) => r.step ?? Infinity);
    expect(steps).toEqual([...steps].sort((x: number, y: number) => x - y));
    expect(f.best.gained).toBeGreaterThan(0);
    expect(run(["forecast", "examples/clusters/kubenet-legacy.yaml", "--growth", "10%/quarter"]).code).toBe(1);
    expect(run(["forecast", "examples/clusters/kubenet-legacy.yaml", "--growth", "lots"]).code).toBe(2);
  });
});

describe("issue 9 point 12: sweep's help and docs say what it prints", () => {
  it("sweep --help names example files that exist, and small.yaml prints a frontier as the docs say", () => {
    const help = run(["sweep", "--help"]).stdout;
    for (const m of help.matchAll(/examples\/sweeps\/([\w.-]+\.yaml)/g)) expect(existsSync(join(repo, "examples/sweeps", m[1])), m[1]).toBe(true);
    const out = run(["sweep", "examples/sweeps/small.yaml"]).stdout;
    expect(out).toContain("Pareto frontier");
    for (const doc of ["README.md", "docs/sweep.md"]) {
      const line = readFileSync(join(repo, doc), "utf8").split("\n").find((l) => l.startsWith("aksnet sweep examples/sweeps/small.yaml "))!;
      expect(line, doc).toContain("Pareto frontier");
    }
  });
});

describe("issue 9 point 12: hints don't name another command", () => {
  it("check and diff on broken or incomplete input never say 'aksnet plan'", () => {
    const cases: [string[], string][] = [
      [["check", "-"], "vnet: { addressSpace: [10.0.0.0/16], subnets: [ { name: a, cidr: 10.0.0.0/24 } ] }\nnodePools: [ { name: p, subnet: b } ]\n"],
      [["check", "-"], "network: { plugin: weave }\nnodePools: [ { name: a } ]\n"],
      [["check", "examples/clusters/az/aks-show.json", "--vnet", "-"], '{"name": "v", "addressSpace": {"addressPrefixes": ["10.9.0.0/16"]}, "subnets": []}'],
      [["diff", "examples/clusters/az/aks-show.json", "-"], "nodePools: [ { name: a, maxSurge: 101% } ]\n"],
    ];
    const noVnet = run(["check", "examples/clusters/az/aks-show.json"]); // on main: exit 2, "hint: … aksnet plan cluster.json --vnet …"
    expect([noVnet.code, noVnet.stderr]).toEqual([0, ""]);
    for (const [args, input] of cases) {
      const r = run(args, input);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).not.toContain("aksnet plan");
    }
  });
});

