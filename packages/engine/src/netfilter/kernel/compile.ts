// Kernel mode on the WebAssembly core: compiles a ruleset (and the ipsets) into the tables of
// packages/wasm/assembly/netfilter_kernel.ts and traces batches of flows. The semantics are the
// TypeScript tracer's (trace.ts, KernelWalk) rule for rule; a property test compares them.
import { BUILTIN_CHAINS, type Chain, type Rule, type Ruleset, type Match } from "../model.ts";
import { lazyStoreOf, LZ_ACCEPT, LZ_DNAT, LZ_DPORT, LZ_DROP, LZ_DST, LZ_JUMP, LZ_PROTO, LZ_REC, LZ_RETURN, LZ_SPORT, LZ_SRC, LZ_STAT, type LazyStore } from "../parse-fast.ts";
import { parseNetAddr, quickV4 } from "../net.ts";
import { bucketTable } from "../buckets.ts";
import { formatV4 } from "../../ip/addr.ts";
import { ABI } from "../../core/abi.ts";
import { core, type Core } from "../../core/module.ts";
import { traceKernel } from "./trace.ts";
import type { Flow, TraceOptions, KernelResult } from "../types.ts";
import type { IpsetDb } from "../ipset.ts";
import type { NotCompiled } from "../kube-proxy/compile.ts";
import type { FlowColumns } from "../flow-scan.ts";

/** What the kernel compiler does not take (the whole ruleset then goes to the TypeScript tracer). */
class NotModelled {
  constructor(readonly what: string) {}
}

/** TypeScript mirror of the NK_* constants in packages/wasm/assembly/abi/netfilter.ts (a test compares them). */
export const NK_ABI = {
  NK_PROG_SIZE: 128, NK_RULE_SIZE: 32, NK_CHAIN_SIZE: 32, NK_BUCKET_SIZE: 16, NK_MAX_JUMPS: 100000, NK_SET_SIZE: 8, NK_ENTRY_SIZE: 32, NK_FLOW_SIZE: 32, NK_RES_SIZE: 16, NK_ALT_SIZE: 32,
  NK_NONE: 0xffffffff, NK_MAX_CHOICES: 256,
  NK_OP_SRC: 1, NK_OP_DST: 2, NK_OP_PROTO: 3, NK_OP_IN: 4, NK_OP_OUT: 5, NK_OP_SPORT: 6, NK_OP_DPORT: 7, NK_OP_MULTI: 8, NK_OP_ADDRTYPE: 9,
  NK_OP_MARK: 10, NK_OP_CT: 11, NK_OP_RECENT: 12, NK_OP_SET: 13, NK_OP_CONST: 14, NK_OP_STAT: 15,
  NK_TYPE_UNICAST: 1, NK_TYPE_LOCAL: 2, NK_TYPE_BROADCAST: 4, NK_TYPE_MULTICAST: 8, NK_TYPE_UNSPEC: 16,
  NK_CT_NEW: 1, NK_CT_DNAT: 2, NK_CT_SNAT: 4,
  NK_T_NONE: 0, NK_T_ACCEPT: 1, NK_T_DROP: 2, NK_T_REJECT: 3, NK_T_RETURN: 4, NK_T_JUMP: 5, NK_T_CONTINUE: 6, NK_T_DNAT: 7, NK_T_SNAT: 8, NK_T_MASQ: 9, NK_T_MARK: 10,
  NK_V_ACCEPT: 0, NK_V_DROP: 1, NK_V_REJECT: 2, NK_D_NONE: 0, NK_D_LOCAL: 1, NK_D_FORWARD: 2, NK_D_OUTPUT: 3,
  NK_HOOK_RAW_PRE: 0, NK_HOOK_MANGLE_PRE: 1, NK_HOOK_NAT_PRE: 2, NK_HOOK_MANGLE_IN: 3, NK_HOOK_FILTER_IN: 4, NK_HOOK_SECURITY_IN: 5, NK_HOOK_NAT_IN: 6,
  NK_HOOK_MANGLE_FWD: 7, NK_HOOK_FILTER_FWD: 8, NK_HOOK_SECURITY_FWD: 9, NK_HOOK_MANGLE_POST: 10, NK_HOOK_NAT_POST: 11,
  NK_HOOK_RAW_OUT: 12, NK_HOOK_MANGLE_OUT: 13, NK_HOOK_NAT_OUT: 14, NK_HOOK_FILTER_OUT: 15, NK_HOOK_SECURITY_OUT: 16, NK_HOOK_COUNT: 17,
  NKF_SRC: 0, NKF_DST: 4, NKF_PROTO: 8, NKF_SPORT: 12, NKF_DPORT: 16, NKF_PORTS_SHOWN: 20, NKF_RES: 24, NKF_ALTS: 28, NKF_STRINGS: 32, NKF_LITS: 36,
  NKF_PROTOS: 40, NKF_NPROTOS: 44, NKF_PROBS: 48, NKF_BUF: 52, NKF_CAP: 56, NKF_WRITTEN: 60, NKF_PARAMS_SIZE: 64,
  NKF_LIT_SRC: 0, NKF_LIT_DST: 1, NKF_LIT_PROTO: 2, NKF_LIT_SPORT: 3, NKF_LIT_DPORT: 4, NKF_LIT_VERDICT: 5, NKF_LIT_ALTS: 6, NKF_LIT_PROB: 7,
  NKF_LIT_QUOTE: 8, NKF_LIT_DELIVERY: 9, NKF_LIT_ASRC: 10, NKF_LIT_ADST: 11, NKF_LIT_CLOSE: 12, NKF_LIT_COMMA: 13, NKF_LIT_END: 14,
  NKF_LIT_NODE_IP: 15, NKF_LIT_VERDICTS: 16, NKF_LIT_MIXED: 19, NKF_LIT_DELIVERIES: 20, NKF_LIT_COUNT: 24,
} as const;
const K = NK_ABI;

const HOOKS: [string, string][] = [
  ["raw", "PREROUTING"], ["mangle", "PREROUTING"], ["nat", "PREROUTING"],
  ["mangle", "INPUT"], ["filter", "INPUT"], ["security", "INPUT"], ["nat", "INPUT"],
  ["mangle", "FORWARD"], ["filter", "FORWARD"], ["security", "FORWARD"], ["mangle", "POSTROUTING"], ["nat", "POSTROUTING"],
  ["raw", "OUTPUT"], ["mangle", "OUTPUT"], ["nat", "OUTPUT"], ["filter", "OUTPUT"], ["security", "OUTPUT"],
];
const TYPE_BIT: Record<string, number> = { UNICAST: K.NK_TYPE_UNICAST, LOCAL: K.NK_TYPE_LOCAL, BROADCAST: K.NK_TYPE_BROADCAST, MULTICAST: K.NK_TYPE_MULTICAST, UNSPEC: K.NK_TYPE_UNSPEC };
const CT_BIT: Record<string, number> = { NEW: K.NK_CT_NEW, DNAT: K.NK_CT_DNAT, SNAT: K.NK_CT_SNAT };
const PROTO: Record<string, number> = { tcp: 6, udp: 17, sctp: 132, icmp: 1, icmpv6: 58, "ipv6-icmp": 58, udplite: 136, all: 0 };
const PORT_PROTOS = new Set([6, 17, 132, 136, 33]);
const MARK_OP = { "set-xmark": 0, "set-mark": 1, "or-mark": 2, "and-mark": 3, "xor-mark": 4 } as const;
/** Chains with at least this many rules, and this many keyed ones, get a (dst, proto, dport) index. */
const INDEX_MIN_RULES = 16;
const INDEX_MIN_KEYED = 8;


/** The (dst, proto, dport) a rule can only match, when it has exactly one of each, plain. */
function ruleKey(ms: Match[]): [number, number] | undefined {
  let dst: number | undefined, proto: number | undefined, port: number | undefined;
  let nd = 0, np = 0, nport = 0;
  for (const m of ms) {
    if (m.kind === "dst") { nd++; if (!m.neg && m.prefix.family === 4 && m.prefix.v4mask === 0xffffffff) dst = m.prefix.v4net; }
    else if (m.kind === "proto") { np++; if (!m.neg && PORT_PROTOS.has(m.num)) proto = m.num; }
    else if (m.kind === "dport") { nport++; if (!m.neg && m.range[0] === m.range[1]) port = m.range[0]; }
  }
  if (nd !== 1 || np !== 1 || nport !== 1 || dst === undefined || proto === undefined || port === undefined) return undefined;
  return [dst, ((proto << 16) | port) >>> 0];
}

/** A growing list of u32 words (a typed array, not a JS array of numbers). */
class Words {
  a = new Uint32Array(1024);
  n = 0;
  private grow(k: number): void {
    const b = new Uint32Array(Math.max(this.a.length * 2, this.n + k));
    b.set(this.a.subarray(0, this.n));
    this.a = b;
  }
  push2(x: number, y: number): void {
    if (this.n + 2 > this.a.length) this.grow(2);
    const a = this.a, n = this.n;
    a[n] = x; a[n + 1] = y;
    this.n = n + 2;
  }
  push3(x: number, y: number, z: number): void {
    if (this.n + 3 > this.a.length) this.grow(3);
    const a = this.a, n = this.n;
    a[n] = x; a[n + 1] = y; a[n + 2] = z;
    this.n = n + 3;
  }
  view(): Uint32Array {
    return this.a.subarray(0, this.n);
  }
}

/** ruleKey of a lazy rule (parse-fast.ts), from its numbers. */
function lazyKey(store: LazyStore, r: number): [number, number] | undefined {
  const rec = store.recs.a, ms = store.ms.a, o = r * LZ_REC;
  let dst: number | undefined, proto: number | undefined, port: number | undefined;
  let nd = 0, np = 0, nport = 0;
  for (let q = rec[o] * 3, qe = q + rec[o + 1] * 3; q < qe; q += 3) {
    const kind = ms[q] & 0xff, neg = ms[q] & 0x100;
    if (kind === LZ_DST) { nd++; if (!neg && ms[q + 2] === 0xffffffff) dst = ms[q + 1]; }
    else if (kind === LZ_PROTO) { np++; if (!neg && PORT_PROTOS.has(ms[q + 1])) proto = ms[q + 1]; }
    else if (kind === LZ_DPORT) { nport++; if (!neg && ms[q + 1] === ms[q + 2]) port = ms[q + 1]; }
  }
  if (nd !== 1 || np !== 1 || nport !== 1 || dst === undefined || proto === undefined || port === undefined) return undefined;
  return [dst, ((proto << 16) | port) >>> 0];
}

/** A ruleset compiled for kernel-mode bulk evaluation (IPv4 only): its tables live in the shared core's heap. */
export class KernelProgram {
  readonly core: Core;
  readonly base: number;
  private size: number;
  private readonly words: number[];
  private readonly patterns: string[] = [];
  private readonly header: Uint32Array;
  /** Chains that got a (dst, proto, dport) index. */
  readonly indexedChains: number = 0;

  /** Compiles, or returns what it does not model (IPv6 addresses in rules or NAT targets). */
  static compile(rs: Ruleset, ipsets: IpsetDb | undefined): KernelProgram | NotCompiled {
    try {
      return new KernelProgram(rs, ipsets);
    } catch (e) {
      if (e instanceof NotModelled) return { unsupported: `${e.what}s are traced by the TypeScript tracer` };
      throw e;
    }
  }

  private constructor(readonly rs: Ruleset, readonly ipsets: IpsetDb | undefined) {
    // Chain ids by chain object (table order): a jump's chain is found once, by name, in its table.
    const chainIds = new Map<Chain, number>();
    const chainRecs = new Words();
    const postings: number[] = [];
    const bucketTables: { chainWord: number; words: Uint32Array }[] = [];
    const ruleWords = new Words();
    const ops = new Words();
    const patternIds = new Map<string, number>();
    const pattern = (p: string) => {
      let id = patternIds.get(p);
      if (id === undefined) { patternIds.set(p, (id = this.patterns.length)); this.patterns.push(p); }
      return id;
    };
    // A lazily parsed ruleset's tables are read from its store (reading rs.tables would make its Rules readable one by one).
    const lazy = lazyStoreOf(rs);
    const tables = lazy?.tables ?? rs.tables;
    for (const table of tables.values()) for (const chain of table.chains.values()) chainIds.set(chain, chainIds.size);
    // Sets: every name a rule uses, plus the members of list:set sets.
    const setIds = new Map<string, number>();
    const setOrder: string[] = [];
    const setId = (name: string): number => {
      if (!ipsets?.has(name)) return K.NK_NONE;
      let id = setIds.get(name);
      if (id === undefined) { setIds.set(name, (id = setOrder.length)); setOrder.push(name); }
      return id;
    };
    const f64 = new Float64Array(1);
    const f64w = new Uint32Array(f64.buffer);
    const encode = (m: Match) => {
      const h = (kind: number) => kind | ((("neg" in m && m.neg) ? 1 : 0) << 8);
      switch (m.kind) {
        case "src": case "dst":
          if (m.prefix.family !== 4) throw new NotModelled("IPv6 rule");
          ops.push3(h(m.kind === "src" ? K.NK_OP_SRC : K.NK_OP_DST), m.prefix.v4net, m.prefix.v4mask); break;
        case "proto": ops.push2(h(K.NK_OP_PROTO), m.num); break;
        case "inIface": ops.push2(h(K.NK_OP_IN), pattern(m.name)); break;
        case "outIface": ops.push2(h(K.NK_OP_OUT), pattern(m.name)); break;
        case "sport": case "dport": ops.push3(h(m.kind === "sport" ? K.NK_OP_SPORT : K.NK_OP_DPORT), m.range[0], m.range[1]); break;
        case "multiport":
          ops.push3(h(K.NK_OP_MULTI), m.which === "sports" ? 0 : m.which === "dports" ? 1 : 2, m.ranges.length);
          for (const [lo, hi] of m.ranges) ops.push2(lo, hi);
          break;
        case "addrtype": ops.push3(h(K.NK_OP_ADDRTYPE), m.which === "dst" ? 1 : 0, m.types.reduce((b, t) => b | (TYPE_BIT[t] ?? 0), 0)); break;
        case "comment": break;
        case "statistic": {
          f64[0] = m.mode === "random" ? m.probability : 1 / Math.max(1, m.every);
          ops.push3(K.NK_OP_STAT, f64w[0], f64w[1]);
          break;
        }
        case "mark": ops.push3(h(K.NK_OP_MARK), m.value, m.mask); break;
        case "ctstate": ops.push3(h(K.NK_OP_CT), m.module === "conntrack" ? 0 : 1, m.states.reduce((b, s) => b | (CT_BIT[s] ?? 0), 0)); break;
        case "recent": ops.push2(h(K.NK_OP_RECENT), m.op === "set" ? 1 : 0); break;
        case "set": ops.push3(h(K.NK_OP_SET), setId(m.name), m.dirs[0] === "dst" ? 1 : 0); ops.push2(m.dirs.length, m.dirs[1] === "src" ? 0 : 1); break;
        case "physdev": case "fragment": ops.push2(K.NK_OP_CONST, m.neg ? 1 : 0); break;
        case "unknown": ops.push2(K.NK_OP_CONST, m.module === "rpfilter" ? (m.option !== "--invert" ? 1 : 0) : 1); break;
      }
    };
    for (const table of tables.values()) {
      for (const chain of table.chains.values()) {
        // A lazily parsed chain (parse-fast.ts): its rules as lazy records or Rules, none made here.
        const lc = lazy?.chains.get(chain);
        const rules: readonly (Rule | number)[] = lc ? lc.entries : chain.rules;
        const store = lc?.store;
        const recAt = chainRecs.n;
        chainRecs.push3(ruleWords.n / 8, rules.length, chain.policy === "DROP" ? 1 : 0);
        chainRecs.push3(0, 0, 0);
        chainRecs.push2(0, 0);
        if (rules.length >= INDEX_MIN_RULES) {
          const keyed = new Map<string, { dst: number; pp: number; list: number[] }>();
          const residual: number[] = [];
          let nKeyed = 0;
          for (let pos = 0; pos < rules.length; pos++) {
            const rp = rules[pos];
            const k = typeof rp === "number" ? lazyKey(store!, rp) : ruleKey(rp.matches);
            if (!k) { residual.push(pos); continue; }
            nKeyed++;
            const key = k[0] + ":" + k[1];
            let e = keyed.get(key);
            if (!e) keyed.set(key, (e = { dst: k[0], pp: k[1], list: [] }));
            e.list.push(pos);
          }
          if (nKeyed >= INDEX_MIN_KEYED) {
            const { words, mask } = bucketTable(keyed.values(), keyed.size, postings);
            chainRecs.a[recAt + 6] = postings.length;
            chainRecs.a[recAt + 7] = residual.length;
            for (const x of residual) postings.push(x);
            chainRecs.a[recAt + 5] = mask;
            bucketTables.push({ chainWord: recAt + 4, words });
          }
        }
        for (let ri = 0; ri < rules.length; ri++) {
          const r = rules[ri];
          const off = ops.n;
          if (typeof r === "number") {
            // The numbers of a lazy rule, encoded as encode() encodes its Rule.
            const sa = store!, rec = sa.recs.a, o = r * LZ_REC, ms = sa.ms.a;
            for (let q = rec[o] * 3, qe = q + rec[o + 1] * 3; q < qe; q += 3) {
              const kind = ms[q] & 0xff, neg = ms[q] & 0x100;
              if (kind === LZ_STAT) {
                f64[0] = ms[q + 2] === 0 ? sa.probs[ms[q + 1]] : 1;
                ops.push3(K.NK_OP_STAT, f64w[0], f64w[1]);
              } else if (kind === LZ_PROTO) ops.push2(K.NK_OP_PROTO | neg, ms[q + 1]);
              else ops.push3((kind === LZ_SRC ? K.NK_OP_SRC : kind === LZ_DST ? K.NK_OP_DST : kind === LZ_SPORT ? K.NK_OP_SPORT : K.NK_OP_DPORT) | neg, ms[q + 1], ms[q + 2]);
            }
            const tk = rec[o + 2];
            ruleWords.push3(off, ops.n - off, tk === LZ_ACCEPT ? K.NK_T_ACCEPT : tk === LZ_DROP ? K.NK_T_DROP : tk === LZ_RETURN ? K.NK_T_RETURN : tk === LZ_JUMP ? K.NK_T_JUMP : K.NK_T_DNAT);
            if (tk === LZ_JUMP) ruleWords.push3(chainIds.get(sa.targets[r]!)!, 0, 0);
            else if (tk === LZ_DNAT) ruleWords.push3(1, rec[o + 3], rec[o + 4]);
            else ruleWords.push3(0, 0, 0);
            ruleWords.push2(tk === LZ_DNAT ? rec[o + 5] : 0, 0);
            continue;
          }
          const ms = r.matches;
          for (let mi = 0; mi < ms.length; mi++) encode(ms[mi]);
          const t = r.target;
          let tk: number = K.NK_T_NONE, a0 = 0, a1 = 0, a2 = 0, a3 = 0;
          if (t) {
            switch (t.kind) {
              case "verdict": tk = t.name === "ACCEPT" ? K.NK_T_ACCEPT : t.name === "DROP" ? K.NK_T_DROP : t.name === "REJECT" ? K.NK_T_REJECT : K.NK_T_RETURN; break;
              case "jump": {
                const to = table.chains.get(t.chain);
                if (!to || to.builtin) tk = K.NK_T_CONTINUE;
                else { tk = K.NK_T_JUMP; a0 = chainIds.get(to)!; a1 = t.goto ? 1 : 0; }
                break;
              }
              case "dnat": case "snat":
                tk = t.kind === "dnat" ? K.NK_T_DNAT : K.NK_T_SNAT;
                if (t.to.first) {
                  if (t.to.first.family !== 4) throw new NotModelled("IPv6 NAT");
                  a0 = 1; a1 = t.to.first.v4net;
                }
                if (t.to.ports) { a2 = 1; a3 = t.to.ports[0]; }
                break;
              case "masquerade": tk = K.NK_T_MASQ; if (t.ports) { a2 = 1; a3 = t.ports[0]; } break;
              case "mark": tk = K.NK_T_MARK; a0 = MARK_OP[t.op]; a1 = t.value; a2 = t.mask; break;
              default: tk = K.NK_T_CONTINUE;
            }
          }
          ruleWords.push3(off, ops.n - off, tk);
          ruleWords.push3(a0, a1, a2);
          ruleWords.push2(a3, 0);
        }
      }
    }
    // Set tables (ids were handed out while encoding; list:set members join the list as they come).
    const setWords: number[] = [];
    const entryWords: number[] = [];
    for (let i = 0; i < setOrder.length; i++) {
      const set = ipsets!.get(setOrder[i])!;
      const first = entryWords.length / 8;
      let count = 0;
      for (const e of set.entries) {
        if (e.member !== undefined) { entryWords.push(1, 0, 0, 0, 0, 0, 0, setId(e.member)); count++; continue; }
        if (!e.prefix || e.prefix.family !== 4) continue;
        entryWords.push(0, e.prefix.v4net, e.prefix.v4mask, e.prefix.bits, e.port ?? K.NK_NONE, e.proto === undefined ? K.NK_NONE : e.proto >>> 0, e.nomatch ? 1 : 0, 0);
        count++;
      }
      setWords.push(first, count);
    }
    this.core = core();
    let off: number = K.NK_PROG_SIZE;
    const rulesOff = off; off += ruleWords.n * 4;
    const chainsOff = off; off += chainRecs.n * 4;
    const opsOff = off; off += ops.n * 4;
    const setsOff = off; off += setWords.length * 4;
    const entriesOff = off; off += entryWords.length * 4;
    const localOff = off; off += 64 * 4;
    const postOff = off; off += postings.length * 4;
    const bucketOffs: number[] = [];
    for (const b of bucketTables) { off = (off + 15) & ~15; bucketOffs.push(off); off += b.words.byteLength; }
    this.size = (off + 15) & ~15;
    this.base = this.core.heap.alloc(this.size);
    this.core.heap.own(this, this.base, this.size);
    const B = this.base;
    const u32 = new Uint32Array(this.core.memory.buffer, B, this.size / 4);
    u32.fill(0);
    u32.set(ruleWords.view(), rulesOff / 4);
    u32.set(chainRecs.view(), chainsOff / 4);
    u32.set(ops.view(), opsOff / 4);
    u32.set(setWords, setsOff / 4);
    u32.set(entryWords, entriesOff / 4);
    u32.set(postings, postOff / 4);
    bucketTables.forEach((b, i) => {
      u32.set(b.words, bucketOffs[i] / 4);
      u32[chainsOff / 4 + b.chainWord] = B + bucketOffs[i];
    });
    this.indexedChains = bucketTables.length;
    const hooks = HOOKS.map(([t, c]) => {
      const ch = tables.get(t)?.chains.get(c);
      return ch && (BUILTIN_CHAINS[t] ?? []).includes(c) ? chainIds.get(ch)! : K.NK_NONE;
    });
    this.words = [B + rulesOff, B + chainsOff, B + opsOff, B + setsOff, B + entriesOff, B + localOff, 0, 0, 0, 0, this.patterns.length, ...hooks, 256, B + postOff];
    this.header = new Uint32Array(this.words);
  }

  /** The interface match table: one row per interface name ("" = none, row 0), one column per pattern. */
  private ifMatrix(names: readonly string[]): Uint8Array {
    const np = this.patterns.length;
    const ifm = new Uint8Array(Math.max(1, names.length * np));
    names.forEach((name, r) => {
      this.patterns.forEach((p, c) => { ifm[r * np + c] = (p.endsWith("+") ? name.startsWith(p.slice(0, -1)) : name === p) ? 1 : 0; });
    });
    return ifm;
  }

  /**
   * Runs encoded flow records (NK_FLOW_SIZE each) in one call; the results and alternatives stay
   * in a heap block the caller releases: result i at res + 16i, alternative k at alts + 32k.
   */
  private exec(fw: Uint32Array, ifm: Uint8Array, n: number, opts: TraceOptions): KernelRun {
    const { local4, nodeIp } = localAddrs(opts);
    let cap = n * 2 + 64;
    const heap = this.core.heap;
    for (;;) {
      const flowsOff = 0;
      const resOff = flowsOff + fw.byteLength;
      const ifmOff = resOff + n * K.NK_RES_SIZE;
      const scratchOff = (ifmOff + ifm.length + 15) & ~15;
      const altsOff = (scratchOff + K.NK_MAX_CHOICES * 9 + 66 * 8 + 15) & ~15;
      const total = altsOff + cap * K.NK_ALT_SIZE;
      const blk = heap.alloc(total);
      let keep = false;
      try {
        const buf = this.core.memory.buffer;
        const B = this.base;
        const hdr = new Uint32Array(buf, B, K.NK_PROG_SIZE / 4);
        hdr.set(this.header);
        hdr[28] = opts.maxAlternatives ?? 256;
        hdr[6] = local4.length;
        hdr[7] = nodeIp?.family === 4 ? nodeIp.v4 : 0;
        hdr[8] = nodeIp?.family === 4 ? 1 : 0;
        hdr[9] = blk + ifmOff;
        new Uint32Array(buf, hdr[5], 64).set(local4.map((a) => a.v4));
        new Uint32Array(buf, blk + flowsOff, fw.length).set(fw);
        new Uint8Array(buf, blk + ifmOff, ifm.length).set(ifm);
        const got = this.core.exports.nkRun(B, blk + flowsOff, n, blk + resOff, blk + altsOff, cap, blk + scratchOff, this.core.res);
        if (got < 0) {
          cap = this.core.result(ABI.RES_A) + 16;
          continue;
        }
        keep = true;
        return { blk, size: total, res: blk + resOff, alts: blk + altsOff, nAlts: got, n };
      } finally {
        if (!keep) heap.release(blk, total);
      }
    }
  }

  /** Whether a flow from this source address counts as from the network (not locally generated): it names an in-interface or is not a node address. */
  private localTest(opts: TraceOptions): (a: number) => boolean {
    const { local4 } = localAddrs(opts);
    return (a: number) => a >>> 24 === 127 || local4.some((l) => l.v4 === a);
  }

  /**
   * Traces flows; returns per flow the kernel result, or undefined where the TS tracer must run;
   * or, for the whole batch, why wasm does not take it (an IPv6 flow, a protocol or port the
   * tracer refuses: it gives the error).
   */
  run(flows: Flow[], opts: TraceOptions): (KernelResult | undefined)[] | NotCompiled {
    const isLocal = this.localTest(opts);
    // Interfaces: one row per distinct interface name in the flows ("" = none), one column per pattern.
    const ifRows = new Map<string, number>([["", 0]]);
    const row = (name: string | undefined) => {
      const k = name ?? "";
      let r = ifRows.get(k);
      if (r === undefined) ifRows.set(k, (r = ifRows.size));
      return r;
    };
    const n = flows.length;
    const fw = new Uint32Array(n * 8);
    const protoNums: number[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const f = flows[i];
      const s4 = quickV4(f.src), d4 = quickV4(f.dst);
      if (s4 < 0 || d4 < 0) return { unsupported: "IPv6 flow: traced by the TypeScript tracer" };
      const num = protoNumber(f.proto);
      if (num < 0) return { unsupported: "unknown protocol: traced by the TypeScript tracer" };
      for (const port of [f.sport, f.dport]) if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) return { unsupported: "bad port: traced by the TypeScript tracer" };
      protoNums[i] = num;
      fw.set([s4, d4, num, f.sport ?? 0, f.dport ?? 0, row(f.inIface), row(f.outIface), f.inIface || !isLocal(s4) ? 1 : 0], i * 8);
    }
    const r = this.exec(fw, this.ifMatrix([...ifRows.keys()]), n, opts);
    try {
      const after = this.core.memory.buffer;
      const res = new Uint32Array(after, r.res, n * 4);
      const alt32 = new Uint32Array(after, r.alts, r.nAlts * 8);
      const altF = new Float64Array(after, r.alts, r.nAlts * 4);
      const VERDICT = ["ACCEPT", "DROP", "REJECT"] as const;
      const DELIVERY = [undefined, "local", "forward", "output"] as const;
      const out: (KernelResult | undefined)[] = new Array(n);
      for (let i = 0; i < n; i++) {
        if (res[i * 4 + 2] !== 0) { out[i] = undefined; continue; }
        const f = flows[i];
        const withPorts = PORT_PROTOS.has(protoNums[i]);
        const alternatives: KernelResult["alternatives"] = [];
        for (let k = 0; k < res[i * 4 + 1]; k++) {
          const a = res[i * 4] + k;
          const w = alt32[a * 8 + 2];
          alternatives.push({
            probability: altF[a * 4],
            verdict: VERDICT[w & 0xff],
            delivery: DELIVERY[(w >>> 8) & 0xff],
            src: (w >>> 16) & 1 ? "(node IP)" : formatV4(alt32[a * 8 + 3]),
            sport: withPorts && f.sport !== undefined ? alt32[a * 8 + 5] : undefined,
            dst: formatV4(alt32[a * 8 + 4]),
            dport: withPorts && f.dport !== undefined ? alt32[a * 8 + 6] : undefined,
          });
        }
        const verdicts = new Set(alternatives.map((a) => a.verdict));
        out[i] = { verdict: verdicts.size === 1 ? alternatives[0].verdict : "MIXED", alternatives };
      }
      return out;
    } finally {
      this.core.heap.release(r.blk, r.size);
    }
  }

  /**
   * Traces flow columns (flow-scan.ts) with no object per flow: the results stay in the heap (a
   * KernelBatch, formatted by writeJsonl); or why wasm does not take the batch. Flows the core
   * leaves to the TypeScript tracer (status 1) are marked in the results (the caller traces them).
   */
  runColumns(cols: FlowColumns, opts: TraceOptions): KernelBatch | NotCompiled {
    if (cols.other.size) return { unsupported: "IPv6 flow: traced by the TypeScript tracer" };
    const protoNums = new Int32Array(cols.protos.length + 1);
    for (let p = 0; p < cols.protos.length; p++) {
      protoNums[p] = protoNumber(cols.protos[p]);
      if (protoNums[p] < 0) return { unsupported: "unknown protocol: traced by the TypeScript tracer" };
    }
    protoNums[cols.protos.length] = protoNumber(undefined);
    const isLocal = this.localTest(opts);
    const n = cols.n;
    const fw = new Uint32Array(n * 8);
    const none = cols.protos.length;
    // Interface rows: 0 = none, then the column's interface ids.
    const ifRow = (id: number) => (id === 0xffff ? 0 : id + 1);
    for (let i = 0, k = 0; i < n; i++, k += 8) {
      const s4 = cols.src[i];
      const p = cols.proto[i];
      fw[k] = s4; fw[k + 1] = cols.dst[i]; fw[k + 2] = protoNums[p === 0xffff ? none : p];
      fw[k + 3] = Math.max(0, cols.sport[i]); fw[k + 4] = Math.max(0, cols.dport[i]);
      fw[k + 5] = ifRow(cols.inIface[i]); fw[k + 6] = ifRow(cols.outIface[i]);
      fw[k + 7] = cols.inIface[i] !== 0xffff || !isLocal(s4) ? 1 : 0;
    }
    const r = this.exec(fw, this.ifMatrix(["", ...cols.ifaces]), n, opts);
    const portsShown = Uint8Array.from(protoNums, (num) => (PORT_PROTOS.has(num) ? 1 : 0));
    const batch: KernelBatch = { ...r, portsShown };
    this.core.heap.own(batch, r.blk, r.size);
    return batch;
  }
}

/** nkRun's output in the heap: a block (blk, size), n results at res, nAlts alternatives at alts. */
export interface KernelRun {
  blk: number;
  size: number;
  res: number;
  alts: number;
  nAlts: number;
  n: number;
}

/** A batch of kernel-mode results in the heap (freed with the object, or by core().heap.disown(batch, blk, size)); per protocol id whether ports are shown. */
export interface KernelBatch extends KernelRun {
  portsShown: Uint8Array;
}

/** The node's own addresses (--local and --node-ip): the IPv4 ones the core takes (at most 64), and the node IP. */
function localAddrs(opts: TraceOptions) {
  const local = (opts.local ?? []).map(parseNetAddr);
  const nodeIp = opts.nodeIp ? parseNetAddr(opts.nodeIp) : undefined;
  if (nodeIp) local.push(nodeIp);
  return { local4: local.filter((a) => a.family === 4).slice(0, 64), nodeIp };
}

/** The protocol number a flow's protocol names (tcp when none), -1 for one the tracer refuses. */
function protoNumber(proto: string | undefined): number {
  const p = (proto ?? "tcp").toLowerCase();
  const num = PROTO[p] ?? (/^\d{1,3}$/.test(p) ? Number(p) : -1);
  return num > 255 ? -1 : num;
}

const programs = new WeakMap<Ruleset, WeakMap<object, KernelProgram | NotCompiled>>();
const NO_SETS = {};

/** The compiled kernel program for a ruleset and ipsets (built once), or why wasm does not apply. */
export function compileKernel(rs: Ruleset, ipsets?: IpsetDb): KernelProgram | NotCompiled {
  if (rs.family !== 4) return { unsupported: "IPv6 rulesets are traced by the TypeScript tracer" };
  let byIpsets = programs.get(rs);
  if (!byIpsets) programs.set(rs, (byIpsets = new WeakMap()));
  let p = byIpsets.get(ipsets ?? NO_SETS);
  if (!p) byIpsets.set(ipsets ?? NO_SETS, (p = KernelProgram.compile(rs, ipsets)));
  return p;
}

/** Kernel mode in bulk: wasm where it applies; single flows it cannot take go to the TS tracer. */
export function traceFlowsKernelWasm(rs: Ruleset, flows: Flow[], opts: TraceOptions): KernelResult[] | NotCompiled {
  const p = compileKernel(rs, opts.ipsets);
  if (!(p instanceof KernelProgram)) return p;
  if (opts.nodeIp && parseNetAddr(opts.nodeIp).family !== 4) return { unsupported: "an IPv6 --node-ip is traced by the TypeScript tracer" };
  const r = p.run(flows, opts);
  if (!Array.isArray(r)) return r;
  return r.map((x, i) => {
    if (x) return x;
    const t = traceKernel(rs, flows[i], opts);
    return {
      verdict: t.verdict,
      alternatives: t.alternatives.map((a) => ({ probability: a.probability, verdict: a.verdict, delivery: a.delivery, src: a.src, sport: a.sport, dst: a.dst, dport: a.dport })),
    };
  });
}
