// Addresses already in use: the ipConfigurations an `az network vnet show` (or `az network vnet
// subnet show`) document lists per subnet. The cluster's own node NICs (its VMSS in the node
// resource group) are part of the plan; every other one (VMs, private endpoints, internal load
// balancer frontends) takes an address the plan can't use. The documents are the example az
// outputs with ipConfigurations added in the shape the az CLI prints them (a list of { id, resourceGroup }).
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { loadCluster, plan } from "../../src/aks/index.ts";

const root = new URL("../../../../", import.meta.url);
const aks = readFileSync(new URL("examples/clusters/az/aks-show.json", root), "utf8");
const vnet = JSON.parse(readFileSync(new URL("examples/clusters/az/vnet-show.json", root), "utf8"));
const sub = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups";
const own = (pool: string, vm: number, ip: number) => ({ id: `${sub}/MC_rg-aks-weu_aks-shop-weu_westeurope/providers/Microsoft.Compute/virtualMachineScaleSets/aks-${pool}-12345678-vmss/virtualMachines/${vm}/networkInterfaces/aks-${pool}-12345678-vmss/ipConfigurations/ipconfig${ip}`, resourceGroup: "MC_rg-aks-weu_aks-shop-weu_westeurope" });
const vm = (i: number) => ({ id: `${sub}/rg-app-weu/providers/Microsoft.Network/networkInterfaces/vm${i}-nic/ipConfigurations/ipconfig1`, resourceGroup: "rg-app-weu" });
const ilb = { id: `${sub}/MC_rg-aks-weu_aks-shop-weu_westeurope/providers/Microsoft.Network/loadBalancers/kubernetes-internal/frontendIPConfigurations/a1b2`, resourceGroup: "MC_rg-aks-weu_aks-shop-weu_westeurope" };

function withIpConfigs(configs: object[]) {
  const v = structuredClone(vnet);
  v.subnets[0].ipConfigurations = configs;
  return v;
}

describe("addresses already in use", () => {
  it("other resources' ipConfigurations count against the node subnet; the cluster's own NICs don't", () => {
    const configs = [...Array.from({ length: 3 }, (_, i) => own("system", i, 1)), ...Array.from({ length: 100 }, (_, i) => vm(i)), ilb];
    const base = plan(loadCluster([{ name: "aks.json", text: aks }, { name: "vnet.json", text: JSON.stringify(vnet) }]));
    const p = plan(loadCluster([{ name: "aks.json", text: aks }, { name: "vnet.json", text: JSON.stringify(withIpConfigs(configs)) }]));
    const before = base.subnets.find((s) => s.name === "snet-aks-nodes")!;
    const after = p.subnets.find((s) => s.name === "snet-aks-nodes")!;
    expect(after.inUseByOthers).toBe(101);
    expect(after.required).toBe(before.required + 101);
    expect(after.usable).toBe(before.usable);
    expect(after.free).toBe(before.free - 101);
    expect(p.findings.find((f) => f.code === "SubnetAddressesInUse")?.message).toContain("101 addresses are already used");
  });
  it("enough of them make the subnet too small", () => {
    const configs = Array.from({ length: 1500 }, (_, i) => vm(i));
    const p = plan(loadCluster([{ name: "aks.json", text: aks }, { name: "vnet.json", text: JSON.stringify(withIpConfigs(configs)) }]));
    const base = plan(loadCluster([{ name: "aks.json", text: aks }, { name: "vnet.json", text: JSON.stringify(vnet) }]));
    const f = p.findings.find((x) => x.code === "InsufficientSubnetSize" || x.code === "SubnetIsFull")!;
    expect(f.message).toContain("1,500 addresses already used by other resources counted");
    expect(p.pools[1].maxNodes).toBeLessThan(base.pools[1].maxNodes);
    expect(p.pools[1].limitedBy.kind).toBe("nodeSubnet");
  });
  it("az network vnet subnet show: one subnet, no address space", () => {
    const s = { ...structuredClone(vnet.subnets[0]), ipConfigurations: [vm(1), vm(2)] };
    const c = loadCluster([{ name: "aks.json", text: aks }, { name: "subnet.json", text: JSON.stringify(s) }]);
    expect(c.vnet.unknownSpace).toBe(true);
    expect(c.vnet.name).toBe("vnet-spoke-weu");
    const p = plan(c);
    expect(p.subnets.find((x) => x.name === "snet-aks-nodes")).toMatchObject({ cidr: "10.20.0.0/21", inUseByOthers: 2 });
    expect(p.findings.map((f) => f.code)).not.toContain("SubnetOutsideVnet");
  });
});
