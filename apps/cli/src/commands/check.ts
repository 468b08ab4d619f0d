// aksnet check [FILE...]: the findings only; exit 1 when any has severity error.
import { plan } from "@aksnet/engine/aks";
import { parseFormat, out, json, EXIT_FINDINGS } from "../io.ts";
import { clusterInputOptions, clusterRef, loadFromArgs, renderFindings, summaryLine, type ClusterArgs } from "../render/aks.ts";
import type { Register } from "./index.ts";

export const registerCheck: Register = (program, setExit) => {
  clusterInputOptions(
    program
      .command("check")
      .description("check a cluster configuration the way AKS would, offline (exit 1 on errors)"),
  )
    .action((files: string[], o: ClusterArgs & { format: string }) => {
      const format = parseFormat(o.format);
      const p = plan(loadFromArgs(files, o));
      if (p.summary.errors) setExit(EXIT_FINDINGS);
      if (format === "json") return json({ cluster: clusterRef(p), model: p.cluster.model, summary: p.summary, findings: p.findings });
      out([`${p.cluster.name}: ${summaryLine(p)}`, ...renderFindings(p.findings)].join("\n"));
    });
};
