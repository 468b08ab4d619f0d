// aksnet trace CLUSTER --from ENDPOINT --to ENDPOINT: one flow through the dataplane, hop by hop,
// with the verdict and the source address the destination sees; --compare runs it under every
// network model; --flows FILE runs many flows through the compiled (wasm) path, one JSON line each.
import { traceCompare, trace, parseTraceFlowTable, traceBulk, bulkJsonLine, ENDPOINT_SYNTAX } from "@aksnet/engine/dataplane";
import { json, out, parseFormat, readBytes, UsageError, warn, writeStdout } from "../io.ts";
import { renderCompare, renderTrace } from "../render/trace.ts";
import { dataplaneInputOptions, loadDataplane, type DataplaneFlags } from "./dataplane-inputs.ts";
import { tracePolicyHook, loadPolicyInput, contextFromCluster } from "@aksnet/engine/policy";
import { readManifestPaths } from "./policy.ts";
import type { Register } from "./index.ts";

interface TraceFlags extends DataplaneFlags {
  from?: string;
  to?: string;
  port?: string;
  proto?: string;
  compare?: boolean;
  pick?: string;
  flows?: string;
  engine: string;
  policies?: string[];
  fromWorkload?: string;
  toWorkload?: string;
}

function port(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) throw new UsageError(`--port must be 0-65535, not ${JSON.stringify(v)}`);
  return Number(v);
}

function proto(v: string | undefined): "tcp" | "udp" | undefined {
  if (v === undefined) return undefined;
  if (v !== "tcp" && v !== "udp") throw new UsageError(`--proto must be tcp or udp, not ${JSON.stringify(v)}`);
  return v;
}

export const registerTrace: Register = (program) => {
  dataplaneInputOptions(
    program
      .command("trace")
      .description("trace a packet end to end: routes, netfilter/eBPF, NSGs, NAT, verdict (--compare: every model; --flows: many)"),
  )
    .option("--from <endpoint>", `source: ${ENDPOINT_SYNTAX}`)
    .option("--to <endpoint>", "destination, same syntax")
    .option("--port <n>", "destination port (default: the Service's port, else 80)")
    .option("--proto <proto>", "tcp (default) or udp")
    .option("--pick <n>", "which endpoint to follow when a Service has several (default 0)")
    .option("--compare", "the same flow under every network model, side by side")
    .option("--flows <file>", "many flows: CSV (header from,to,port,proto) or JSON Lines; one JSON line out per flow")
    .option("--engine <engine>", "for --flows: wasm (default, the compiled path) or ts (the readable tracer)", "wasm")
    .option("--policies <paths...>", "NetworkPolicy manifests (files or directories): the trace decides each pod's egress and ingress with them")
    .option("--from-workload <name>", "with --policies: the workload (ns/name[Kind]) the source pod belongs to")
    .option("--to-workload <name>", "with --policies: the workload the destination pod belongs to")
    .addHelpText("after", `
Examples:
  aksnet trace examples/dataplane/kubenet.yaml --workload examples/dataplane/workload.yaml --from pod:system/0/4 --to pod:batch/1/4
  aksnet trace examples/clusters/overlay-cilium.yaml --from pod:apps/0/0 --to ip:172.16.4.20 --format json
  aksnet trace examples/dataplane/kubenet.yaml --workload examples/dataplane/workload.yaml --from ip:203.0.113.9 --to svc:web --compare
  aksnet trace examples/dataplane/kubenet.yaml --workload examples/dataplane/workload.yaml --flows examples/dataplane/flows.csv
  aksnet trace examples/dataplane/kubenet.yaml --workload examples/dataplane/workload.yaml --from pod:system/0/4 --to pod:batch/1/4 \
    --policies examples/policy/ --from-workload shop/client --to-workload shop/web --port 8080`)
    .action((files: string[], o: TraceFlags) => {
      const format = parseFormat(o.format);
      if ((o.fromWorkload || o.toWorkload) && !o.policies) throw new UsageError("--from-workload and --to-workload name workloads of --policies manifests: pass --policies too");
      if (o.policies && (o.flows || o.compare)) throw new UsageError("--policies decides one traced flow: it does not go with --flows or --compare");
      if (o.flows) {
        if (o.from || o.to || o.compare) throw new UsageError("--flows takes the flows from the file: drop --from, --to and --compare");
        if (o.engine !== "wasm" && o.engine !== "ts") throw new UsageError(`--engine must be wasm or ts, not ${JSON.stringify(o.engine)}`);
        const { dp } = loadDataplane(files, o);
        const src = readBytes(o.flows);
        const t0 = performance.now();
        const flows = parseTraceFlowTable(src.bytes, src.name);
        const run = traceBulk(dp, flows, { engine: o.engine, source: src.name });
        // The core formats the lines; the readable tracer's run prints them with the readable formatter.
        if (run.engine === "wasm") for (const chunk of run.bytes()) writeStdout(chunk);
        else {
          let text = "";
          for (let i = 0; i < run.count; i++) {
            text += bulkJsonLine(run.result(i)) + "\n";
            if (text.length > 1 << 20) { writeStdout(Buffer.from(text)); text = ""; }
          }
          if (text) writeStdout(Buffer.from(text));
        }
        const ms = performance.now() - t0;
        const v = run.verdictCounts();
        warn(`${run.count} flows (${v.delivered} delivered, ${v.dropped} dropped, ${v.unreachable} unreachable) in ${ms.toFixed(0)} ms (${Math.round(run.count / (ms / 1000))} flows/s), engine ${run.engine}: ${run.rounds} rounds, ${run.netfilterBatched} netfilter verdicts and ${run.routeBatched} route lookups batched`);
        return;
      }
      if (!o.from || !o.to) throw new UsageError("trace needs --from and --to (or --flows FILE)", `endpoints are ${ENDPOINT_SYNTAX}`);
      const flow = { from: o.from, to: o.to, port: port(o.port), proto: proto(o.proto) };
      const pick = o.pick === undefined ? undefined : port(o.pick);
      const { cluster, inputs, dp } = loadDataplane(files, o);
      if (o.compare) {
        const rows = traceCompare(cluster, inputs, flow, { pick });
        return format === "json" ? json(rows) : out(renderCompare(rows));
      }
      const policy = o.policies ? tracePolicyHook(loadPolicyInput(readManifestPaths(o.policies)), contextFromCluster(cluster), { from: o.fromWorkload, to: o.toWorkload }) : undefined;
      const t = trace(dp, flow, { pick, policy });
      return format === "json" ? json(t) : out(renderTrace(t));
    });
};
