// aksnet dataplane CLUSTER: what the cluster would hold — nodes, pods, Services, routes, NSGs,
// egress — and with --node NAME --iptables that node's generated iptables-save.
import { json, out, parseFormat, UsageError, warn } from "../io.ts";
import { renderDataplane, renderNode } from "../render/dataplane.ts";
import { dataplaneInputOptions, loadDataplane, type DataplaneFlags } from "./dataplane-inputs.ts";
import type { Register } from "./index.ts";

export const registerDataplane: Register = (program) => {
  dataplaneInputOptions(
    program
      .command("dataplane")
      .description("materialise the dataplane: node and pod IPs, Services, effective routes, NSGs, egress, per-node iptables"),
  )
    .option("--node <name>", "one node: its VMSS name, or POOL/INDEX (e.g. apps/0)")
    .option("--iptables", "with --node: print the node's generated iptables-save (kube-proxy and ip-masq-agent)")
    .addHelpText("after", `
Examples:
  aksnet dataplane examples/dataplane/kubenet.yaml --workload examples/dataplane/workload.yaml
  aksnet dataplane examples/dataplane/kubenet.yaml --workload examples/dataplane/workload.yaml --node system/0 --iptables
  aksnet dataplane examples/clusters/overlay-cilium.yaml --format json`)
    .action((files: string[], o: DataplaneFlags & { node?: string; iptables?: boolean }) => {
      const format = parseFormat(o.format);
      if (o.iptables && !o.node) throw new UsageError("--iptables needs --node NAME (or POOL/INDEX)");
      const { dp } = loadDataplane(files, o);
      if (!o.node) {
        const r = dp.result();
        return format === "json" ? json(r) : out(renderDataplane(r));
      }
      const m = /^([^/]+)\/(\d+)$/.exec(o.node);
      const node = m ? dp.nodes.find((n) => n.pool === m[1] && n.index === Number(m[2])) : dp.byName.get(o.node);
      if (!node) throw new UsageError(`no node ${o.node}`, `nodes: ${dp.nodes.slice(0, 8).map((n) => `${n.name} (${n.pool}/${n.index})`).join(", ")}${dp.nodes.length > 8 ? ", ..." : ""}`);
      if (o.iptables) {
        if (!dp.kubeProxy) {
          warn(`${dp.cluster.name} uses the Cilium dataplane: no kube-proxy chains on its nodes (eBPF translates Services and SNATs, see aksnet trace); nothing to print`);
          return;
        }
        return out(dp.iptables(node));
      }
      const detail = dp.nodeDetail(node);
      if (format === "json") return json(detail);
      out(renderNode(detail));
    });
};

