// Pins the uncertain or time-dependent facts, each with its source (../shared/aks-facts.md), so a
// change is deliberate and made in constants.ts only.
import { describe, expect, it } from "vitest";
import * as k from "../../src/aks/constants.ts";

describe("AKS facts", () => {
  it("default maxPods: pod subnet follows the newer IP-planning doc (110), not the 2024 configure doc (250)", () => {
    expect(k.DEFAULT_MAX_PODS).toEqual({ kubenet: 110, "azure-cni": 30, "azure-cni-pod-subnet": 110, "azure-cni-static-block": 110, "azure-cni-overlay": 250, byo: 110 });
  });
  it("default maxSurge is 10% (API 2025-07-01), not the 1 some docs still say", () => {
    expect(k.DEFAULT_MAX_SURGE).toBe("10%");
  });
  it("node limits: kubenet 400 routes, Overlay 5,000 since 2024-03-19, 1,000 per pool", () => {
    expect(k.KUBENET_ROUTE_LIMIT).toBe(400);
    expect(k.MODEL_NODE_LIMIT["azure-cni-overlay"]).toBe(5000);
    expect(k.POOL_NODE_LIMIT).toBe(1000);
  });
  it("overlay became the default plugin at Kubernetes 1.30; managed VNet 10.224.0.0/12 (subnet /16 unverified)", () => {
    expect(k.OVERLAY_DEFAULT_FROM_MINOR).toBe(30);
    expect([k.MANAGED_VNET_SPACE, k.MANAGED_VNET_SUBNET]).toEqual(["10.224.0.0/12", "10.224.0.0/16"]);
  });
  it("service CIDR: /11 rejected upstream, /12 ambiguous in AKS docs; IPv6 at most /108", () => {
    expect([k.SERVICE_CIDR_MIN_LEN_V4, k.SERVICE_CIDR_MIN_LEN_V6]).toEqual([12, 108]);
  });
  it("SNAT: 64,000 LB ports per IP, default cap 1,024 per VM, NAT gateway 64,512 per IP and 16 IPs", () => {
    expect([k.LB_PORTS_PER_IP, k.LB_DEFAULT_PORTS_CAP, k.NAT_PORTS_PER_IP, k.NAT_MAX_IPS]).toEqual([64000, 1024, 64512, 16]);
  });
  it("static blocks: 16 addresses, 1 reserved per node, 2 blocks lost to Azure's reserved addresses (derived)", () => {
    expect([k.STATIC_BLOCK_SIZE, k.STATIC_BLOCK_RESERVED_PER_NODE, k.STATIC_BLOCKS_LOST_TO_RESERVED]).toEqual([16, 1, 2]);
  });
  it("retirement dates", () => {
    expect(k.RETIREMENT).toEqual({ kubenet: "2028-03-31", azureNpmWindows: "2026-09-30", azureNpmLinux: "2028-09-30", basicLoadBalancer: "2025-09-30" });
  });
});
