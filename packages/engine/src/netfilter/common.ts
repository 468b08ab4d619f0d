// What both tracers share: protocol numbers, checks of a flow as the user gave it, rule-path steps.
import { UsageError, InputError } from "../errors.ts";
import type { Rule, Ruleset, Target } from "./model.ts";
import { parseNetAddr, type NetAddr } from "./net.ts";
import type { Flow, TraceStep } from "./types.ts";

export const PORT_PROTOS = new Set([6, 17, 132, 136, 33]);
export const PROTO_NUM: Record<string, number> = { tcp: 6, udp: 17, sctp: 132, icmp: 1, icmpv6: 58, "ipv6-icmp": 58, udplite: 136, all: 0 };

/**
 * A value quoted for a message, with invisible and look-alike-prone characters (format characters
 * such as U+200F, controls, non-ASCII spaces) written as \u{XXXX}, so "tc\u{200F}p" does not print as "tcp".
 */
export function quoted(v: string): string {
  return JSON.stringify(v).replace(/[\p{Cf}\p{Cc}\p{Zs}\p{Zl}\p{Zp}]/gu, (c) => (c === " " ? c : `\\u{${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}}`));
}

export function protoNum(p: string): number {
  const n = PROTO_NUM[p] ?? (/^\d{1,3}$/.test(p) ? Number(p) : -1);
  if (n < 0 || n > 255) throw new UsageError(`unknown protocol ${quoted(p)}`, "use tcp, udp, sctp, icmp or a protocol number");
  return n;
}

export function checkPort(name: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > 65535)) throw new UsageError(`${name} must be a port from 0 to 65535, not ${v}`);
}

export function addr(what: string, text: string): NetAddr {
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

export function stepOf(r: Rule, action: string): TraceStep {
  return { table: r.table, chain: r.chain, rule: r.num, line: r.line, text: r.text, action };
}

export const hex = (n: number) => "0x" + (n >>> 0).toString(16);

export const uniq = (xs: string[]) => [...new Set(xs)];

export function normaliseFlow(flow: Flow) {
  const proto = (flow.proto ?? "tcp").toLowerCase();
  const src = addr("--src", flow.src);
  const dst = addr("--dst", flow.dst);
  if (src.family !== dst.family) throw new UsageError(`--src ${flow.src} and --dst ${flow.dst} are of different IP families`);
  checkPort("--sport", flow.sport);
  checkPort("--dport", flow.dport);
  return { proto, src, dst, num: protoNum(proto) };
}


/** What makes the kernel refuse a table (iptables-restore fails): such a dump is not traced. */
const REFUSED_BY_KERNEL = new Set(["JumpLoop", "JumpToMissingChain", "JumpToBuiltinChain"]);

/**
 * Refuses a ruleset the kernel would not load, at the first such problem, located as lint reports
 * it: a walk of a jump loop never ends (a goto loop with 256 probabilistic alternatives ran 20 s
 * into 3 GB), and a verdict for a table that cannot exist means nothing.
 */
export function refuseUnloadable(rs: Ruleset): void {
  const i = rs.issues.find((x) => REFUSED_BY_KERNEL.has(x.code));
  if (!i) return;
  throw new InputError(`${rs.source}:${i.line}:${i.col}: ${i.message}; not traced`, "aksnet iptables lint --rules FILE lists every problem; fix the dump (or trace the one iptables-save printed)", "RulesetRefused");
}
