// The kube-proxy-test tracer: the simplified semantics of the Kubernetes project's own packet-flow
// helper (`tracePacket` in pkg/proxy/iptables/proxier_test.go), so results can be compared with
// the expectations in kube-proxy's unit tests. compile.ts beside it builds the same view into
// wasm tables for bulk runs.
import { getChain, type NetPrefix, type Rule, type Ruleset } from "../model.ts";
import { formatNetAddr, inPrefix, parseNetAddr, sameAddr, type NetAddr } from "../net.ts";
import type { Flow, TraceOptions, TraceStep, KubeProxyTrace } from "../types.ts";
import { addr, stepOf, normaliseFlow } from "../common.ts";

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

/** kpRule's reading of a rule, flat (no object per parameter): what the bulk compiler reads, into one reused record. */
export interface KpFlat {
  src: NetPrefix | undefined; srcNeg: boolean;
  dst: NetPrefix | undefined; dstNeg: boolean;
  proto: string | undefined; protoNeg: boolean;
  srcType: string | undefined; srcTypeNeg: boolean;
  dstType: string | undefined; dstTypeNeg: boolean;
  dport: string | undefined; dportNeg: boolean;
  never: boolean;
  probability: boolean;
  jump: string | undefined;
  dnat: string | undefined;
}

export const newKpFlat = (): KpFlat => ({
  src: undefined, srcNeg: false, dst: undefined, dstNeg: false, proto: undefined, protoNeg: false, srcType: undefined, srcTypeNeg: false,
  dstType: undefined, dstTypeNeg: false, dport: undefined, dportNeg: false, never: false, probability: false, jump: undefined, dnat: undefined,
});

/** Fills f with the helper's view of r (see KpRule) and returns it. */
export function kpFlat(r: Rule, f: KpFlat): KpFlat {
  f.src = f.dst = f.proto = f.srcType = f.dstType = f.dport = f.jump = f.dnat = undefined;
  f.srcNeg = f.dstNeg = f.protoNeg = f.srcTypeNeg = f.dstTypeNeg = f.dportNeg = f.never = f.probability = false;
  const ms = r.matches;
  for (let i = 0; i < ms.length; i++) {
    const m = ms[i];
    switch (m.kind) {
      case "src": f.src = m.prefix; f.srcNeg = m.neg; break;
      case "dst": f.dst = m.prefix; f.dstNeg = m.neg; break;
      case "proto": f.proto = m.proto; f.protoNeg = m.neg; break;
      case "addrtype": if (m.which === "src") { f.srcType = m.raw; f.srcTypeNeg = m.neg; } else { f.dstType = m.raw; f.dstTypeNeg = m.neg; } break;
      case "dport": f.dport = m.raw; f.dportNeg = m.neg; break;
      case "mark": case "ctstate": if (m.kind === "mark" || m.module === "conntrack") f.never = true; break;
      case "recent": if (m.op === "rcheck") f.never = true; break;
      case "statistic": if (m.mode === "random") f.probability = true; break;
      case "unknown":
        // The helper reads parameters by name whatever the module: "-m connmark --mark" counts as
        // a mark check, "-m dccp --dport" as a port.
        if (m.option === "--mark" || m.option === "--rcheck" || m.option === "--ctstate") f.never = true;
        else if (m.option === "--dport" && m.args[0] !== undefined) { f.dport = m.args[0]; f.dportNeg = m.neg; }
        break;
      default: break;
    }
  }
  const t = r.target;
  if (t && !(t.kind === "jump" && t.goto)) {
    if (t.kind === "verdict") f.jump = t.name;
    else if (t.kind === "jump") f.jump = t.chain;
    else if (t.kind === "dnat") { f.jump = "DNAT"; f.dnat = t.to.raw; }
    else if (t.kind === "snat") f.jump = "SNAT";
    else if (t.kind === "masquerade") f.jump = "MASQUERADE";
    else if (t.kind === "mark") f.jump = "MARK";
    else if (t.kind === "log") f.jump = "LOG";
    else if (t.kind === "unknown") f.jump = t.name;
  }
  return f;
}

export function kpRule(r: Rule): KpRule {
  const f = kpFlat(r, newKpFlat());
  const k: KpRule = { rule: r, never: f.never, probability: f.probability };
  if (f.src) k.src = { neg: f.srcNeg, prefix: f.src };
  if (f.dst) k.dst = { neg: f.dstNeg, prefix: f.dst };
  if (f.proto !== undefined) k.proto = { neg: f.protoNeg, value: f.proto };
  if (f.srcType !== undefined) k.srcType = { neg: f.srcTypeNeg, value: f.srcType };
  if (f.dstType !== undefined) k.dstType = { neg: f.dstTypeNeg, value: f.dstType };
  if (f.dport !== undefined) k.dport = { neg: f.dportNeg, value: f.dport };
  if (f.jump !== undefined) k.jump = f.jump;
  if (f.dnat !== undefined) k.dnat = f.dnat;
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
  /** Per table, per chain name (no key strings built per lookup). */
  private cache = new Map<string, Map<string, KpRule[] | null>>();
  constructor(readonly rs: Ruleset) {}
  chain(table: string, name: string): KpRule[] | null {
    let t = this.cache.get(table);
    if (!t) this.cache.set(table, (t = new Map()));
    let v = t.get(name);
    if (v === undefined) {
      const c = getChain(this.rs, table, name);
      v = c ? c.rules.map(kpRule) : null;
      t.set(name, v);
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
  if (out.charCodeAt(0) === 91) {
    const b = /^\[([^\]]*)\]/.exec(out);
    if (b) return b[1];
  }
  // More than one colon: the whole text; else what is before the colon.
  const c = out.indexOf(":");
  if (c < 0) return out;
  return out.indexOf(":", c + 1) >= 0 ? out : out.slice(0, c);
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

