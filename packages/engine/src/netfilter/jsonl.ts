// The JSON Lines of `iptables flows`: one object per flow, in input order:
//   {"src":..,"dst":..,"proto":..,"sport":..,"dport":.., ...the mode's result}
// flowJsonLine is the readable reference (JSON.stringify of an object). writeJsonl formats a whole
// batch into byte chunks; for a kube-proxy-test batch from the wasm core it writes straight from the
// columns and the result words, without a string or object per flow (a property test compares the
// bytes with the reference's).
import type { Flow, FlowResult } from "./types.ts";
import type { ColumnResults } from "./bulk.ts";
import { NO_ID, type FlowColumns } from "./flow-scan.ts";

export function flowJsonLine(f: Flow, r: FlowResult): string {
  return JSON.stringify({ src: f.src, dst: f.dst, proto: f.proto ?? "tcp", sport: f.sport, dport: f.dport, ...r });
}

/** Receives each chunk once; a chunk is not reused after the call. */
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
    this.buf = new Uint8Array(CHUNK);
    this.pos = 0;
  }
}

const lit = (s: string) => enc.encode(s);
const SRC = lit('{"src":"'), DST = lit('","dst":"'), PROTO = lit('","proto":'), SPORT = lit(',"sport":'), DPORT = lit(',"dport":');
const OUTPUT = lit(',"output":"'), MASQ_T = lit('","masq":true}\n'), MASQ_F = lit('","masq":false}\n');

/** Writes the JSON lines of flow columns and their results. */
export function writeJsonl(cols: FlowColumns, r: ColumnResults, sink: ByteSink): void {
  const w = new ByteWriter(sink);
  if (r.kind === "objects") {
    for (let i = 0; i < r.flows.length; i++) w.text(flowJsonLine(r.flows[i], r.results[i]) + "\n");
    w.flush();
    return;
  }
  writeKpBatch(cols, r.program.outputs, r.run.results, r.run.outIds, sink);
}

/** Decimal text of 0..255 (the octets of an address), 4 bytes each: length, then the digits. */
const OCTETS = (() => {
  const t = new Uint8Array(256 * 4);
  for (let v = 0; v < 256; v++) {
    const d = String(v);
    t[v * 4] = d.length;
    for (let k = 0; k < d.length; k++) t[v * 4 + 1 + k] = d.charCodeAt(k);
  }
  return t;
})();

function put(buf: Uint8Array, p: number, b: Uint8Array): number {
  for (let k = 0; k < b.length; k++) buf[p++] = b[k];
  return p;
}

function putV4(buf: Uint8Array, p: number, a: number): number {
  const O = OCTETS;
  for (let sh = 24; sh >= 0; sh -= 8) {
    const o = ((a >>> sh) & 255) << 2;
    const l = O[o];
    buf[p] = O[o + 1];
    if (l > 1) buf[p + 1] = O[o + 2];
    if (l > 2) buf[p + 2] = O[o + 3];
    p += l;
    if (sh) buf[p++] = 46;
  }
  return p;
}

/** 0..99999 in decimal. */
function putUint(buf: Uint8Array, p: number, v: number): number {
  let d = v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : 5;
  const end = p + d;
  for (let q = end - 1; d > 0; d--, q--) { buf[q] = 48 + (v % 10); v = (v / 10) | 0; }
  return end;
}

/**
 * The kube-proxy-test lines of a batch from the wasm core, straight into byte chunks: the flow
 * from its columns, the output from the output-id arena, masq from the result words.
 * One loop with the buffer in locals (this runs once per flow).
 */
function writeKpBatch(cols: FlowColumns, outputs: readonly string[], results: Uint32Array, outIds: Uint32Array, sink: ByteSink): void {
  // JSON text of each output (escaping commutes with joining: "a, b" escapes to esc(a) + ", " + esc(b)).
  const outs = outputs.map((o) => lit(JSON.stringify(o).slice(1, -1)));
  let maxOut = 0;
  for (const o of outs) maxOut = Math.max(maxOut, o.length + 2);
  const protos = [...cols.protos.map((p) => lit(JSON.stringify(p))), lit('"tcp"')];
  let maxProto = 0;
  for (const p of protos) maxProto = Math.max(maxProto, p.length);
  const { src, dst, proto, sport, dport, n } = cols;
  const none = cols.protos.length;
  let buf = new Uint8Array(CHUNK);
  let p = 0;
  for (let i = 0; i < n; i++) {
    const first = results[i * 3], count = results[i * 3 + 1];
    const need = 140 + maxProto + count * maxOut;
    if (p + need > buf.length) {
      sink(buf.subarray(0, p));
      buf = new Uint8Array(Math.max(CHUNK, need));
      p = 0;
    }
    p = put(buf, p, SRC);
    p = putV4(buf, p, src[i]);
    p = put(buf, p, DST);
    p = putV4(buf, p, dst[i]);
    p = put(buf, p, PROTO);
    p = put(buf, p, protos[proto[i] === NO_ID ? none : proto[i]]);
    if (sport[i] >= 0) { p = put(buf, p, SPORT); p = putUint(buf, p, sport[i]); }
    if (dport[i] >= 0) { p = put(buf, p, DPORT); p = putUint(buf, p, dport[i]); }
    p = put(buf, p, OUTPUT);
    for (let k = 0; k < count; k++) {
      if (k) { buf[p++] = 44; buf[p++] = 32; }
      p = put(buf, p, outs[outIds[first + k]]);
    }
    p = put(buf, p, results[i * 3 + 2] === 1 ? MASQ_T : MASQ_F);
  }
  if (p) sink(buf.subarray(0, p));
}

