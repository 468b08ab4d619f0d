// Bytes out: the core formats prefixes, merged ranges and overlap pairs into an output buffer in
// linear memory, and the buffer is handed to an injected writer once per fill (the CLI writes it
// to fd 1 with one system call). No JS string per record. format-ref.ts holds the readable
// TypeScript twins the property tests compare with.
import { ABI } from "../core/abi.ts";
import { core, type Core } from "../core/module.ts";
import type { PrefixBatch } from "./records.ts";
import type { MergedSet } from "./merged.ts";
import type { SourceSpan } from "./stream.ts";

/** Receives a view of bytes to write; the view is only valid during the call. */
export type WriteBytes = (bytes: Uint8Array) => void;

/** A list's punctuation: item k is (k == 0 ? first : sep) + value + trail. */
export interface ListStyle {
  first: string;
  sep: string;
  trail: string;
}

/** One value per line. */
export const LINES: ListStyle = { first: "", sep: "", trail: "\n" };

/** The items of a JSON array of strings as JSON.stringify(value, null, 2) prints it at this depth. */
export function jsonStrings(depth: number): ListStyle {
  const pad = "  ".repeat(depth);
  return { first: `\n${pad}"`, sep: `,\n${pad}"`, trail: '"' };
}

const encoder = new TextEncoder();
export const DEFAULT_OUTPUT_BYTES = 1 << 18;
export const MIN_OUTPUT_BYTES = 1 << 15;

/**
 * An output buffer in the core's memory. text() appends a JS string (for headers and the like);
 * the bulk methods run the core's formatters. flush() hands the bytes to the writer.
 */
export class OutputBuffer {
  private readonly ptr: number;
  private used = 0;
  private closed = false;

  constructor(
    private readonly write: WriteBytes,
    readonly core_: Core = core(),
    readonly size = DEFAULT_OUTPUT_BYTES,
  ) {
    // Room for the worst case of one range (256 IPv6 prefixes) after a flush.
    if (size < MIN_OUTPUT_BYTES) throw new RangeError(`output buffer of ${size} bytes: at least ${MIN_OUTPUT_BYTES} needed`);
    this.ptr = core_.heap.alloc(size);
  }

  private get room(): number {
    return this.size - this.used;
  }

  flush(): void {
    if (this.used === 0) return;
    const view = new Uint8Array(this.core_.memory.buffer, this.ptr, this.used);
    this.used = 0;
    this.write(view);
  }

  /** Appends text (UTF-8). */
  text(s: string): void {
    const bytes = encoder.encode(s);
    let at = 0;
    while (at < bytes.length) {
      if (this.room === 0) this.flush();
      const n = Math.min(this.room, bytes.length - at);
      this.core_.u8().set(bytes.subarray(at, at + n), this.ptr + this.used);
      this.used += n;
      at += n;
    }
  }

  /** A decor block (see assembly/format.ts) for a list style; released by the caller. */
  private decor(style: ListStyle): [number, number] {
    const f = encoder.encode(style.first), s = encoder.encode(style.sep), t = encoder.encode(style.trail);
    const bytes = ABI.DECOR_HEADER + f.length + s.length + t.length;
    const p = this.core_.heap.alloc(bytes);
    const m = this.core_.u8();
    new DataView(m.buffer).setUint32(p, f.length, true);
    new DataView(m.buffer).setUint32(p + 4, s.length, true);
    new DataView(m.buffer).setUint32(p + 8, t.length, true);
    m.set(f, p + ABI.DECOR_HEADER);
    m.set(s, p + ABI.DECOR_HEADER + f.length);
    m.set(t, p + ABI.DECOR_HEADER + f.length + s.length);
    return [p, bytes];
  }

  /**
   * Runs a resumable core formatter until it has consumed every item; each call fills the rest of
   * the buffer. Returns the number of items written.
   */
  private drain(total: number, step: (from: number, out: number, cap: number, started: number) => number): number {
    const x = this.core_.exports;
    let from = 0;
    let items = 0;
    while (from < total) {
      if (this.room < this.size / 2) this.flush();
      const next = step(from, this.ptr + this.used, this.room, items > 0 ? 1 : 0);
      this.used += this.core_.result(ABI.RES_A);
      items += this.core_.result(ABI.RES_B);
      if (next === from) {
        // Not even one item fitted: the buffer must be emptied first.
        if (this.used === 0) throw new RangeError("output buffer too small for one item");
        this.flush();
      }
      from = next;
    }
    return items;
  }

  /** Pointer to a batch's records in the core, copying a JS-owned batch into a temporary. */
  private recordsOf(b: PrefixBatch): [number, number] {
    if (b.home?.memory === this.core_.memory) return [b.home.ptr, 0];
    const bytes = Math.max(16, b.length * ABI.REC_SIZE);
    const p = this.core_.heap.alloc(bytes);
    this.core_.u8().set(b.bytes.subarray(0, b.length * ABI.REC_SIZE), p);
    return [p, bytes];
  }

  /** Every value of the batch as "addr/bits" (bare: a full-length prefix as its address). Returns how many. */
  prefixes(b: PrefixBatch, style: ListStyle = LINES, bare = false): number {
    const [d, db] = this.decor(style);
    const [recs, rb] = this.recordsOf(b);
    try {
      const x = this.core_.exports;
      return this.drain(b.length, (from, out, cap, started) => x.formatPrefixes(recs, from, b.length, out, cap, bare ? 1 : 0, d, started, this.core_.res));
    } finally {
      if (rb) this.core_.heap.release(recs, rb);
      this.core_.heap.release(d, db);
    }
  }

  /** The minimal prefix list of merged ranges, IPv4 first. Returns how many prefixes. */
  merged(set: MergedSet, style: ListStyle = LINES): number {
    const [d, db] = this.decor(style);
    const x = this.core_.exports;
    try {
      const n4 = this.drain(set.v4Count, (from, out, cap, started) => x.formatV4Keys(set.v4Ptr, from, set.v4Count, out, cap, d, started, this.core_.res));
      const n6 = this.drainAfter(n4 > 0, set.v6Count, (from, out, cap, started) => x.formatRanges(set.v6Ptr, from, set.v6Count, out, cap, d, started, this.core_.res));
      return n4 + n6;
    } finally {
      this.core_.heap.release(d, db);
    }
  }

  private drainAfter(started: boolean, total: number, step: (from: number, out: number, cap: number, started: number) => number): number {
    return this.drain(total, (from, out, cap, st) => step(from, out, cap, started || st ? 1 : 0));
  }

  /**
   * Overlap pairs (index pairs into b, flattened) with their origins ("name:line" from the
   * sources b was read from), as text lines or JSON array items. Returns how many.
   */
  pairs(pairs: Uint32Array, b: PrefixBatch, sources: readonly SourceSpan[], json: boolean): number {
    const c = this.core_;
    const k = pairs.length / 2;
    if (k === 0) return 0;
    const names = sources.map((s) => [encoder.encode(s.name), encoder.encode(JSON.stringify(s.name).slice(1, -1))]);
    const nameBytes = names.reduce((t, [a, j]) => t + a.length + j.length, 0);
    const tableBytes = sources.length * ABI.SRC_SIZE + nameBytes + pairs.byteLength;
    const table = c.heap.alloc(tableBytes);
    const [recs, rb] = this.recordsOf(b);
    try {
      const m = c.u8();
      const dv = new DataView(m.buffer);
      let at = table + sources.length * ABI.SRC_SIZE;
      sources.forEach((s, i) => {
        const [t, j] = names[i];
        const e = table + i * ABI.SRC_SIZE;
        dv.setUint32(e + ABI.SRC_START, s.start, true);
        dv.setUint32(e + ABI.SRC_NAME, at, true);
        dv.setUint32(e + ABI.SRC_NAME_LEN, t.length, true);
        m.set(t, at);
        at += t.length;
        dv.setUint32(e + ABI.SRC_JSON, at, true);
        dv.setUint32(e + ABI.SRC_JSON_LEN, j.length, true);
        m.set(j, at);
        at += j.length;
        dv.setUint32(e + ABI.SRC_LINES, s.lines ? 1 : 0, true);
      });
      const pp = at;
      m.set(new Uint8Array(pairs.buffer, pairs.byteOffset, pairs.byteLength), pp);
      const x = c.exports;
      return this.drain(k, (from, out, cap, started) => x.formatPairs(pp, from, k, recs, table, sources.length, out, cap, json ? 1 : 0, started, c.res));
    } finally {
      if (rb) c.heap.release(recs, rb);
      c.heap.release(table, tableBytes);
    }
  }

  /** Flushes and returns the buffer's memory to the core. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.core_.heap.release(this.ptr, this.size);
  }
}

/** Collects written bytes (for tests and for callers that want a string). */
export function collectBytes(): { write: WriteBytes; text(): string; bytes(): Uint8Array } {
  const parts: Uint8Array[] = [];
  return {
    write: (b) => { parts.push(b.slice()); },
    bytes: () => {
      const n = parts.reduce((t, p) => t + p.length, 0);
      const out = new Uint8Array(n);
      let o = 0;
      for (const p of parts) { out.set(p, o); o += p.length; }
      return out;
    },
    text() { return new TextDecoder().decode(this.bytes()); },
  };
}
