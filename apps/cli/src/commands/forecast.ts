// aksnet forecast [FILE...] --growth 5/month: when each subnet, pod range, SNAT budget and node
// limit runs out as the cluster grows, first one first, and the change that buys the most time.
import { forecast, parseGrowth } from "@aksnet/engine/aks";
import { parseFormat, out, json, UsageError, EXIT_FINDINGS } from "../io.ts";
import { clusterInputOptions, loadFromArgs, renderForecast, type ClusterArgs } from "../render/aks.ts";
import type { Register } from "./index.ts";

export const registerForecast: Register = (program, setExit) => {
  clusterInputOptions(
    program
      .command("forecast")
      .description("growth forecast: when each subnet, pod range, SNAT budget and node limit runs out, and what buys the most time"),
  )
    .requiredOption("--growth <rate>", "growth per period: 5/month (nodes), 500 pods/week, 10%/quarter")
    .option("--pool <name>", "the pool that grows (default: the largest User pool)")
    .option("--start <date>", "the date of step 0, YYYY-MM-DD (default: today)")
    .addHelpText("after", `
Examples:
  aksnet forecast examples/clusters/overlay-cilium.yaml --growth 5/month
  aksnet forecast examples/clusters/az/aks-show.json --vnet examples/clusters/az/vnet-show.json --growth 10%/quarter --format json

Exit status: 0, or 1 when something has already run out at step 0.`)
    .action((files: string[], o: ClusterArgs & { format: string; growth: string; pool?: string; start?: string }) => {
      const format = parseFormat(o.format);
      if (o.start !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(o.start)) throw new UsageError(`--start must be a date like 2026-12-01, not ${JSON.stringify(o.start)}`);
      const f = forecast(loadFromArgs(files, o), parseGrowth(o.growth), { pool: o.pool, start: o.start });
      if (f.first?.step === 0) setExit(EXIT_FINDINGS);
      if (format === "json") return json(f);
      out(renderForecast(f));
    });
};
