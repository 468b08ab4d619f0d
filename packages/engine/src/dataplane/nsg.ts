// NSG evaluation: the user's rules by priority, then Azure's default rules, first match wins, on
// the addresses the model actually puts on the wire. Each NSG is compiled once into a flat table
// (one row per rule x source prefix x destination prefix, service tags expanded to prefixes),
// which both the single trace and the bulk path read, so both give the same answer.
import { AZURE_LB_PROBE_IP, DEFAULT_NSG_RULES } from "./constants.ts";
import { in4, ip4, parseP4, type P4 } from "./net4.ts";
import type { Nsg, NsgAccess, NsgDirection, NsgRule } from "./result.ts";

export const defaultRules = (): NsgRule[] =>
  DEFAULT_NSG_RULES.map((d) => ({
    name: d.name, priority: d.priority, direction: d.direction, access: d.access, protocol: "*",
    sourcePrefixes: [d.source], destinationPrefixes: [d.destination], sourcePorts: ["*"], destinationPorts: ["*"], default: true, path: "(Azure default rule)",
  }));

/** What the service tags stand for in this deployment. */
export interface TagContext {
  /** VirtualNetwork: VNet space, peered VNets, on-prem, UDR prefixes (constants.ts). */
  virtualNetwork: P4[];
}

const ANY: P4 = { net: 0, bits: 0, mask: 0 };
const PROTO: Record<string, number> = { "*": 0, Tcp: 6, Udp: 17, Icmp: 1, Esp: 50, Ah: 51 };

/** One NSG as rows in typed arrays, in evaluation order. A "not" row matches addresses outside all its prefixes (the Internet tag). */
export class CompiledNsg {
  readonly ruleOf: Int32Array;
  readonly dir: Uint8Array; // 0 inbound, 1 outbound
  readonly proto: Uint8Array;
  readonly srcNet: Uint32Array; readonly srcMask: Uint32Array; readonly srcNot: Uint8Array;
  readonly dstNet: Uint32Array; readonly dstMask: Uint32Array; readonly dstNot: Uint8Array;
  readonly portLo: Uint16Array; readonly portHi: Uint16Array;
  readonly rules: NsgRule[];
  readonly count: number;
  /** Rows of "not in VirtualNetwork" sides: the tag's prefixes to test against. */
  readonly vnet: readonly P4[];

  constructor(readonly nsg: Nsg, ctx: TagContext) {
    this.vnet = ctx.virtualNetwork;
    const rules = [...nsg.rules, ...defaultRules()].sort((a, b) => a.direction.localeCompare(b.direction) || a.priority - b.priority);
    this.rules = rules;
    type Side = { p: P4; not: boolean };
    const side = (t: string): Side[] => {
      if (t === "*") return [{ p: ANY, not: false }];
      if (t === "VirtualNetwork") return ctx.virtualNetwork.map((p) => ({ p, not: false }));
      if (t === "AzureLoadBalancer") return [{ p: parseP4(AZURE_LB_PROBE_IP), not: false }];
      if (t === "Internet") return [{ p: ANY, not: true }];
      return [{ p: parseP4(t), not: false }];
    };
    const rows: { r: number; dir: number; proto: number; s: Side; d: Side; lo: number; hi: number }[] = [];
    rules.forEach((rule, r) => {
      const ports = rule.destinationPorts.map((x) => (x === "*" ? [0, 65535] : x.includes("-") ? x.split("-").map(Number) : [Number(x), Number(x)]));
      for (const s of rule.sourcePrefixes.flatMap(side)) for (const d of rule.destinationPrefixes.flatMap(side)) for (const [lo, hi] of ports) {
        rows.push({ r, dir: rule.direction === "Inbound" ? 0 : 1, proto: PROTO[rule.protocol] ?? 0, s, d, lo, hi });
      }
    });
    const n = rows.length;
    this.count = n;
    this.ruleOf = new Int32Array(n); this.dir = new Uint8Array(n); this.proto = new Uint8Array(n);
    this.srcNet = new Uint32Array(n); this.srcMask = new Uint32Array(n); this.srcNot = new Uint8Array(n);
    this.dstNet = new Uint32Array(n); this.dstMask = new Uint32Array(n); this.dstNot = new Uint8Array(n);
    this.portLo = new Uint16Array(n); this.portHi = new Uint16Array(n);
    rows.forEach((x, i) => {
      this.ruleOf[i] = x.r; this.dir[i] = x.dir; this.proto[i] = x.proto;
      this.srcNet[i] = x.s.p.net; this.srcMask[i] = x.s.p.mask; this.srcNot[i] = x.s.not ? 1 : 0;
      this.dstNet[i] = x.d.p.net; this.dstMask[i] = x.d.p.mask; this.dstNot[i] = x.d.not ? 1 : 0;
      this.portLo[i] = x.lo; this.portHi[i] = x.hi;
    });
  }

  private inVnet(ip: number): boolean {
    for (const p of this.vnet) if (in4(ip, p)) return true;
    return false;
  }

  /** Rows that can match a packet of one direction, protocol and destination port, in order (built on first use). */
  private readonly candidates = new Map<number, Int32Array>();
  private rowsFor(dir: number, proto: number, dport: number): Int32Array {
    const k = (dir * 256 + (proto & 255)) * 65536 + dport;
    let c = this.candidates.get(k);
    if (!c) {
      const rows: number[] = [];
      for (let i = 0; i < this.count; i++) {
        if (this.dir[i] !== dir) continue;
        const pr = this.proto[i];
        if (pr !== 0 && pr !== proto) continue;
        if (dport < this.portLo[i] || dport > this.portHi[i]) continue;
        rows.push(i);
      }
      this.candidates.set(k, (c = Int32Array.from(rows)));
    }
    return c;
  }

  /** The index (into `rules`) of the rule that decides, for a packet in `direction`. */
  evaluate(direction: NsgDirection, src: number, dst: number, proto: number, dport: number): number {
    const dir = direction === "Inbound" ? 0 : 1;
    // Internet ("not" rows) is the complement of VirtualNetwork; the probe address is neither.
    let srcV = -1, dstV = -1;
    const rows = this.rowsFor(dir, proto, dport);
    for (let j = 0; j < rows.length; j++) {
      const i = rows[j];
      if (this.srcNot[i]) {
        if (srcV < 0) srcV = this.inVnet(src) ? 1 : 0;
        if (srcV === 1) continue;
      } else if (((src & this.srcMask[i]) >>> 0) !== this.srcNet[i]) continue;
      if (this.dstNot[i]) {
        if (dstV < 0) dstV = this.inVnet(dst) ? 1 : 0;
        if (dstV === 1) continue;
      } else if (((dst & this.dstMask[i]) >>> 0) !== this.dstNet[i]) continue;
      return this.ruleOf[i];
    }
    return -1; // unreachable: the default DenyAll rules match everything
  }

  decide(direction: NsgDirection, src: string, dst: string, proto: "tcp" | "udp", dport: number): { rule: NsgRule; access: NsgAccess } {
    const i = this.evaluate(direction, ip4(src)!, ip4(dst)!, proto === "udp" ? 17 : 6, dport);
    const rule = this.rules[i];
    return { rule, access: rule.access };
  }
}
