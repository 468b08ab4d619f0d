// Flow files from bytes into columns: IPv4 src/dst as u32, ports as numbers, protocols and
// interface names as small ids into string tables. No string or object per flow. The CSV body is
// scanned by the wasm core in one linear pass (nfScanCsv, packages/wasm/assembly/netfilter_scan.ts);
// a line it does not take (a non-ASCII byte, an address that is not plain dotted IPv4, a port cell
// that is not 1-5 digits, a line without src or dst), the header, and every JSON Lines line go to
// the readable per-line reader in flows.ts, which gives the same flow or the same error
// (file:line:col) as parseFlows on the decoded text (a property test compares the two).
import type { Flow } from "./types.ts";
import { quickV4 } from "./net.ts";
import { InputError } from "../errors.ts";
import { groupDigits } from "../text.ts";
import { formatV4 } from "../ip/addr.ts";
import { core } from "../core/module.ts";
import { NF_ABI } from "./kube-proxy/compile.ts";
import { flowFormat, isFlowFiller, parseCsvHeader, parseCsvFlowLine, parseJsonFlowLine, type CsvHeader, type FlowFormat } from "./flows.ts";

/** No protocol or interface given (ids are indexes into `protos` / `ifaces`). */
export const NO_ID = 0xffff;

export interface FlowColumns {
  n: number;
  /** IPv4 addresses as u32; rows in `other` hold 0 here. */
  src: Uint32Array;
  dst: Uint32Array;
  /** Index into protos, or NO_ID (the tracers' default, tcp). */
  proto: Uint16Array;
  protos: string[];
  /** -1 when absent. */
  sport: Int32Array;
  dport: Int32Array;
  /** Index into ifaces, or NO_ID. */
  inIface: Uint16Array;
  outIface: Uint16Array;
  ifaces: string[];
  /** Rows whose addresses are not plain dotted IPv4 (IPv6, say): the whole flow. */
  other: Map<number, Flow>;
}

class Dict {
  readonly list: string[] = [];
  private readonly ids = new Map<string, number>();
  constructor(private readonly source: string, private readonly what: string) {}
  id(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      // The columns hold 16-bit ids: a bound of the input, reported as one (not a bug).
      if (this.list.length >= NO_ID) {
        throw new InputError(`${this.source}: more than ${groupDigits(NO_ID)} distinct ${this.what}`, "split the flows into smaller files", "TooManyNames");
      }
      this.ids.set(s, (id = this.list.length));
      this.list.push(s);
    }
    return id;
  }
}

class Builder {
  n = 0;
  src: Uint32Array = new Uint32Array(1024);
  dst: Uint32Array = new Uint32Array(1024);
  proto: Uint16Array = new Uint16Array(1024);
  sport: Int32Array = new Int32Array(1024);
  dport: Int32Array = new Int32Array(1024);
  inIface: Uint16Array = new Uint16Array(1024);
  outIface: Uint16Array = new Uint16Array(1024);
  readonly protos: Dict;
  readonly ifaces: Dict;
  readonly other = new Map<number, Flow>();

  constructor(expect: number, source: string) {
    this.protos = new Dict(source, "protocols");
    this.ifaces = new Dict(source, "interface names");
    if (expect > 1024) this.resize(expect);
  }

  private resize(cap: number): void {
    const g = <T extends Uint32Array | Uint16Array | Int32Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(cap);
      b.set(a.subarray(0, this.n));
      return b;
    };
    this.src = g(this.src); this.dst = g(this.dst); this.proto = g(this.proto);
    this.sport = g(this.sport); this.dport = g(this.dport); this.inIface = g(this.inIface); this.outIface = g(this.outIface);
  }

  /** A new row (all fields absent); returns its index. */
  row(): number {
    if (this.n === this.src.length) this.resize(this.n * 2);
    const i = this.n++;
    this.src[i] = 0; this.dst[i] = 0;
    this.proto[i] = NO_ID; this.inIface[i] = NO_ID; this.outIface[i] = NO_ID;
    this.sport[i] = -1; this.dport[i] = -1;
    return i;
  }

  /** A row from a Flow object (the per-line reader's result). */
  add(f: Flow): void {
    this.setRow(this.row(), f);
  }

  /** The columns of n rows from the core (proto and interfaces none, until set). */
  setColumns(n: number, src: Uint32Array, dst: Uint32Array, sport: Int32Array, dport: Int32Array): void {
    this.n = n;
    this.src = src; this.dst = dst; this.sport = sport; this.dport = dport;
    this.proto = new Uint16Array(n).fill(NO_ID);
    this.inIface = new Uint16Array(n).fill(NO_ID);
    this.outIface = new Uint16Array(n).fill(NO_ID);
  }

  /** Row i from a Flow object (a line the readable reader took). */
  setRow(i: number, f: Flow): void {
    const s = quickV4(f.src), d = quickV4(f.dst);
    if (s >= 0 && d >= 0) { this.src[i] = s; this.dst[i] = d; }
    else { this.src[i] = 0; this.dst[i] = 0; this.other.set(i, f); }
    this.proto[i] = f.proto !== undefined ? this.protos.id(f.proto) : NO_ID;
    this.sport[i] = f.sport ?? -1;
    this.dport[i] = f.dport ?? -1;
    this.inIface[i] = f.inIface !== undefined ? this.ifaces.id(f.inIface) : NO_ID;
    this.outIface[i] = f.outIface !== undefined ? this.ifaces.id(f.outIface) : NO_ID;
  }

  done(): FlowColumns {
    const n = this.n;
    return {
      n, src: this.src.subarray(0, n), dst: this.dst.subarray(0, n), proto: this.proto.subarray(0, n), protos: this.protos.list,
      sport: this.sport.subarray(0, n), dport: this.dport.subarray(0, n), inIface: this.inIface.subarray(0, n), outIface: this.outIface.subarray(0, n),
      ifaces: this.ifaces.list, other: this.other,
    };
  }
}

// ignoreBOM: a BOM stays in the text, as readFileSync(path, "utf8") leaves it for the reference reader.
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
const latin1 = new TextDecoder("latin1");
const isWs = (c: number) => c === 32 || (c >= 9 && c <= 13);

/** The flow file's format: from its name, else sniffed from the first non-blank character. */
function sniff(bytes: Uint8Array, source: string): FlowFormat {
  return flowFormat(source, () => {
    let i = 0;
    while (i < bytes.length && isWs(bytes[i])) i++;
    if (i < bytes.length && bytes[i] >= 0x80) return utf8.decode(bytes);
    return i < bytes.length && bytes[i] === 0x7b ? "{" : "";
  });
}

/**
 * Interns the bytes [a, b) (ASCII) in dict. A direct-mapped cache of 256 recent values (keyed by
 * length and the first and last bytes; the bytes are compared on a hit) spares the decode and the
 * map lookup: a column holds few distinct values (tcp, udp; a few interfaces).
 */
class Interner {
  private readonly start = new Int32Array(256).fill(-1);
  private readonly len = new Int32Array(256);
  private readonly ids = new Int32Array(256);
  constructor(private readonly dict: Dict) {}
  id(s: Uint8Array, a: number, b: number): number {
    const len = b - a;
    const slot = (len * 31 + s[a] * 7 + s[b - 1]) & 255;
    const la = this.start[slot];
    if (la >= 0 && this.len[slot] === len) {
      let k = 0;
      while (k < len && s[la + k] === s[a + k]) k++;
      if (k === len) return this.ids[slot];
    }
    const id = this.dict.id(latin1.decode(s.subarray(a, b)));
    this.start[slot] = a;
    this.len[slot] = len;
    this.ids[slot] = id;
    return id;
  }
}

const { NF_COL_SRC: F_SRC, NF_COL_DST: F_DST, NF_COL_PROTO: F_PROTO, NF_COL_SPORT: F_SPORT, NF_COL_DPORT: F_DPORT, NF_COL_IN: F_IN, NF_COL_OUT: F_OUT } = NF_ABI;
const FIELD_CODE: Partial<Record<string, number>> = { src: F_SRC, dst: F_DST, proto: F_PROTO, sport: F_SPORT, dport: F_DPORT, inIface: F_IN, outIface: F_OUT };

/**
 * Reads flows from bytes into columns. Same flows as parseFlows(decoded text) and the same
 * errors; `format` as parseFlows (from the name, else sniffed).
 */
export function scanFlows(bytes: Uint8Array, opts: { source?: string; format?: FlowFormat } = {}): FlowColumns {
  const source = opts.source ?? "flows";
  const format = opts.format ?? sniff(bytes, source);
  const s = bytes;
  const len = s.length;
  const b = new Builder(0, source);
  // JSON Lines, and CSV up to its header, line by line through the readable reader; the CSV body
  // in the wasm core (nfScanCsv).
  let lineNo = 0;
  let pos = 0;
  while (pos < len || (pos === len && lineNo === 0)) {
    lineNo++;
    let end = s.indexOf(10, pos);
    if (end < 0) end = len;
    let e = end;
    if (e > pos && s[e - 1] === 13) e--;
    const next = Math.min(len, end + 1);
    const line = utf8.decode(s.subarray(pos, e));
    pos = next;
    if (!isFlowFiller(line)) {
      if (format === "jsonl") b.add(parseJsonFlowLine(line, lineNo, source));
      else {
        scanCsvBody(s, pos, lineNo, parseCsvHeader(line, lineNo, source), source, b);
        break;
      }
    }
    if (end >= len) break;
  }
  return b.done();
}

/** The number of "\n" bytes from `from` on: four bytes at a time (an exact zero-byte test on the word XOR 0x0a0a0a0a). */
export function countLf(s: Uint8Array, from: number): number {
  const len = s.length;
  let n = 0, i = from;
  for (; i < len && ((s.byteOffset + i) & 3) !== 0; i++) if (s[i] === 10) n++;
  const words = (len - i) >>> 2;
  if (words > 0) {
    const w = new Uint32Array(s.buffer, s.byteOffset + i, words);
    for (let k = 0; k < words; k++) {
      const t = w[k] ^ 0x0a0a0a0a;
      // The high bit of each byte that is zero in t, and of no other byte.
      const y = ~(((t & 0x7f7f7f7f) + 0x7f7f7f7f) | t | 0x7f7f7f7f);
      if (y !== 0) n += Math.imul(y >>> 7, 0x01010101) >>> 24;
    }
    i += words * 4;
  }
  for (; i < len; i++) if (s[i] === 10) n++;
  return n;
}

/** The CSV data lines from `pos` (line `lineNo` was the header) into the builder's columns. */
function scanCsvBody(s: Uint8Array, pos: number, lineNo: number, header: CsvHeader, source: string, b: Builder): void {
  const len = s.length;
  // At most one row per line left.
  const cap = 1 + countLf(s, pos);
  const codes = header.map((k) => (k === undefined ? 0 : FIELD_CODE[k as string] ?? 0));
  const A = NF_ABI;
  const al = (x: number) => (x + 15) & ~15;
  let off = 0;
  const at = (bytes: number) => { const o = off; off += al(bytes); return o; };
  const oP = at(A.NF_SCAN_PARAMS_SIZE), oBytes = at(len - pos + 1), oCodes = at(codes.length + 1);
  const oSrc = at(4 * cap), oDst = at(4 * cap), oSport = at(4 * cap), oDport = at(4 * cap);
  const oProto = at(8 * cap), oIn = at(8 * cap), oOut = at(8 * cap);
  const c = core();
  const blk = c.heap.alloc(off);
  try {
    let u8 = c.u8();
    u8.set(s.subarray(pos), blk + oBytes);
    u8.set(codes, blk + oCodes);
    let u32 = c.u32();
    const P = (blk + oP) >>> 2;
    const param = (k: number, v: number) => (u32[P + (k >>> 2)] = v);
    param(A.NF_SCAN_BYTES, blk + oBytes); param(A.NF_SCAN_END, len - pos); param(A.NF_SCAN_POS, 0); param(A.NF_SCAN_LINE, lineNo);
    param(A.NF_SCAN_CODES, blk + oCodes); param(A.NF_SCAN_NCODES, codes.length); param(A.NF_SCAN_ROWS, 0); param(A.NF_SCAN_CAP, cap);
    param(A.NF_SCAN_SRC, blk + oSrc); param(A.NF_SCAN_DST, blk + oDst); param(A.NF_SCAN_SPORT, blk + oSport); param(A.NF_SCAN_DPORT, blk + oDport);
    param(A.NF_SCAN_PROTO, blk + oProto); param(A.NF_SCAN_IN, blk + oIn); param(A.NF_SCAN_OUT, blk + oOut);
    // Rows the readable reader made (lines the core left to it), by row.
    const slow = new Map<number, Flow>();
    for (;;) {
      const st = c.exports.nfScanCsv(blk + oP);
      u32 = c.u32();
      if (st === A.NF_SCAN_DONE) break;
      if (st !== A.NF_SCAN_SLOW) throw new Error(`nfScanCsv: unexpected status ${st} (columns for ${cap} rows)`);
      const p = pos + u32[P + (A.NF_SCAN_POS >>> 2)];
      const ln = u32[P + (A.NF_SCAN_LINE >>> 2)] + 1;
      let end = s.indexOf(10, p);
      if (end < 0) end = len;
      let e = end;
      if (e > p && s[e - 1] === 13) e--;
      const line = utf8.decode(s.subarray(p, e));
      if (!isFlowFiller(line)) {
        const f = parseCsvFlowLine(line, header, ln, source);
        const r = u32[P + (A.NF_SCAN_ROWS >>> 2)];
        slow.set(r, f);
        const i32 = new Int32Array(u32.buffer);
        u32[(blk + oSrc) / 4 + r] = 0;
        u32[(blk + oDst) / 4 + r] = 0;
        i32[(blk + oSport) / 4 + r] = f.sport ?? -1;
        i32[(blk + oDport) / 4 + r] = f.dport ?? -1;
        for (const o of [oProto, oIn, oOut]) u32[(blk + o) / 4 + r * 2] = A.NF_SCAN_NONE;
        param(A.NF_SCAN_ROWS, r + 1);
      }
      param(A.NF_SCAN_POS, Math.min(len, end + 1) - pos);
      param(A.NF_SCAN_LINE, ln);
    }
    const n = u32[P + (A.NF_SCAN_ROWS >>> 2)];
    const buf = u32.buffer;
    b.setColumns(n, new Uint32Array(buf, blk + oSrc, n).slice(), new Uint32Array(buf, blk + oDst, n).slice(),
      new Int32Array(buf, blk + oSport, n).slice(), new Int32Array(buf, blk + oDport, n).slice());
    // Protocol and interface cells: interned from their bytes (offsets are into s from pos).
    const refs = [[oProto, F_PROTO, b.proto, new Interner(b.protos)], [oIn, F_IN, b.inIface, new Interner(b.ifaces)], [oOut, F_OUT, b.outIface, new Interner(b.ifaces)]] as const;
    for (const [o, code, col, intern] of refs) {
      if (!codes.includes(code)) continue; // no such column: every row has none (NO_ID)
      const w = new Uint32Array(buf, blk + o, n * 2);
      for (let r = 0; r < n; r++) {
        const at0 = w[r * 2];
        col[r] = at0 === A.NF_SCAN_NONE ? NO_ID : intern.id(s, pos + at0, pos + at0 + w[r * 2 + 1]);
      }
    }
    for (const [r, f] of slow) b.setRow(r, f);
  } finally {
    c.heap.release(blk, off);
  }
}

/** One Flow object per row (for the TypeScript tracer, and to compare with parseFlows). */
export function columnsToFlows(c: FlowColumns): Flow[] {
  const out: Flow[] = new Array(c.n);
  for (let i = 0; i < c.n; i++) out[i] = columnFlow(c, i);
  return out;
}

export function columnFlow(c: FlowColumns, i: number): Flow {
  const o = c.other.get(i);
  if (o) return o;
  const f: Flow = { src: formatV4(c.src[i]), dst: formatV4(c.dst[i]) };
  if (c.proto[i] !== NO_ID) f.proto = c.protos[c.proto[i]];
  if (c.sport[i] >= 0) f.sport = c.sport[i];
  if (c.dport[i] >= 0) f.dport = c.dport[i];
  if (c.inIface[i] !== NO_ID) f.inIface = c.ifaces[c.inIface[i]];
  if (c.outIface[i] !== NO_ID) f.outIface = c.ifaces[c.outIface[i]];
  return f;
}
