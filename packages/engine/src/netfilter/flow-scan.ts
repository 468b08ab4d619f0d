// Flow files from bytes into columns, in one linear pass: IPv4 src/dst as u32, ports as numbers,
// protocols and interface names as small ids into string tables. No string or object per flow.
// A line the scanner does not take itself (a non-ASCII byte, an address that is not plain dotted
// IPv4, a port cell that is not 1-5 digits, a line without src or dst, every JSON Lines line
// that is not of the simple shape) goes to the readable per-line reader in flows.ts, which gives
// the same flow or the same error (file:line:col) as parseFlows on the decoded text.
import type { Flow } from "./types.ts";
import { quickV4 } from "./net.ts";
import { formatV4 } from "../ip/addr.ts";
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
  id(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      if (this.list.length >= NO_ID) throw new RangeError("more than 65,535 distinct protocols or interface names");
      this.ids.set(s, (id = this.list.length));
      this.list.push(s);
    }
    return id;
  }
}

class Builder {
  n = 0;
  src = new Uint32Array(1024);
  dst = new Uint32Array(1024);
  proto = new Uint16Array(1024);
  sport = new Int32Array(1024);
  dport = new Int32Array(1024);
  inIface = new Uint16Array(1024);
  outIface = new Uint16Array(1024);
  readonly protos = new Dict();
  readonly ifaces = new Dict();
  readonly other = new Map<number, Flow>();

  constructor(expect: number) {
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
    const i = this.row();
    const s = quickV4(f.src), d = quickV4(f.dst);
    if (s >= 0 && d >= 0) { this.src[i] = s; this.dst[i] = d; }
    else this.other.set(i, f);
    if (f.proto !== undefined) this.proto[i] = this.protos.id(f.proto);
    if (f.sport !== undefined) this.sport[i] = f.sport;
    if (f.dport !== undefined) this.dport[i] = f.dport;
    if (f.inIface !== undefined) this.inIface[i] = this.ifaces.id(f.inIface);
    if (f.outIface !== undefined) this.outIface[i] = this.ifaces.id(f.outIface);
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

/** Dotted-quad IPv4 in bytes [a, b) as quickV4 takes it (no leading zeros), or -1. */
function v4At(s: Uint8Array, a: number, b: number): number {
  let n = 0, part = 0, digits = 0, dots = 0;
  for (let i = a; i < b; i++) {
    const c = s[i];
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      n = n * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1;
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return (n * 256 + part) >>> 0;
}

/** A port cell of 1-5 digits at most 65535, or -1 (then the per-line reader gives the error). */
function portAt(s: Uint8Array, a: number, b: number): number {
  if (b - a < 1 || b - a > 5) return -1;
  let v = 0;
  for (let i = a; i < b; i++) {
    const c = s[i] - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v > 65535 ? -1 : v;
}

/** Interns the bytes [a, b) (ASCII) in dict, remembering the last value per column. */
class Interner {
  private lastA = -1;
  private lastLen = -1;
  private lastId = 0;
  constructor(private readonly dict: Dict) {}
  id(s: Uint8Array, a: number, b: number): number {
    const len = b - a;
    if (len === this.lastLen) {
      const la = this.lastA;
      let k = 0;
      while (k < len && s[la + k] === s[a + k]) k++;
      if (k === len) { this.lastA = a; return this.lastId; }
    }
    this.lastA = a;
    this.lastLen = len;
    return (this.lastId = this.dict.id(latin1.decode(s.subarray(a, b))));
  }
}

const F_SRC = 1, F_DST = 2, F_PROTO = 3, F_SPORT = 4, F_DPORT = 5, F_IN = 6, F_OUT = 7;
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
  // A first guess at the row count from the first line lengths, so the columns rarely regrow.
  const b = new Builder(Math.min(len / 24, 1 << 26) | 0);
  const protoI = new Interner(b.protos), inI = new Interner(b.ifaces), outI = new Interner(b.ifaces);
  let header: CsvHeader | undefined;
  let codes: number[] = [];
  let lineNo = 0;
  let pos = 0;
  const slowLine = (a: number, e: number) => {
    const line = utf8.decode(s.subarray(a, e));
    if (isFlowFiller(line)) return;
    if (format === "jsonl") b.add(parseJsonFlowLine(line, lineNo, source));
    else if (!header) {
      header = parseCsvHeader(line, lineNo, source);
      codes = header.map((k) => (k === undefined ? 0 : FIELD_CODE[k as string] ?? 0));
    } else b.add(parseCsvFlowLine(line, header, lineNo, source));
  };
  while (pos < len || (pos === len && lineNo === 0)) {
    lineNo++;
    let end = s.indexOf(10, pos);
    if (end < 0) end = len;
    const next = end + 1;
    let e = end;
    if (e > pos && s[e - 1] === 13) e--;
    if (format === "jsonl" || !header) {
      slowLine(pos, e);
      pos = next;
      if (next > len) break;
      continue;
    }
    // CSV data line: cells between commas, each trimmed of ASCII whitespace.
    let i = pos;
    while (i < e && isWs(s[i])) i++;
    if (i === e || s[i] === 35 /* # */) { pos = next; if (next > len) break; continue; }
    const row = b.row();
    let ok = true;
    let seen = 0;
    let k = 0;
    let c = pos;
    for (;;) {
      let ce = c;
      while (ce < e && s[ce] !== 44) { if (s[ce] >= 0x80) { ok = false; break; } ce++; }
      if (!ok) break;
      const code = k < codes.length ? codes[k] : 0;
      if (code !== 0) {
        let a = c, z = ce;
        while (a < z && isWs(s[a])) a++;
        while (z > a && isWs(s[z - 1])) z--;
        if (a < z) {
          switch (code) {
            case F_SRC: { const v = v4At(s, a, z); if (v < 0) ok = false; else { b.src[row] = v; seen |= 1; } break; }
            case F_DST: { const v = v4At(s, a, z); if (v < 0) ok = false; else { b.dst[row] = v; seen |= 2; } break; }
            case F_PROTO: b.proto[row] = protoI.id(s, a, z); break;
            case F_SPORT: { const v = portAt(s, a, z); if (v < 0) ok = false; else b.sport[row] = v; break; }
            case F_DPORT: { const v = portAt(s, a, z); if (v < 0) ok = false; else b.dport[row] = v; break; }
            case F_IN: b.inIface[row] = inI.id(s, a, z); break;
            case F_OUT: b.outIface[row] = outI.id(s, a, z); break;
          }
          if (!ok) break;
        }
      }
      if (ce >= e) break;
      c = ce + 1;
      k++;
    }
    if (!ok || seen !== 3) {
      // Not the simple shape: the per-line reader takes the line (or throws its error).
      b.n--;
      slowLine(pos, e);
    }
    pos = next;
    if (next > len) break;
  }
  return b.done();
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
