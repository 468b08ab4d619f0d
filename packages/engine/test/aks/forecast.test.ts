// forecast(): the step at which each resource runs out is the step at which plan() of the grown
// cluster first reports it (checked against plan(), not against forecast's own arithmetic).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { loadCluster, plan, forecast, parseGrowth, type Cluster } from "../../src/aks/index.ts";
import { UsageError } from "../../src/errors.ts";

const root = new URL("../../../../", import.meta.url);
const example = () => loadCluster([{ name: "o.yaml", text: readFileSync(new URL("examples/clusters/overlay-cilium.yaml", root), "utf8") }]);
const grown = (c: Cluster, pool: string, nodes: number): Cluster => ({ ...c, pools: c.pools.map((p) => (p.name === pool ? { ...p, count: Math.min(p.count, nodes), maxCount: nodes, autoscale: true } : p)) });

describe("forecast", () => {
  it("parses growth rates", () => {
    expect(parseGrowth("5/month")).toEqual({ amount: 5, unit: "nodes", period: "month" });
    expect(parseGrowth("500 pods/week")).toEqual({ amount: 500, unit: "pods", period: "week" });
    expect(parseGrowth("10%/quarter")).toEqual({ amount: 10, unit: "percent", period: "quarter" });
    expect(() => parseGrowth("fast")).toThrow(UsageError);
  });
  it("each resource runs out at the first step plan() of the grown cluster reports it", () => {
    const c = example();
    const f = forecast(c, parseGrowth("5/month"), { start: "2026-12-01" });
    expect(f.growth.pool).toBe("apps");
    const subnet = f.rows.find((r) => r.resource.startsWith("node subnet snet-aks-apps"))!;
    expect(subnet.step).toBeGreaterThan(0);
    const fits = (nodes: number) => plan(grown(c, "apps", nodes)).subnets.find((s) => s.name === "snet-aks-apps")!.fits;
    expect(fits(subnet.nodes! - 5)).toBe(true);
    expect(fits(subnet.nodes!)).toBe(false);
    const snat = f.rows.find((r) => r.kind === "snatPorts")!;
    expect(plan(grown(c, "apps", snat.nodes! - 5)).snat.fits).toBe(true);
    expect(plan(grown(c, "apps", snat.nodes!)).snat.fits).toBe(false);
    expect(f.first).toEqual(f.rows[0]);
    expect(snat.date).toBe(new Date(Date.UTC(2026, 11 + snat.step!, 1)).toISOString().slice(0, 10));
  });
  it("the best change postpones the first exhaustion by the periods it says", () => {
    const f = forecast(example(), parseGrowth("5/month"), { start: "2026-12-01" });
    expect(f.best!.gained).toBeGreaterThan(0);
    expect(f.best!.firstStep).toBe(f.first!.step! + f.best!.gained!);
  });
  it("random growth: the first step's row never fits, the step before always does (the growing pool's limits)", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 40 }), (rate) => {
      const c = example();
      const f = forecast(c, { amount: rate, unit: "nodes", period: "month" });
      const sub = f.rows.find((r) => r.resource.startsWith("node subnet snet-aks-apps"))!;
      if (sub.step === null || sub.step === 0) return;
      const at = (nodes: number) => plan(grown(c, "apps", nodes)).subnets.find((s) => s.name === "snet-aks-apps")!.fits;
      expect(at(sub.nodes!)).toBe(false);
      expect(at(sub.nodes! - rate)).toBe(true);
    }), { numRuns: 40, seed: 13 });
  });
});

describe("forecast refuses what it can't compute", () => {
  it("absurd rates and dates are usage errors, not internal errors", () => {
    expect(() => parseGrowth("1e308/month")).toThrow(UsageError);
    expect(() => parseGrowth("5000000%/month")).toThrow(UsageError);
    expect(() => forecast(example(), parseGrowth("5/month"), { start: "2026-13-45" })).toThrow(UsageError);
    const f = forecast(example(), parseGrowth("1000%/year"), { start: "2026-01-01" });
    expect(f.rows.every((r) => r.step === null || Number.isFinite(r.nodes!))).toBe(true);
  });
});
