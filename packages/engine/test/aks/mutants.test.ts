// The planner's readers on mutated real and example documents: every value at a random path is
// replaced by a value of another type or shape. Each mutant must plan (and compare, diff with
// itself, forecast) or fail with an AksnetError, never a TypeError or RangeError. Deterministic seeds.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readFileSync, readdirSync } from "node:fs";
import { loadCluster, plan, compare, diff, forecast, readLive, liveReport } from "../../src/aks/index.ts";
import { AksnetError } from "../../src/errors.ts";

const root = new URL("../../../../", import.meta.url);
const read = (p: string) => readFileSync(new URL(p, root), "utf8");
const real = readdirSync(new URL("packages/engine/test/aks/fixtures/az-real/", root)).filter((f) => f.endsWith(".json")).map((f) => `packages/engine/test/aks/fixtures/az-real/${f}`);
const DOCS = [...real, "examples/clusters/terraform/plan.json", "examples/clusters/az/aks-show.json", "examples/clusters/arm/azuredeploy.json"];
const LIVE = ["examples/clusters/kubectl/nodes.json", "examples/clusters/kubectl/nodes-overlay.json", "examples/clusters/kubectl/nnc.json"];
const VALUES: unknown[] = [null, 0, -1, 1.5, 1e300, "x", "", [], {}, true, "10.0.0.0/33", "::/0", "0.0.0.0/0", "1000%", [1, 2], { a: 1 }, "1.30", 1.3];

function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}
function setAt(v: unknown, p: (string | number)[], value: unknown): unknown {
  if (!p.length) return value;
  const copy: any = Array.isArray(v) ? [...v] : { ...(v as object) };
  copy[p[0]] = setAt(copy[p[0]], p.slice(1), value);
  return copy;
}
function survives(f: () => void): void {
  try { f(); } catch (e) {
    if (!(e instanceof AksnetError)) throw e;
  }
}

describe("mutated documents never crash the planner", () => {
  for (const doc of DOCS) {
    it(doc, () => {
      const value = JSON.parse(read(doc));
      const all = paths(value);
      fc.assert(fc.property(fc.integer({ min: 0, max: all.length - 1 }), fc.constantFrom(...VALUES), fc.integer({ min: 0, max: all.length - 1 }), fc.constantFrom(...VALUES), (i, v, j, w) => {
        const text = JSON.stringify(setAt(setAt(value, all[i], v), all[j], w));
        survives(() => {
          const c = loadCluster([{ name: "m.json", text }]);
          plan(c);
          compare(c);
          expect(diff(c, c).changes).toEqual([]);
          forecast(c, { amount: 5, unit: "nodes", period: "month" }, { start: "2026-12-01" });
        });
      }), { numRuns: 150, seed: 42 });
    });
  }
  it("kubectl documents", () => {
    const c = loadCluster([{ name: "o.yaml", text: read("examples/clusters/overlay-cilium.yaml") }]);
    const p = plan(c);
    for (const doc of LIVE) {
      const value = JSON.parse(read(doc));
      const all = paths(value);
      fc.assert(fc.property(fc.integer({ min: 0, max: all.length - 1 }), fc.constantFrom(...VALUES), (i, v) => {
        survives(() => liveReport(c, p, readLive([{ name: "k.json", text: JSON.stringify(setAt(value, all[i], v)) }])));
      }), { numRuns: 150, seed: 43 });
    }
  });
});

describe("a VNet with no subnets", () => {
  it("is a located error, not a crash (found by the mutants above)", () => {
    let e: unknown;
    try { loadCluster([{ name: "v.yaml", text: "vnet: { addressSpace: [10.0.0.0/16], subnets: [] }\nnodePools: [ { name: a } ]\n" }]); } catch (x) { e = x; }
    expect(e).toBeInstanceOf(AksnetError);
    expect((e as Error).message).toMatch(/^v\.yaml:2:\d+: nodePools\[0\]: no node subnet/);
  });
});
