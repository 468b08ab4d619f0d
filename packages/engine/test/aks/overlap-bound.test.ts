// The same subnet many times over (found by fuzzing an ARM template): every overlapping pair was a
// finding (300 copies: 44,850 of them, 12 s). The first MAX_OVERLAP_FINDINGS pairs are listed and
// one more finding counts the rest.
import { describe, expect, it } from "vitest";
import { loadCluster, plan } from "../../src/aks/index.ts";
import { MAX_OVERLAP_FINDINGS } from "../../src/aks/findings.ts";

const spec = (n: number) => [
  "name: many",
  "network: { model: azure-cni-overlay, podCidr: 192.168.0.0/16, serviceCidr: 10.96.0.0/16, dnsServiceIP: 10.96.0.10 }",
  "vnet:", "  name: v", "  addressSpace: [10.42.0.0/16]", "  subnets:",
  ...Array.from({ length: n }, (_, i) => `    - { name: s${i}, cidr: 10.42.0.0/24 }`),
  "nodePools:", "  - { name: system, mode: System, count: 3, maxPods: 30, subnet: s0 }",
].join("\n") + "\n";

describe("overlapping subnets: a bounded number of findings", () => {
  it("300 copies of one subnet: the first pairs listed, the rest counted in one finding", () => {
    const f = plan(loadCluster([{ name: "many.yaml", text: spec(300) }])).findings.filter((x) => x.code === "SubnetOverlap");
    expect(f).toHaveLength(MAX_OVERLAP_FINDINGS + 1);
    const rest = f.find((x) => /more pairs/.test(x.message));
    expect(rest?.message).toMatch(new RegExp(`^${300 * 299 / 2 - MAX_OVERLAP_FINDINGS} more pairs`));
  });

  it("a few overlapping subnets are each listed, with no count finding", () => {
    const f = plan(loadCluster([{ name: "few.yaml", text: spec(3) }])).findings.filter((x) => x.code === "SubnetOverlap");
    expect(f).toHaveLength(3);
    expect(f.some((x) => /more pairs/.test(x.message))).toBe(false);
  });
});
