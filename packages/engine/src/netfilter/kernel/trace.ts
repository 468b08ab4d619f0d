// The kernel-mode tracer: netfilter as the kernel walks it for the FIRST packet of a connection
// (conntrack state NEW, empty `recent` lists, NAT tables consulted). Probabilistic rules
// (`-m statistic`) fork the trace: every alternative is followed to its end and carries its
// probability. compile.ts beside it builds the same semantics into wasm tables for bulk runs.
import { UsageError } from "../../errors.ts";
import { getChain, type Chain, type Match, type NetPrefix, type Rule, type Ruleset, type Target } from "../model.ts";
import { formatNetAddr, inPrefix, parseNetAddr, sameAddr, type NetAddr } from "../net.ts";
import { setMatches, type IpsetDb } from "../ipset.ts";
import type { Flow, TraceOptions, Rewrite, TraceStep, Alternative, KernelTrace } from "../types.ts";
import { PORT_PROTOS, PROTO_NUM, protoNum, checkPort, addr, targetText, stepOf, hex, uniq, normaliseFlow } from "../common.ts";

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
          // Loops are refused before the walk (refuseUnloadable), so the nesting is bounded by the
          // table's chains: the stack is an array, 5,000 nested chains are 5,000 entries.
          if (!t.goto) stack.push({ chain, i });
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

/** Rule steps recorded in one trace, all alternatives together; past it no more alternatives are walked. */
const MAX_TRACE_STEPS = 1_000_000;

export function traceKernel(rs: Ruleset, flow: Flow, opts: TraceOptions = {}): KernelTrace {
  const { proto, src, dst, num } = normaliseFlow(flow);
  const local = (opts.local ?? []).map((a) => addr("--local", a));
  const nodeIp = opts.nodeIp ? addr("--node-ip", opts.nodeIp) : undefined;
  if (nodeIp) local.push(nodeIp);
  const max = opts.maxAlternatives ?? 256;
  const ch = new Chooser();
  const alternatives: Alternative[] = [];
  let truncated = false;
  let steps = 0;
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
    steps += w.steps.length;
    // Steps of all alternatives together are bounded too: 256 alternatives of 100,000 jumps
    // each would be 25 million step objects.
    if (alternatives.length >= max || steps > MAX_TRACE_STEPS) {
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

