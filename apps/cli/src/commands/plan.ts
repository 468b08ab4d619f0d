// aksnet plan [FILE...]: the full capacity report of a cluster (the built-in example with no file).
import { plan, readLive, liveReport, liveLines } from "@aksnet/engine/aks";
import { parseFormat, out, json, color, readSource, EXIT_FINDINGS } from "../io.ts";
import { clusterInputOptions, loadFromArgs, renderPlan, type ClusterArgs } from "../render/aks.ts";
import type { Register } from "./index.ts";

export const registerPlan: Register = (program, setExit) => {
  clusterInputOptions(
    program
      .command("plan")
      .description("capacity report: subnets, pod ranges, pools, max nodes and pods, SNAT, findings"),
  )
    .option("--live <file>", "kubectl get nodes -o json and/or kubectl get nodenetworkconfigs -n kube-system -o json: usage now beside the plan (repeat)", (v: string, prev: string[] = []) => [...prev, v])
    .addHelpText("after", `
Examples:
  aksnet plan                                   # the built-in example
  aksnet plan examples/clusters/overlay-cilium.yaml
  aksnet plan examples/clusters/az/aks-show.json --vnet examples/clusters/az/vnet-show.json --format json
  aksnet plan examples/clusters/az/aks-show.json --subnet snet-aks-nodes=10.20.0.0/21   # no VNet document
  aksnet plan examples/clusters/az/aks-show.json --on-prem 10.100.0.0/16,192.168.0.0/16
  aksnet plan examples/clusters/az/aks-show.json --vnet examples/clusters/az/vnet-show.json --live examples/clusters/kubectl/nodes.json`)
    .action((files: string[], o: ClusterArgs & { format: string; live?: string[] }) => {
      const format = parseFormat(o.format);
      const cluster = loadFromArgs(files, o);
      const p = plan(cluster);
      if (p.summary.errors) setExit(EXIT_FINDINGS);
      const live = o.live?.length ? liveReport(cluster, p, readLive(o.live.map((f) => { const s = readSource(f); return { name: s.name, text: s.text }; }))) : undefined;
      if (format === "json") return json(live ? { ...p, live } : p);
      out(renderPlan(p) + (live ? `\n\n${color().bold("Now")}${color().dim(`  (from ${live.files.join(" + ")}: ${live.nodes} node${live.nodes === 1 ? "" : "s"})`)}\n${liveLines(live).map((l) => `  ${l}`).join("\n")}` : ""));
    });
};
