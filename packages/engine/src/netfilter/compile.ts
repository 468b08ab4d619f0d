// Compiles a ruleset into the wasm tables of packages/wasm/assembly/netfilter.ts and evaluates
// batches of flows in kube-proxy-test mode in one call. The rule semantics come from the same
// kpRule() view the TypeScript tracer uses; what is added is speed without changing answers:
// - an index: a chain with many `-d IP/32 -p proto --dport N` rules (kube-proxy's KUBE-SERVICES)
//   gets a hash table from that key to its rules, merged in rule order with the other rules;
// - a per-call result cache in wasm, keyed on (dst, proto, dport) and validated by the logged
//   outcome of every test the trace made on the source (see netfilter.ts).
import { coreModule } from "../core/module.ts";
import { kpView, outputAddress, KP_FILTER_CHAINS, type Flow, type TraceOptions } from "./trace.ts";
import { parseNetAddr, quickV4 } from "./net.ts";
import { registerWasmRunner, type KubeProxyResult } from "./bulk.ts";
import type { Ruleset } from "./model.ts";

/** TypeScript mirror of the NF_* constants in packages/wasm/assembly/netfilter.ts (a test compares them). */
export const NF_ABI = {
  NF_PROG_SIZE: 80, NF_RULE_SIZE: 48, NF_CHAIN_SIZE: 32, NF_BUCKET_SIZE: 16, NF_OUT_SIZE: 8, NF_FLOW_SIZE: 16, NF_RES_SIZE: 12, NF_CACHE_SIZE: 128, NF_CACHE_TESTS: 12, NF_CACHE_MIN_WORK: 8,
  NF_F_SRC: 1, NF_F_SRC_NEG: 2, NF_F_DST: 4, NF_F_DST_NEG: 8, NF_F_PROTO: 16, NF_F_PROTO_NEG: 32, NF_F_DPORT: 64, NF_F_DPORT_NEG: 128,
  NF_F_STYPE: 256, NF_F_STYPE_NEG: 512, NF_F_DTYPE: 1024, NF_F_DTYPE_NEG: 2048, NF_F_NEVER: 4096, NF_F_PROB: 8192,
  NF_TYPE_LOCAL: 0, NF_TYPE_NOT_MATCHED: 1, NF_TYPE_OTHER: 2,
  NF_ACT_SKIP: 0, NF_ACT_MARK_MASQ: 1, NF_ACT_OUTPUT: 2, NF_ACT_JUMP: 3, NF_ACT_MISSING: 4,
  NF_NO_CHAIN: 0xffffffff, NF_MAX_DEPTH: 64, NF_RET_OVERFLOW: -1,
} as const;
const A = NF_ABI;

/** Chains with at least this many rules get a (dst, proto, dport) index. */
export const INDEX_MIN_RULES = 8;
const NO_PROTO = 0xfffe;
const KNOWN_PROTOS = new Set(["tcp", "udp", "sctp", "icmp", "icmpv6", "ipv6-icmp", "udplite", "all"]);

interface NfExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  ensure(bytes: number): number;
  nfKpRun(prog: number, flows: number, n: number, results: number, outIds: number, cap: number): number;
  nfLastNeeded(): number;
  [k: string]: unknown;
}

export function nfInstance(): NfExports {
  const inst = new WebAssembly.Instance(coreModule(), {
    env: { abort: (_m: number, _f: number, line: number, col: number) => { throw new Error(`aksnet wasm core aborted at ${line}:${col}`); } },
  });
  return inst.exports as unknown as NfExports;
}

/** The bucket hash of (dst, proto << 16 | dport); packages/wasm/assembly/nf_hash.ts computes the same. */
export const hashKey = (dst: number, pp: number): number => {
  let h = (Math.imul(dst, 0x9e3779b1) ^ Math.imul(pp, 0x85ebca77)) >>> 0;
  h = (h ^ (h >>> 15)) >>> 0;
  h = Math.imul(h, 0x2c1b3c6d) >>> 0;
  h = (h ^ (h >>> 12)) >>> 0;
  return h;
};

/**
 * The open-addressed bucket table of an indexed chain (both bulk modes share its layout: 4 words
 * a bucket: dst, proto << 16 | dport, postings offset, postings count; count 0 = empty). Each
 * key's rule list is appended to `postings`. Returns the words and the probe mask.
 */
export function bucketTable(keyed: Iterable<{ dst: number; pp: number; list: number[] }>, size: number, postings: number[]): { words: Uint32Array; mask: number } {
  let nb = 4;
  while (nb < size * 2) nb *= 2;
  const words = new Uint32Array(nb * 4);
  for (const e of keyed) {
    let h = hashKey(e.dst, e.pp) & (nb - 1);
    while (words[h * 4 + 3] !== 0) h = (h + 1) & (nb - 1);
    words.set([e.dst, e.pp, postings.length, e.list.length], h * 4);
    postings.push(...e.list);
  }
  return { words, mask: nb - 1 };
}

/** A ruleset compiled for kube-proxy-test bulk evaluation, living in its own wasm instance. */
export class KpProgram {
  readonly core: NfExports;
  readonly base: number;
  /** Bytes of the program (header + tables); per-call data goes after it. */
  readonly size: number;
  readonly protoIds = new Map<string, number>();
  readonly outputs: string[] = [];
  readonly indexedChains: number;
  readonly ruleCount: number;
  private localPtr: number;

  constructor(readonly rs: Ruleset) {
    const chainIds = new Map<string, number>();
    const chains: { table: string; name: string }[] = [];
    for (const t of ["nat", "filter"]) {
      const table = rs.tables.get(t);
      if (!table) continue;
      for (const name of table.chains.keys()) {
        chainIds.set(t + "\u0000" + name, chains.length);
        chains.push({ table: t, name });
      }
    }
    const outIds = new Map<string, number>();
    const outAddr: number[] = [];
    const outValid: number[] = [];
    const outputId = (text: string) => {
      let id = outIds.get(text);
      if (id === undefined) {
        id = this.outputs.length;
        outIds.set(text, id);
        this.outputs.push(text);
        let a = 0, valid = 0;
        try {
          const na = parseNetAddr(outputAddress(text));
          if (na.family === 4) { a = na.v4; valid = 1; }
        } catch { /* ACCEPT, REJECT, DROP: not an address */ }
        outAddr.push(a);
        outValid.push(valid);
      }
      return id;
    };
    const protoId = (p: string) => {
      let id = this.protoIds.get(p);
      if (id === undefined) this.protoIds.set(p, (id = this.protoIds.size));
      return id;
    };
    const view = kpView(rs);
    const ruleWords: number[] = [];
    const chainRec: number[][] = [];
    const postings: number[] = [];
    const bucketTables: { chain: number; words: Uint32Array }[] = [];
    let ruleIndex = 0;
    let indexed = 0;
    for (let c = 0; c < chains.length; c++) {
      const { table, name } = chains[c];
      const rules = view.chain(table, name) ?? [];
      const first = ruleIndex;
      const keyed = new Map<string, { dst: number; pp: number; list: number[] }>();
      const residual: number[] = [];
      for (const k of rules) {
        let flags = 0;
        let srcNet = 0, srcMask = 0, dstNet = 0, dstMask = 0, proto = 0, dport = -1;
        let stype: number = A.NF_TYPE_OTHER, dtype: number = A.NF_TYPE_OTHER;
        if (k.src) {
          flags |= A.NF_F_SRC | (k.src.neg ? A.NF_F_SRC_NEG : 0);
          srcNet = k.src.prefix.v4net;
          srcMask = k.src.prefix.v4mask;
        }
        if (k.dst) { flags |= A.NF_F_DST | (k.dst.neg ? A.NF_F_DST_NEG : 0); dstNet = k.dst.prefix.v4net; dstMask = k.dst.prefix.v4mask; }
        if (k.proto) { flags |= A.NF_F_PROTO | (k.proto.neg ? A.NF_F_PROTO_NEG : 0); proto = protoId(k.proto.value); }
        if (k.dport) { flags |= A.NF_F_DPORT | (k.dport.neg ? A.NF_F_DPORT_NEG : 0); dport = /^(0|[1-9]\d{0,4})$/.test(k.dport.value) && Number(k.dport.value) <= 65535 ? Number(k.dport.value) : -1; }
        const typeCode = (v: string) => (v === "LOCAL" ? A.NF_TYPE_LOCAL : v === "not-matched" ? A.NF_TYPE_NOT_MATCHED : A.NF_TYPE_OTHER);
        if (k.srcType) { flags |= A.NF_F_STYPE | (k.srcType.neg ? A.NF_F_STYPE_NEG : 0); stype = typeCode(k.srcType.value); }
        if (k.dstType) { flags |= A.NF_F_DTYPE | (k.dstType.neg ? A.NF_F_DTYPE_NEG : 0); dtype = typeCode(k.dstType.value); }
        if (k.never) flags |= A.NF_F_NEVER;
        if (k.probability) flags |= A.NF_F_PROB;
        let act: number = A.NF_ACT_SKIP, arg = 0;
        if (k.jump === undefined) act = A.NF_ACT_SKIP;
        else if (k.jump === "KUBE-MARK-MASQ") act = A.NF_ACT_MARK_MASQ;
        else if (k.jump === "ACCEPT" || k.jump === "REJECT" || k.jump === "DROP") { act = A.NF_ACT_OUTPUT; arg = outputId(k.jump); }
        else if (k.jump === "DNAT") { act = A.NF_ACT_OUTPUT; arg = outputId(k.dnat ?? ""); }
        else {
          const id = chainIds.get(table + "\u0000" + k.jump);
          if (id === undefined) act = A.NF_ACT_MISSING;
          else { act = A.NF_ACT_JUMP; arg = id; }
        }
        ruleWords.push(flags, srcNet, srcMask, dstNet, dstMask, proto, dport >>> 0, stype, dtype, act, arg, 0);
        const idx = ruleIndex++;
        const indexable = k.dst && !k.dst.neg && k.dst.prefix.v4mask === 0xffffffff && k.proto && !k.proto.neg && k.dport && !k.dport.neg && dport >= 0;
        if (indexable) {
          const pp = ((proto << 16) | dport) >>> 0;
          const key = dstNet + ":" + pp;
          let e = keyed.get(key);
          if (!e) keyed.set(key, (e = { dst: dstNet, pp, list: [] }));
          e.list.push(idx);
        } else residual.push(idx);
      }
      const count = ruleIndex - first;
      if (count >= INDEX_MIN_RULES && keyed.size > 0) {
        indexed++;
        const { words, mask } = bucketTable(keyed.values(), keyed.size, postings);
        const rOff = postings.length;
        postings.push(...residual);
        bucketTables.push({ chain: c, words });
        chainRec.push([first, count, 0, mask, rOff, residual.length, 0, 0]);
      } else {
        chainRec.push([first, count, 0, 0, 0, 0, 0, 0]);
      }
    }
    this.indexedChains = indexed;

    this.ruleCount = ruleIndex;
    this.core = nfInstance();
    this.base = this.core.heapBase() >>> 0;
    // Layout: header | rules | chains | postings | buckets... | outputs | local (64 slots)
    let off: number = A.NF_PROG_SIZE;
    const rulesOff = off; off += ruleWords.length * 4;
    const chainsOff = off; off += chainRec.length * A.NF_CHAIN_SIZE;
    const postOff = off; off += postings.length * 4;
    const bucketOffs: number[] = [];
    for (const b of bucketTables) { off = (off + 15) & ~15; bucketOffs.push(off); off += b.words.byteLength; }
    const outOff = off; off += this.outputs.length * A.NF_OUT_SIZE;
    const localOff = off; off += 64 * 4;
    this.size = (off + 15) & ~15;
    if (!this.core.ensure(this.size)) throw new RangeError("aksnet wasm core: cannot grow memory for the rule tables");
    const u32 = new Uint32Array(this.core.memory.buffer, this.base, this.size / 4);
    const B = this.base;
    u32.set(ruleWords, rulesOff / 4);
    chainRec.forEach((w, i) => u32.set(w, (chainsOff + i * A.NF_CHAIN_SIZE) / 4));
    bucketTables.forEach((b, i) => {
      u32.set(b.words, bucketOffs[i] / 4);
      u32[(chainsOff + b.chain * A.NF_CHAIN_SIZE) / 4 + 2] = B + bucketOffs[i];
    });
    u32.set(postings, postOff / 4);
    this.outputs.forEach((_, i) => { u32[(outOff + i * 8) / 4] = outAddr[i]; u32[(outOff + i * 8) / 4 + 1] = outValid[i]; });
    const id = (t: string, n: string) => chainIds.get(t + "\u0000" + n) ?? A.NF_NO_CHAIN;
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
   * Flow records for run(): src, dst, proto id, dport. Returns undefined if a flow is not IPv4.
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
      // Anything the TypeScript tracer would refuse (an unknown protocol, a bad port) goes to it,
      // so the caller gets the same error.
      if (!KNOWN_PROTOS.has(proto) && !(/^\d{1,3}$/.test(proto) && Number(proto) <= 255)) return undefined;
      for (const port of [f.sport, f.dport]) if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) return undefined;
      w[i * 4 + 2] = this.protoIds.get(proto) ?? NO_PROTO;
      w[i * 4 + 3] = f.dport === undefined ? -2 >>> 0 : f.dport;
    }
    return w;
  }

  /** Evaluates encoded flows; returns per flow [first output, count, masq] and the output-id arena. */
  run(flowWords: Uint32Array): { results: Uint32Array; outIds: Uint32Array } {
    const n = flowWords.length / 4;
    let cap = n * 4 + 64;
    let slots = 1024;
    // The result cache (see netfilter.ts): twice the flows, at most 65,536 entries (8 MB), so it
    // stays in cache memory; flows beyond its capacity are traced in full.
    const maxSlots = 1 << 16;
    while (slots < 2 * n && slots < maxSlots) slots *= 2;
    for (;;) {
      const flowsOff = this.size;
      const resOff = flowsOff + flowWords.byteLength;
      const outOff = (resOff + n * A.NF_RES_SIZE + 15) & ~15;
      const cacheOff = (outOff + cap * 4 + 15) & ~15;
      const total = cacheOff + slots * A.NF_CACHE_SIZE;
      if (!this.core.ensure(total)) throw new RangeError(`aksnet wasm core: cannot grow memory to ${total} bytes`);
      const buf = this.core.memory.buffer;
      new Uint32Array(buf, this.base + flowsOff, flowWords.length).set(flowWords);
      new Uint8Array(buf, this.base + cacheOff, slots * A.NF_CACHE_SIZE).fill(0);
      const hdr = new Uint32Array(buf, this.base, A.NF_PROG_SIZE / 4);
      hdr[14] = this.base + cacheOff;
      hdr[15] = slots - 1;
      hdr[16] = slots / 2;
      const got = this.core.nfKpRun(this.base, this.base + flowsOff, n, this.base + resOff, this.base + outOff, cap);
      if (got === A.NF_RET_OVERFLOW) {
        cap = this.core.nfLastNeeded() + 16;
        continue;
      }
      const after = this.core.memory.buffer;
      return { results: new Uint32Array(after, this.base + resOff, n * 3), outIds: new Uint32Array(after, this.base + outOff, got) };
    }
  }

  decode(r: { results: Uint32Array; outIds: Uint32Array }): KubeProxyResult[] {
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

const programs = new WeakMap<Ruleset, KpProgram>();

/** The compiled program for a ruleset (built once), or why the wasm path does not apply. */
export function compileKubeProxy(rs: Ruleset): KpProgram | string {
  if (rs.family !== 4) return "IPv6 rulesets are traced by the TypeScript tracer";
  let p = programs.get(rs);
  if (!p) programs.set(rs, (p = new KpProgram(rs)));
  return p;
}

export function traceFlowsWasm(rs: Ruleset, flows: Flow[], opts: TraceOptions): KubeProxyResult[] | string {
  const p = compileKubeProxy(rs);
  if (typeof p === "string") return p;
  const local = [...(opts.local ?? []), ...(opts.nodeIp ? [opts.nodeIp] : [])];
  const words = p.encodeFlows(flows);
  if (!words) return "IPv6 flows (or flows it would refuse) are traced by the TypeScript tracer";
  p.setLocal(local);
  return p.decode(p.run(words));
}

registerWasmRunner("kube-proxy-test", traceFlowsWasm);
