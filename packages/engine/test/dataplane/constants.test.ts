// The dataplane's inferred or uncertain facts, pinned with where they come from
// (packages/engine/src/dataplane/constants.ts has the sources).
import { describe, expect, it } from "vitest";
import { DEFAULT_NSG_RULES, FIRST_HOST_OFFSET, NON_MASQ_SCOPE, NONE_ROUTES, POD_HOST_OFFSET, POD_IP_ROUTABLE_FROM_VNET, AZURE_LB_PROBE_IP, LB_FLOATING_IP, VIRTUAL_NETWORK_TAG_HAS_UDR_PREFIXES, VIRTUAL_NETWORK_TAG_HAS_OVERLAY_POD_CIDR } from "../../src/dataplane/index.ts";
import { MODEL_IDS } from "../../src/aks/index.ts";

describe("dataplane constants", () => {
  it("addresses: the first NIC gets .4 (VNET-FAQ: .0-.3 reserved); kubenet pods from .2 (cbr0 .1)", () => {
    expect(FIRST_HOST_OFFSET).toBe(4);
    expect(POD_HOST_OFFSET).toBe(2);
  });
  it("ip-masq-agent scope per model follows aks-facts §5.1 (inferred, §10)", () => {
    expect(NON_MASQ_SCOPE).toEqual({ kubenet: "pod-cidr", "azure-cni-overlay": "pod-cidr", "azure-cni": "vnet", "azure-cni-pod-subnet": "vnet+connected", "azure-cni-static-block": "vnet+connected", byo: "pod-cidr" });
    expect(Object.keys(NON_MASQ_SCOPE).sort()).toEqual([...MODEL_IDS].sort());
  });
  it("pod IPs reachable from the VNet exactly in the flat models (aks-facts §5.5)", () => {
    expect(Object.entries(POD_IP_ROUTABLE_FROM_VNET).filter(([, v]) => v).map(([k]) => k).sort()).toEqual(["azure-cni", "azure-cni-pod-subnet", "azure-cni-static-block"]);
  });
  it("Azure's default NSG rules and system None routes (NSG overview, UDR-OV)", () => {
    expect(DEFAULT_NSG_RULES.map((r) => [r.direction, r.priority, r.name, r.access])).toEqual([
      ["Inbound", 65000, "AllowVnetInBound", "Allow"], ["Inbound", 65001, "AllowAzureLoadBalancerInBound", "Allow"], ["Inbound", 65500, "DenyAllInBound", "Deny"],
      ["Outbound", 65000, "AllowVnetOutBound", "Allow"], ["Outbound", 65001, "AllowInternetOutBound", "Allow"], ["Outbound", 65500, "DenyAllOutBound", "Deny"],
    ]);
    expect(NONE_ROUTES).toEqual(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"]);
    expect(AZURE_LB_PROBE_IP).toBe("168.63.129.16");
  });
  it("believed, not verified: floating IP on AKS LB rules; VirtualNetwork tag holds UDR prefixes and the Overlay pod CIDR", () => {
    expect([LB_FLOATING_IP, VIRTUAL_NETWORK_TAG_HAS_UDR_PREFIXES, VIRTUAL_NETWORK_TAG_HAS_OVERLAY_POD_CIDR]).toEqual([true, true, true]);
  });
});
