// aksnet compare [FILE...]: the same workload under every network model, side by side.
import { compare } from "@aksnet/engine/aks";
import { parseFormat, out, json, color } from "../io.ts";
import { clusterInputOptions, loadFromArgs, n, table, type ClusterArgs } from "../render/aks.ts";
import type { Register } from "./index.ts";

export const registerCompare: Register = (program) => {
  clusterInputOptions(
    program
      .command("compare")
      .description("the same pools and VNet under every network model: addresses, max nodes and pods, policy, source IP"),
  )
    .action((files: string[], o: ClusterArgs & { format: string }) => {
      const format = parseFormat(o.format);
      const r = compare(loadFromArgs(files, o));
      if (format === "json") return json(r);
      const c = color();
      const L: string[] = [];
      L.push(`${c.bold(r.cluster.name)}  same workload under every model (now: ${r.current.model}, dataplane ${r.current.dataplane})`);
      L.push(c.dim(`  pools: ${r.workload.pools.map((p) => `${p.name} ${p.nodes}+${p.surgeNodes} surge × ${p.maxPods} pods`).join(", ")}`));
      L.push("");
      L.push(...table(["MODEL", "NODE SUBNET IPS", "POD ADDRESSES", "VNET IPS", "FITS", "MAX NODES", "MAX PODS", "LIMITED BY"],
        r.rows.map((x) => [x.label, n(x.nodeSubnetRequired), x.podRange ? `${n(x.podRange.required)} in ${x.podRange.cidr}` : "-", n(x.vnetAddresses), x.fits ? c.green("yes") : c.red(x.missing ? "missing input" : x.errors ? "errors" : "no"), x.maxNodes === null ? "-" : n(x.maxNodes), x.maxPods === null ? "-" : n(x.maxPods), x.missing ? `needs ${x.missing}` : x.limitedBy.message]),
        [1, 3, 5, 6]));
      L.push("");
      L.push(...table(["MODEL", "ON-PREM SEES", "WINDOWS", "DUAL-STACK", "POLICY ENGINES", "ERRORS", "NOTES"],
        r.rows.map((x) => [x.label, x.podSourceIpOnPrem, x.windows ? "yes" : "no", x.dualStack ? "yes" : "no", x.policyOptions.join(", "), x.errorCodes.join(", ") || "-", x.notes.join("; ")])));
      out(L.join("\n"));
    });
};
