// Terraform plan JSON (`terraform show -json PLANFILE`) and Bicep's compiled ARM (`az bicep build`).
// examples/clusters/terraform/plan.json is made here in the shape Terraform's JSON output format
// documents (format_version 1.2: planned_values.root_module.resources[].values, resource_changes
// with after_unknown, configuration.root_module.resources[].expressions with references), with the
// azurerm v4 provider's attribute names; the subnet IDs are unknown until apply, as in a real plan.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { loadCluster, plan, compare } from "../../src/aks/index.ts";

const root = new URL("../../../../", import.meta.url);
const text = readFileSync(new URL("examples/clusters/terraform/plan.json", root), "utf8");
const tf = () => loadCluster([{ name: "plan.json", text }]);

describe("terraform show -json", () => {
  it("reads the cluster, its pools, the VNet and the subnet the unknown subnet ID refers to", () => {
    const c = tf();
    expect(c.input.kind).toBe("terraform");
    expect([c.name, c.kubernetesVersion, c.model, c.dataplane, c.policy]).toEqual(["aks-tf-weu", "1.31", "azure-cni-overlay", "cilium", "cilium"]);
    expect(c.pools.map((p) => [p.name, p.mode, p.count, p.maxCount, p.maxPods, p.maxSurgeText, p.nodeSubnet])).toEqual([
      ["system", "System", 3, 5, 110, "10%", "snet-nodes"],
      ["apps", "User", 6, 60, 110, "33%", "snet-nodes"],
    ]);
    expect(c.vnet.subnets.map((s) => [s.name, s.prefixes.join(",")])).toEqual([["snet-nodes", "10.30.0.0/24"]]);
    expect(c.identity?.type).toBe("UserAssigned");
    expect(c.outbound.loadBalancer).toMatchObject({ managedOutboundIps: 2, allocatedOutboundPorts: 1024 });
  });
  it("plans and compares; findings point into the plan document", () => {
    const p = plan(tf());
    expect(p.subnets[0]).toMatchObject({ name: "snet-nodes", usable: 251, required: 65 + 1 + 20 });
    expect(p.podRanges[0]).toMatchObject({ cidr: "192.168.0.0/16", slotsRequired: 86 });
    expect(p.summary.errors).toBe(0);
    const r = compare(tf());
    expect(r.rows.find((x) => x.model === "azure-cni")!.nodeSubnetRequired).toBe(86 * 111);
    const bad = JSON.parse(text);
    bad.planned_values.root_module.resources[0].values.network_profile[0].service_cidr = "10.30.0.0/16";
    const f = plan(loadCluster([{ name: "bad.json", text: JSON.stringify(bad, null, 2) }])).findings.find((x) => x.code === "ServiceCidrOverlapExistingSubnetsCidr")!;
    expect(f.path).toBe("planned_values.root_module.resources[0].values.network_profile[0].service_cidr");
    expect(f.location).toMatch(/^bad\.json:\d+:\d+$/);
  });
  it("a subnet whose range is unknown until apply is an unknown subnet", () => {
    const j = JSON.parse(text);
    delete j.planned_values.root_module.resources[2].values.address_prefixes;
    const p = plan(loadCluster([{ name: "u.json", text: JSON.stringify(j) }]));
    expect(p.subnets[0]).toMatchObject({ name: "snet-nodes", unknown: true });
    expect(p.findings.map((x) => x.code)).toContain("SubnetRangeUnknown");
  });
});

describe("Bicep's compiled ARM", () => {
  const arm = JSON.parse(readFileSync(new URL("examples/clusters/arm/azuredeploy.json", root), "utf8"));
  it("az bicep build output (array resources, and languageVersion 2.0 symbolic names) plans like the template", () => {
    const base = plan(loadCluster([{ name: "t.json", text: JSON.stringify(arm) }]));
    const bicep = { ...arm, metadata: { _generator: { name: "bicep", version: "0.30.23.60470", templateHash: "1234567890" } } };
    const a = plan(loadCluster([{ name: "main.json", text: JSON.stringify(bicep) }]));
    expect(a.subnets).toEqual(base.subnets);
    const symbolic = { ...bicep, languageVersion: "2.0", resources: Object.fromEntries(arm.resources.map((r: object, i: number) => [`res${i}`, r])) };
    const b = plan(loadCluster([{ name: "main.json", text: JSON.stringify(symbolic) }]));
    expect(b.subnets).toEqual(base.subnets);
    expect(b.pools.map((p) => p.maxNodes)).toEqual(base.pools.map((p) => p.maxNodes));
  });
});

describe("terraform: public IP prefixes by their planned prefix_length", () => {
  it("an azurerm_public_ip_prefix of /30 referenced by outbound_ip_prefix_ids counts 4 IPs", () => {
    const j = JSON.parse(text);
    const lb = j.planned_values.root_module.resources[0].values.network_profile[0].load_balancer_profile[0];
    lb.managed_outbound_ip_count = null;
    j.planned_values.root_module.resources.push({ address: "azurerm_public_ip_prefix.egress", mode: "managed", type: "azurerm_public_ip_prefix", name: "egress", provider_name: "registry.terraform.io/hashicorp/azurerm", schema_version: 0, values: { name: "pip-egress", prefix_length: 30, ip_version: "IPv4", sku: "Standard" }, sensitive_values: {} });
    j.configuration.root_module.resources[0].expressions.network_profile = [{ load_balancer_profile: [{ outbound_ip_prefix_ids: { references: ["azurerm_public_ip_prefix.egress.id", "azurerm_public_ip_prefix.egress"] } }] }];
    const p = plan(loadCluster([{ name: "p.json", text: JSON.stringify(j) }]));
    expect(p.snat.outboundIps).toBe(4);
    expect(p.defaults.map((d) => d.field)).not.toContain("outboundIPPrefixes");
  });
});

describe("terraform: values known only after apply are reported", () => {
  it("an unknown node_count and an unresolvable subnet ID are listed beside the defaults", () => {
    const j = JSON.parse(text);
    delete j.planned_values.root_module.resources[1].values.node_count;
    j.resource_changes[1].change.after_unknown.node_count = true;
    j.configuration.root_module.resources[1].expressions.vnet_subnet_id = { references: ["var.subnet_id"] };
    const p = plan(loadCluster([{ name: "p.json", text: JSON.stringify(j) }]));
    const unknown = p.defaults.filter((d) => d.source === "derived").map((d) => d.field);
    expect(unknown).toEqual(["azurerm_kubernetes_cluster_node_pool.apps.vnet_subnet_id", "azurerm_kubernetes_cluster_node_pool.apps.node_count"]);
    expect(p.defaults.find((d) => d.field === "apps.count")?.why).toContain("autoscaling pool");
    expect(plan(tf()).defaults.filter((d) => d.source === "derived")).toEqual([]); // resolved through the configuration
  });
});
