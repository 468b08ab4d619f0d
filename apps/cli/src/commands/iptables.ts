// aksnet iptables <verb>: what a node's netfilter rules do to packets. trace (one packet, with the
// rule path), flows (many packets, one JSON line each), lint (what can never run, what the kernel
// would refuse, what is not modelled). Each verb parses flags, calls the engine, renders.
import type { Command } from "commander";
import { parseRuleset, parseIpsets, RulesDump, traceFlowFile, traceKubeProxyChunks, kpChunkOutputs, lintRuleset, tracePacket, type Ruleset, type TraceOptions, type TraceMode, type Flow, type FlowRun } from "@aksnet/engine/netfilter";
import { readSource, readBytes, openInput, parseFormat, json, UsageError, EXIT_FINDINGS, formatOption } from "../io.ts";
import { FlowThread } from "../flow-thread.ts";
import { renderKernel, renderKubeProxy, renderLint, renderFlowRate, flowSink } from "../render/iptables.ts";
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

/** A file (or stdin for "-") as bytes, with readSource's errors. */
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

const FLOW_FLAGS = (cmd: Command) =>
  cmd
    .option("--local <ips>", "the node's own addresses, comma separated (addrtype LOCAL, routing)")
    .option("--node-ip <ip>", "the node address MASQUERADE rewrites to (also LOCAL)")
    .option("--ipsets <file>", "set members: `ipset save` output or a JSON map {name: [members]}")
    .option("--mode <mode>", "kernel (default) or kube-proxy-test", "kernel")
    .addOption(formatOption());

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
  ).action(async (o: CommonFlags & { flows: string; engine: string }) => {
    parseFormat(o.format);
    if (!["auto", "wasm", "ts"].includes(o.engine)) throw new UsageError(`--engine must be auto, wasm or ts, not ${JSON.stringify(o.engine)}`);
    const opts = traceOptions(o);
    const fast = opts.mode === "kube-proxy-test" && o.engine !== "ts";
    // A large flow file is read and scanned on a second core while the dump loads here.
    // (One the launcher may have started is taken, or stopped.)
    const thread = fast ? FlowThread.start(o.flows) : undefined;
    if (!fast) FlowThread.discardEarly();
    try {
      // The dump as bytes: in kube-proxy-test mode its program is read from them directly (the
      // Ruleset is built only if the TypeScript tracer needs it, or to report the dump's errors).
      const rules = readBytes(o.rules);
      const dump = new RulesDump(rules.bytes, rules.name);
      // Read before the flows, so a broken dump is reported first, as by the other verbs.
      if (fast) dump.kubeProxyProgram();
      else dump.ruleset();
      // The run's output texts go to the thread now: it lays out their table while it still scans.
      const outputs = thread && kpChunkOutputs(dump);
      if (outputs) thread!.lines.start(outputs);
      // The thread's columns: evaluated here in chunks, the lines formatted and written there.
      const scanned = await thread?.columns();
      const chunked = thread && scanned ? traceKubeProxyChunks(dump, scanned, opts, thread.lines) : undefined;
      const run: FlowRun = chunked ? { ...chunked, engine: "wasm" } : traceFlowFile(dump, openInput(o.flows), { ...opts, engine: o.engine as "auto" }, thread?.sink ?? flowSink);
      thread?.finish();
      renderFlowRate(run.n, run.ms, run.engine, run.fallback, chunked ? 2 : 1);
    } catch (e) {
      thread?.stop();
      throw e;
    }
  });

  cmd
    .command("lint")
    .description("unreachable and shadowed rules, jumps to missing chains, jump loops, what is not modelled (exit 1 on errors)")
    .requiredOption("--rules <file>", "iptables-save output")
    .option("--ipsets <file>", "set members, to check that every set a rule uses is known")
    .addOption(formatOption())
    .action((o: { rules: string; ipsets?: string; format: string }) => {
      const format = parseFormat(o.format);
      const ipsets = o.ipsets ? (() => { const s = readSource(o.ipsets!); return parseIpsets(s.text, s.name); })() : undefined;
      const rs = loadRules(o.rules);
      const findings = lintRuleset(rs, { ipsets });
      const errors = findings.filter((f) => f.severity === "error").length;
      if (errors) setExit(EXIT_FINDINGS);
      const tables = [...rs.tables.values()].map((t) => ({ name: t.name, chains: t.chains.size, rules: [...t.chains.values()].reduce((n, c) => n + c.rules.length, 0) }));
      if (format === "json") return json({ source: rs.source, family: rs.family, tables, findings });
      renderLint(rs, tables, findings);
    });
};
