// Retirement findings compare dates with today (AKSNET_TODAY pins it): a date in the past is no
// longer "retires on".
import { describe, expect, it, afterEach } from "vitest";
import { loadCluster, plan } from "../../src/aks/index.ts";

const spec = (os: string) => `
apiVersion: aksnet/v1
name: npm-windows
network: { model: azure-cni, policy: azure, podCidr: null }
vnet: { name: v, addressSpace: [10.10.0.0/16], subnets: [{ name: s, cidr: 10.10.0.0/20 }] }
nodePools:
  - { name: system, mode: System, count: 3, maxPods: 30, subnet: s }
  - { name: win1, mode: User, os: ${os}, count: 2, maxPods: 30, subnet: s }
`;

const findings = (os: string, todayIs: string) => {
  process.env.AKSNET_TODAY = todayIs;
  return plan(loadCluster([{ name: "c.yaml", text: spec(os) }])).findings;
};

describe("Azure NPM retirement", () => {
  afterEach(() => { delete process.env.AKSNET_TODAY; });

  it("before 2026-09-30 both dates are ahead: one warning", () => {
    const f = findings("Windows", "2026-01-15");
    expect(f.filter((x) => x.code === "RetiredOption")).toEqual([]);
    expect(f.find((x) => x.code === "RetiringOption")?.message).toContain("2026-09-30 for Windows");
  });

  it("after 2026-09-30 a Windows pool on Azure NPM is an error naming the pool", () => {
    const f = findings("Windows", "2026-11-26");
    const retired = f.find((x) => x.code === "RetiredOption");
    expect(retired?.severity).toBe("error");
    expect(retired?.message).toContain("Windows pools: win1");
    expect(f.find((x) => x.code === "RetiringOption")?.message).toContain("for Windows it was retired on 2026-09-30");
  });

  it("a Linux-only cluster gets the Linux warning only", () => {
    const f = findings("Linux", "2026-11-26");
    expect(f.filter((x) => x.code === "RetiredOption")).toEqual([]);
    expect(f.find((x) => x.code === "RetiringOption")?.message).toContain("2028-09-30 for Linux");
  });
});
