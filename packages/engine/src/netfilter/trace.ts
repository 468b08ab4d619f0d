// The packet tracer, in two modes.
//
// kernel (default): netfilter as the kernel walks it for the FIRST packet of a connection (conntrack
// state NEW, empty `recent` lists, NAT tables consulted). Probabilistic rules (`-m statistic`) fork
// the trace: every alternative is followed to its end and carries its probability.
//
// kube-proxy-test: the simplified semantics of the Kubernetes project's own packet-flow helper
// (`tracePacket` in pkg/proxy/iptables/proxier_test.go), so results can be compared with the
// expectations in kube-proxy's unit tests. See tracePacketKubeProxy below for the exact rules.
import { UsageError } from "../errors.ts";
import { getChain, type Chain, type Match, type NetPrefix, type Rule, type Ruleset, type Target } from "./model.ts";
import { formatNetAddr, inPrefix, parseNetAddr, sameAddr, type NetAddr } from "./net.ts";
import { setMatches, type IpsetDb } from "./ipset.ts";

export type TraceMode = "kernel" | "kube-proxy-test";

/** One packet as the user describes it. */
export interface Flow {
  src: string;
  dst: string;
  /** tcp (default), udp, sctp, icmp or a protocol number. */
  proto?: string;
  sport?: number;
  dport?: number;
  inIface?: string;
  outIface?: string;
}

export interface TraceOptions {
  mode?: TraceMode;
  /** The node's own addresses (for `addrtype LOCAL` and the routing decision). */
  local?: string[];
  /** Source address MASQUERADE rewrites to. */
  nodeIp?: string;
  ipsets?: IpsetDb;
  /** Cap on kernel-mode alternatives (default 256). */
  maxAlternatives?: number;
}

export interface Rewrite {
  field: "srcIp" | "srcPort" | "dstIp" | "dstPort" | "mark";
  from: string;
  to: string;
}

export interface TraceStep {
  table: string;
  chain: string;
  /** Rule number in its chain (1-based); 0 for a chain policy. */
  rule: number;
  line: number;
  text: string;
  /** What happened: jump, goto, return, accept, drop, reject, dnat, snat, masquerade, mark, log, continue, policy, missing-chain. */
  action: string;
  /** Set when a `-m statistic` rule was taken (or not) on this alternative. */
  probability?: number;
  branch?: "taken" | "not-taken";
  rewrites?: Rewrite[];
  note?: string;
}

export interface Alternative {
  probability: number;
  verdict: "ACCEPT" | "DROP" | "REJECT";
  /** Where an accepted packet goes: to a local socket, forwarded, or out of the node. */
  delivery?: "local" | "forward" | "output";
  src: string;
  sport?: number;
  dst: string;
  dport?: number;
  mark: string;
  rewrites: Rewrite[];
  steps: TraceStep[];
  /** Unmodelled matches that were assumed to match, and other caveats, by line. */
  assumptions: string[];
}

export interface KernelTrace {
  mode: "kernel";
  flow: Required<Pick<Flow, "src" | "dst" | "proto">> & Flow;
  path: "from-network" | "local-out";
  /** ACCEPT, DROP or REJECT when every alternative agrees, else MIXED. */
  verdict: "ACCEPT" | "DROP" | "REJECT" | "MIXED";
  alternatives: Alternative[];
  truncated: boolean;
}

export interface KubeProxyTrace {
  mode: "kube-proxy-test";
  flow: Required<Pick<Flow, "src" | "dst" | "proto">> & Flow;
  /** Terminal outputs joined with ", " (endpoint ip:port, ACCEPT, DROP or REJECT), as the helper returns. */
  output: string;
  masq: boolean;
  /** Every rule that matched, in order. */
  steps: TraceStep[];
  /** Destination the filter chains saw (the first output's address when PREROUTING produced one). */
  filterDst: string;
}

export type Trace = KernelTrace | KubeProxyTrace;

const PORT_PROTOS = new Set([6, 17, 132, 136, 33]);
const PROTO_NUM: Record<string, number> = { tcp: 6, udp: 17, sctp: 132, icmp: 1, icmpv6: 58, "ipv6-icmp": 58, udplite: 136, all: 0 };

function protoNum(p: string): number {
  const n = PROTO_NUM[p] ?? (/^\d{1,3}$/.test(p) ? Number(p) : -1);
  if (n < 0 || n > 255) throw new UsageError(`unknown protocol ${JSON.stringify(p)}`, "use tcp, udp, sctp, icmp or a protocol number");
  return n;
}

function checkPort(name: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > 65535)) throw new UsageError(`${name} must be a port from 0 to 65535, not ${v}`);
}

function addr(what: string, text: string): NetAddr {
  try {
    return parseNetAddr(text);
  } catch (e) {
    throw new UsageError(`${what}: ${(e as Error).message}`);
  }
}

/** A target as the user would write it, for the rule path. */
export function targetText(t: Target | undefined): string {
  if (!t) return "(no target)";
  switch (t.kind) {
    case "verdict": return t.name;
    case "jump": return (t.goto ? "-g " : "-j ") + t.chain;
    case "dnat": return `DNAT ${t.to.raw}`;
    case "snat": return `SNAT ${t.to.raw}`;
    case "masquerade": return "MASQUERADE";
    case "mark": return `MARK --${t.op} 0x${t.value.toString(16)}/0x${t.mask.toString(16)}`;
    case "log": return "LOG";
    case "unknown": return t.name;
  }
}

function stepOf(r: Rule, action: string): TraceStep {
  return { table: r.table, chain: r.chain, rule: r.num, line: r.line, text: r.text, action };
}

// ---------------------------------------------------------------------------------------------
// kernel mode

interface Packet {
  src: NetAddr;
  dst: NetAddr;
  srcText: string;
  dstText: string;
  proto: number;
  sport: number;
  dport: number;
  inIface: string;
  outIface: string;
  mark: number;
  dnatDone: boolean;
  snatDone: boolean;
}

/** Enumerates the paths through probabilistic rules: re-runs the walk with a different choice vector. */
class Chooser {
  choices: boolean[] = [];
  probs: number[] = [];
  k = 0;
  start(): void {
    this.k = 0;
  }
  /** Takes the branch first, then (on a later run) skips it. */
  choose(p: number): boolean {
    if (this.k < this.choices.length) {
      const c = this.choices[this.k];
      this.probs[this.k] = c ? p : 1 - p;
      this.k++;
      return c;
    }
    this.choices.push(true);
    this.probs.push(p);
    this.k++;
    return true;
  }
  /** Moves to the next path; false when every path was visited. */
  advance(): boolean {
    this.choices.length = this.k;
    this.probs.length = this.k;
    while (this.choices.length && this.choices[this.choices.length - 1] === false) {
      this.choices.pop();
      this.probs.pop();
    }
    if (!this.choices.length) return false;
    this.choices[this.choices.length - 1] = false;
    return true;
  }
  probability(): number {
    let p = 1;
    for (let i = 0; i < this.k; i++) p *= this.probs[i];
    return p;
  }
}

/** The kernel's LOCAL: the node's addresses, all of 127.0.0.0/8, and ::1. */
function isLocalAddr(a: NetAddr, local: NetAddr[]): boolean {
  if (a.family === 4 && a.v4 >>> 24 === 127) return true;
  if (a.family === 6 && a.v6 === 1n) return true;
  return local.some((l) => sameAddr(l, a));
}

class KernelWalk {
  steps: TraceStep[] = [];
  rewrites: Rewrite[] = [];
  assumptions: string[] = [];
  constructor(
    readonly rs: Ruleset,
    readonly pkt: Packet,
    readonly local: NetAddr[],
    readonly nodeIp: NetAddr | undefined,
    readonly ipsets: IpsetDb | undefined,
    readonly ch: Chooser,
  ) {}

  isLocal(a: NetAddr): boolean {
    return isLocalAddr(a, this.local);
  }

  addrType(a: NetAddr): string {
    if (this.isLocal(a)) return "LOCAL";
    if (a.family === 4) {
      if (a.v4 === 0xffffffff) return "BROADCAST";
      if (a.v4 >>> 28 === 0xe) return "MULTICAST";
      if (a.v4 === 0) return "UNSPEC";
    } else {
      if (a.v6 >> 120n === 0xffn) return "MULTICAST";
      if (a.v6 === 0n) return "UNSPEC";
    }
    return "UNICAST";
  }

  private iface(name: string, pattern: string): boolean {
    return pattern.endsWith("+") ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
  }

  /** Every match except statistic (decided last, so only rules that would match fork the trace). */
  private matchOne(m: Match, r: Rule): boolean {
    const p = this.pkt;
    switch (m.kind) {
      case "src": return inPrefix(p.src, m.prefix) !== m.neg;
      case "dst": return inPrefix(p.dst, m.prefix) !== m.neg;
      case "proto": return (m.num === 0 || m.num === p.proto) !== m.neg;
      case "inIface": return this.iface(p.inIface, m.name) !== m.neg;
      case "outIface": return this.iface(p.outIface, m.name) !== m.neg;
      case "sport": return (PORT_PROTOS.has(p.proto) && p.sport >= m.range[0] && p.sport <= m.range[1]) !== m.neg;
      case "dport": return (PORT_PROTOS.has(p.proto) && p.dport >= m.range[0] && p.dport <= m.range[1]) !== m.neg;
      case "multiport": {
        if (!PORT_PROTOS.has(p.proto)) return m.neg;
        const hit = m.ranges.some(([lo, hi]) =>
          (m.which !== "sports" && p.dport >= lo && p.dport <= hi) || (m.which !== "dports" && p.sport >= lo && p.sport <= hi));
        return hit !== m.neg;
      }
      case "addrtype": return m.types.includes(this.addrType(m.which === "src" ? p.src : p.dst)) !== m.neg;
      case "comment": return true;
      case "statistic": return true;
      case "mark": return (((p.mark & m.mask) >>> 0) === m.value) !== m.neg;
      case "ctstate": {
        const states = ["NEW"];
        if (m.module === "conntrack" && p.dnatDone) states.push("DNAT");
        if (m.module === "conntrack" && p.snatDone) states.push("SNAT");
        return m.states.some((s) => states.includes(s)) !== m.neg;
      }
      case "recent":
        // First packet of a connection: nothing is in any recent list yet, so --rcheck/--update
        // (session affinity) do not match and --set does (recording the source as it goes).
        return (m.op === "set") !== m.neg;
      case "set": {
        if (!this.ipsets?.has(m.name)) {
          this.assumptions.push(`line ${r.line}: ipset ${m.name} is not given (pass --ipsets): taken as empty`);
          return m.neg;
        }
        return setMatches(this.ipsets, m.name, m.dirs, p) !== m.neg;
      }
      case "physdev": return m.neg; // the packet is not bridged
      case "fragment": return m.neg; // the first packet is not a non-first fragment
      case "unknown":
        if (m.module === "rpfilter") {
          // Reverse-path filtering: the trace assumes the source is routed back through the
          // interface it came in, so "-m rpfilter" matches and "-m rpfilter --invert" does not.
          this.assumptions.push(`line ${r.line}: -m rpfilter: the reverse-path check is assumed to pass`);
          return m.option !== "--invert";
        }
        this.assumptions.push(`line ${r.line}: ${m.module ? `-m ${m.module} ` : ""}${m.neg ? "! " : ""}${m.option}${m.args.length ? " " + m.args.join(" ") : ""} is not modelled: assumed to match`);
        return true;
    }
  }

  /** Whether the rule matches; statistic matches may fork (decided after every other match). */
  private matches(r: Rule): { ok: boolean; probability?: number; taken?: boolean } {
    let stat: Extract<Match, { kind: "statistic" }> | undefined;
    for (const m of r.matches) {
      if (m.kind === "statistic") stat = m;
      else if (!this.matchOne(m, r)) return { ok: false };
    }
    if (!stat) return { ok: true };
    const p = stat.mode === "random" ? stat.probability : 1 / Math.max(1, stat.every);
    if (p >= 1) return { ok: true };
    if (p <= 0) return { ok: false };
    const taken = this.ch.choose(p);
    return { ok: taken, probability: p, taken };
  }

  private setAddr(which: "src" | "dst", a: NetAddr, text: string): void {
    const p = this.pkt;
    const from = which === "src" ? p.srcText : p.dstText;
    if (from === text) return;
    this.rewrites.push({ field: which === "src" ? "srcIp" : "dstIp", from, to: text });
    if (which === "src") { p.src = a; p.srcText = text; } else { p.dst = a; p.dstText = text; }
  }

  private setPort(which: "src" | "dst", port: number, rw: Rewrite[]): void {
    const p = this.pkt;
    const from = which === "src" ? p.sport : p.dport;
    if (from === port) return;
    rw.push({ field: which === "src" ? "srcPort" : "dstPort", from: String(from), to: String(port) });
    if (which === "src") p.sport = port; else p.dport = port;
  }

  /**
   * Walks one hook of one table. Returns the verdict for this hook: ACCEPT (go on), DROP or REJECT.
   */
  hook(table: string, builtin: string): "ACCEPT" | "DROP" | "REJECT" {
    const start = getChain(this.rs, table, builtin);
    if (!start) return "ACCEPT"; // a table that is not in the dump does nothing
    const stack: { chain: Chain; i: number }[] = [];
    let chain = start;
    let i = 0;
    let guard = 0;
    // Leaving the built-in chain (falling off its end, or RETURN in it) applies its policy.
    const policy = () => {
      const pol = chain.policy ?? "ACCEPT";
      this.steps.push({ table, chain: chain.name, rule: 0, line: chain.line, text: `:${chain.name} ${pol}`, action: "policy" });
      return pol;
    };
    for (;;) {
      if (i >= chain.rules.length) {
        if (stack.length === 0) return policy();
        ({ chain, i } = stack.pop()!);
        continue;
      }
      const r = chain.rules[i++];
      const m = this.matches(r);
      if (!m.ok) {
        if (m.taken === false) this.steps.push({ ...stepOf(r, "continue"), probability: m.probability, branch: "not-taken" });
        continue;
      }
      const t = r.target;
      const step = stepOf(r, "continue");
      if (m.probability !== undefined) { step.probability = m.probability; step.branch = "taken"; }
      this.steps.push(step);
      if (!t) continue;
      switch (t.kind) {
        case "verdict":
          if (t.name === "RETURN") {
            step.action = "return";
            if (stack.length === 0) return policy();
            ({ chain, i } = stack.pop()!);
            continue;
          }
          step.action = t.name.toLowerCase();
          return t.name;
        case "jump": {
          const to = getChain(this.rs, table, t.chain);
          if (!to || to.builtin) {
            step.action = "missing-chain";
            step.note = `chain ${t.chain} does not exist in table ${table}: the kernel would refuse this table; the walk goes on`;
            continue;
          }
          step.action = t.goto ? "goto" : "jump";
          // Jumps are counted so that a goto loop (which never grows the stack) still ends.
          if (++guard > 100_000) {
            step.note = "stopped: more than 100,000 jumps (jump loop?)";
            return "DROP";
          }
          if (!t.goto) stack.push({ chain, i });
          if (stack.length > 64) {
            step.note = "stopped: more than 64 nested jumps (jump loop?)";
            return "DROP";
          }
          chain = to;
          i = 0;
          continue;
        }
        case "dnat": case "snat": {
          step.action = t.kind;
          const before = this.rewrites.length;
          if (t.to.first) {
            const a: NetAddr = { family: t.to.first.family, v4: t.to.first.v4net, v6: t.to.first.v6net };
            this.setAddr(t.kind === "dnat" ? "dst" : "src", a, formatNetAddr(a));
          }
          const rw: Rewrite[] = [];
          if (t.to.ports && PORT_PROTOS.has(this.pkt.proto)) this.setPort(t.kind === "dnat" ? "dst" : "src", t.to.ports[0], rw);
          this.rewrites.push(...rw);
          step.rewrites = this.rewrites.slice(before);
          const notes: string[] = [];
          if (t.to.last && t.to.first && t.to.last.text !== t.to.first.text) notes.push(`address range ${t.to.first.text}-${t.to.last.text}: the kernel picks one, the first is shown`);
          if (t.to.ports && t.to.ports[0] !== t.to.ports[1]) notes.push(`port range ${t.to.ports[0]}-${t.to.ports[1]}: the first is shown`);
          if (notes.length) step.note = notes.join("; ");
          if (t.kind === "dnat") this.pkt.dnatDone = true; else this.pkt.snatDone = true;
          return "ACCEPT";
        }
        case "masquerade": {
          step.action = "masquerade";
          const before = this.rewrites.length;
          if (this.nodeIp) this.setAddr("src", this.nodeIp, formatNetAddr(this.nodeIp));
          else {
            this.rewrites.push({ field: "srcIp", from: this.pkt.srcText, to: "(node IP)" });
            this.pkt.srcText = "(node IP)";
            step.note = "pass --node-ip to see the node address";
          }
          const rw: Rewrite[] = [];
          if (t.ports && PORT_PROTOS.has(this.pkt.proto)) this.setPort("src", t.ports[0], rw);
          this.rewrites.push(...rw);
          if (t.randomFully) step.note = (step.note ? step.note + "; " : "") + "--random-fully: the source port is chosen at random";
          step.rewrites = this.rewrites.slice(before);
          this.pkt.snatDone = true;
          return "ACCEPT";
        }
        case "mark": {
          step.action = "mark";
          const old = this.pkt.mark;
          let v = old;
          switch (t.op) {
            case "set-xmark": v = ((old & ~t.mask) ^ t.value) >>> 0; break;
            case "set-mark": v = ((old & ~t.mask) | t.value) >>> 0; break;
            case "or-mark": v = (old | t.value) >>> 0; break;
            case "and-mark": v = (old & t.value) >>> 0; break;
            case "xor-mark": v = (old ^ t.value) >>> 0; break;
          }
          if (v !== old) {
            const rw: Rewrite = { field: "mark", from: hex(old), to: hex(v) };
            this.rewrites.push(rw);
            step.rewrites = [rw];
          }
          this.pkt.mark = v;
          continue;
        }
        case "log":
          step.action = "log";
          continue;
        case "unknown":
          step.note = `target ${t.name} is not modelled: passed over`;
          this.assumptions.push(`line ${r.line}: target ${t.name} is not modelled: passed over`);
          continue;
      }
    }
  }
}

const hex = (n: number) => "0x" + (n >>> 0).toString(16);

const uniq = (xs: string[]) => [...new Set(xs)];

function normaliseFlow(flow: Flow) {
  const proto = (flow.proto ?? "tcp").toLowerCase();
  const src = addr("--src", flow.src);
  const dst = addr("--dst", flow.dst);
  if (src.family !== dst.family) throw new UsageError(`--src ${flow.src} and --dst ${flow.dst} are of different IP families`);
  checkPort("--sport", flow.sport);
  checkPort("--dport", flow.dport);
  return { proto, src, dst, num: protoNum(proto) };
}

export function traceKernel(rs: Ruleset, flow: Flow, opts: TraceOptions = {}): KernelTrace {
  const { proto, src, dst, num } = normaliseFlow(flow);
  const local = (opts.local ?? []).map((a) => addr("--local", a));
  const nodeIp = opts.nodeIp ? addr("--node-ip", opts.nodeIp) : undefined;
  if (nodeIp) local.push(nodeIp);
  const max = opts.maxAlternatives ?? 256;
  const ch = new Chooser();
  const alternatives: Alternative[] = [];
  let truncated = false;
  // Arriving on an interface, or from an address that is not the node's: from the network.
  const fromNetwork = !!flow.inIface || !isLocalAddr(src, local);
  for (;;) {
    ch.start();
    const pkt: Packet = {
      src, dst, srcText: formatNetAddr(src), dstText: formatNetAddr(dst), proto: num,
      sport: flow.sport ?? 0, dport: flow.dport ?? 0, inIface: flow.inIface ?? "", outIface: flow.outIface ?? "",
      mark: 0, dnatDone: false, snatDone: false,
    };
    const w = new KernelWalk(rs, pkt, local, nodeIp, opts.ipsets, ch);
    let verdict: "ACCEPT" | "DROP" | "REJECT" = "ACCEPT";
    let delivery: Alternative["delivery"];
    const run = (hooks: [string, string][]) => {
      for (const [t, c] of hooks) {
        verdict = w.hook(t, c);
        if (verdict !== "ACCEPT") return false;
      }
      return true;
    };
    if (fromNetwork) {
      if (run([["raw", "PREROUTING"], ["mangle", "PREROUTING"], ["nat", "PREROUTING"]])) {
        if (w.isLocal(pkt.dst)) {
          delivery = "local";
          run([["mangle", "INPUT"], ["filter", "INPUT"], ["security", "INPUT"], ["nat", "INPUT"]]);
        } else {
          delivery = "forward";
          run([["mangle", "FORWARD"], ["filter", "FORWARD"], ["security", "FORWARD"], ["mangle", "POSTROUTING"], ["nat", "POSTROUTING"]]);
        }
      }
    } else {
      delivery = "output";
      run([["raw", "OUTPUT"], ["mangle", "OUTPUT"], ["nat", "OUTPUT"], ["filter", "OUTPUT"], ["security", "OUTPUT"], ["mangle", "POSTROUTING"], ["nat", "POSTROUTING"]]);
    }
    const withPorts = PORT_PROTOS.has(num);
    alternatives.push({
      probability: ch.probability(),
      verdict,
      delivery: verdict === "ACCEPT" ? delivery : undefined,
      src: pkt.srcText, sport: withPorts && flow.sport !== undefined ? pkt.sport : undefined,
      dst: pkt.dstText, dport: withPorts && flow.dport !== undefined ? pkt.dport : undefined,
      mark: hex(pkt.mark), rewrites: w.rewrites, steps: w.steps, assumptions: uniq(w.assumptions),
    });
    if (alternatives.length >= max) {
      truncated = ch.advance();
      break;
    }
    if (!ch.advance()) break;
  }
  const verdicts = new Set(alternatives.map((a) => a.verdict));
  return {
    mode: "kernel",
    flow: { ...flow, proto },
    path: fromNetwork ? "from-network" : "local-out",
    verdict: verdicts.size === 1 ? alternatives[0].verdict : "MIXED",
    alternatives,
    truncated,
  };
}

// ---------------------------------------------------------------------------------------------
// kube-proxy-test mode

/**
 * A rule as kube-proxy's test parser sees it (pkg/util/iptables/testing/parse.go): only some
 * parameters are read, each by its last occurrence; "-m MODULE" is skipped; values are strings.
 */
export interface KpRule {
  rule: Rule;
  src?: { neg: boolean; prefix: NetPrefix };
  dst?: { neg: boolean; prefix: NetPrefix };
  proto?: { neg: boolean; value: string };
  srcType?: { neg: boolean; value: string };
  dstType?: { neg: boolean; value: string };
  dport?: { neg: boolean; value: string };
  /** --rcheck, --mark or --ctstate present (negated or not): the helper never matches these. */
  never: boolean;
  probability: boolean;
  /** -j target (a -g goto is not read by the helper, so such a rule has no jump). */
  jump?: string;
  dnat?: string;
}

export function kpRule(r: Rule): KpRule {
  const k: KpRule = { rule: r, never: false, probability: false };
  for (const m of r.matches) {
    switch (m.kind) {
      case "src": k.src = { neg: m.neg, prefix: m.prefix }; break;
      case "dst": k.dst = { neg: m.neg, prefix: m.prefix }; break;
      case "proto": k.proto = { neg: m.neg, value: m.proto }; break;
      case "addrtype": if (m.which === "src") k.srcType = { neg: m.neg, value: m.raw }; else k.dstType = { neg: m.neg, value: m.raw }; break;
      case "dport": k.dport = { neg: m.neg, value: m.raw }; break;
      case "mark": case "ctstate": if (m.kind === "mark" || m.module === "conntrack") k.never = true; break;
      case "recent": if (m.op === "rcheck") k.never = true; break;
      case "statistic": if (m.mode === "random") k.probability = true; break;
      case "unknown":
        // The helper reads parameters by name whatever the module: "-m connmark --mark" counts as
        // a mark check, "-m dccp --dport" as a port.
        if (m.option === "--mark" || m.option === "--rcheck" || m.option === "--ctstate") k.never = true;
        else if (m.option === "--dport" && m.args[0] !== undefined) k.dport = { neg: m.neg, value: m.args[0] };
        break;
      default: break;
    }
  }
  const t = r.target;
  if (t && !(t.kind === "jump" && t.goto)) {
    if (t.kind === "verdict") k.jump = t.name;
    else if (t.kind === "jump") k.jump = t.chain;
    else if (t.kind === "dnat") { k.jump = "DNAT"; k.dnat = t.to.raw; }
    else if (t.kind === "snat") k.jump = "SNAT";
    else if (t.kind === "masquerade") k.jump = "MASQUERADE";
    else if (t.kind === "mark") k.jump = "MARK";
    else if (t.kind === "log") k.jump = "LOG";
    else if (t.kind === "unknown") k.jump = t.name;
  }
  return k;
}

interface KpPacket {
  src: NetAddr;
  srcText: string;
  proto: string;
  /** undefined when the destination is not an address (an output such as REJECT became it). */
  dst: NetAddr | undefined;
  dstText: string;
  dport: string;
}

/** kube-proxy's helper treats 127.0.0.1, ::1 and the node IPs as LOCAL (exact address equality). */
function kpLocal(a: NetAddr | undefined, local: NetAddr[]): boolean {
  return !!a && local.some((l) => sameAddr(l, a));
}

export function kpMatches(k: KpRule, p: KpPacket, local: NetAddr[]): boolean {
  if (k.src && inPrefix(p.src, k.src.prefix) === k.src.neg) return false;
  if (k.srcType && ((kpLocal(p.src, local) ? "LOCAL" : "not-matched") === k.srcType.value) === k.srcType.neg) return false;
  if (k.proto && (k.proto.value === p.proto) === k.proto.neg) return false;
  if (k.dst && (p.dst !== undefined && inPrefix(p.dst, k.dst.prefix)) === k.dst.neg) return false;
  if (k.dstType && ((kpLocal(p.dst, local) ? "LOCAL" : "not-matched") === k.dstType.value) === k.dstType.neg) return false;
  if (k.dport && (k.dport.value === p.dport) === k.dport.neg) return false;
  return !k.never;
}

/** Rules of each chain in kube-proxy's view, built once per ruleset. */
export class KpView {
  private cache = new Map<string, KpRule[] | null>();
  constructor(readonly rs: Ruleset) {}
  chain(table: string, name: string): KpRule[] | null {
    const key = table + "\u0000" + name;
    let v = this.cache.get(key);
    if (v === undefined) {
      const c = getChain(this.rs, table, name);
      v = c ? c.rules.map(kpRule) : null;
      this.cache.set(key, v);
    }
    return v;
  }
}

const views = new WeakMap<Ruleset, KpView>();
export function kpView(rs: Ruleset): KpView {
  let v = views.get(rs);
  if (!v) views.set(rs, (v = new KpView(rs)));
  return v;
}

export const KP_FILTER_CHAINS = ["KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES", "KUBE-NODEPORTS", "KUBE-PROXY-FIREWALL"] as const;

/** The address part of an output such as "10.0.0.1:80" or "[fd00::1]:80"; undefined for ACCEPT etc. */
export function outputAddress(out: string): string {
  const b = /^\[([^\]]*)\]/.exec(out);
  if (b) return b[1];
  return (out.match(/:/g) ?? []).length > 1 ? out : out.split(":")[0];
}

/**
 * kube-proxy-test mode, rule for rule what the helper does:
 *  - walk nat PREROUTING only; then, if there was output, the destination address becomes the first
 *    output's address (port unchanged), and the filter chains KUBE-SERVICES, KUBE-EXTERNAL-SERVICES,
 *    KUBE-NODEPORTS and KUBE-PROXY-FIREWALL are each walked from their first rule;
 *  - a rule without -j is skipped; --rcheck, --mark and --ctstate never match; -s/-d (CIDR or
 *    address), -p, --src-type/--dst-type (LOCAL = 127.0.0.1, ::1 and the node IPs) and --dport
 *    (compared as text) are checked; everything else (comment, statistic, --match-set, --sport,
 *    interfaces, multiport) is assumed to match;
 *  - -j KUBE-MARK-MASQ sets masq and continues; ACCEPT, DROP, REJECT and DNAT append to the output
 *    list (DNAT its --to-destination) and end the chain; any other -j walks that chain of the same
 *    table (a missing chain, or RETURN/MARK/MASQUERADE/LOG, which are no chains, just continues);
 *    when it ended terminal, the caller ends too unless the jump carried --probability.
 */
export function traceKubeProxy(rs: Ruleset, flow: Flow, opts: TraceOptions = {}): KubeProxyTrace {
  const { proto, src, dst } = normaliseFlow(flow);
  const local = ["127.0.0.1", "::1", ...(opts.local ?? []), ...(opts.nodeIp ? [opts.nodeIp] : [])].map((a) => addr("--local", a));
  const view = kpView(rs);
  const outputs: string[] = [];
  const steps: TraceStep[] = [];
  let masq = false;
  const pkt: KpPacket = { src, srcText: flow.src, proto, dst, dstText: formatNetAddr(dst), dport: flow.dport === undefined ? "" : String(flow.dport) };
  const run = (table: string, chain: string, depth: number): boolean => {
    const rules = view.chain(table, chain);
    if (!rules || depth > 64) return false;
    for (const k of rules) {
      if (k.jump === undefined) continue;
      if (!kpMatches(k, pkt, local)) continue;
      const step = stepOf(k.rule, "jump");
      steps.push(step);
      switch (k.jump) {
        case "KUBE-MARK-MASQ":
          step.action = "mark-masq";
          masq = true;
          continue;
        case "ACCEPT": case "REJECT": case "DROP":
          step.action = k.jump.toLowerCase();
          outputs.push(k.jump);
          return true;
        case "DNAT":
          step.action = "dnat";
          outputs.push(k.dnat ?? "");
          return true;
        default: {
          if (!view.chain(table, k.jump)) step.action = "missing-chain";
          const terminated = run(table, k.jump, depth + 1);
          if (terminated && !k.probability) return true;
        }
      }
    }
    return false;
  };
  run("nat", "PREROUTING", 0);
  if (outputs.length) {
    const a = outputAddress(outputs[0]);
    try {
      pkt.dst = parseNetAddr(a);
      pkt.dstText = a;
    } catch {
      // The helper would abort the test here (not an address); we let -d and LOCAL match nothing.
      pkt.dst = undefined;
      pkt.dstText = a;
    }
  }
  for (const c of KP_FILTER_CHAINS) run("filter", c, 0);
  return { mode: "kube-proxy-test", flow: { ...flow, proto }, output: outputs.join(", "), masq, steps, filterDst: pkt.dstText };
}

export function tracePacket(rs: Ruleset, flow: Flow, opts: TraceOptions = {}): Trace {
  return (opts.mode ?? "kernel") === "kernel" ? traceKernel(rs, flow, opts) : traceKubeProxy(rs, flow, opts);
}
