// Compiles a ruleset into the wasm tables of packages/wasm/assembly/netfilter.ts and evaluates
// batches of flows in kube-proxy-test mode in one call. The rule semantics come from the same
// kpRule() view the TypeScript tracer uses; what is added is speed without changing answers:
// - an index: a chain with many `-d IP/32 -p proto --dport N` rules (kube-proxy's KUBE-SERVICES)
//   gets a hash table from that key to its rules, merged in rule order with the other rules;
// - a per-call result cache in wasm, keyed on (dst, proto, dport) and validated by the logged
//   outcome of every test the trace made on the source (see netfilter.ts).
import { ABI } from "../../core/abi.ts";
import { core, type Core } from "../../core/module.ts";
import { kpFlat, newKpFlat, outputAddress, KP_FILTER_CHAINS, type KpFlat } from "./trace.ts";
import type { Flow, TraceOptions, KubeProxyResult } from "../types.ts";
import { parseNetAddr, quickV4 } from "../net.ts";
import { bucketTable } from "../buckets.ts";
import type { Rule, Ruleset } from "../model.ts";
import type { FlowColumns, ResidentColumns } from "../flow-scan.ts";

/** TypeScript mirror of the NF_* constants in packages/wasm/assembly/abi/netfilter.ts (a test compares them). */
export const NF_ABI = {
  NF_PROG_SIZE: 80, NF_RULE_SIZE: 48, NF_CHAIN_SIZE: 32, NF_BUCKET_SIZE: 16, NF_OUT_SIZE: 8, NF_FLOW_SIZE: 16, NF_RES_SIZE: 12, NF_CACHE_SIZE: 128, NF_CACHE_TESTS: 12, NF_CACHE_MIN_WORK: 8,
  NF_F_SRC: 1, NF_F_SRC_NEG: 2, NF_F_DST: 4, NF_F_DST_NEG: 8, NF_F_PROTO: 16, NF_F_PROTO_NEG: 32, NF_F_DPORT: 64, NF_F_DPORT_NEG: 128,
  NF_F_STYPE: 256, NF_F_STYPE_NEG: 512, NF_F_DTYPE: 1024, NF_F_DTYPE_NEG: 2048, NF_F_NEVER: 4096, NF_F_PROB: 8192,
  NF_TYPE_LOCAL: 0, NF_TYPE_NOT_MATCHED: 1, NF_TYPE_OTHER: 2,
  NF_ACT_SKIP: 0, NF_ACT_MARK_MASQ: 1, NF_ACT_OUTPUT: 2, NF_ACT_JUMP: 3, NF_ACT_MISSING: 4,
  NF_NO_CHAIN: 0xffffffff, NF_MAX_DEPTH: 64, NF_RET_OVERFLOW: -1,
  NF_FMT_SRC: 0, NF_FMT_DST: 4, NF_FMT_PROTO: 8, NF_FMT_SPORT: 12, NF_FMT_DPORT: 16, NF_FMT_RESULTS: 20, NF_FMT_OUT_IDS: 24, NF_FMT_STRINGS: 28,
  NF_FMT_PROTOS: 32, NF_FMT_NPROTOS: 36, NF_FMT_OUTPUTS: 40, NF_FMT_LITS: 44, NF_FMT_BUF: 48, NF_FMT_CAP: 52, NF_FMT_WRITTEN: 56, NF_FMT_PARAMS_SIZE: 64,
  NF_FMT_NO_PROTO: 0xffff,
  NF_SCAN_BYTES: 0, NF_SCAN_END: 4, NF_SCAN_POS: 8, NF_SCAN_LINE: 12, NF_SCAN_CODES: 16, NF_SCAN_NCODES: 20, NF_SCAN_ROWS: 24, NF_SCAN_CAP: 28,
  NF_SCAN_SRC: 32, NF_SCAN_DST: 36, NF_SCAN_SPORT: 40, NF_SCAN_DPORT: 44, NF_SCAN_PROTO: 48, NF_SCAN_IN: 52, NF_SCAN_OUT: 56,
  NF_SCAN_DICT: 60, NF_SCAN_NDICT: 64, NF_SCAN_HASH: 68, NF_SCAN_HASH_MASK: 72, NF_SCAN_NPROTO: 76, NF_SCAN_NIFACE: 80, NF_SCAN_PARAMS_SIZE: 96,
  NF_SCAN_ENTRY_SIZE: 16, NF_SCAN_NONE: 0xffff, NF_SCAN_MAX_IDS: 0xffff, NF_SCAN_KIND_PROTO: 0, NF_SCAN_KIND_IFACE: 1,
  NF_SCAN_DONE: 0, NF_SCAN_SLOW: 1, NF_SCAN_FULL: 2, NF_SCAN_TOO_MANY: 3,
  NF_COL_SRC: 1, NF_COL_DST: 2, NF_COL_PROTO: 3, NF_COL_SPORT: 4, NF_COL_DPORT: 5, NF_COL_IN: 6, NF_COL_OUT: 7,
  NF_FMT_LIT_SRC: 0, NF_FMT_LIT_DST: 1, NF_FMT_LIT_PROTO: 2, NF_FMT_LIT_SPORT: 3, NF_FMT_LIT_DPORT: 4, NF_FMT_LIT_OUTPUT: 5, NF_FMT_LIT_MASQ_T: 6, NF_FMT_LIT_MASQ_F: 7, NF_FMT_LIT_SEP: 8,
} as const;
const A = NF_ABI;

const typeCode = (v: string): number => (v === "LOCAL" ? A.NF_TYPE_LOCAL : v === "not-matched" ? A.NF_TYPE_NOT_MATCHED : A.NF_TYPE_OTHER);

/** --dport as the helper's text, as a port number: "0" or 1-5 digits without a leading zero, <= 65535; else -1 (never equal). */
export function portValue(v: string): number {
  const n = v.length;
  if (n < 1 || n > 5 || (n > 1 && v.charCodeAt(0) === 48)) return -1;
  let x = 0;
  for (let i = 0; i < n; i++) {
    const d = v.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    x = x * 10 + d;
  }
  return x <= 65535 ? x : -1;
}

/** Chains with at least this many rules get a (dst, proto, dport) index. */
export const INDEX_MIN_RULES = 8;
const NO_PROTO = 0xfffe;
const KNOWN_PROTOS = new Set(["tcp", "udp", "sctp", "icmp", "icmpv6", "ipv6-icmp", "udplite", "all"]);

/** A protocol the wasm path takes as the TypeScript tracer would (anything else goes to the tracer, for its error). */
export const kpProtoOk = (proto: string): boolean => KNOWN_PROTOS.has(proto) || (/^\d{1,3}$/.test(proto) && Number(proto) <= 255);

/** The results of runAt, in the core's heap until the caller calls release(). */
export interface ResidentRun {
  results: number;
  outIds: number;
  nIds: number;
  release(): void;
}

/** The per-flow results of a batch (copied out of wasm memory): [first output, count, masq] per flow, and the output-id arena. */
export interface KpRun {
  results: Uint32Array;
  outIds: Uint32Array;
}

/**
 * kpFlat's reading of every rule in numbers (KR words per rule), before protocols, outputs and
 * jump targets get program ids. Two producers give it: kpRulesOf (from a parsed Ruleset) and the
 * flows loader (kube-proxy/load.ts, straight from the dump's bytes); KpProgram compiles either,
 * so both give the same program (a differential test compares them word for word).
 */
export interface KpRules {
  /** Program order: the nat table's chains, then filter's, each in declaration order. */
  chains: { table: "nat" | "filter"; name: string; first: number; count: number }[];
  /** KR.WORDS words per rule; chain c's rules are [first, first + count). */
  rec: Uint32Array;
  /** Texts the records name (id + 1 in PROTO, JUMP, DNAT; 0 = none). */
  strings: string[];
}

/**
 * Word offsets of a KpRules record. FLAGS holds the NF_F_* bits. CHAIN: the jump's chain as its
 * index in KpRules.chains + 1, where the producer resolved it (a -j to a chain of the rule's own
 * table, other than the names the helper treats as targets: KUBE-MARK-MASQ, ACCEPT, REJECT, DROP,
 * DNAT); JUMP may then be 0. 0: the compiler resolves JUMP by name.
 */
export const KR = { FLAGS: 0, SRC_NET: 1, SRC_MASK: 2, DST_NET: 3, DST_MASK: 4, PROTO: 5, DPORT: 6, STYPE: 7, DTYPE: 8, JUMP: 9, DNAT: 10, CHAIN: 11, WORDS: 12 } as const;

/** Jump names the kube-proxy helper's view treats as targets, never as chains. */
export const KP_TARGET_NAMES: ReadonlySet<string> = new Set(["KUBE-MARK-MASQ", "ACCEPT", "REJECT", "DROP", "DNAT"]);

/** A string table for KpRules: each text once; ids from 1 (0 = none). */
export class KrStrings {
  readonly list: string[] = [];
  private readonly ids = new Map<string, number>();
  id(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      this.list.push(s);
      this.ids.set(s, (id = this.list.length));
    }
    return id;
  }
}

/** Writes the KR record of rule r at rec[w...] (k is scratch for kpFlat). */
export function kpRecord(r: Rule, k: KpFlat, rec: Uint32Array, w: number, strings: KrStrings): void {
  kpFlat(r, k);
  let flags = 0;
  if (k.src) { flags |= A.NF_F_SRC | (k.srcNeg ? A.NF_F_SRC_NEG : 0); rec[w + KR.SRC_NET] = k.src.v4net; rec[w + KR.SRC_MASK] = k.src.v4mask; }
  if (k.dst) { flags |= A.NF_F_DST | (k.dstNeg ? A.NF_F_DST_NEG : 0); rec[w + KR.DST_NET] = k.dst.v4net; rec[w + KR.DST_MASK] = k.dst.v4mask; }
  if (k.proto !== undefined) { flags |= A.NF_F_PROTO | (k.protoNeg ? A.NF_F_PROTO_NEG : 0); rec[w + KR.PROTO] = strings.id(k.proto); }
  rec[w + KR.DPORT] = -1 >>> 0;
  if (k.dport !== undefined) { flags |= A.NF_F_DPORT | (k.dportNeg ? A.NF_F_DPORT_NEG : 0); rec[w + KR.DPORT] = portValue(k.dport) >>> 0; }
  rec[w + KR.STYPE] = A.NF_TYPE_OTHER;
  rec[w + KR.DTYPE] = A.NF_TYPE_OTHER;
  if (k.srcType !== undefined) { flags |= A.NF_F_STYPE | (k.srcTypeNeg ? A.NF_F_STYPE_NEG : 0); rec[w + KR.STYPE] = typeCode(k.srcType); }
  if (k.dstType !== undefined) { flags |= A.NF_F_DTYPE | (k.dstTypeNeg ? A.NF_F_DTYPE_NEG : 0); rec[w + KR.DTYPE] = typeCode(k.dstType); }
  if (k.never) flags |= A.NF_F_NEVER;
  if (k.probability) flags |= A.NF_F_PROB;
  rec[w + KR.FLAGS] = flags;
  if (k.jump !== undefined) rec[w + KR.JUMP] = strings.id(k.jump);
  if (k.jump === "DNAT") rec[w + KR.DNAT] = strings.id(k.dnat ?? "");
}

/** The KpRules of a parsed ruleset (kpFlat per rule). */
export function kpRulesOf(rs: Ruleset): KpRules {
  const chains: KpRules["chains"] = [];
  let total = 0;
  for (const t of ["nat", "filter"] as const) {
    const table = rs.tables.get(t);
    if (!table) continue;
    for (const [name, chain] of table.chains) {
      chains.push({ table: t, name, first: total, count: chain.rules.length });
      total += chain.rules.length;
    }
  }
  const rec = new Uint32Array(total * KR.WORDS);
  const strings = new KrStrings();
  const k = newKpFlat();
  let w = 0;
  for (const c of chains) {
    for (const r of rs.tables.get(c.table)!.chains.get(c.name)!.rules) {
      kpRecord(r, k, rec, w, strings);
      w += KR.WORDS;
    }
  }
  return { chains, rec, strings: strings.list };
}

/** A program block the core built in its heap (nfKpBuild), with what JS keeps of it. */
export interface KpBuilt {
  base: number;
  size: number;
  outputs: string[];
  /** The program's protocol ids, in id order. */
  protoIds: [string, number][];
  indexedChains: number;
  ruleCount: number;
  /** Offset of the LOCAL addresses in the block. */
  localOff: number;
}

/** A ruleset compiled for kube-proxy-test bulk evaluation: its tables live in the shared core's heap. */
export class KpProgram {
  readonly core: Core;
  /** Address of the program block (header + tables) in the core's heap. */
  readonly base: number;
  /** Bytes of the program (header + tables); per-call data goes after it. */
  readonly size: number;
  readonly protoIds = new Map<string, number>();
  readonly outputs: string[] = [];
  readonly indexedChains: number;
  readonly ruleCount: number;
  private localPtr: number;
  /** Whether the core built the block (nfKpBuild) rather than this constructor. */
  readonly builtInCore: boolean;

  /** From KpRules (laid out here), or a block the core built (kube-proxy/load.ts, nfKpBuild: the same layout). */
  constructor(rules: KpRules | KpBuilt) {
    if ("base" in rules) {
      this.core = core();
      this.base = rules.base;
      this.size = rules.size;
      this.outputs = rules.outputs;
      for (const [p, id] of rules.protoIds) this.protoIds.set(p, id);
      this.indexedChains = rules.indexedChains;
      this.ruleCount = rules.ruleCount;
      this.localPtr = rules.localOff;
      this.builtInCore = true;
      this.core.heap.own(this, this.base, this.size);
      return;
    }
    this.builtInCore = false;
    const { chains, rec, strings } = rules;
    // Chains by name, for jumps the producer did not resolve. A few names (RETURN, say, which names
    // no chain) are found by a scan and remembered; past 16 of them the whole map is built.
    let chainIds: Map<string, Map<string, number>> | undefined;
    const scanned = new Map<string, number | undefined>();
    const chainId = (table: string, name: string) => {
      if (!chainIds && scanned.size < 16) {
        const key = table + " " + name;
        if (scanned.has(key)) return scanned.get(key);
        let found: number | undefined;
        for (let c = 0; c < chains.length && found === undefined; c++) if (chains[c].name === name && chains[c].table === table) found = c;
        scanned.set(key, found);
        return found;
      }
      if (!chainIds) {
        chainIds = new Map([["nat", new Map()], ["filter", new Map()]]);
        for (let c = 0; c < chains.length; c++) chainIds.get(chains[c].table)!.set(chains[c].name, c);
      }
      return chainIds.get(table)!.get(name);
    };
    const outIds = new Map<string, number>();
    const outAddr: number[] = [];
    const outValid: number[] = [];
    // Output ids by string id too (a string id names one text), so most lookups are an array read.
    const outOfString = new Int32Array(strings.length + 1).fill(-1);
    const outputOf = (sid: number) => {
      let id = outOfString[sid];
      if (id < 0) outOfString[sid] = id = outputId(strings[sid - 1] ?? "");
      return id;
    };
    const outputId = (text: string) => {
      let id = outIds.get(text);
      if (id === undefined) {
        id = this.outputs.length;
        outIds.set(text, id);
        this.outputs.push(text);
        let a = 0, valid = 0;
        const at = outputAddress(text);
        // The plain dotted quad without the strict parser (it reads it as the same number).
        const q = quickV4(at);
        if (q >= 0) { a = q; valid = 1; }
        else {
          try {
            const na = parseNetAddr(at);
            if (na.family === 4) { a = na.v4; valid = 1; }
          } catch { /* ACCEPT, REJECT, DROP: not an address */ }
        }
        outAddr.push(a);
        outValid.push(valid);
      }
      return id;
    };
    // Protocol ids by string id (0: not seen yet), in order of first use as compile always gave them.
    const protoOfString = new Int32Array(strings.length + 1).fill(-1);
    const protoId = (sid: number) => {
      let id = protoOfString[sid];
      if (id < 0) {
        const p = strings[sid - 1];
        id = this.protoIds.get(p) ?? -1;
        if (id < 0) this.protoIds.set(p, (id = this.protoIds.size));
        protoOfString[sid] = id;
      }
      return id;
    };
    let totalRules = 0;
    for (const c of chains) totalRules += c.count;
    const ruleWords = new Uint32Array(totalRules * 12);
    let rw = 0;
    const chainRec = new Uint32Array(chains.length * 8);
    const postings: number[] = [];
    const bucketTables: { chain: number; words: Uint32Array }[] = [];
    let ruleIndex = 0;
    let indexed = 0;
    for (let c = 0; c < chains.length; c++) {
      const { table, first: from, count: n } = chains[c];
      const first = ruleIndex;
      // Only a chain long enough to be indexed sorts its rules by key (most chains are a few rules:
      // a map and a list each would be garbage).
      const indexing = n >= INDEX_MIN_RULES;
      const keyed = indexing ? new Map<number | string, { dst: number; pp: number; list: number[] }>() : undefined;
      const residual: number[] = [];
      for (let ri = 0; ri < n; ri++) {
        const q = (from + ri) * KR.WORDS;
        const flags = rec[q + KR.FLAGS];
        const srcNet = rec[q + KR.SRC_NET], srcMask = rec[q + KR.SRC_MASK], dstNet = rec[q + KR.DST_NET], dstMask = rec[q + KR.DST_MASK];
        const proto = flags & A.NF_F_PROTO ? protoId(rec[q + KR.PROTO]) : 0;
        const dport = flags & A.NF_F_DPORT ? rec[q + KR.DPORT] | 0 : -1;
        const stype = rec[q + KR.STYPE], dtype = rec[q + KR.DTYPE];
        let act: number = A.NF_ACT_SKIP, arg = 0;
        const js = rec[q + KR.JUMP];
        const resolved = rec[q + KR.CHAIN];
        const jump = js ? strings[js - 1] : undefined;
        if (resolved) { act = A.NF_ACT_JUMP; arg = resolved - 1; }
        else if (jump === undefined) act = A.NF_ACT_SKIP;
        else if (jump === "KUBE-MARK-MASQ") act = A.NF_ACT_MARK_MASQ;
        else if (jump === "ACCEPT" || jump === "REJECT" || jump === "DROP") { act = A.NF_ACT_OUTPUT; arg = outputOf(js); }
        else if (jump === "DNAT") { act = A.NF_ACT_OUTPUT; arg = rec[q + KR.DNAT] ? outputOf(rec[q + KR.DNAT]) : outputId(""); }
        else {
          const id = chainId(table, jump);
          if (id === undefined) act = A.NF_ACT_MISSING;
          else { act = A.NF_ACT_JUMP; arg = id; }
        }
        const W = ruleWords;
        W[rw] = flags; W[rw + 1] = srcNet; W[rw + 2] = srcMask; W[rw + 3] = dstNet; W[rw + 4] = dstMask; W[rw + 5] = proto;
        W[rw + 6] = dport >>> 0; W[rw + 7] = stype; W[rw + 8] = dtype; W[rw + 9] = act; W[rw + 10] = arg; W[rw + 11] = 0;
        rw += 12;
        const idx = ruleIndex++;
        if (!keyed) continue;
        const indexable = (flags & (A.NF_F_DST | A.NF_F_DST_NEG)) === A.NF_F_DST && dstMask === 0xffffffff &&
          (flags & (A.NF_F_PROTO | A.NF_F_PROTO_NEG)) === A.NF_F_PROTO && (flags & (A.NF_F_DPORT | A.NF_F_DPORT_NEG)) === A.NF_F_DPORT && dport >= 0;
        if (indexable) {
          const pp = ((proto << 16) | dport) >>> 0;
          // A number while it is exact (dst: 32 bits, port: 16, protocol id: 5), else text.
          const key = proto < 32 ? (dstNet * 65536 + dport) * 32 + proto : dstNet + ":" + pp;
          let e = keyed.get(key);
          if (!e) keyed.set(key, (e = { dst: dstNet, pp, list: [] }));
          e.list.push(idx);
        } else residual.push(idx);
      }
      const count = ruleIndex - first;
      if (keyed && keyed.size > 0) {
        indexed++;
        const { words, mask } = bucketTable(keyed.values(), keyed.size, postings);
        const rOff = postings.length;
        for (const r of residual) postings.push(r);
        bucketTables.push({ chain: c, words });
        chainRec.set([first, count, 0, mask, rOff, residual.length, 0, 0], c * 8);
      } else {
        chainRec[c * 8] = first;
        chainRec[c * 8 + 1] = count;
      }
    }
    this.indexedChains = indexed;

    this.ruleCount = ruleIndex;
    this.core = core();
    // Layout: header | rules | chains | postings | buckets... | outputs | local (64 slots)
    let off: number = A.NF_PROG_SIZE;
    const rulesOff = off; off += ruleWords.length * 4;
    const chainsOff = off; off += chains.length * A.NF_CHAIN_SIZE;
    const postOff = off; off += postings.length * 4;
    const bucketOffs: number[] = [];
    for (const b of bucketTables) { off = (off + 15) & ~15; bucketOffs.push(off); off += b.words.byteLength; }
    const outOff = off; off += this.outputs.length * A.NF_OUT_SIZE;
    const localOff = off; off += 64 * 4;
    this.size = (off + 15) & ~15;
    this.base = this.core.heap.alloc(this.size);
    // The block is the program's for as long as the program lives.
    this.core.heap.own(this, this.base, this.size);
    const u32 = new Uint32Array(this.core.memory.buffer, this.base, this.size / 4);
    u32.fill(0);
    const B = this.base;
    u32.set(ruleWords, rulesOff / 4);
    // NF_CHAIN_SIZE is 8 words: the records are laid out as built.
    u32.set(chainRec, chainsOff / 4);
    bucketTables.forEach((b, i) => {
      u32.set(b.words, bucketOffs[i] / 4);
      u32[(chainsOff + b.chain * A.NF_CHAIN_SIZE) / 4 + 2] = B + bucketOffs[i];
    });
    u32.set(postings, postOff / 4);
    this.outputs.forEach((_, i) => { u32[(outOff + i * 8) / 4] = outAddr[i]; u32[(outOff + i * 8) / 4 + 1] = outValid[i]; });
    // The entry chains, by a scan (no by-name map is built for these five).
    const id = (t: string, n: string) => {
      for (let c = 0; c < chains.length; c++) if (chains[c].name === n && chains[c].table === t) return c;
      return A.NF_NO_CHAIN;
    };
    u32.set([B + rulesOff, B + chainsOff, B + postOff, B + outOff, B + localOff, 0, id("nat", "PREROUTING"), ...KP_FILTER_CHAINS.map((c) => id("filter", c)),
      0, 0, 0, 0, 0, 0], 0);
    this.localPtr = localOff;
  }

  /** The helper's LOCAL addresses: 127.0.0.1, ::1 (never equal to an IPv4 flow) and the node's. */
  setLocal(local: string[]): void {
    const v4 = ["127.0.0.1", ...local].map((a) => parseNetAddr(a)).filter((a) => a.family === 4).slice(0, 64);
    const u32 = new Uint32Array(this.core.memory.buffer, this.base, this.size / 4);
    v4.forEach((a, i) => (u32[this.localPtr / 4 + i] = a.v4));
    u32[5] = v4.length;
  }

  /**
   * Flow records for run(): src, dst, proto id, dport. Returns undefined if a flow is not IPv4, or
   * is one the TypeScript tracer would refuse (an unknown protocol, a bad port: it gives the error).
   * Kept separate from run() so a benchmark can time the evaluation alone.
   */
  encodeFlows(flows: Flow[]): Uint32Array | undefined {
    const w = new Uint32Array(flows.length * 4);
    for (let i = 0; i < flows.length; i++) {
      const f = flows[i];
      const s = quickV4(f.src), d = quickV4(f.dst);
      if (s < 0 || d < 0) return undefined;
      w[i * 4] = s;
      w[i * 4 + 1] = d;
      const proto = (f.proto ?? "tcp").toLowerCase();
      if (!kpProtoOk(proto)) return undefined;
      for (const port of [f.sport, f.dport]) if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) return undefined;
      w[i * 4 + 2] = this.protoIds.get(proto) ?? NO_PROTO;
      w[i * 4 + 3] = f.dport === undefined ? -2 >>> 0 : f.dport;
    }
    return w;
  }

  /**
   * The program's protocol id for each of a flow file's protocol names (the last entry: the default,
   * tcp), or undefined when one is a name the TypeScript tracer would refuse (it gives the error).
   */
  private protoMap(protos: readonly string[]): Uint32Array | undefined {
    const ids = new Uint32Array(protos.length + 1);
    for (let p = 0; p < protos.length; p++) {
      const proto = protos[p].toLowerCase();
      if (!kpProtoOk(proto)) return undefined;
      ids[p] = this.protoIds.get(proto) ?? NO_PROTO;
    }
    ids[protos.length] = this.protoIds.get("tcp") ?? NO_PROTO;
    return ids;
  }

  /** The same records from flow columns (flow-scan.ts), or undefined where encodeFlows would refuse. */
  encodeColumns(c: FlowColumns): Uint32Array | undefined {
    const ids = c.other.size ? undefined : this.protoMap(c.protos);
    if (!ids) return undefined;
    return kpEncodeRows(c.src, c.dst, c.proto, c.dport, ids, c.protos.length);
  }

  /**
   * Flow records for runAt from columns resident in the heap (flow-scan.ts scanFlowsResident), in
   * a heap block of 16 bytes per row (the caller releases it), or undefined where encodeFlows
   * would refuse (a row that is not IPv4, an unknown protocol). A run in chunks encodes each
   * chunk's rows just before it runs instead (encodeRowsAt).
   */
  encodeResident(c: ResidentColumns): number | undefined {
    if (!this.takesColumns(c)) return undefined;
    const blk = this.core.heap.alloc(Math.max(16, c.n * 16));
    this.encodeRowsAt(c, 0, c.n, blk);
    return blk;
  }

  /** Whether columns encode (encodeResident, encodeRowsAt): every row IPv4, every protocol one the tracers know. */
  takesColumns(c: ResidentColumns): boolean {
    return c.other.size === 0 && this.protoMap(c.protos) !== undefined;
  }

  /** Rows [from, to) of resident columns into records at `out` (16 bytes each; the caller's block). */
  encodeRowsAt(c: ResidentColumns, from: number, to: number, out: number): void {
    const ids = this.protoMap(c.protos);
    if (!ids) throw new Error("encodeRowsAt: columns takesColumns refuses");
    if (to <= from) return;
    const heap = this.core.heap;
    const idsAt = heap.alloc(ids.byteLength);
    try {
      new Uint32Array(this.core.memory.buffer, idsAt, ids.length).set(ids);
      // The core's loop (nfKpEncode); kpEncodeRows is its readable twin.
      this.core.exports.nfKpEncode(c.src + 4 * from, c.dst + 4 * from, c.proto + 2 * from, c.dport + 4 * from, to - from, idsAt, c.protos.length, out);
    } finally {
      heap.release(idsAt, ids.byteLength);
    }
  }

  /**
   * Evaluates encoded flows in one call; returns per flow [first output, count, masq] and the
   * output-id arena, copied out (the per-call block goes back to the heap before this returns).
   */
  run(flowWords: Uint32Array): KpRun {
    const n = flowWords.length / 4;
    const heap = this.core.heap;
    const flows = heap.alloc(Math.max(16, flowWords.byteLength));
    try {
      new Uint32Array(this.core.memory.buffer, flows, flowWords.length).set(flowWords);
      const r = this.runAt(flows, n);
      try {
        const buf = this.core.memory.buffer;
        return { results: new Uint32Array(buf, r.results, n * 3).slice(), outIds: new Uint32Array(buf, r.outIds, r.nIds).slice() };
      } finally {
        r.release();
      }
    } finally {
      heap.release(flows, Math.max(16, flowWords.byteLength));
    }
  }

  /**
   * Evaluates n flow records already in the core's heap (at flows); the results stay there until
   * release(): per flow [first output, count, masq] at `results`, the output-id arena (nIds ids)
   * at `outIds`. One chunk of a KpRunner.
   */
  runAt(flows: number, n: number): ResidentRun {
    const r = new KpRunner(this, flows, n);
    try {
      r.run(0, n);
    } catch (e) {
      r.release();
      throw e;
    }
    return r.finish();
  }

  decode(r: KpRun): KubeProxyResult[] {
    const n = r.results.length / 3;
    const out: KubeProxyResult[] = new Array(n);
    // Flows that hit the result cache share a slice of output ids: build each string once.
    const strings = new Map<number, string>();
    for (let i = 0; i < n; i++) {
      const first = r.results[i * 3], count = r.results[i * 3 + 1];
      let s = "";
      if (count) {
        const key = first * 64 + Math.min(count, 63);
        const hit = count < 63 ? strings.get(key) : undefined;
        if (hit !== undefined) s = hit;
        else {
          for (let k = 0; k < count; k++) s += (k ? ", " : "") + this.outputs[r.outIds[first + k]];
          if (count < 63) strings.set(key, s);
        }
      }
      out[i] = { output: s, masq: r.results[i * 3 + 2] === 1 };
    }
    return out;
  }
}

/**
 * The readable twin of the core's nfKpEncode: flow records (src, dst, protocol id, dport; 4 words
 * a row) from columns, the protocol through ids (a column id per entry; a row without one,
 * 0xffff, takes ids[none]), a missing dport (-1) as 0xfffffffe.
 */
export function kpEncodeRows(src: Uint32Array, dst: Uint32Array, proto: Uint16Array, dport: Int32Array, ids: Uint32Array, none: number): Uint32Array {
  const n = src.length;
  const w = new Uint32Array(n * 4);
  for (let i = 0, k = 0; i < n; i++, k += 4) {
    w[k] = src[i];
    w[k + 1] = dst[i];
    const p = proto[i];
    w[k + 2] = ids[p === 0xffff ? none : p];
    const d = dport[i];
    w[k + 3] = d < 0 ? -2 >>> 0 : d;
  }
  return w;
}

/** The readable twin of the core's nfKpMaxCount: the largest output count of run results ([first, count, masq] per flow). */
export function kpMaxCount(results: Uint32Array): number {
  let m = 0;
  for (let i = 1; i < results.length; i += 3) if (results[i] > m) m = results[i];
  return m;
}

const programs = new WeakMap<Ruleset, KpProgram>();

/** Why a bulk run cannot take the wasm path (the TypeScript tracer runs instead, or --engine wasm fails with it). */
export interface NotCompiled {
  unsupported: string;
}

/** The compiled program for a ruleset (built once), or why the wasm path does not apply. */
export function compileKubeProxy(rs: Ruleset): KpProgram | NotCompiled {
  if (rs.family !== 4) return { unsupported: "IPv6 rulesets are traced by the TypeScript tracer" };
  let p = programs.get(rs);
  if (!p) programs.set(rs, (p = new KpProgram(kpRulesOf(rs))));
  return p;
}

export const localOf = (opts: TraceOptions): string[] => [...(opts.local ?? []), ...(opts.nodeIp ? [opts.nodeIp] : [])];
const NOT_V4_FLOWS: NotCompiled = { unsupported: "IPv6 flows (or flows it would refuse) are traced by the TypeScript tracer" };

export function traceFlowsWasm(rs: Ruleset, flows: Flow[], opts: TraceOptions): KubeProxyResult[] | NotCompiled {
  const p = compileKubeProxy(rs);
  if (!(p instanceof KpProgram)) return p;
  const words = p.encodeFlows(flows);
  if (!words) return NOT_V4_FLOWS;
  p.setLocal(localOf(opts));
  return p.decode(p.run(words));
}

/** kube-proxy-test over flow columns: the raw batch (formatted by jsonl.ts), or why wasm does not apply. */
export function traceColumnsWasm(p: KpProgram | NotCompiled, cols: FlowColumns, opts: TraceOptions): { program: KpProgram; run: KpRun } | NotCompiled {
  if (!(p instanceof KpProgram)) return p;
  const words = p.encodeColumns(cols);
  if (!words) return NOT_V4_FLOWS;
  p.setLocal(localOf(opts));
  return { program: p, run: p.run(words) };
}

/** The result cache's alignment: its entries start on cache lines. */
const CACHE_ALIGN = 128;

/**
 * n flow records (at `flows` in the heap) evaluated chunk by chunk, in order: the results and the
 * output-id arena are the whole run's (a chunk's results point into the arena by position, and
 * the result cache, shared by the chunks, may point a flow at ids an earlier chunk wrote), so a
 * caller can hand each chunk's results on while later flows are still to run. The arena grows
 * when a chunk needs more room: that chunk runs again on a cleared cache (the cache may hold
 * entries past the old capacity), and everything before it stays as it was.
 */
export class KpRunner {
  private readonly core: Core;
  /** The per-flow results: NF_RES_SIZE bytes per flow, for `window` flows. */
  readonly results: number = 0;
  /** The output-id arena (it moves when it grows) and its count and capacity, in ids. */
  outIds: number;
  nIds = 0;
  private cap: number;
  private readonly cache: number;
  private readonly cacheBlk: number = 0;
  private readonly slots: number;
  /** Until finish() or release(): the blocks are this runner's. */
  private live = true;

  /**
   * n flows whose records are at `flows`. With a window smaller than n, `flows` and the results
   * hold that many: each chunk's records are put at the start of `flows` before runWindow, and
   * its results are at the start of `results` until the next chunk runs (less memory touched than
   * records and results for the whole run).
   */
  constructor(private readonly p: KpProgram, private readonly flows: number, readonly n: number, readonly window = n) {
    if (!(window >= 0 && window <= n)) throw new RangeError(`KpRunner: a window of ${window} flows for ${n}`);
    this.core = core();
    const heap = this.core.heap;
    // The result cache (see netfilter.ts): twice the flows, at most 65,536 entries (8 MB), so it
    // stays in cache memory; flows beyond its capacity are traced in full.
    let slots = 1024;
    while (slots < 2 * n && slots < 1 << 16) slots *= 2;
    this.slots = slots;
    this.cap = n * 4 + 64;
    // The cache first: it is all written (cleared), so it takes freed memory that is already
    // mapped, where there is some; the arena, mostly never touched, comes last.
    // Entries on whole cache lines (NF_CACHE_SIZE is two of them): a probe reads the first only.
    this.cacheBlk = heap.alloc(slots * A.NF_CACHE_SIZE + CACHE_ALIGN);
    this.cache = (this.cacheBlk + CACHE_ALIGN - 1) & ~(CACHE_ALIGN - 1);
    this.outIds = 0;
    try {
      this.results = heap.alloc(Math.max(16, window * A.NF_RES_SIZE));
      this.outIds = heap.alloc(this.cap * 4);
    } catch (e) {
      this.release();
      throw e;
    }
    this.clearCache();
  }

  private clearCache(): void {
    const buf = this.core.memory.buffer;
    new Uint8Array(buf, this.cache, this.slots * A.NF_CACHE_SIZE).fill(0);
    const hdr = new Uint32Array(buf, this.p.base, A.NF_PROG_SIZE / 4);
    hdr[14] = this.cache;
    hdr[15] = this.slots - 1;
    hdr[16] = this.slots / 2;
  }

  /** Flows [from, to): their results, and the arena's ids they added (from the count before). */
  run(from: number, to: number): void {
    if (this.window !== this.n) throw new Error("KpRunner: run() on a windowed runner (runWindow)");
    this.exec(from, to, this.flows + from * A.NF_FLOW_SIZE, this.results + from * A.NF_RES_SIZE);
  }

  /** Flows [from, to), at most a window of them, their records at the start of `flows`: their results at the start of `results`. */
  runWindow(from: number, to: number): void {
    if (to - from > this.window) throw new RangeError(`KpRunner: flows [${from}, ${to}) in a window of ${this.window}`);
    this.exec(from, to, this.flows, this.results);
  }

  private exec(from: number, to: number, flowsAt: number, resultsAt: number): void {
    if (!this.live) throw new Error("KpRunner: run after finish or release");
    if (from < 0 || to > this.n || from > to) throw new RangeError(`KpRunner: flows [${from}, ${to}) of ${this.n}`);
    const c = this.core;
    for (;;) {
      const hdr = new Uint32Array(c.memory.buffer, this.p.base, A.NF_PROG_SIZE / 4);
      // Another run of the same program in between (runAt) points the program at its own cache.
      if (hdr[14] !== this.cache) this.clearCache();
      const got = c.exports.nfKpRun(this.p.base, flowsAt, to - from, resultsAt, this.outIds, this.cap, c.res, this.nIds);
      if (got !== A.NF_RET_OVERFLOW) {
        this.nIds = got;
        return;
      }
      const need = c.result(ABI.RES_A) + 16;
      const cap = Math.max(need, 2 * this.cap);
      this.outIds = c.heap.enlarge(this.outIds, this.cap * 4, this.nIds * 4, cap * 4);
      this.cap = cap;
      this.clearCache();
    }
  }

  /** The whole run's results (the cache goes back to the heap now; the rest at release()). */
  finish(): ResidentRun {
    if (!this.live) throw new Error("KpRunner: finish after finish or release");
    if (this.window !== this.n) throw new Error("KpRunner: finish() on a windowed runner (its results are each chunk's)");
    const heap = this.core.heap;
    heap.release(this.cacheBlk, this.slots * A.NF_CACHE_SIZE + CACHE_ALIGN);
    this.live = false;
    const results = this.results, outIds = this.outIds, cap = this.cap, n = this.n;
    let held = true;
    return {
      results, outIds, nIds: this.nIds,
      release: () => {
        if (!held) return;
        held = false;
        heap.release(results, Math.max(16, n * A.NF_RES_SIZE));
        heap.release(outIds, cap * 4);
      },
    };
  }

  /** Gives every block back (a run abandoned before finish; after finish the ResidentRun holds them and this does nothing). */
  release(): void {
    if (!this.live) return;
    this.live = false;
    const heap = this.core.heap;
    if (this.cacheBlk) heap.release(this.cacheBlk, this.slots * A.NF_CACHE_SIZE + CACHE_ALIGN);
    if (this.outIds) heap.release(this.outIds, this.cap * 4);
    if (this.results) heap.release(this.results, Math.max(16, this.window * A.NF_RES_SIZE));
  }
}
