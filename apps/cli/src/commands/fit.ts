// aksnet fit: the quick calculator — the smallest subnet for N nodes, or the most nodes in a /L.
import { fit, DEFAULT_MAX_PODS, DEFAULT_MAX_SURGE, MODEL_IDS, type ModelId, type Surge, type FitPool } from "@aksnet/engine/aks";
import { parseFormat, out, json, color, UsageError, formatOption, EXIT_FINDINGS } from "../io.ts";
import { n, MODEL_LABEL } from "../render/aks.ts";
import type { Register } from "./index.ts";

const LIMIT_TEXT: Record<string, string> = {
  nodeSubnet: "the node subnet", podRange: "the pod range", routeTable: "the kubenet route table (400 routes)",
  modelNodeLimit: "the model's node limit", clusterNodeLimit: "the AKS cluster node limit (5,000)", poolNodeLimit: "the AKS per-pool node limit (1,000)",
  snatPorts: "SNAT ports", vnetIpLimit: "the VNet private IP limit (65,536)",
};

function int(name: string, v: string, min: number, max: number): number {
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`${name} must be an integer from ${min} to ${max}, not ${JSON.stringify(v)}`);
  return Number(v);
}

function surge(v: string): Surge {
  const m = /^(\d+)(%?)$/.exec(v.trim());
  if (!m) throw new UsageError(`--surge must be a whole node count or a whole percentage like 33%, not ${JSON.stringify(v)}`);
  const s = { value: Number(m[1]), percent: m[2] === "%" };
  if (s.percent && s.value > 100) throw new UsageError(`--surge ${v} is above 100%`, "use a percentage up to 100% or a node count");
  if (!s.percent && s.value > 1000) throw new UsageError(`--surge ${v} is above 1,000 nodes, the most a pool can have`);
  return s;
}

function len(name: string, v: string): number {
  const m = /^\/?(\d{1,2})$/.exec(v.trim());
  if (!m || Number(m[1]) < 1 || Number(m[1]) > 32) throw new UsageError(`${name} must be an IPv4 prefix length like 24 or /24, not ${JSON.stringify(v)}`);
  return Number(m[1]);
}

/** --outbound-ports: a multiple of 8 from 0 to 64,000 (the az CLI's own rule). */
function ports(v: string): number {
  const p = int("--outbound-ports", v, 0, 64000);
  if (p % 8 !== 0) throw new UsageError(`--outbound-ports must be a multiple of 8 from 0 to 64,000, not ${v}`, `e.g. ${Math.floor(p / 8) * 8} or ${Math.ceil(p / 8) * 8}`);
  return p;
}

/** --pools "system:3,apps:20:110" → other pools at a fixed size (name:nodes[:maxPods[:surge]]). */
function pools(v: string | undefined, maxPods: number, s: Surge): FitPool[] {
  if (!v) return [];
  return v.split(",").map((t) => {
    const [name, nodes, mp, sg] = t.trim().split(":");
    if (!name || nodes === undefined) throw new UsageError(`--pools entries are name:nodes[:maxPods[:surge]], not ${JSON.stringify(t)}`);
    return { name, nodes: int(`--pools ${name} nodes`, nodes, 0, 1000), maxPods: mp ? int(`--pools ${name} maxPods`, mp, 1, 1000) : maxPods, surge: sg ? surge(sg) : s };
  });
}

export const registerFit: Register = (program, setExit) => {
  program
    .command("fit")
    .description("quick calculator: smallest subnet and pod range for N nodes, or the most nodes in a /L")
    .requiredOption("--model <model>", `network model: ${MODEL_IDS.join(", ")}`)
    .option("--max-pods <n>", "maxPods per node (default: the model's AKS default)")
    .option("--nodes <n>", "nodes to size for (autoscale max)")
    .option("--prefix <len>", "node subnet prefix length to find the maximum nodes for")
    .option("--pod-prefix <len>", "with --prefix: pod CIDR or pod subnet prefix length")
    .option("--surge <s>", "upgrade surge: nodes or a percentage", DEFAULT_MAX_SURGE)
    .option("--pools <list>", "other pools in the same subnet: name:nodes[:maxPods[:surge]],...")
    .option("--outbound-ports <n>", "manual SNAT ports per node (allocatedOutboundPorts)")
    .option("--outbound-ips <n>", "outbound public IPs", "1")
    .addOption(formatOption())
    .addHelpText("after", `
Examples:
  aksnet fit --model azure-cni --max-pods 30 --nodes 50 --surge 1     # Microsoft's example: 1,581 IPs, a /21
  aksnet fit --model kubenet --max-pods 110 --prefix 24              # 251 nodes
  aksnet fit --model azure-cni-overlay --prefix 24 --pod-prefix 16
  aksnet fit --model kubenet --nodes 9 --outbound-ports 8000 --outbound-ips 1        # SNAT: 72,000 > 64,000 ports, exit 1

Exit status: 0 when it fits, 1 when nothing fits (the reason is printed), 2 on bad flags.`)
    .action((o: { model: string; maxPods?: string; nodes?: string; prefix?: string; podPrefix?: string; surge: string; pools?: string; outboundPorts?: string; outboundIps: string; format: string }) => {
      const format = parseFormat(o.format);
      if (!(MODEL_IDS as readonly string[]).includes(o.model)) throw new UsageError(`unknown --model ${JSON.stringify(o.model)}; expected one of ${MODEL_IDS.join(", ")}`);
      const model = o.model as ModelId;
      if ((o.nodes === undefined) === (o.prefix === undefined)) throw new UsageError("give exactly one of --nodes N or --prefix L");
      const maxPods = o.maxPods !== undefined ? int("--max-pods", o.maxPods, 1, 250) : DEFAULT_MAX_PODS[model];
      const s = surge(o.surge);
      const r = fit({
        model, maxPods, surge: s,
        nodes: o.nodes !== undefined ? int("--nodes", o.nodes, 0, 1000) : undefined,
        prefix: o.prefix !== undefined ? len("--prefix", o.prefix) : undefined,
        podPrefix: o.podPrefix !== undefined ? len("--pod-prefix", o.podPrefix) : undefined,
        pools: pools(o.pools, maxPods, s),
        allocatedOutboundPorts: o.outboundPorts !== undefined ? ports(o.outboundPorts) : 0,
        outboundIps: int("--outbound-ips", o.outboundIps, 1, 100),
      });
      if (!r.fits) setExit(EXIT_FINDINGS);
      if (format === "json") return json(r);
      const c = color();
      const L: string[] = [`${MODEL_LABEL[model]}, maxPods ${maxPods}, surge ${o.surge}`];
      const poolText = r.pools.map((p) => `${p.name} ${n(p.nodes)} + ${p.surgeNodes} surge`).join(", ");
      if (r.maxNodes !== undefined) {
        L.push(`  a /${r.nodeSubnet.prefix} node subnet (${n(r.nodeSubnet.usable)} usable) holds at most ${c.bold(n(r.maxNodes))} nodes${r.pools.length > 1 ? " in the sized pool" : ""} (${n(r.maxPodsTotal!)} pods), limited by ${LIMIT_TEXT[r.limitedBy!] ?? r.limitedBy}`);
        L.push(`  at that size: ${poolText}; node subnet needs ${n(r.nodeSubnet.requiredAddresses)} addresses`);
        if (r.podRange) L.push(`  pod ${r.podRange.kind === "pod-cidr" ? "CIDR" : "subnet"}: ${n(r.podRange.requiredAddresses)} addresses (${n(r.podRange.addressesPerNode)} per node) → at least a /${r.podRange.smallestPrefix}${r.podRange.prefix ? `; the /${r.podRange.prefix} given offers ${n(r.podRange.capacity!)}` : ""}`);
      } else {
        L.push(`  ${poolText}`);
        L.push(`  node subnet: ${n(r.nodeSubnet.requiredAddresses)} addresses (${n(r.nodeSubnet.addressesPerNode)} per node) → smallest ${c.bold(`/${r.nodeSubnet.smallestPrefix}`)} (${n(r.nodeSubnet.usable)} usable)`);
        if (r.podRange) L.push(`  pod ${r.podRange.kind === "pod-cidr" ? "CIDR" : "subnet"}: ${n(r.podRange.requiredAddresses)} addresses (${n(r.podRange.addressesPerNode)} per node) → smallest ${c.bold(`/${r.podRange.smallestPrefix}`)}`);
      }
      if (r.snat) L.push(`  SNAT: ${n(r.snat.portsPerNode)} ports × ${n(r.snat.nodesCounted)} node${r.snat.nodesCounted === 1 ? "" : "s"} (surge included) = ${n(r.snat.required)} of ${n(r.snat.available)} on ${r.snat.outboundIps} outbound IP${r.snat.outboundIps === 1 ? "" : "s"}: up to ${n(r.snat.maxNodes)} node${r.snat.maxNodes === 1 ? "" : "s"}`);
      for (const reason of r.reasons) L.push(`  ${c.red("does not fit")}: ${reason}`);
      out(L.join("\n"));
    });
};
