// Golden tests of the AKS commands on the example inputs (text and JSON), run on a fresh bundle
// of the CLI with NO_COLOR=1; broken inputs exit 2 with a located message and no stack trace.
// Update the goldens with UPDATE_GOLDEN=1 (then review every changed file by eye).
import { beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
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
