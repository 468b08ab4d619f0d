// The JSON Lines of `iptables flows`: one object per flow, in input order:
//   {"src":..,"dst":..,"proto":..,"sport":..,"dport":.., ...the mode's result}
// flowJsonLine is the readable reference (JSON.stringify of an object). writeJsonl formats a whole
// batch into byte chunks; for a kube-proxy-test batch from the wasm core it writes straight from the
// columns and the result words, without a string or object per flow (a property test compares the
// bytes with the reference's).
import type { Flow, FlowResult } from "./types.ts";
import type { ColumnResults } from "./bulk.ts";
import type { FlowColumns, ResidentColumns } from "./flow-scan.ts";
import { NF_ABI, type ResidentRun } from "./kube-proxy/compile.ts";
import { NK_ABI, type KernelBatch } from "./kernel/compile.ts";
import { columnFlow } from "./flow-scan.ts";
import { core } from "../core/module.ts";
import { layStrings } from "../core/strings.ts";

export function flowJsonLine(f: Flow, r: FlowResult): string {
  return JSON.stringify({ src: f.src, dst: f.dst, proto: f.proto ?? "tcp", sport: f.sport, dport: f.dport, ...r });
}

/** Receives each chunk once. The chunk is valid during the call only (it may be a view of the core's memory, or a buffer reused for the next chunk): a sink that keeps it copies it. */
export type ByteSink = (chunk: Uint8Array) => void;

const enc = new TextEncoder();
const CHUNK = 1 << 20;

/** An output buffer of bytes, handed to the sink a chunk at a time. */
export class ByteWriter {
  private buf = new Uint8Array(CHUNK);
  private pos = 0;
  constructor(private readonly sink: ByteSink) {}

  /** Room for `need` more bytes (flushing first when the chunk is full). */
  room(need: number): void {
    if (this.pos + need <= this.buf.length) return;
    this.flush();
    if (need > this.buf.length) this.buf = new Uint8Array(need);
  }

  bytes(b: Uint8Array): void {
    const n = b.length;
    this.room(n);
    if (n < 24) {
      const d = this.buf;
      let p = this.pos;
      for (let i = 0; i < n; i++) d[p++] = b[i];
      this.pos = p;
    } else {
      this.buf.set(b, this.pos);
      this.pos += n;
    }
  }

  text(s: string): void {
    this.bytes(enc.encode(s));
  }

  /** A non-negative integer below 2^32, in decimal (call room(10) first). */
  uint(n: number): void {
    const b = this.buf;
    let p = this.pos;
    if (n < 10) { b[p] = 48 + n; this.pos = p + 1; return; }
    let d = 1;
    for (let x = n; x >= 10; x = (x / 10) | 0) d++;
    this.pos = p + d;
    p += d - 1;
    for (let i = 0; i < d; i++) { b[p--] = 48 + (n % 10); n = Math.floor(n / 10); }
  }

  /** An IPv4 address from u32 (call room(15) first). */
  v4(a: number): void {
    this.uint(a >>> 24); this.buf[this.pos++] = 46;
    this.uint((a >>> 16) & 255); this.buf[this.pos++] = 46;
    this.uint((a >>> 8) & 255); this.buf[this.pos++] = 46;
    this.uint(a & 255);
  }

  flush(): void {
    if (this.pos === 0) return;
    this.sink(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }
}

const lit = (s: string) => enc.encode(s);
const SRC = lit('{"src":"'), DST = lit('","dst":"'), PROTO = lit('","proto":'), SPORT = lit(',"sport":'), DPORT = lit(',"dport":');
const OUTPUT = lit(',"output":"'), SEP = lit(", "), MASQ_T = lit('","masq":true}\n'), MASQ_F = lit('","masq":false}\n');

// What JSON.stringify leaves as it is in a string: printable ASCII but the quote and the backslash.
const PLAIN_JSON = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * Texts as they are inside a JSON string (JSON.stringify(t) without its quotes), back to back in
 * UTF-8, with an (offset, length) pair per text: when every text is plain (kube-proxy's addresses
 * and verdicts) that is one encode of the joined texts, else one JSON.stringify per text.
 */
export function escapedTexts(texts: readonly string[]): { bytes: Uint8Array; spans: Uint32Array; longest: number } {
  const joined = texts.join("");
  const spans = new Uint32Array(2 * texts.length);
  let longest = 0;
  if (PLAIN_JSON.test(joined)) {
    // One byte per character: offsets are string lengths.
    let o = 0;
    for (let k = 0; k < texts.length; k++) {
      const l = texts[k].length;
      spans[2 * k] = o;
      spans[2 * k + 1] = l;
      o += l;
      if (l > longest) longest = l;
    }
    return { bytes: enc.encode(joined), spans, longest };
  }
  const parts = texts.map((t) => lit(JSON.stringify(t).slice(1, -1)));
  let total = 0;
  for (const x of parts) total += x.length;
  const bytes = new Uint8Array(total);
  let o = 0;
  parts.forEach((x, k) => {
    bytes.set(x, o);
    spans[2 * k] = o;
    spans[2 * k + 1] = x.length;
    o += x.length;
    if (x.length > longest) longest = x.length;
  });
  return { bytes, spans, longest };
}

/** Writes the JSON lines of flow columns and their results. */
export function writeJsonl(cols: FlowColumns, r: ColumnResults, sink: ByteSink): void {
  const w = new ByteWriter(sink);
  if (r.kind === "objects") {
    for (let i = 0; i < r.flows.length; i++) w.text(flowJsonLine(r.flows[i], r.results[i]) + "\n");
    w.flush();
    return;
  }
  if (r.kind === "kernel-batch") return writeKernelBatch(cols, r.batch, r.traced, sink);
  writeKpBatch(cols, r.program.outputs, r.run.results, r.run.outIds, sink);
}

// The kernel-mode literals, in NKF_LIT_* order (see packages/wasm/assembly/abi/netfilter.ts).
const KERNEL_LITS = [
  '{"src":"', '","dst":"', '","proto":', ',"sport":', ',"dport":', ',"verdict":"', '","alternatives":[', '{"probability":', '"',
  ',"delivery":"', ',"src":"', ',"dst":"', "}", ",", "]}\n", "(node IP)", "ACCEPT", "DROP", "REJECT", "MIXED", "", "local", "forward", "output",
].map(lit);

/**
 * Kernel-mode lines of a batch whose results are in the core's heap, formatted by the core
 * (nkFormat); probabilities are printed by JS once per distinct value (nkProbIds numbers them), and
 * the lines of flows the TypeScript tracer traced are written here, in their place.
 */
function writeKernelBatch(cols: FlowColumns, b: KernelBatch, traced: Map<number, FlowResult>, sink: ByteSink): void {
  const n = cols.n;
  const c = core();
  const K = NK_ABI;
  try {
    if (n === 0) return;
    // Probability ids: at most one per alternative.
    const maxProbs = Math.max(1, b.nAlts);
    let slots = 16;
    while (slots < 2 * maxProbs) slots *= 2;
    const al = (x: number) => (x + 15) & ~15;
    const probBlk = c.heap.alloc(al(8 * maxProbs) + 4 * slots);
    let probTexts: Uint8Array[];
    try {
      c.u8().fill(0, probBlk + al(8 * maxProbs), probBlk + al(8 * maxProbs) + 4 * slots);
      const distinct = c.exports.nkProbIds(b.alts, b.nAlts, probBlk, maxProbs, probBlk + al(8 * maxProbs), slots - 1);
      if (distinct < 0) throw new Error("nkProbIds: more distinct probabilities than alternatives");
      const values = new Float64Array(c.memory.buffer, probBlk, distinct);
      probTexts = Array.from(values, (v) => lit(JSON.stringify(v)));
    } finally {
      c.heap.release(probBlk, al(8 * maxProbs) + 4 * slots);
    }
    const protos = [...cols.protos.map((p) => lit(JSON.stringify(p))), lit('"tcp"')];
    const strings = [...KERNEL_LITS, ...protos, ...probTexts];
    let strBytes = 0;
    for (const x of strings) strBytes += x.length;
    // The longest line: its fixed part plus, per alternative, a fixed part and a probability.
    const res = new Uint32Array(c.memory.buffer, b.res, n * 4);
    let maxCount = 0;
    for (let i = 1; i < res.length; i += 4) if (res[i] > maxCount) maxCount = res[i];
    const longest = (xs: Uint8Array[]) => xs.reduce((m, x) => Math.max(m, x.length), 0);
    const fixed = 64 + KERNEL_LITS.reduce((t, x) => t + x.length, 0);
    const cap = Math.max(CHUNK, fixed + longest(protos) + maxCount * (fixed + longest(probTexts)) + 16);
    let off = 0;
    const place = (bytes: number) => { const o = off; off += al(bytes); return o; };
    const oParams = place(K.NKF_PARAMS_SIZE);
    const oShown = place(b.portsShown.length), oStr = place(strBytes + 16), oLits = place(8 * KERNEL_LITS.length), oProtos = place(8 * protos.length);
    const oProbs = place(Math.max(8, 8 * probTexts.length)), oBuf = place(cap);
    const at = columnsIntoHeap(cols);
    const blk = c.heap.alloc(off);
    try {
      const buf = c.memory.buffer;
      new Uint8Array(buf, blk + oShown, b.portsShown.length).set(b.portsShown);
      const u32 = new Uint32Array(buf);
      layStrings(blk + oStr, [[blk + oLits, KERNEL_LITS], [blk + oProtos, protos], [blk + oProbs, probTexts]]);
      const P = (blk + oParams) / 4;
      const put = (k: number, v: number) => (u32[P + k / 4] = v);
      put(K.NKF_SRC, at.src); put(K.NKF_DST, at.dst); put(K.NKF_PROTO, at.proto); put(K.NKF_SPORT, at.sport); put(K.NKF_DPORT, at.dport);
      put(K.NKF_PORTS_SHOWN, blk + oShown); put(K.NKF_RES, b.res); put(K.NKF_ALTS, b.alts); put(K.NKF_STRINGS, blk + oStr); put(K.NKF_LITS, blk + oLits);
      put(K.NKF_PROTOS, blk + oProtos); put(K.NKF_NPROTOS, protos.length - 1); put(K.NKF_PROBS, blk + oProbs); put(K.NKF_BUF, blk + oBuf); put(K.NKF_CAP, cap);
      for (let i = 0; i < n; ) {
        const next = c.exports.nkFormat(blk + oParams, i, n);
        const mem = c.memory.buffer;
        const written = new Uint32Array(mem)[P + K.NKF_WRITTEN / 4];
        if (written) sink(new Uint8Array(mem, blk + oBuf, written));
        const t = next < n ? traced.get(next) : undefined;
        if (t) {
          sink(enc.encode(flowJsonLine(columnFlow(cols, next), t) + "\n"));
          i = next + 1;
        } else {
          if (next === i) throw new Error(`nkFormat made no progress at flow ${i}`);
          i = next;
        }
      }
    } finally {
      c.heap.release(blk, off);
      c.heap.release(at.blk, at.size);
    }
  } finally {
    c.heap.disown(b, b.blk, b.size);
  }
}

/** Flow columns copied into one heap block (the caller releases blk, size): the address of each column. */
function columnsIntoHeap(cols: FlowColumns): { blk: number; size: number; src: number; dst: number; proto: number; sport: number; dport: number } {
  const n = cols.n;
  const al = (x: number) => (x + 15) & ~15;
  let size = 0;
  const at = (bytes: number) => { const o = size; size += al(bytes); return o; };
  const oSrc = at(4 * n), oDst = at(4 * n), oProto = at(2 * n), oSport = at(4 * n), oDport = at(4 * n);
  const c = core();
  const blk = c.heap.alloc(size);
  const buf = c.memory.buffer;
  new Uint32Array(buf, blk + oSrc, n).set(cols.src);
  new Uint32Array(buf, blk + oDst, n).set(cols.dst);
  new Uint16Array(buf, blk + oProto, n).set(cols.proto);
  new Int32Array(buf, blk + oSport, n).set(cols.sport);
  new Int32Array(buf, blk + oDport, n).set(cols.dport);
  return { blk, size, src: blk + oSrc, dst: blk + oDst, proto: blk + oProto, sport: blk + oSport, dport: blk + oDport };
}

/** Where a kube-proxy-test batch's columns and results are in the core's heap (addresses), for formatKp. */
export interface KpBatchAt {
  n: number;
  src: number; dst: number; proto: number; sport: number; dport: number;
  results: number;
  outIds: number;
}

/** The kube-proxy-test lines of a batch whose columns and results are resident in the core's heap (nothing is copied). */
export function writeKpResident(cols: ResidentColumns, outputs: readonly string[], run: ResidentRun, sink: ByteSink): void {
  formatKp({ n: cols.n, src: cols.src, dst: cols.dst, proto: cols.proto, sport: cols.sport, dport: cols.dport, results: run.results, outIds: run.outIds }, cols.protos, outputs, sink);
}

/** The same from typed arrays: copied into the heap, then formatted there. */
function writeKpBatch(cols: FlowColumns, outputs: readonly string[], results: Uint32Array, outIds: Uint32Array, sink: ByteSink): void {
  const n = cols.n;
  if (n === 0) return;
  const oIds = (results.byteLength + 15) & ~15;
  const off = oIds + Math.max(16, outIds.byteLength);
  const at = columnsIntoHeap(cols);
  const c = core();
  const blk = c.heap.alloc(off);
  try {
    const buf = c.memory.buffer;
    new Uint32Array(buf, blk, results.length).set(results);
    new Uint32Array(buf, blk + oIds, outIds.length).set(outIds);
    formatKp({ n, src: at.src, dst: at.dst, proto: at.proto, sport: at.sport, dport: at.dport, results: blk, outIds: blk + oIds }, cols.protos, outputs, sink);
  } finally {
    c.heap.release(blk, off);
    c.heap.release(at.blk, at.size);
  }
}

/**
 * The kube-proxy-test lines of a batch, formatted by the wasm core (nfKpFormat) into an output
 * block of its heap, a chunk per call: the flow from its columns, the output from the output-id
 * arena, masq from the result words. JS only lays out the string table and hands each chunk on.
 */
function formatKp(at: KpBatchAt, colProtos: readonly string[], outputs: readonly string[], sink: ByteSink): void {
  if (at.n === 0) return;
  const lines = new KpLines(colProtos, outputs);
  try {
    lines.write(at, sink);
  } finally {
    lines.release();
  }
}

/**
 * The string table of kube-proxy-test lines (the literals, each protocol JSON-quoted, then the
 * default "tcp", each output JSON-escaped: escaping commutes with joining, "a, b" escapes to
 * esc(a) + ", " + esc(b)), laid out in the core's heap once, and the output buffer: batch after
 * batch of one run (a run in chunks) formats without laying the table out again. release() gives
 * the blocks back.
 */
export class KpLines {
  private readonly core = core();
  /** The block (string tables and the parameter block) and its size; the parameter block's address. */
  private readonly blk: number;
  private readonly size: number;
  private readonly params: number;
  private readonly fixedLine: number;
  private readonly outsLongest: number;
  private buf = 0;
  private cap = 0;
  private live = true;

  constructor(colProtos: readonly string[], outputs: readonly string[]) {
    const A = NF_ABI;
    const lits = [SRC, DST, PROTO, SPORT, DPORT, OUTPUT, MASQ_T, MASQ_F, SEP];
    const protos = [...colProtos.map((p) => lit(JSON.stringify(p))), lit('"tcp"')];
    const outs = escapedTexts(outputs);
    let strBytes = outs.bytes.length;
    for (const x of [...lits, ...protos]) strBytes += x.length;
    const longest = (xs: Uint8Array[]) => xs.reduce((m, x) => Math.max(m, x.length), 0);
    this.fixedLine = 64 + lits.reduce((t, x) => t + x.length, 0) + longest(protos);
    this.outsLongest = outs.longest;
    const al = (x: number) => (x + 15) & ~15;
    let off = 0;
    const place = (bytes: number) => { const o = off; off += al(bytes); return o; };
    const oParams = place(A.NF_FMT_PARAMS_SIZE), oStr = place(strBytes + 16);
    const oLits = place(8 * lits.length), oProtos = place(8 * protos.length), oOuts = place(Math.max(8, 4 * outs.spans.length));
    const c = this.core;
    const blk = c.heap.alloc(off);
    this.blk = blk;
    this.size = off;
    this.params = blk + oParams;
    const u32 = new Uint32Array(c.memory.buffer);
    // The outputs' bytes first (offsets from the table's start as they were cut), then the rest.
    c.u8().set(outs.bytes, blk + oStr);
    u32.set(outs.spans, (blk + oOuts) / 4);
    layStrings(blk + oStr, [[blk + oLits, lits], [blk + oProtos, protos]], outs.bytes.length);
    const P = (blk + oParams) / 4;
    const put = (k: number, v: number) => (u32[P + k / 4] = v);
    put(A.NF_FMT_STRINGS, blk + oStr); put(A.NF_FMT_PROTOS, blk + oProtos);
    put(A.NF_FMT_NPROTOS, protos.length - 1); put(A.NF_FMT_OUTPUTS, blk + oOuts); put(A.NF_FMT_LITS, blk + oLits);
  }

  /** The lines of a batch, to the sink a chunk at a time. */
  write(at: KpBatchAt, sink: ByteSink): void {
    const n = at.n;
    if (n === 0) return;
    const A = NF_ABI;
    const c = this.core;
    // The longest line there can be (nfKpFormat writes whole lines only): a chunk holds at least one.
    // (nfKpMaxCount: kpMaxCount's loop, in the core.)
    const maxCount = c.exports.nfKpMaxCount(at.results, n) >>> 0;
    const maxLine = this.fixedLine + maxCount * (this.outsLongest + 2);
    // 16 bytes more than a line: the core keeps them free at the end of the buffer (its word copies).
    const cap = Math.max(CHUNK, maxLine + 16);
    if (cap > this.cap) {
      if (this.buf) c.heap.release(this.buf, this.cap);
      this.buf = 0;
      this.buf = c.heap.alloc(cap);
      this.cap = cap;
    }
    let u32 = new Uint32Array(c.memory.buffer);
    const P = this.params / 4;
    const put = (k: number, v: number) => (u32[P + k / 4] = v);
    put(A.NF_FMT_SRC, at.src); put(A.NF_FMT_DST, at.dst); put(A.NF_FMT_PROTO, at.proto);
    put(A.NF_FMT_SPORT, at.sport); put(A.NF_FMT_DPORT, at.dport); put(A.NF_FMT_RESULTS, at.results);
    put(A.NF_FMT_OUT_IDS, at.outIds); put(A.NF_FMT_BUF, this.buf); put(A.NF_FMT_CAP, this.cap);
    for (let i = 0; i < n; ) {
      const next = c.exports.nfKpFormat(this.params, i, n);
      u32 = new Uint32Array(c.memory.buffer);
      const written = u32[P + A.NF_FMT_WRITTEN / 4];
      if (next === i) throw new Error(`nfKpFormat made no progress at flow ${i}`);
      sink(new Uint8Array(c.memory.buffer, this.buf, written));
      i = next;
    }
  }

  release(): void {
    if (!this.live) return;
    this.live = false;
    if (this.buf) this.core.heap.release(this.buf, this.cap);
    this.buf = 0;
    this.core.heap.release(this.blk, this.size);
  }
}
