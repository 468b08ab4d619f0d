// aksnet diff OLD NEW: the change plan between two configurations of a cluster.
import { diff, loadCluster } from "@aksnet/engine/aks";
import { parseFormat, out, json, color, readSource, UsageError, formatOption } from "../io.ts";
import { table } from "../render/aks.ts";
import type { Register } from "./index.ts";

export const registerDiff: Register = (program) => {
  program
    .command("diff")
    .description("change plan between two configurations: in place, supported migration (az command), new pool or new cluster")
    .argument("<old>", "the current configuration (spec, az aks show JSON or ARM)")
    .argument("<new>", "the wanted configuration")
    .option("--vnet <file>", "VNet JSON for both (when they are az aks show JSON)")
    .option("--subnet <name=cidr>", "a subnet's range for both, without the VNet document (repeat, or comma-separate)", (v: string, prev: string[] = []) => [...prev, ...v.split(",").map((x) => x.trim()).filter(Boolean)])
    .addOption(formatOption())
    .action((oldFile: string, newFile: string, o: { vnet?: string; subnet?: string[]; format: string }) => {
      const format = parseFormat(o.format);
      if (oldFile === "-" && newFile === "-") throw new UsageError("stdin (-) can be read only once");
      const vnet = o.vnet ? readSource(o.vnet) : undefined;
      const subnets = o.subnet?.map((t) => { const m = /^([^=\s]+)=(\S+)$/.exec(t); if (!m) throw new UsageError(`--subnet takes NAME=CIDR, not ${JSON.stringify(t)}`); return { name: m[1], cidr: m[2] }; });
      const load = (f: string) => { const s = readSource(f); return loadCluster([{ name: s.name, text: s.text }], { ...(vnet ? { vnet: { name: vnet.name, text: vnet.text } } : {}), subnets }); };
      const plan = diff(load(oldFile), load(newFile));
      if (format === "json") return json(plan);
      const c = color();
      const paint = (k: string) => (k === "in-place" ? c.green(k) : k === "migration" ? c.yellow(k) : c.red(k));
      const L: string[] = [`${c.bold(plan.cluster.name)}: ${plan.changes.length} change${plan.changes.length === 1 ? "" : "s"}; needs ${plan.verdict === "none" ? "nothing" : paint(plan.verdict)}${plan.blockedBy ? `, ${c.red("blocked")} until: ${plan.blockedBy.join("; ")}` : ""}`];
      if (plan.note) L.push(`  ${plan.note}`);
      if (plan.changes.length) {
        L.push(...table(["CHANGE", "FROM", "TO", "HOW"], plan.changes.map((x) => [x.field, x.from ?? "-", x.to ?? "-", paint(x.kind)])));
        L.push("");
        for (const x of plan.changes) {
          L.push(`  ${paint(x.kind)}  ${c.bold(x.field)}  ${c.dim(x.path)}`);
          if (x.note) L.push(`      ${x.note}`);
          if (x.blockedBy) {
            L.push(`      ${c.red("blocked")} until: ${x.blockedBy.join("; ")}`);
            x.unblock?.forEach((step, i) => L.push(`      ${i + 1}. ${step}`));
            if (x.command) L.push(`      then:`);
          }
          if (x.command) L.push(`      $ ${x.command}`);
        }
      }
      out(L.join("\n"));
    });
};
