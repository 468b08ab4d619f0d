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
import { readToHeap, type HeapBytes, type HeapReadable } from "../core/read.ts";
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

  /** The columns of n rows from the core. */
  setColumns(n: number, src: Uint32Array, dst: Uint32Array, sport: Int32Array, dport: Int32Array, proto: Uint16Array, inIface: Uint16Array, outIface: Uint16Array): void {
    this.n = n;
    this.src = src; this.dst = dst; this.sport = sport; this.dport = dport;
    this.proto = proto; this.inIface = inIface; this.outIface = outIface;
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

/** The number of "\n" bytes from `from` on, four bytes at a time (an exact zero-byte test on the word XOR 0x0a0a0a0a): the readable twin of the core's nfCountLf (a property test compares them). */
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

/**
 * Scanned CSV columns resident in the core's heap, in one block the owner releases: addresses of
 * src, dst (u32 per row), sport, dport (i32, -1 = none), proto, in, out (u16 ids, NO_ID = none).
 * Rows whose addresses are not plain dotted IPv4 hold 0 there and their whole flow in `other`.
 */
export interface ResidentColumns {
  n: number;
  blk: number;
  size: number;
  src: number; dst: number; sport: number; dport: number; proto: number; inIface: number; outIface: number;
  protos: string[];
  ifaces: string[];
  other: Map<number, Flow>;
}

/**
 * Resident columns as one transferable buffer, so a scan made by another core instance (another
 * thread's: the CLI scans a large flow file on a second core while the dump loads) is handed to
 * this one: the column block's bytes, each column's offset in them, the dictionaries and the rows
 * the readable reader made.
 */
export interface PackedColumns {
  n: number;
  bytes: ArrayBuffer;
  at: { src: number; dst: number; sport: number; dport: number; proto: number; inIface: number; outIface: number };
  protos: string[];
  ifaces: string[];
  other: [number, Flow][];
}

const COLUMN_KEYS = ["src", "dst", "sport", "dport", "proto", "inIface", "outIface"] as const;

/** A copy of resident columns out of the heap (the caller still releases its block). */
export function packColumns(c: ResidentColumns): PackedColumns {
  const bytes = core().memory.buffer.slice(c.blk, c.blk + c.size);
  const at = {} as PackedColumns["at"];
  for (const k of COLUMN_KEYS) at[k] = c[k] - c.blk;
  return { n: c.n, bytes, at, protos: [...c.protos], ifaces: [...c.ifaces], other: [...c.other] };
}

/**
 * A CSV flow file read into the heap and scanned into resident columns (the file's bytes released
 * here, the columns' block the caller's): undefined where scanFlowsResident gives nothing (JSON
 * Lines, no data lines). Errors are the scanner's, so a thread that scans for another can drop
 * them: the other reads the file again and reports them.
 */
export function scanFlowFile(input: HeapReadable & { name: string }): ResidentColumns | undefined {
  const heap = core().heap;
  const hb = readToHeap(input);
  try {
    return scanFlowsResident(hb, { source: input.name });
  } finally {
    heap.release(hb.ptr, hb.size);
  }
}

/** Packed columns into this core's heap, as resident columns (the caller releases the block). */
export function adoptColumns(p: PackedColumns): ResidentColumns {
  const c = core();
  const size = p.bytes.byteLength;
  for (const k of COLUMN_KEYS) {
    const width = k === "proto" || k === "inIface" || k === "outIface" ? 2 : 4;
    if (!(p.at[k] >= 0 && p.at[k] + width * p.n <= size && p.at[k] % width === 0)) throw new Error(`adoptColumns: column ${k} at ${p.at[k]} is outside the ${size}-byte block of ${p.n} rows`);
  }
  const blk = c.heap.alloc(Math.max(16, size));
  c.u8().set(new Uint8Array(p.bytes), blk);
  const cols = { n: p.n, blk, size: Math.max(16, size), protos: p.protos, ifaces: p.ifaces, other: new Map(p.other) } as ResidentColumns;
  for (const k of COLUMN_KEYS) cols[k] = blk + p.at[k];
  return cols;
}

/**
 * The CSV data lines from `pos` (line `lineNo` was the header) into columns in the core's heap
 * (interned in the builder's dictionaries). The bytes are copied into the heap, or are there
 * already (`heapAt`: s is then a view of them at that address, renewed here after each allocation).
 */
function scanCsvResident(s: Uint8Array, pos: number, lineNo: number, header: CsvHeader, source: string, b: Builder, heapAt?: number): ResidentColumns {
  const len = s.length;
  const codes = header.map((k) => (k === undefined ? 0 : FIELD_CODE[k as string] ?? 0));
  const A = NF_ABI;
  const c = core();
  // The bytes first, so the core counts the lines (at most one row per line left) in place.
  const body = len - pos;
  const inHeap = heapAt !== undefined;
  const bytesBlk = inHeap ? heapAt + pos : c.heap.alloc(body + 16);
  let blk = 0, off = 0;
  try {
    if (!inHeap) c.u8().set(s.subarray(pos), bytesBlk);
    const cap = 1 + c.exports.nfCountLf(bytesBlk, body);
    // The cell dictionary: at most three cells per row, at most MAX_IDS per kind; twice as many hash slots.
    const entries = Math.min(2 * A.NF_SCAN_MAX_IDS, 3 * cap);
    let slots = 16;
    while (slots < 2 * entries) slots *= 2;
    const al = (x: number) => (x + 15) & ~15;
    const at = (bytes: number) => { const o = off; off += al(bytes); return o; };
    // Columns first: the block is cut back to them when the scan is done.
    const oSrc = at(4 * cap), oDst = at(4 * cap), oSport = at(4 * cap), oDport = at(4 * cap);
    const oProto = at(2 * cap), oIn = at(2 * cap), oOut = at(2 * cap);
    const oP = at(A.NF_SCAN_PARAMS_SIZE), oCodes = at(codes.length + 1);
    const oDict = at(A.NF_SCAN_ENTRY_SIZE * entries), oHash = at(4 * slots);
    blk = c.heap.alloc(off);
    if (inHeap) s = c.u8().subarray(heapAt, heapAt + len);
    c.u8().set(codes, blk + oCodes);
    c.u8().fill(0, blk + oHash, blk + oHash + 4 * slots);
    let u32 = c.u32();
    const P = (blk + oP) >>> 2;
    const param = (k: number, v: number) => (u32[P + (k >>> 2)] = v);
    const got = (k: number) => u32[P + (k >>> 2)];
    param(A.NF_SCAN_BYTES, bytesBlk); param(A.NF_SCAN_END, body); param(A.NF_SCAN_POS, 0); param(A.NF_SCAN_LINE, lineNo);
    param(A.NF_SCAN_CODES, blk + oCodes); param(A.NF_SCAN_NCODES, codes.length); param(A.NF_SCAN_ROWS, 0); param(A.NF_SCAN_CAP, cap);
    param(A.NF_SCAN_SRC, blk + oSrc); param(A.NF_SCAN_DST, blk + oDst); param(A.NF_SCAN_SPORT, blk + oSport); param(A.NF_SCAN_DPORT, blk + oDport);
    param(A.NF_SCAN_PROTO, blk + oProto); param(A.NF_SCAN_IN, blk + oIn); param(A.NF_SCAN_OUT, blk + oOut);
    param(A.NF_SCAN_DICT, blk + oDict); param(A.NF_SCAN_NDICT, 0); param(A.NF_SCAN_HASH, blk + oHash); param(A.NF_SCAN_HASH_MASK, slots - 1);
    param(A.NF_SCAN_NPROTO, 0); param(A.NF_SCAN_NIFACE, 0);
    // Rows the readable reader made (lines the core left to it), by row.
    const slow = new Map<number, Flow>();
    for (;;) {
      const st = c.exports.nfScanCsv(blk + oP);
      u32 = c.u32();
      if (st === A.NF_SCAN_DONE) break;
      if (st === A.NF_SCAN_TOO_MANY) {
        // The columns hold 16-bit ids: a bound of the input, reported as one (not a bug).
        const what = got(A.NF_SCAN_NPROTO) >= A.NF_SCAN_MAX_IDS ? "protocols" : "interface names";
        throw new InputError(`${source}: more than ${groupDigits(NO_ID)} distinct ${what}`, "split the flows into smaller files", "TooManyNames");
      }
      if (st !== A.NF_SCAN_SLOW) throw new Error(`nfScanCsv: unexpected status ${st} (columns for ${cap} rows)`);
      const p = pos + got(A.NF_SCAN_POS);
      const ln = got(A.NF_SCAN_LINE) + 1;
      let end = s.indexOf(10, p);
      if (end < 0) end = len;
      let e = end;
      if (e > p && s[e - 1] === 13) e--;
      const line = utf8.decode(s.subarray(p, e));
      if (!isFlowFiller(line)) {
        const r = got(A.NF_SCAN_ROWS);
        slow.set(r, parseCsvFlowLine(line, header, ln, source));
        param(A.NF_SCAN_ROWS, r + 1);
      }
      param(A.NF_SCAN_POS, Math.min(len, end + 1) - pos);
      param(A.NF_SCAN_LINE, ln);
    }
    const n = got(A.NF_SCAN_ROWS);
    // The dictionary's values, in the order the core gave their ids (so each kind's list index is its id).
    const u8 = c.u8();
    for (let e = 0, ne = got(A.NF_SCAN_NDICT); e < ne; e++) {
      const q = (blk + oDict) / 4 + e * (A.NF_SCAN_ENTRY_SIZE / 4);
      const at0 = bytesBlk + u32[q];
      const text = latin1.decode(u8.subarray(at0, at0 + u32[q + 1]));
      const dict = u32[q + 2] === A.NF_SCAN_KIND_PROTO ? b.protos : b.ifaces;
      if (dict.id(text) !== u32[q + 3]) throw new Error(`nfScanCsv: dictionary entry ${e} (${JSON.stringify(text)}) out of order`);
    }
    // The readable reader's rows, into the columns (their names into the same dictionaries).
    const other = new Map<number, Flow>();
    if (slow.size) {
      const i32 = new Int32Array(u32.buffer), u16 = new Uint16Array(u32.buffer);
      for (const [r, f] of slow) {
        const sv = quickV4(f.src), dv = quickV4(f.dst);
        if (sv >= 0 && dv >= 0) { u32[(blk + oSrc) / 4 + r] = sv; u32[(blk + oDst) / 4 + r] = dv; }
        else { u32[(blk + oSrc) / 4 + r] = 0; u32[(blk + oDst) / 4 + r] = 0; other.set(r, f); }
        i32[(blk + oSport) / 4 + r] = f.sport ?? -1;
        i32[(blk + oDport) / 4 + r] = f.dport ?? -1;
        u16[(blk + oProto) / 2 + r] = f.proto !== undefined ? b.protos.id(f.proto) : NO_ID;
        u16[(blk + oIn) / 2 + r] = f.inIface !== undefined ? b.ifaces.id(f.inIface) : NO_ID;
        u16[(blk + oOut) / 2 + r] = f.outIface !== undefined ? b.ifaces.id(f.outIface) : NO_ID;
      }
    }
    // Keep the columns only: the parameters, the dictionary and the hash table go back to the heap.
    const keep = oP;
    c.heap.release(blk + keep, off - keep);
    const done: ResidentColumns = {
      n, blk, size: keep, src: blk + oSrc, dst: blk + oDst, sport: blk + oSport, dport: blk + oDport, proto: blk + oProto, inIface: blk + oIn, outIface: blk + oOut,
      protos: b.protos.list, ifaces: b.ifaces.list, other,
    };
    blk = 0;
    return done;
  } finally {
    if (blk) c.heap.release(blk, off);
    if (!inHeap) c.heap.release(bytesBlk, body + 16);
  }
}

/** The CSV data lines from `pos` (line `lineNo` was the header) into the builder's columns. */
function scanCsvBody(s: Uint8Array, pos: number, lineNo: number, header: CsvHeader, source: string, b: Builder): void {
  const r = scanCsvResident(s, pos, lineNo, header, source, b);
  const c = core();
  try {
    const buf = c.memory.buffer, n = r.n;
    b.setColumns(n, new Uint32Array(buf, r.src, n).slice(), new Uint32Array(buf, r.dst, n).slice(),
      new Int32Array(buf, r.sport, n).slice(), new Int32Array(buf, r.dport, n).slice(),
      new Uint16Array(buf, r.proto, n).slice(), new Uint16Array(buf, r.inIface, n).slice(), new Uint16Array(buf, r.outIface, n).slice());
    for (const [i, f] of r.other) b.other.set(i, f);
  } finally {
    c.heap.release(r.blk, r.size);
  }
}

/**
 * A CSV flow file scanned into columns that stay in the core's heap (for a bulk run that reads
 * them there); undefined for JSON Lines and files without data lines (scanFlows reads those).
 * The caller releases the block (core().heap.release(blk, size)).
 */
export function scanFlowsResident(bytes: Uint8Array | HeapBytes, opts: { source?: string; format?: FlowFormat } = {}): ResidentColumns | undefined {
  const source = opts.source ?? "flows";
  // Bytes already in the heap are scanned where they are (the caller keeps their block).
  const at = bytes instanceof Uint8Array ? undefined : bytes.ptr;
  const s = bytes instanceof Uint8Array ? bytes : core().u8().subarray(bytes.ptr, bytes.ptr + bytes.len);
  const format = opts.format ?? sniff(s, source);
  if (format === "jsonl") return undefined;
  const len = s.length;
  let lineNo = 0, pos = 0;
  while (pos < len) {
    lineNo++;
    let end = s.indexOf(10, pos);
    if (end < 0) end = len;
    let e = end;
    if (e > pos && s[e - 1] === 13) e--;
    const line = utf8.decode(s.subarray(pos, e));
    pos = Math.min(len, end + 1);
    if (!isFlowFiller(line)) return scanCsvResident(s, pos, lineNo, parseCsvHeader(line, lineNo, source), source, new Builder(0, source), at);
    if (end >= len) break;
  }
  return undefined;
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
