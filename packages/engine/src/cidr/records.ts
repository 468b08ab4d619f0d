// Columnar batches of the core's records (layouts in abi.ts). Bulk verbs take and return these;
// single values are materialised only when asked for (get, toStrings).
import { ABI, STATUS_TEXT } from "../core/abi.ts";
import { Addr, formatV4, formatV6Words, type Family } from "../ip/addr.ts";
import { Prefix } from "../ip/prefix.ts";

const R = ABI.REC_SIZE;
const V4_MAPPED_HI32 = 0x0000ffff;

/** Where a resident batch lives: a block of wasm linear memory owned by a heap. */
export interface Home {
  memory: WebAssembly.Memory;
  ptr: number;
  /** Called by dispose(): returns the block to the heap. */
  release?: () => void;
}

/**
 * n prefix (or address) records of 32 bytes. A batch is either JS-owned (bytes in an ordinary
 * ArrayBuffer) or resident in the wasm core's linear memory (made by the wasm backend), in which
 * case verbs read it in place. `bytes` of a resident batch is a view that the next engine call
 * may replace (memory growth detaches views): read it right away, or copy() the batch.
 */
export class PrefixBatch {
  readonly length: number;
  readonly home?: Home;
  private _bytes: Uint8Array;
  private _u32: Uint32Array;
  private _u64: BigUint64Array;

  constructor(bytes: Uint8Array, length: number, home?: Home) {
    if (!home && bytes.byteOffset % 8 !== 0) bytes = bytes.slice();
    this.length = length;
    this.home = home;
    this._bytes = bytes;
    this._u32 = new Uint32Array(bytes.buffer, bytes.byteOffset, length * (R / 4));
    this._u64 = new BigUint64Array(bytes.buffer, bytes.byteOffset, length * (R / 8));
  }

  /** A batch over records already in linear memory at home.ptr. */
  static resident(home: Home, length: number): PrefixBatch {
    return new PrefixBatch(new Uint8Array(home.memory.buffer, home.ptr, length * R), length, home);
  }

  private refresh(): void {
    const h = this.home!;
    this._bytes = new Uint8Array(h.memory.buffer, h.ptr, this.length * R);
    this._u32 = new Uint32Array(h.memory.buffer, h.ptr, this.length * (R / 4));
    this._u64 = new BigUint64Array(h.memory.buffer, h.ptr, this.length * (R / 8));
  }

  // Growing linear memory detaches the old buffer, and views over a detached buffer have length 0:
  // one length compare per access instead of reading memory.buffer (a getter call) every time.
  get bytes(): Uint8Array {
    if (this._bytes.length === 0 && this.home && this.length > 0) this.refresh();
    return this._bytes;
  }

  private get u32(): Uint32Array {
    if (this._u32.length === 0 && this.home && this.length > 0) this.refresh();
    return this._u32;
  }

  private get u64(): BigUint64Array {
    if (this._u64.length === 0 && this.home && this.length > 0) this.refresh();
    return this._u64;
  }

  /** A JS-owned copy (safe to keep across engine calls and to send to a worker). */
  copy(): PrefixBatch {
    return new PrefixBatch(this.bytes.slice(0, this.length * R), this.length);
  }

  /** Returns a resident batch's memory to the core now; the batch must not be used afterwards. */
  dispose(): void {
    this.home?.release?.();
  }

  static empty(): PrefixBatch {
    return new PrefixBatch(new Uint8Array(0), 0);
  }

  /** Records for prefixes or addresses (an address is a full-length prefix). value[i] = values?.[i] ?? 0. */
  static from(items: readonly (Prefix | Addr)[], values?: ArrayLike<number>): PrefixBatch {
    const bytes = new Uint8Array(items.length * R);
    const dv = new DataView(bytes.buffer);
    items.forEach((it, i) => {
      const p = it instanceof Prefix ? it : Prefix.of(it, it.bitLength);
      const o = i * R;
      const v = p.family === 4 ? (0xffffn << 32n) | p.addr.value : p.addr.value;
      dv.setBigUint64(o + ABI.OFF_HI, v >> 64n, true);
      dv.setBigUint64(o + ABI.OFF_LO, v & 0xffffffffffffffffn, true);
      dv.setUint32(o + ABI.OFF_VALUE, values ? values[i] >>> 0 : 0, true);
      bytes[o + ABI.OFF_BITS] = p.bits;
      bytes[o + ABI.OFF_FAMILY] = p.family;
      bytes[o + ABI.OFF_FLAGS] = (it instanceof Prefix ? ABI.FLAG_HAS_SLASH : 0) | (p.hasHostBits ? ABI.FLAG_HOST_BITS : 0);
    });
    return new PrefixBatch(bytes, items.length);
  }

  /**
   * IPv4 addresses or prefixes given as 32-bit numbers (the fast way to build big batches): one
   * prefix length for all, or one per record; payload values optional.
   */
  static fromV4Numbers(addrs: ArrayLike<number>, bits: number | ArrayLike<number> = 32, values?: ArrayLike<number>): PrefixBatch {
    const n = addrs.length;
    const bytes = new Uint8Array(n * R);
    const u32 = new Uint32Array(bytes.buffer);
    for (let i = 0; i < n; i++) {
      const w = i * (R / 4);
      u32[w + ABI.OFF_LO / 4] = addrs[i] >>> 0;
      u32[w + ABI.OFF_LO / 4 + 1] = V4_MAPPED_HI32;
      if (values) u32[w + ABI.OFF_VALUE / 4] = values[i] >>> 0;
      bytes[i * R + ABI.OFF_BITS] = typeof bits === "number" ? bits : bits[i];
      bytes[i * R + ABI.OFF_FAMILY] = 4;
    }
    return new PrefixBatch(bytes, n);
  }

  /** A JS-owned copy whose record i carries the payload values[i] (e.g. its LPM value). */
  withValues(values: ArrayLike<number>): PrefixBatch {
    const out = this.copy();
    for (let i = 0; i < out.length; i++) out.u32[i * (R / 4) + ABI.OFF_VALUE / 4] = values[i] >>> 0;
    return out;
  }

  family(i: number): 0 | 4 | 6 {
    return this.bytes[i * R + ABI.OFF_FAMILY] as 0 | 4 | 6;
  }
  bits(i: number): number {
    return this.bytes[i * R + ABI.OFF_BITS];
  }
  flags(i: number): number {
    return this.bytes[i * R + ABI.OFF_FLAGS];
  }
  status(i: number): number {
    return this.bytes[i * R + ABI.OFF_STATUS];
  }
  value(i: number): number {
    return this.u32[i * 8 + ABI.OFF_VALUE / 4];
  }
  /** 0-based byte column where parsing stopped (parse results). */
  col(i: number): number {
    return this.u32[i * 8 + ABI.OFF_COL / 4];
  }
  /** 1-based line number (parse results). */
  line(i: number): number {
    return this.u32[i * 8 + ABI.OFF_LINE / 4];
  }
  /** The address as an unsigned integer in its family's width. */
  addrValue(i: number): bigint {
    if (this.family(i) === 4) return BigInt(this.u32[i * 8 + 2]);
    return (this.u64[i * 4] << 64n) | this.u64[i * 4 + 1];
  }
  /** IPv4 address as a number (fast path). */
  v4(i: number): number {
    return this.u32[i * 8 + 2];
  }
  statusCode(i: number): string {
    return STATUS_TEXT[this.status(i)]?.code ?? `Status${this.status(i)}`;
  }

  /** The record as a Prefix (undefined for empty or failed lines). */
  get(i: number): Prefix | undefined {
    const f = this.family(i);
    if (f === 0) return undefined;
    return Prefix.of(Addr.fromBigInt(f, this.addrValue(i)), this.bits(i));
  }

  addr(i: number): Addr | undefined {
    const f = this.family(i);
    return f === 0 ? undefined : Addr.fromBigInt(f, this.addrValue(i));
  }

  toPrefixes(): Prefix[] {
    const out: Prefix[] = [];
    for (let i = 0; i < this.length; i++) {
      const p = this.get(i);
      if (p) out.push(p);
    }
    return out;
  }

  /** "a/n" per record ("" for empty or failed lines); bare=true leaves full-length prefixes bare. */
  toStrings(bare = false): string[] {
    const out = new Array<string>(this.length);
    for (let i = 0; i < this.length; i++) {
      const f = this.family(i);
      if (f === 0) { out[i] = ""; continue; }
      const w = i * 8;
      const u32 = this.u32;
      // Words of the address, most significant first: hi = u32[w+1]:u32[w], lo = u32[w+3]:u32[w+2].
      const a = f === 4 ? formatV4(u32[w + 2]) : formatV6Words(u32[w + 1], u32[w], u32[w + 3], u32[w + 2]);
      const b = this.bits(i);
      out[i] = bare && b === (f === 4 ? 32 : 128) ? a : `${a}/${b}`;
    }
    return out;
  }

  /** A new batch of the records at the given indices. */
  select(indices: ArrayLike<number>): PrefixBatch {
    const out = new Uint8Array(indices.length * R);
    for (let k = 0; k < indices.length; k++) out.set(this.bytes.subarray(indices[k] * R, indices[k] * R + R), k * R);
    return new PrefixBatch(out, indices.length);
  }

  /** Records with family != 0 (parsed values), in order. */
  valid(): PrefixBatch {
    const idx: number[] = [];
    for (let i = 0; i < this.length; i++) if (this.family(i) !== 0) idx.push(i);
    return idx.length === this.length ? this : this.select(idx);
  }
}

/** n inclusive ranges [first, last] of one family each (40-byte records). */
export class RangeBatch {
  readonly bytes: Uint8Array;
  readonly length: number;
  private readonly dv: DataView;

  constructor(bytes: Uint8Array, length: number) {
    this.bytes = bytes;
    this.length = length;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, length * ABI.RANGE_SIZE);
  }

  static from(ranges: readonly { first: Addr; last: Addr }[]): RangeBatch {
    const bytes = new Uint8Array(ranges.length * ABI.RANGE_SIZE);
    const dv = new DataView(bytes.buffer);
    ranges.forEach((r, i) => {
      if (r.first.family !== r.last.family || r.first.value > r.last.value) {
        throw new RangeError(`not a range: ${r.first} - ${r.last}`);
      }
      const o = i * ABI.RANGE_SIZE;
      const wide = (a: Addr) => (a.family === 4 ? (0xffffn << 32n) | a.value : a.value);
      const f = wide(r.first), l = wide(r.last);
      dv.setBigUint64(o + ABI.ROFF_FIRST_HI, f >> 64n, true);
      dv.setBigUint64(o + ABI.ROFF_FIRST_LO, f & 0xffffffffffffffffn, true);
      dv.setBigUint64(o + ABI.ROFF_LAST_HI, l >> 64n, true);
      dv.setBigUint64(o + ABI.ROFF_LAST_LO, l & 0xffffffffffffffffn, true);
      dv.setUint32(o + ABI.ROFF_FAMILY, r.first.family, true);
    });
    return new RangeBatch(bytes, ranges.length);
  }

  family(i: number): Family {
    return this.dv.getUint32(i * ABI.RANGE_SIZE + ABI.ROFF_FAMILY, true) as Family;
  }

  private wide(i: number, hiOff: number, loOff: number): bigint {
    const o = i * ABI.RANGE_SIZE;
    const v = (this.dv.getBigUint64(o + hiOff, true) << 64n) | this.dv.getBigUint64(o + loOff, true);
    return this.family(i) === 4 ? v & 0xffffffffn : v;
  }

  firstValue(i: number): bigint {
    return this.wide(i, ABI.ROFF_FIRST_HI, ABI.ROFF_FIRST_LO);
  }

  lastValue(i: number): bigint {
    return this.wide(i, ABI.ROFF_LAST_HI, ABI.ROFF_LAST_LO);
  }

  get(i: number): { first: Addr; last: Addr } {
    const f = this.family(i);
    return { first: Addr.fromBigInt(f, this.firstValue(i)), last: Addr.fromBigInt(f, this.lastValue(i)) };
  }

  toArray(): { first: Addr; last: Addr }[] {
    return Array.from({ length: this.length }, (_, i) => this.get(i));
  }
}
