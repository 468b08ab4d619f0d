// kubectl get nodes / nodenetworkconfigs beside the plan. The documents in examples/clusters/kubectl
// are made here in the shape kubectl prints them (a v1 List of core/v1 Node objects; a List of
// acn.azure.com/v1alpha NodeNetworkConfig objects with the CRD's fields: spec.requestedIPCount,
// status.assignedIPCount, status.networkContainers[].subnetName/subnetAddressSpace, status.scaler).
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { loadCluster, plan, readLive, liveReport } from "../../src/aks/index.ts";
import { AksnetError } from "../../src/errors.ts";

const root = new URL("../../../../", import.meta.url);
const file = (p: string) => ({ name: p, text: readFileSync(new URL(p, root), "utf8") });

describe("live usage", () => {
  it("Azure CNI node subnet: each running node takes 1 + maxPods; pools counted by their agentpool label", () => {
    const c = loadCluster([file("examples/clusters/az/aks-show.json"), file("examples/clusters/az/vnet-show.json")]);
    const r = liveReport(c, plan(c), readLive([file("examples/clusters/kubectl/nodes.json")]));
    expect(r.nodes).toBe(15);
    expect(r.pools.map((p) => [p.name, p.nodesNow])).toEqual([["system", 3], ["user1", 12]]);
    expect(r.subnets[0]).toMatchObject({ name: "snet-aks-nodes", usedNow: 15 * 31, usable: 2043, required: 1023 });
  });
  it("Overlay: the /24 node blocks of spec.podCIDRs against the pod CIDR's slots", () => {
    const c = loadCluster([file("examples/clusters/overlay-cilium.yaml")]);
    const r = liveReport(c, plan(c), readLive([file("examples/clusters/kubectl/nodes-overlay.json")]));
    expect(r.podCidrs).toEqual([{ cidr: "192.168.0.0/16", blocksNow: 11, slotsRequired: 60, slots: 256 }]);
    expect(r.subnets.map((s) => [s.name, s.usedNow])).toEqual([["snet-aks-system", 3], ["snet-aks-apps", 8]]);
  });
  it("dynamic pod subnet: the IPs NodeNetworkConfigs hold now against the plan's worst case", () => {
    const c = loadCluster([file("examples/clusters/arm/azuredeploy.json")]);
    const p = plan(c);
    const r = liveReport(c, p, readLive([file("examples/clusters/kubectl/nnc.json")]));
    expect(r.podSubnets[0]).toMatchObject({ name: "snet-pods", ipsNow: 3 * 16 + 10 * 48, assignedNow: 3 * 16 + 10 * 40, required: p.podRanges[0].required });
    expect(r.pools.map((x) => x.nodesNow)).toEqual([3, 10]);
  });
  it("anything else is a located input error", () => {
    expect(() => readLive([{ name: "x.json", text: '{"kind": "Pod"}' }])).toThrow(AksnetError);
  });
});
