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
const OUTPUT = lit(',"output":"'), MASQ_T = lit('","masq":true}\n'), MASQ_F = lit('","masq":false}\n'), SEP = lit(", ");

/** Writes the JSON lines of flow columns and their results. */
export function writeJsonl(cols: FlowColumns, r: ColumnResults, sink: ByteSink): void {
  const w = new ByteWriter(sink);
  if (r.kind === "objects") {
    for (let i = 0; i < r.flows.length; i++) w.text(flowJsonLine(r.flows[i], r.results[i]) + "\n");
    w.flush();
    return;
  }
  const { results, outIds } = r.run;
  // JSON text of each output (escaping commutes with joining: "a, b" escapes to esc(a) + ", " + esc(b)).
  const outs = r.program.outputs.map((o) => lit(JSON.stringify(o).slice(1, -1)));
  const protos = cols.protos.map((p) => lit(JSON.stringify(p)));
  const tcp = lit('"tcp"');
  const { src, dst, proto, sport, dport } = cols;
  for (let i = 0; i < cols.n; i++) {
    const first = results[i * 3], count = results[i * 3 + 1];
    const p = proto[i] === NO_ID ? tcp : protos[proto[i]];
    w.room(120 + p.length);
    w.bytes(SRC); w.v4(src[i]);
    w.bytes(DST); w.v4(dst[i]);
    w.bytes(PROTO); w.bytes(p);
    if (sport[i] >= 0) { w.bytes(SPORT); w.uint(sport[i]); }
    if (dport[i] >= 0) { w.bytes(DPORT); w.uint(dport[i]); }
    w.bytes(OUTPUT);
    for (let k = 0; k < count; k++) {
      if (k) w.bytes(SEP);
      w.bytes(outs[outIds[first + k]]);
    }
    w.bytes(results[i * 3 + 2] === 1 ? MASQ_T : MASQ_F);
  }
  w.flush();
}
