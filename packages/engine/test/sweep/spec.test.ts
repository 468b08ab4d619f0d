// The sweep spec (values, defaults, ranges, constraints, located errors), the grid by index
// (mixed radix, any range on its own), shards, chunks, merging aggregates and parts.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadSweepSpec, parseConstraint, gridSize, decodeIndex, decodeDigits, shardRange, chunks, runSweep, mergeAggregates, newAggregates, SweepKernel, partHeader, partTrailer, parsePart, mergeParts, renderSummary, frontierOf, countsOf, k8sJobManifest, heatmapOf, heatmapSvg, valueLabel, specFingerprint, PARAMS, SURGE_PERCENT_FLAG, type ParamName } from "../../src/sweep/index.ts";
import { DEFAULT_MAX_SURGE } from "../../src/aks/index.ts";

const examples = fileURLToPath(new URL("../../../../examples/sweeps/", import.meta.url));
const base = "parameters:\n  model: [kubenet]\n  nodeSubnetPrefix: 24\n  nodeCount: 10\n";

describe("loadSweepSpec", () => {
  it("reads every example", () => {
    const files = readdirSync(examples).filter((f) => f.endsWith(".yaml"));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) {
      const spec = loadSweepSpec(f, readFileSync(examples + f, "utf8"));
      expect(gridSize(spec), f).toBeGreaterThan(0);
    }
    const big = loadSweepSpec("large", readFileSync(examples + "large-250m.yaml", "utf8"));
    expect(gridSize(big)).toBeGreaterThanOrEqual(200_000_000);
  });
  it("fills defaults: one pool, no pod range or service CIDR, the model's maxPods, 10% surge, load balancer, 1 IP", () => {
    const s = loadSweepSpec("x", base);
    const byName = Object.fromEntries(PARAMS.map((p, i) => [p, s.values[i]]));
    expect(byName).toEqual({
      model: [0], pools: [1], nodeSubnetPrefix: [24], podRangePrefix: [0], serviceCidrPrefix: [0], maxPods: [0], outboundType: [0],
      outboundIps: [1], allocatedPorts: [0], surge: [SURGE_PERCENT_FLAG | Number(DEFAULT_MAX_SURGE.replace("%", ""))], autoscaleMax: [0], nodeCount: [10],
    });
    expect(s.show).toBe("summary");
    expect(s.name).toBe("x");
  });
  it("reads lists, ranges with steps, mixed lists, prefixes written /24, surges as counts and percentages", () => {
    const s = loadSweepSpec("x", "parameters:\n  model: azure-cni-overlay\n  nodeSubnetPrefix: ['/20', { from: 24, to: 28, step: 2 }]\n  maxPods: { from: 10, to: 250, step: 60 }\n  surge: [0, 3, '33%', { from: '10%', to: '30%', step: 10 }]\n  nodeCount: { from: 0, to: 10 }\n");
    expect(s.values[2]).toEqual([20, 24, 26, 28]);
    expect(s.values[5]).toEqual([10, 70, 130, 190, 250]);
    expect(s.values[9].map((v) => valueLabel("surge", v))).toEqual(["0", "3", "33%", "10%", "20%", "30%"]);
    expect(s.values[11].length).toBe(11);
    expect(gridSize(s)).toBe(4 * 5 * 6 * 11);
  });
  it("reads constraints and output settings", () => {
    const s = loadSweepSpec("x", base + "constraints:\n  - pods >= 20,000\n  - model != kubenet\n  - nodes = 300\noutput:\n  show: frontier\n  maximize: pods\n  heatmap: { x: nodeCount, y: surge, value: podCapacity, agg: min, of: feasible }\n");
    expect(s.constraints.map((c) => [c.metric, c.op, c.value])).toEqual([["pods", ">=", 20000], ["model", "!=", 0], ["nodes", "==", 300]]);
    expect([s.show, s.maximize]).toEqual(["frontier", "pods"]);
    expect(s.heatmap).toEqual({ x: "nodeCount", y: "surge", value: "podCapacity", agg: "min", of: "feasible" });
  });
  const bad: [string, string, RegExp][] = [
    ["unknown top-level key", base + "outputs: summary\n", /x:5:1: outputs: unknown top-level key "outputs"; did you mean output\?/],
    ["unknown range field", base.replace("24", "{ from: 20, too: 24 }"), /parameters\.nodeSubnetPrefix\.too: unknown range field "too"; did you mean to\?/],
    ["range without to", base.replace("24", "{ from: 20 }"), /x:3:21: parameters\.nodeSubnetPrefix: a range needs both from and to/],
    ["zero step", base.replace("24", "{ from: 20, to: 24, step: 0 }"), /parameters\.nodeSubnetPrefix\.step: step must be a positive integer/],
    ["model range", base.replace("[kubenet]", "{ from: 1, to: 2 }"), /model takes a list of names, not a range/],
    ["empty list", base.replace("[kubenet]", "[]"), /x:2:10: parameters\.model: the list is empty/],
    ["surge over 100%", base + "  surge: '150%'\n", /parameters\.surge: surge 150% is out of range/],
    ["maxPods below 10", base + "  maxPods: 5\n", /parameters\.maxPods: 5 is out of range; expected 0 \(the model's default\) or 10 to 250/],
    ["heatmap axes equal", base + "output:\n  heatmap: { x: maxPods, y: maxPods }\n", /output\.heatmap: x and y are both maxPods/],
    ["parameters missing", "name: x\n", /no parameters given/],
    ["name not a string", "name: [1]\n" + base, /x:1:7: name: expected a string/],
  ];
  for (const [what, text, re] of bad) {
    it(`refuses ${what}, naming the line and field`, () => {
      expect(() => loadSweepSpec("x", text)).toThrow(re);
    });
  }
});

describe("parseConstraint", () => {
  const fail = (what: string, col: number): never => { throw new Error(`${col}: ${what}`); };
  it("reads metric, operator and value with or without spaces", () => {
    expect(parseConstraint("pods>=20000", fail)).toMatchObject({ metric: "pods", op: ">=", value: 20000 });
    expect(parseConstraint("  vnetAddresses < 65_536 ", fail)).toMatchObject({ metric: "vnetAddresses", op: "<", value: 65536 });
    expect(parseConstraint("outboundType == managedNATGateway", fail)).toMatchObject({ metric: "outboundType", op: "==", value: 1 });
  });
  it("points at the column where it stops", () => {
    expect(() => parseConstraint("pods >= 2.5", fail)).toThrow(/^9: expected an integer/);
    expect(() => parseConstraint("pods => 3", fail)).toThrow(/^6: unknown operator "=>"/);
    expect(() => parseConstraint("3 <= pods", fail)).toThrow(/^1: expected a metric name/);
    expect(() => parseConstraint("surge >= 3", fail)).toThrow(/^1: unknown metric "surge"/);
    expect(() => parseConstraint("model >= 3", fail)).toThrow(/can only be compared with == or !=/);
    expect(() => parseConstraint("pods >= 1; rm -rf /", fail)).toThrow(/^10: unexpected ";"/);
  });
});

describe("the grid by index", () => {
  it("decodes any index on its own (mixed radix, the last parameter fastest), covering every combination once", () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 12, maxLength: 12 }).filter((a) => a.reduce((x, y) => x * y, 1) <= 4096), (sizes) => {
      const values = sizes.map((n, d) => Array.from({ length: n }, (_, i) => d * 100 + i));
      const n = sizes.reduce((a, b) => a * b, 1);
      const seen = new Set<string>();
      let prev: number[] | undefined;
      for (let i = 0; i < n; i++) {
        const codes = decodeIndex(values, i);
        const digits = decodeDigits(values, i);
        expect(codes).toEqual(digits.map((d, k) => values[k][d]));
        seen.add(codes.join());
        if (prev && sizes[11] > 1 && digits[11] !== 0) expect(codes.slice(0, 11)).toEqual(prev.slice(0, 11));
        prev = codes;
      }
      expect(seen.size).toBe(n);
    }), { numRuns: 50 });
  });
  it("cuts shards that tile the grid, and chunks at fixed multiples", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 1, max: 64 }), (total, n) => {
      let at = 0;
      for (let i = 0; i < n; i++) {
        const [s, e] = shardRange(total, i, n);
        expect(s).toBe(at);
        expect(e).toBeGreaterThanOrEqual(s);
        at = e;
      }
      expect(at).toBe(total);
    }));
    expect(chunks(5, 23, 8)).toEqual([[5, 8], [8, 16], [16, 23]]);
  });
});

const small = loadSweepSpec("small.yaml", readFileSync(examples + "small.yaml", "utf8"));

describe("aggregates, shards and parts", () => {
  it("merging the aggregates of any split gives the aggregates of one run", () => {
    const n = gridSize(small);
    const whole = runSweep(small, { rows: "none", format: "csv", heatmap: true }).aggregates;
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 1, max: n - 1 }), { maxLength: 6 }), (cuts) => {
      const bounds = [0, ...cuts.sort((a, b) => a - b), n];
      const acc = newAggregates(small);
      // Later ranges first: merging must not depend on order.
      for (let i = bounds.length - 2; i >= 0; i--) {
        const k = new SweepKernel(small, 1);
        k.heatmap = true;
        k.aggregate(bounds[i], bounds[i + 1] - bounds[i]);
        mergeAggregates(small, acc, k.aggregates());
        k.dispose();
      }
      expect(Array.from(acc)).toEqual(Array.from(whole));
    }), { numRuns: 20 });
  });
  it("the frontier keeps only points that beat every cheaper one, the summary counts every row", () => {
    const run = runSweep(small, { rows: "none", format: "csv", heatmap: false });
    const front = frontierOf(small, run.aggregates);
    for (const m of new Set(front.map((p) => p.model))) {
      const pts = front.filter((p) => p.model === m);
      for (let i = 1; i < pts.length; i++) {
        expect(pts[i].vnetAddresses).toBeGreaterThan(pts[i - 1].vnetAddresses);
        expect(pts[i].value).toBeGreaterThan(pts[i - 1].value);
      }
    }
    expect(countsOf(small, run.aggregates).reduce((s, c) => s + c.rows, 0)).toBe(gridSize(small));
  });
  it("pod-subnet rows without a pod subnet size stay off the frontier (their VNet cost is unknown)", () => {
    const spec = loadSweepSpec("pod.yaml", [
      "parameters:",
      "  model: [azure-cni-pod-subnet, azure-cni-overlay]",
      "  nodeSubnetPrefix: [24, 26]",
      "  podRangePrefix: [0, 20]",
      "  maxPods: [30]",
      "  nodeCount: [10]",
    ].join("\n"));
    for (const kernel of [true, false]) {
      const run = runSweep(spec, { rows: "none", format: "csv", heatmap: false, backend: kernel ? "wasm" : "reference" });
      const front = frontierOf(spec, run.aggregates);
      const pod = front.filter((p) => p.model === "azure-cni-pod-subnet");
      expect(pod.length).toBeGreaterThan(0);
      // Every pod-subnet point pays for a /20 pod subnet (4,096) on top of its node subnet.
      for (const p of pod) expect(p.vnetAddresses).toBeGreaterThanOrEqual(4096 + 64);
      // Overlay's pod CIDR is outside the VNet: its cheapest point is the /26 node subnet alone.
      expect(front.filter((p) => p.model === "azure-cni-overlay")[0].vnetAddresses).toBe(64);
    }
  });
  it("parts carry the spec and merge to what one run renders; bad sets of parts are refused", () => {
    const text = readFileSync(examples + "small.yaml", "utf8");
    const n = gridSize(small);
    const parts = [0, 1, 2].map((i) => {
      const [s, e] = shardRange(n, i, 3);
      const run = runSweep(small, { rows: "none", format: "csv", heatmap: false, start: s, end: e });
      return parsePart(`p${i}`, partHeader(small, "small.yaml", text, [i, 3], n, s, e, "summary", "text") + partTrailer(run));
    });
    const k = new SweepKernel(small, 1);
    const rec = (i: number) => k.records(i, 1).slice();
    const merged = mergeParts(small, [parts[2], parts[0], parts[1]]);
    const single = runSweep(small, { rows: "none", format: "csv", heatmap: false });
    expect(renderSummary(merged.run, "json", rec)).toBe(renderSummary(single, "json", rec));
    expect(merged.parts[0].header.specText).toBe(text);
    expect(() => mergeParts(small, [parts[0], parts[2]])).toThrow(/missing shard 1 of 3/);
    const other = loadSweepSpec("small.yaml", text.replace("pods >= 5000", "pods >= 5001"));
    expect(specFingerprint(other)).not.toBe(specFingerprint(small));
    expect(() => mergeParts(other, parts)).toThrow(/different spec/);
    expect(() => parsePart("junk", "hello\nworld\n")).toThrow(/not a sweep part/);
  });
});

describe("k8s Job and heatmap", () => {
  it("an Indexed Job with the spec in a ConfigMap and the completion index as the shard", () => {
    const y = k8sJobManifest({ specName: "s.yaml", specText: "parameters: {}\n", shards: 12, image: "img:1", name: "sw", args: [] });
    expect(y).toMatch(/completionMode: Indexed/);
    expect(y).toMatch(/completions: 12/);
    expect(y).toContain("$(JOB_COMPLETION_INDEX)/12");
    expect(y).toMatch(/s\.yaml: \|/);
  });
  it("a heatmap SVG with a panel per model, axis labels and a legend", () => {
    const run = runSweep(small, { rows: "none", format: "csv", heatmap: true });
    const h = heatmapOf(small, run.aggregates, (p, c) => valueLabel(p as ParamName, c));
    expect(h.panels.map((p) => p.model)).toEqual(["kubenet", "azure-cni", "azure-cni-overlay", "azure-cni-pod-subnet"]);
    expect(h.xLabels).toEqual(["20", "21", "22", "23", "24", "25", "26"]);
    // Overlay in a /24 with surge 1: 250 nodes (251 usable, one for surge), whatever maxPods is.
    const overlay = h.panels.find((p) => p.model === "azure-cni-overlay")!;
    expect(overlay.cells[0][h.xLabels.indexOf("24")]).toBe(250);
    const svg = heatmapSvg(h, "t");
    expect(svg.match(/<rect [^>]*><title>/g)!.length).toBe(4 * 7 * 3);
    expect(svg).toContain("nodeSubnetPrefix");
    expect(svg).toContain("max maxNodes");
  });
});
