// The netfilter tracer's vocabulary: the flow a user describes, the options, and the traces of both
// modes (kernel: kernel/trace.ts; kube-proxy-test: kube-proxy/trace.ts).
import type { IpsetDb } from "./ipset.ts";

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

/** A kube-proxy-test result of one flow in bulk: the helper's output and whether it masqueraded. */
export interface KubeProxyResult {
  output: string;
  masq: boolean;
}

/** A kernel-mode result of one flow in bulk: the verdict and, per alternative, the final addresses. */
export interface KernelResult {
  verdict: string;
  alternatives: { probability: number; verdict: string; delivery?: string; src: string; sport?: number; dst: string; dport?: number }[];
}

export type FlowResult = KubeProxyResult | KernelResult;
