// aksnet iptables <verb>: what a node's netfilter rules do to packets. trace (one packet, with the
// rule path), flows (many packets, one JSON line each), lint (what can never run, what the kernel
// would refuse, what is not modelled). Each verb parses flags, calls the engine, renders.
import type { Command } from "commander";
import { parseRuleset, parseIpsets, parseFlows, lintRuleset, tracePacket, traceFlows, type Ruleset, type TraceOptions, type TraceMode, type KernelTrace, type KubeProxyTrace, type TraceStep, type PacketFlow as Flow } from "@aksnet/engine/netfilter";
import { readSource, parseFormat, out, json, warn, color, UsageError, EXIT_FINDINGS } from "../io.ts";
import type { Register } from "./index.ts";

interface CommonFlags {
  rules: string;
  local?: string;
  nodeIp?: string;
  ipsets?: string;
  mode: string;
  format: string;
}

function loadRules(path: string): Ruleset {
  const src = readSource(path);
  return parseRuleset(src.text, { source: src.name });
}

function parseMode(v: string): TraceMode {
  if (v === "kernel" || v === "kube-proxy-test") return v;
  throw new UsageError(`--mode must be kernel or kube-proxy-test, not ${JSON.stringify(v)}`);
}

function parsePortFlag(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) throw new UsageError(`${name} must be a port from 0 to 65535, not ${JSON.stringify(v)}`);
  return Number(v);
}

function traceOptions(o: CommonFlags): TraceOptions {
  const list = (v?: string) => (v ? v.split(",").map((s) => s.trim()).filter(Boolean) : []);
  const opts: TraceOptions = { mode: parseMode(o.mode), local: list(o.local), nodeIp: o.nodeIp };
  if (o.ipsets) {
    const s = readSource(o.ipsets);
    opts.ipsets = parseIpsets(s.text, s.name);
  }
  return opts;
}

const endpoint = (a: string, p?: number) => (p === undefined ? a : a.includes(":") ? `[${a}]:${p}` : `${a}:${p}`);

function stepLine(s: TraceStep, c: ReturnType<typeof color>): string {
  if (s.action === "policy") return `  ${c.dim(`${s.table} ${s.chain}`)} policy ${c.bold(s.text.split(" ")[1])}  ${c.dim(`(line ${s.line})`)}`;
  const prob = s.probability !== undefined ? ` ${s.branch === "taken" ? "p=" : "not taken, p="}${+s.probability.toFixed(6)}` : "";
  const rw = s.rewrites?.length ? "  " + s.rewrites.map((r) => `${r.field} ${r.from} → ${r.to}`).join(", ") : "";
  return `  ${c.dim(`${s.table} ${s.chain} #${s.rule}`)} ${c.dim(`line ${s.line}`)}  ${c.cyan(s.action)}${prob}${c.yellow(rw)}\n      ${c.dim(s.text)}${s.note ? `\n      ${c.yellow("note")}: ${s.note}` : ""}`;
}

function renderKernel(t: KernelTrace): void {
  const c = color();
  const f = t.flow;
  out(`${c.bold("kernel")} trace: ${f.proto} ${endpoint(f.src, f.sport)} → ${endpoint(f.dst, f.dport)}  ${c.dim(t.path === "local-out" ? "(locally generated)" : `(from the network${f.inIface ? `, in ${f.inIface}` : ""})`)}`);
  const vc = t.verdict === "ACCEPT" ? c.green : t.verdict === "MIXED" ? c.yellow : c.red;
  out(`verdict ${vc(c.bold(t.verdict))}${t.alternatives.length > 1 ? `  (${t.alternatives.length} alternatives${t.truncated ? ", more not shown" : ""})` : ""}`);
  t.alternatives.forEach((a, k) => {
    out("");
    const head = t.alternatives.length > 1 ? `alternative ${k + 1} of ${t.alternatives.length}, probability ${(a.probability * 100).toFixed(2)}%: ` : "";
    out(`${head}${(a.verdict === "ACCEPT" ? c.green : c.red)(a.verdict)}${a.delivery ? ` (${a.delivery})` : ""}  final ${endpoint(a.src, a.sport)} → ${endpoint(a.dst, a.dport)}  mark ${a.mark}`);
    for (const r of a.rewrites) out(`  ${c.yellow("rewrite")} ${r.field}: ${r.from} → ${r.to}`);
    for (const s of a.steps) out(stepLine(s, c));
    for (const x of a.assumptions) out(`  ${c.yellow("assumed")}: ${x}`);
  });
}

function renderKubeProxy(t: KubeProxyTrace): void {
  const c = color();
  const f = t.flow;
  out(`${c.bold("kube-proxy-test")} trace: ${f.proto} ${f.src} → ${endpoint(f.dst, f.dport)}`);
  out(`output: ${t.output ? c.bold(t.output) : c.dim("(none)")}`);
  out(`masq:   ${t.masq}`);
  if (t.filterDst !== f.dst) out(`filter chains saw destination ${t.filterDst}`);
  out(t.steps.length ? "matched rules, in order:" : "no rule matched");
  for (const s of t.steps) out(stepLine(s, c));
}

const FLOW_FLAGS = (cmd: Command) =>
  cmd
    .option("--local <ips>", "the node's own addresses, comma separated (addrtype LOCAL, routing)")
    .option("--node-ip <ip>", "the node address MASQUERADE rewrites to (also LOCAL)")
    .option("--ipsets <file>", "set members: `ipset save` output or a JSON map {name: [members]}")
    .option("--mode <mode>", "kernel (default) or kube-proxy-test", "kernel")
    .option("--format <format>", "output format: text or json", "text");

export const registerIptables: Register = (program, setExit) => {
  const cmd = program
    .command("iptables")
    .description("trace packets through an iptables-save dump: trace, flows, lint")
    .addHelpText(
      "after",
      `
Examples:
  aksnet iptables trace --rules examples/iptables/kube-proxy-node.rules --src 10.244.1.5 --dst 10.0.0.10 --proto udp --dport 53 --node-ip 10.224.0.4
  aksnet iptables trace --rules examples/iptables/kube-proxy-node.rules --src 10.244.1.5 --dst 10.0.0.10 --proto udp --dport 53 --mode kube-proxy-test --format json
  aksnet iptables flows --rules examples/iptables/kube-proxy-node.rules --flows examples/iptables/flows.csv --mode kube-proxy-test
  aksnet iptables lint --rules examples/iptables/kube-proxy-node.rules`,
    );

  FLOW_FLAGS(
    cmd
      .command("trace")
      .description("one packet through the rules, with every rule it matched and every rewrite")
      .requiredOption("--rules <file>", "iptables-save output (or - for stdin)")
      .requiredOption("--src <ip>", "source address")
      .requiredOption("--dst <ip>", "destination address")
      .option("--dport <n>", "destination port")
      .option("--sport <n>", "source port")
      .option("--proto <proto>", "tcp, udp, sctp, icmp or a number", "tcp")
      .option("--in-iface <name>", "interface the packet arrives on (omit for a locally generated packet from a node address)")
      .option("--out-iface <name>", "interface the packet leaves by (for -o rules)"),
  ).action((o: CommonFlags & { src: string; dst: string; dport?: string; sport?: string; proto: string; inIface?: string; outIface?: string }) => {
    const format = parseFormat(o.format);
    const opts = traceOptions(o);
    const rs = loadRules(o.rules);
    const flow: Flow = {
      src: o.src, dst: o.dst, proto: o.proto, dport: parsePortFlag("--dport", o.dport), sport: parsePortFlag("--sport", o.sport),
      inIface: o.inIface, outIface: o.outIface,
    };
    const t = tracePacket(rs, flow, opts);
    if (format === "json") return json(t);
    if (t.mode === "kernel") renderKernel(t);
    else renderKubeProxy(t);
  });

  FLOW_FLAGS(
    cmd
      .command("flows")
      .description("many packets, one JSON line per flow in input order; throughput on stderr")
      .requiredOption("--rules <file>", "iptables-save output")
      .requiredOption("--flows <file>", "flows: .csv with a header (src,dst,proto,sport,dport,in_iface) or .jsonl")
      .option("--engine <engine>", "auto (wasm where it applies), wasm or ts", "auto"),
  ).action((o: CommonFlags & { flows: string; engine: string }) => {
    parseFormat(o.format);
    if (!["auto", "wasm", "ts"].includes(o.engine)) throw new UsageError(`--engine must be auto, wasm or ts, not ${JSON.stringify(o.engine)}`);
    const opts = traceOptions(o);
    const rs = loadRules(o.rules);
    const src = readSource(o.flows);
    const flows = parseFlows(src.text, { source: src.name });
    const t0 = performance.now();
    const r = traceFlows(rs, flows, { ...opts, engine: o.engine as "auto" });
    const ms = performance.now() - t0;
    const lines: string[] = [];
    for (let i = 0; i < flows.length; i++) {
      const f = flows[i];
      lines.push(JSON.stringify({ src: f.src, dst: f.dst, proto: f.proto ?? "tcp", sport: f.sport, dport: f.dport, ...r.results[i] }));
    }
    if (lines.length) process.stdout.write(lines.join("\n") + "\n");
    const rate = ms > 0 ? Math.round((flows.length / ms) * 1000) : 0;
    warn(`${flows.length} flow${flows.length === 1 ? "" : "s"} in ${ms.toFixed(1)} ms (${rate.toLocaleString("en-US")} flows/s, engine ${r.engine}${r.fallback ? `: ${r.fallback}` : ""})`);
  });

  cmd
    .command("lint")
    .description("unreachable and shadowed rules, jumps to missing chains, jump loops, what is not modelled (exit 1 on errors)")
    .requiredOption("--rules <file>", "iptables-save output")
    .option("--ipsets <file>", "set members, to check that every set a rule uses is known")
    .option("--format <format>", "output format: text or json", "text")
    .action((o: { rules: string; ipsets?: string; format: string }) => {
      const format = parseFormat(o.format);
      const ipsets = o.ipsets ? (() => { const s = readSource(o.ipsets!); return parseIpsets(s.text, s.name); })() : undefined;
      const rs = loadRules(o.rules);
      const findings = lintRuleset(rs, { ipsets });
      const errors = findings.filter((f) => f.severity === "error").length;
      if (errors) setExit(EXIT_FINDINGS);
      const tables = [...rs.tables.values()].map((t) => ({ name: t.name, chains: t.chains.size, rules: [...t.chains.values()].reduce((n, c) => n + c.rules.length, 0) }));
      if (format === "json") return json({ source: rs.source, family: rs.family, tables, findings });
      const c = color();
      for (const f of findings) {
        const sev = f.severity === "error" ? c.red("error") : f.severity === "warning" ? c.yellow("warning") : c.dim("info");
        out(`${rs.source}:${f.line}:${f.col}: ${sev} ${c.bold(f.code)} ${f.path}: ${f.message}`);
      }
      const count = (s: string) => findings.filter((f) => f.severity === s).length;
      warn(`${rs.ruleCount} rules in ${tables.map((t) => `${t.name} (${t.rules})`).join(", ")}: ${errors} errors, ${count("warning")} warnings, ${count("info")} notes`);
    });
};
