// The inputs `aksnet dataplane` and `aksnet trace` share: the cluster (as every AKS command reads
// it), --workload, --nsg and --routes (each repeatable).
import type { Command } from "commander";
import { dataplane, loadNsgs, loadRouteTables, loadWorkload, type Dataplane, type DataplaneInputs } from "@aksnet/engine/dataplane";
import type { Cluster } from "@aksnet/engine/aks";
import { readSource, UsageError } from "../io.ts";
import { clusterInputOptions, loadFromArgs } from "../render/aks.ts";

export interface DataplaneFlags {
  cluster?: string;
  vnet?: string;
  workload?: string;
  nsg: string[];
  routes: string[];
  format: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function dataplaneInputOptions(cmd: Command): Command {
  return clusterInputOptions(cmd)
    .option("--workload <file>", "Services: aksnet workload spec, or Kubernetes Service/Deployment YAML")
    .option("--nsg <file>", "NSGs: az network nsg show JSON (one, or a list) or an aksnet spec {nsgs: [...]} (repeatable)", collect, [])
    .option("--routes <file>", "route tables: az network route-table show JSON or an aksnet spec {routeTables: [...]} (repeatable)", collect, []);
}

export function readInputs(o: DataplaneFlags): DataplaneInputs {
  const text = (f: string) => { const s = readSource(f); return { name: s.name, text: s.text }; };
  return {
    workload: o.workload ? loadWorkload(text(o.workload)) : undefined,
    nsgs: o.nsg.flatMap((f) => loadNsgs(text(f))),
    routeTables: o.routes.flatMap((f) => loadRouteTables(text(f))),
  };
}

export function loadDataplane(files: string[], o: DataplaneFlags): { cluster: Cluster; inputs: DataplaneInputs; dp: Dataplane } {
  if (!files.length && !o.cluster) throw new UsageError("no cluster file given", "pass a cluster spec, az aks show JSON or an ARM template");
  const cluster = loadFromArgs(files, o, false);
  const inputs = readInputs(o);
  return { cluster, inputs, dp: dataplane(cluster, inputs) };
}
