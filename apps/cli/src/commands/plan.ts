// aksnet plan [FILE...]: the full capacity report of a cluster (the built-in example with no file).
import { plan } from "@aksnet/engine/aks";
import { parseFormat, out, json, EXIT_FINDINGS } from "../io.ts";
import { clusterInputOptions, loadFromArgs, renderPlan, type ClusterArgs } from "../render/aks.ts";
import type { Register } from "./index.ts";

export const registerPlan: Register = (program, setExit) => {
  clusterInputOptions(
    program
      .command("plan")
      .description("capacity report: subnets, pod ranges, pools, max nodes and pods, SNAT, findings"),
  )
    .addHelpText("after", `
Examples:
  aksnet plan                                   # the built-in example
  aksnet plan examples/clusters/overlay-cilium.yaml
  aksnet plan examples/clusters/az/aks-show.json --vnet examples/clusters/az/vnet-show.json --format json
  aksnet plan examples/clusters/az/aks-show.json --subnet snet-aks-nodes=10.20.0.0/21   # no VNet document
  aksnet plan examples/clusters/az/aks-show.json --on-prem 10.100.0.0/16,192.168.0.0/16`)
    .action((files: string[], o: ClusterArgs & { format: string }) => {
      const format = parseFormat(o.format);
      const p = plan(loadFromArgs(files, o));
      if (p.summary.errors) setExit(EXIT_FINDINGS);
      if (format === "json") return json(p);
      out(renderPlan(p));
    });
};
