// The wasm sweep kernel against the planner: 100,000 random single-pool configurations compared
// field by field with evaluateSingle() (capacity.ts), then random grids (several pools, service
// CIDRs, outbound types, constraints, odd chunk boundaries) compared record for record and
// aggregate for aggregate with the TypeScript reference.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { LIMIT_KINDS, MODEL_IDS, MODEL_NODE_LIMIT, evaluateSingle, DEFAULT_MAX_PODS, type ModelId } from "../../src/aks/index.ts";
import { SweepKernel, SW, SWEEP_RECORD as R, FLAG_FITS, PARAMS, METRICS, OPS, OBJECTIVES, AGGS, HEAT_OF, SURGE_PERCENT_FLAG, formatRows, formatRowsSlow, referenceRange, newAggregates, aggregateRecords, gridSize, type SweepSpec } from "../../src/sweep/index.ts";
import { core } from "../../src/core/index.ts";
import { SW_LAYOUT_ORDER } from "../../src/sweep/layout.ts";

const baseSpec = (values: number[][], extra: Partial<SweepSpec> = {}): SweepSpec => ({
  name: "test", values, constraints: [], show: "summary", maximize: "maxNodes",
  heatmap: { x: "nodeSubnetPrefix", y: "maxPods", value: "maxNodes", agg: "max", of: "all" }, ...extra,
});


// One configuration as 12 parameter codes (PARAMS order), single pool, anything the kernel accepts.
const surgeArb = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 100 }).map((p) => SURGE_PERCENT_FLAG | p), fc.constantFrom(0, 1, 3, SURGE_PERCENT_FLAG | 10, SURGE_PERCENT_FLAG | 33));
const nodesArb = fc.oneof(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 1100 }), fc.integer({ min: 0, max: 5000 }));
const configArb = fc.tuple(
  fc.integer({ min: 0, max: MODEL_IDS.length - 1 }),
  fc.constant(1),
  fc.oneof(fc.constant(0), fc.integer({ min: 2, max: 29 }), fc.integer({ min: 16, max: 29 })),
  fc.oneof(fc.constant(0), fc.integer({ min: 2, max: 32 }), fc.integer({ min: 8, max: 28 })),
  fc.constant(0),
  fc.oneof(fc.constant(0), fc.integer({ min: 10, max: 250 })),
  fc.integer({ min: 0, max: 4 }),
  fc.integer({ min: 1, max: 100 }),
  fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 8000 }).map((p) => p * 8), fc.constantFrom(8, 1024, 4000, 64000)),
  surgeArb,
  fc.oneof(fc.constant(0), nodesArb),
  nodesArb,
);

describe("sweep kernel against evaluateSingle (capacity.ts)", () => {
  const kernel = new SweepKernel(baseSpec(PARAMS.map(() => [0])));
  it("agrees on 100,000 random configurations, every field", () => {
    let checked = 0;
    fc.assert(
      fc.property(fc.array(configArb, { minLength: 1000, maxLength: 1000 }), (configs) => {
        const codes = new Int32Array(configs.flat());
        const rec = kernel.evalList(codes);
        configs.forEach((c, i) => {
          const model = MODEL_IDS[c[0]] as ModelId;
          const planned = c[10] > 0 ? Math.max(c[10], c[11]) : c[11];
          const r = evaluateSingle({
            model, maxPods: c[5] || DEFAULT_MAX_PODS[model], nodes: planned,
            surge: { value: c[9] & ~SURGE_PERCENT_FLAG, percent: (c[9] & SURGE_PERCENT_FLAG) !== 0 },
            nodeSubnetLen: c[2], podRangeLen: c[3], nodeLimit: MODEL_NODE_LIMIT[model],
            allocatedOutboundPorts: c[6] === 0 ? c[8] : 0, outboundIps: c[7],
          });
          const o = i * SW.REC_WORDS;
          const got = {
            surgeNodes: rec[o + R.SURGE], nodeSubnetPerNode: rec[o + R.NODE_PER], nodeSubnetRequired: rec[o + R.NODE_REQ],
            nodeSubnetUsable: rec[o + R.NODE_USABLE], smallestNodeSubnetLen: rec[o + R.NODE_SMALLEST], podRangePerNode: rec[o + R.POD_PER],
            podRangeRequired: rec[o + R.POD_REQ], podRangeCapacity: rec[o + R.POD_CAP], smallestPodRangeLen: rec[o + R.POD_SMALLEST],
            fits: (rec[o + R.FLAGS] & FLAG_FITS) !== 0, maxNodes: rec[o + R.MAX_NODES], limitedBy: LIMIT_KINDS[rec[o + R.LIMIT]],
          };
          // evaluateSingle can return -0 (Math.min(0, -0)); compare values, not signs of zero.
          const want = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === "number" ? v + 0 : v]));
          if (JSON.stringify(got) !== JSON.stringify(want)) expect({ config: c, got }).toEqual({ config: c, got: want });
          checked++;
        });
      }),
      { numRuns: 100, seed: 20261126 },
    );
    expect(checked).toBe(100_000);
  });
});

// Random grids: 1–3 values per parameter, several pools, service CIDRs and constraints.
const pick = <T>(arb: fc.Arbitrary<T>, max: number) => fc.uniqueArray(arb, { minLength: 1, maxLength: max });
const gridArb = fc.record({
  values: fc.tuple(
    pick(fc.integer({ min: 0, max: 5 }), 3),
    pick(fc.integer({ min: 1, max: 5 }), 2),
    pick(fc.integer({ min: 2, max: 29 }), 3),
    pick(fc.integer({ min: 0, max: 32 }), 2),
    pick(fc.constantFrom(0, 8, 11, 12, 16, 24), 2),
    pick(fc.oneof(fc.constant(0), fc.integer({ min: 10, max: 250 })), 2),
    pick(fc.integer({ min: 0, max: 4 }), 2),
    pick(fc.integer({ min: 1, max: 16 }), 2),
    pick(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 8000 }).map((p) => p * 8)), 2),
    pick(surgeArb, 2),
    pick(fc.oneof(fc.constant(0), nodesArb), 2),
    pick(nodesArb, 4),
  ),
  constraints: fc.array(fc.record({
    metric: fc.constantFrom(...METRICS.filter((m) => m !== "surge")),
    op: fc.constantFrom(...OPS),
    value: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 200000 })),
  }), { maxLength: 3 }),
  maximize: fc.constantFrom(...OBJECTIVES),
  heat: fc.record({
    axes: fc.uniqueArray(fc.constantFrom(...PARAMS.filter((p) => p !== "model")), { minLength: 2, maxLength: 2 }),
    value: fc.constantFrom(...METRICS.filter((m) => m !== "surge")),
    agg: fc.constantFrom(...AGGS),
    of: fc.constantFrom(...HEAT_OF),
  }),
  cut: fc.double({ min: 0, max: 1, noNaN: true }),
});

describe("sweep kernel against the TypeScript reference on grids", () => {
  it("writes the same records and aggregates, whatever the chunk boundaries", () => {
    fc.assert(
      fc.property(gridArb, (g) => {
        const spec = baseSpec(g.values as number[][], {
          constraints: g.constraints.map((c) => ({ ...c, text: `${c.metric} ${c.op} ${c.value}` })),
          maximize: g.maximize,
          heatmap: { x: g.heat.axes[0], y: g.heat.axes[1], value: g.heat.value, agg: g.heat.agg, of: g.heat.of },
        });
        const n = gridSize(spec);
        const ref = referenceRange(spec, 0, n);
        const kernel = new SweepKernel(spec, n);
        kernel.heatmap = true;
        // Two calls split at a random row: the second decodes its start index mid-grid.
        const cut = Math.floor(g.cut * n);
        const a = kernel.records(0, cut, true).slice();
        const b = kernel.records(cut, n - cut, true).slice();
        const got = new Int32Array(n * SW.REC_WORDS);
        got.set(a, 0);
        got.set(b, cut * SW.REC_WORDS);
        for (let i = 0; i < n; i++) {
          const o = i * SW.REC_WORDS;
          const x = Array.from(got.subarray(o, o + SW.REC_WORDS)), y = Array.from(ref.subarray(o, o + SW.REC_WORDS));
          if (x.join() !== y.join()) expect({ row: i, rec: x }).toEqual({ row: i, rec: y });
        }
        // The fast row formatters (odometer, cached text; and in wasm) write what the readable one writes.
        for (const format of ["csv", "jsonl"] as const) {
          for (const feasible of [false, true]) {
            const slow = formatRowsSlow(spec, cut, n - cut, b, format, feasible);
            expect(formatRows(spec, cut, n - cut, b, format, feasible)).toEqual(slow);
            // The wasm formatter (swFormat) on the records still in the kernel's buffer.
            const w = kernel.formatRecords(cut, n - cut, format, feasible);
            expect(w && { text: new TextDecoder().decode(w.bytes), rows: w.rows }).toEqual(slow);
          }
        }
        const want = newAggregates(spec);
        aggregateRecords(spec, 0, n, ref, want, true);
        expect(Array.from(kernel.aggregates())).toEqual(Array.from(want));
        // Aggregating without records gives the same aggregates.
        const k2 = new SweepKernel(spec, 1);
        k2.heatmap = true;
        k2.aggregate(0, cut);
        k2.aggregate(cut, n - cut);
        expect(Array.from(k2.aggregates())).toEqual(Array.from(want));
        // And without the heatmap (the kernel's segment loop), split at the same row.
        const noHeat = newAggregates(spec);
        aggregateRecords(spec, 0, n, ref, noHeat, false);
        const k3 = new SweepKernel(spec, 1);
        k3.aggregate(0, cut);
        k3.aggregate(cut, n - cut);
        expect(Array.from(k3.aggregates())).toEqual(Array.from(noHeat));
        kernel.dispose();
        k2.dispose();
        k3.dispose();
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it("counts rows over a whole grid (a check that the odometer visits every row once)", () => {
    const spec = baseSpec([[0, 4], [1], [20, 24], [0], [0], [30, 110], [0], [1], [0], [1], [0, 300], Array.from({ length: 97 }, (_, i) => i * 11)]);
    const k = new SweepKernel(spec, 1);
    for (let s = 0; s < gridSize(spec); s += 1000) k.aggregate(s, Math.min(1000, gridSize(spec) - s));
    const a = k.aggregates();
    expect(a[0 * 3] + a[4 * 3]).toBe(gridSize(spec));
    expect(a[0 * 3]).toBe(gridSize(spec) / 2);
  });
});

describe("sweep kernel memory", () => {
  it("lives in the thread's core heap and gives its blocks back on dispose()", () => {
    const spec = baseSpec([[0, 1], [1], [24], [0], [0], [30], [0], [1], [0], [1], [0], Array.from({ length: 50 }, (_, i) => i * 7)]);
    const heap = core().heap;
    const warm = new SweepKernel(spec, 1000);
    warm.records(0, 100);
    warm.formatRecords(0, 100, "jsonl", false);
    warm.dispose();
    const extent = heap.extent;
    for (let i = 0; i < 50; i++) {
      const k = new SweepKernel(spec, 1000);
      k.records(0, 100, true);
      expect(k.formatRecords(0, 100, "jsonl", false)!.rows).toBe(100);
      k.dispose();
    }
    expect(heap.extent).toBe(extent);
    expect(() => warm.aggregates()).toThrow(/after dispose/);
  });
});
