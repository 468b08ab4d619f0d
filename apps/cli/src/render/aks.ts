// Shared input handling and text rendering for the AKS commands (plan, check, compare, fit, diff).
import { BUILTIN_EXAMPLE, BUILTIN_EXAMPLE_NAME, loadCluster, type Finding, type Cluster, type InputText, type Plan, type Forecast } from "@aksnet/engine/aks";
import { groupDigits } from "@aksnet/engine";
import type { Command } from "commander";
import { readSource, color, UsageError, formatOption } from "../io.ts";

export interface ClusterArgs {
  cluster?: string;
  vnet?: string;
  /** --subnet NAME=CIDR, repeated or comma-separated. */
  subnet?: string[];
  /** --on-prem CIDR[,CIDR], repeated. */
  onPrem?: string[];
}

const collect = (v: string, prev: string[] = []) => [...prev, ...v.split(",").map((x) => x.trim()).filter(Boolean)];

/** --subnet nodes=10.0.0.0/22 → { name, cidr }; a malformed entry is a usage error. */
function subnetArgs(list: string[] | undefined): { name: string; cidr: string }[] | undefined {
  if (!list?.length) return undefined;
  return list.map((t) => {
    const m = /^([^=\s]+)=(\S+)$/.exec(t);
    if (!m) throw new UsageError(`--subnet takes NAME=CIDR (e.g. nodeSubnet=10.240.0.0/22), not ${JSON.stringify(t)}`);
    return { name: m[1], cidr: m[2] };
  });
}

const read = (path: string): InputText => {
  const s = readSource(path);
  return { name: s.name, text: s.text };
};

/** The cluster input every AKS report command takes (read by loadFromArgs), and --format. */
export function clusterInputOptions(cmd: Command): Command {
  return cmd
    .argument("[files...]", "cluster spec (YAML/JSON), az aks show JSON (+ az network vnet show JSON) or ARM template; - for stdin; none = built-in example")
    .option("--cluster <file>", "the cluster file (spec, az aks show JSON or ARM)")
    .option("--vnet <file>", "the VNet file (az network vnet show JSON or ARM VNet resource)")
    .option("--subnet <name=cidr>", "a subnet's range without the VNet document (repeat, or comma-separate)", collect)
    .option("--on-prem <cidrs|file>", "on-premises / VPN / ExpressRoute ranges to check overlaps against (CIDR[,CIDR], or a YAML/JSON file of them)", collect)
    .addOption(formatOption());
}

/** Loads the cluster from FILE arguments and/or --cluster/--vnet; none at all = the built-in example. */
export function loadFromArgs(files: string[], o: ClusterArgs, builtin = true): Cluster {
  const inputs = [...(o.cluster ? [o.cluster] : []), ...files];
  if (inputs.filter((f) => f === "-").length + (o.vnet === "-" ? 1 : 0) > 1) throw new UsageError("stdin (-) can be read only once");
  if (!inputs.length) {
    if (!builtin) throw new UsageError("no cluster file given", "pass a spec (YAML/JSON), az aks show JSON or an ARM template");
    if (o.vnet || o.subnet?.length) throw new UsageError(`${o.vnet ? "--vnet" : "--subnet"} needs a cluster file too`);
    return loadCluster([{ name: BUILTIN_EXAMPLE_NAME, text: BUILTIN_EXAMPLE }], onPremArgs(o.onPrem));
  }
  return loadCluster(inputs.map(read), { ...(o.vnet ? { vnet: read(o.vnet) } : {}), subnets: subnetArgs(o.subnet), ...onPremArgs(o.onPrem) });
}

/** --on-prem values: CIDRs as they are, anything else is a YAML/JSON file of ranges. */
function onPremArgs(list: string[] | undefined): { onPrem?: string[]; onPremFiles?: InputText[] } {
  if (!list?.length) return {};
  const cidr = (t: string) => /^[0-9a-fA-F:.]+\/\d{1,3}$/.test(t);
  return { onPrem: list.filter(cidr), onPremFiles: list.filter((t) => !cidr(t)).map(read) };
}

export const MODEL_LABEL: Record<string, string> = {
  kubenet: "kubenet",
  "azure-cni": "Azure CNI (node subnet)",
  "azure-cni-pod-subnet": "Azure CNI pod subnet (dynamic)",
  "azure-cni-static-block": "Azure CNI pod subnet (static block)",
  "azure-cni-overlay": "Azure CNI Overlay",
  byo: "BYO CNI",
};

export const n = (x: number) => groupDigits(x);

/** A usage bar: `[█████░░░░░]  48%`, red when over 100%. */
export function bar(used: number, total: number, width = 20): string {
  const c = color();
  if (total <= 0) return used > 0 ? c.red(`[${"!".repeat(width)}]  over`) : `[${" ".repeat(width)}]     `;
  const ratio = used / total;
  const filled = Math.min(width, Math.round(Math.min(1, ratio) * width));
  const pct = `${Math.round(ratio * 100)}%`.padStart(4);
  const body = "█".repeat(filled) + "░".repeat(width - filled);
  const paint = ratio > 1 ? c.red : ratio > 0.85 ? c.yellow : c.green;
  return `[${paint(body)}] ${ratio > 1 ? c.red(pct) : pct}`;
}

// Visible width (colour codes excluded) for padding.
// eslint-disable-next-line no-control-regex
const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "").length;

/** Aligned columns; `right` lists columns to right-align. */
export function table(head: string[], rows: string[][], right: number[] = []): string[] {
  const c = color();
  const w = head.map((h, i) => Math.max(visible(h), ...rows.map((r) => visible(r[i] ?? ""))));
  const cell = (s: string, i: number) => {
    const pad = " ".repeat(w[i] - visible(s));
    return right.includes(i) ? pad + s : s + pad;
  };
  const line = (r: string[]) => "  " + r.map(cell).join("  ").trimEnd();
  return [c.dim(line(head)), ...rows.map(line)];
}

export function severityLabel(s: Finding["severity"]): string {
  const c = color();
  return s === "error" ? c.red("error  ") : s === "warning" ? c.yellow("warning") : c.cyan("info   ");
}

export function renderFindings(findings: Finding[]): string[] {
  const c = color();
  if (!findings.length) return [`  ${c.green("no findings")}`];
  const out: string[] = [];
  for (const f of findings) {
    out.push(`  ${severityLabel(f.severity)}  ${c.bold(f.code)}  ${c.dim(f.path)}${f.location ? c.dim(`  (${f.location})`) : ""}`);
    out.push(`           ${f.message}`);
    if (f.fix) out.push(`           ${c.green("fix:")} ${f.fix}`);
  }
  return out;
}

export function summaryLine(p: Pick<Plan, "summary">): string {
  const s = p.summary;
  const plural = (k: number, w: string) => `${k} ${w}${k === 1 ? "" : "s"}`;
  return `${plural(s.errors, "error")}, ${plural(s.warnings, "warning")}, ${s.infos} info`;
}

/** The cluster as every AKS command's JSON names it: an object, as in plan's `cluster`. */
export function clusterRef(p: Plan): { name: string; model: string; dataplane: string; policy: string; kubernetesVersion: string | null } {
  const c = p.cluster;
  return { name: c.name, model: c.model, dataplane: c.dataplane, policy: c.policy, kubernetesVersion: c.kubernetesVersion };
}

export function renderPlan(p: Plan): string {
  const c = color();
  const L: string[] = [];
  const cl = p.cluster;
  L.push(`${c.bold(cl.name)}  ${MODEL_LABEL[cl.model]}, dataplane ${cl.dataplane}, policy ${cl.policy}${cl.kubernetesVersion ? `, Kubernetes ${cl.kubernetesVersion}` : ""}`);
  L.push(c.dim(`  from ${cl.input.files.join(" + ")} (${cl.input.kind})`));
  const nw = p.network;
  L.push(`  pods ${nw.podCidrs.join(",") || "(from subnets)"}   services ${nw.serviceCidrs.join(",")}   DNS ${nw.dnsServiceIP}   VNet ${nw.vnet} ${nw.addressSpace.join(",") || "(address space not in the input)"}${nw.managedVnet ? " (AKS-managed)" : ""}`);
  L.push("");
  L.push(c.bold("Subnets") + c.dim("  (usable = size − 5 Azure-reserved; required = pools at max + upgrade surge)"));
  L.push(...table(["NAME", "CIDR", "ROLE", "USABLE", "AT COUNT", "AT MAX", "+SURGE", "FREE", "USE"],
    p.subnets.map((s) => s.unknown
      ? [s.name, "unknown", s.role, "?", n(s.requiredAtCount), n(s.requiredAtMax), n(s.required), "?", c.dim("range not in the input: --vnet or --subnet NAME=CIDR")]
      : [s.name, s.cidr, s.role, n(s.usable), n(s.requiredAtCount), n(s.requiredAtMax), n(s.required), s.free < 0 ? c.red(n(s.free)) : n(s.free), s.role === "unused" ? c.dim("not used by this cluster") : bar(s.required, s.usable) + (s.inUseByOthers ? c.dim(` incl. ${n(s.inUseByOthers)} in use by others`) : "")]),
    [3, 4, 5, 6, 7]));
  if (p.podRanges.length) {
    L.push("");
    L.push(c.bold("Pod ranges"));
    L.push(...table(["RANGE", "CIDR", "PER NODE", "NODE SLOTS", "NEEDED", "ADDRESSES", "USE"],
      p.podRanges.map((r) => [r.name, r.cidr, r.unit, n(r.nodeSlots), n(r.slotsRequired), r.capacity >= Number.MAX_SAFE_INTEGER ? "-" : `${n(r.required)} / ${n(r.capacity)}`, r.capacity >= Number.MAX_SAFE_INTEGER ? "" : bar(r.slotsRequired, r.nodeSlots)]),
      [3, 4, 5]));
  }
  L.push("");
  L.push(c.bold("Node pools") + c.dim("  (max nodes: this pool grown, the others at their planned size)"));
  L.push(...table(["POOL", "MODE", "OS", "COUNT", "PLANNED", "SURGE", "MAXPODS", "IPS/NODE", "SUBNET", "MAX NODES", "LIMITED BY"],
    p.pools.map((x) => [x.name, x.mode, x.os, x.autoscale ? `${x.count} (${x.minCount ?? x.count}-${x.maxCount})` : String(x.count), n(x.nodes), `${x.maxSurge} → ${x.surgeNodes}${x.maxUnavailable ? ` (unavail. ${x.maxUnavailable})` : ""}`, String(x.maxPods),
      x.podSubnet ? `${x.nodeSubnetIpsPerNode} + ${x.podRangeIpsPerNode}` : x.podRangeIpsPerNode ? `${x.nodeSubnetIpsPerNode} (+/24)` : String(x.nodeSubnetIpsPerNode),
      x.podSubnet ? `${x.nodeSubnet} / ${x.podSubnet}` : x.nodeSubnet, x.maxNodes < x.nodes ? c.red(n(x.maxNodes)) : n(x.maxNodes), x.limitedBy.message]),
    [4, 6, 9]));
  L.push("");
  L.push(c.bold("Cluster") + c.dim("  (max: all pools scaled together, keeping their mix)"));
  L.push(`  planned ${n(cl.plannedNodes)} nodes, ${n(cl.plannedPods)} pods; at most ${c.bold(n(cl.maxNodes))} nodes, ${c.bold(n(cl.maxPods))} pods`);
  L.push(`  limited by ${cl.limitedBy.message}${p.subnets.some((x) => x.unknown) ? c.dim("  (subnet ranges unknown: an upper bound)") : ""}`);
  L.push("");
  const s = p.snat;
  L.push(c.bold(`Outbound (${s.outboundType})`));
  if (s.allocation === "manual") L.push(`  ${n(s.portsPerNode!)} SNAT ports per node × ${n(s.nodesCounted)} nodes (surge included) = ${n(s.portsPerNode! * s.nodesCounted)} of ${n(s.totalPorts)} on ${s.outboundIps} IP${s.outboundIps === 1 ? "" : "s"}: up to ${n(s.maxNodes!)} nodes  ${bar(s.nodesCounted, s.maxNodes!)}`);
  else if (s.allocation === "default-table") L.push(`  default port allocation: ${s.portsPerNode ? n(s.portsPerNode) : "undocumented"} SNAT ports per node at ${n(s.nodesCounted)} nodes (surge included), ${s.outboundIps} outbound IP${s.outboundIps === 1 ? "" : "s"} (${n(s.totalPorts)} ports)`);
  else if (s.allocation === "nat-gateway") L.push(`  NAT gateway: ${n(s.totalPorts)} ports on ${s.outboundIps} IP${s.outboundIps === 1 ? "" : "s"}, shared on demand (no per-node allocation)`);
  else L.push(`  no SNAT ports managed by AKS`);
  if (p.defaults.length) {
    L.push("");
    L.push(c.bold("Defaults applied") + c.dim("  (not in the input; today's AKS defaults)"));
    L.push(...table(["FIELD", "VALUE", "PATH", "WHY"], p.defaults.map((d) => [d.field, d.value, d.path, d.why ?? ""])));
  }
  L.push("");
  L.push(c.bold("Findings") + `  ${summaryLine(p)}`);
  L.push(...renderFindings(p.findings));
  return L.join("\n");
}

/** aksnet forecast: one row per limited resource, first to run out first. */
export function renderForecast(f: Forecast): string {
  const c = color();
  const L: string[] = [];
  L.push(`${c.bold(f.cluster.name)}  pool ${f.growth.pool} grows by ${f.growth.text} from ${f.start} (${n(f.now.nodes)} planned nodes now)`);
  L.push(...table(["RUNS OUT", "WHEN", "STEP", `${f.growth.pool.toUpperCase()} NODES`],
    f.rows.map((r) => [r.resource, r.step === null ? c.dim(`not within ${f.horizon} ${f.growth.period}s`) : r.step === 0 ? c.red("already") : r.date!, r.step === null ? "-" : String(r.step), r.nodes === null ? "-" : n(r.nodes)]), [2, 3]));
  L.push("");
  if (!f.first) L.push(`  nothing runs out within ${f.horizon} ${f.growth.period}s`);
  else L.push(`  first: ${f.first.resource}${f.first.step === 0 ? c.red(" is already out") : ` after ${f.first.step} ${f.growth.period}${f.first.step === 1 ? "" : "s"} (${f.first.date})`}`);
  if (f.best) L.push(`  buys the most time: ${c.bold(f.best.change)}${f.best.firstStep === null ? ` (nothing runs out within ${f.horizon} ${f.growth.period}s)` : ` (+${f.best.gained} ${f.growth.period}${f.best.gained === 1 ? "" : "s"}, first limit then after ${f.best.firstStep})`}`);
  return L.join("\n");
}
