// Immutable IP address value type: one type for IPv4 and IPv6 (value is 32 or 128 bits).
import { ABI, STATUS_TEXT } from "../core/abi.ts";
import { ParseError } from "../errors.ts";
import { parseValueBytes } from "./parser.ts";

const encoder = new TextEncoder();
const MAX = { 4: (1n << 32n) - 1n, 6: (1n << 128n) - 1n } as const;

export type Family = 4 | 6;

/** Converts a 0-based UTF-8 byte offset in `text` to a 1-based character column. */
export function byteToColumn(text: string, byteOffset: number): number {
  const bytes = encoder.encode(text);
  return new TextDecoder().decode(bytes.subarray(0, byteOffset)).length + 1;
}

/** Shared by Addr.parse and Prefix.parse: runs the reference parser on one value. */
export function parseOne(text: string, mode: number, what: string) {
  const bytes = encoder.encode(text);
  // One value, one line: a newline inside is an error, not a second value.
  const nl = bytes.indexOf(0x0a);
  const r = parseValueBytes(bytes, 0, nl < 0 ? bytes.length : nl, mode);
  if (r.status === ABI.ST_OK && nl >= 0) {
    throw new ParseError({ code: "TrailingCharacters", what, input: text, reason: "unexpected line break", column: byteToColumn(text, nl) });
  }
  if (r.status !== ABI.ST_OK) {
    const st = r.status === ABI.ST_EMPTY ? { code: "Empty", reason: "empty value" } : STATUS_TEXT[r.status];
    throw new ParseError({ code: st.code, what, input: text, reason: st.reason, column: byteToColumn(text, r.col) });
  }
  return r;
}

export class Addr {
  readonly family: Family;
  /** The address as an unsigned integer: 32 bits for IPv4, 128 bits for IPv6. */
  readonly value: bigint;

  private constructor(family: Family, value: bigint) {
    this.family = family;
    this.value = value;
  }

  /** Strict parse of one address (no prefix length, no zone); throws ParseError. */
  static parse(text: string): Addr {
    const r = parseOne(text, ABI.MODE_ADDR, "parseAddr");
    return new Addr(r.family as Family, r.value);
  }

  static fromBigInt(family: Family, value: bigint): Addr {
    if (value < 0n || value > MAX[family]) throw new RangeError(`value out of range for IPv${family}: ${value}`);
    return new Addr(family, value);
  }

  static v4(n: number): Addr {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`not a 32-bit address: ${n}`);
    return new Addr(4, BigInt(n));
  }

  get bitLength(): 32 | 128 {
    return this.family === 4 ? 32 : 128;
  }

  get is4(): boolean {
    return this.family === 4;
  }

  get is6(): boolean {
    return this.family === 6;
  }

  /** IPv4 as a number (0..2^32-1). */
  toNumber(): number {
    if (this.family !== 4) throw new TypeError("toNumber() is for IPv4 addresses");
    return Number(this.value);
  }

  /** this + delta, or undefined when that leaves the address space. */
  add(delta: bigint | number): Addr | undefined {
    const v = this.value + BigInt(delta);
    return v < 0n || v > MAX[this.family] ? undefined : new Addr(this.family, v);
  }

  next(): Addr | undefined {
    return this.add(1n);
  }

  prev(): Addr | undefined {
    return this.add(-1n);
  }

  /** IPv4 sorts before IPv6; then by value. */
  compare(o: Addr): number {
    if (this.family !== o.family) return this.family - o.family;
    return this.value < o.value ? -1 : this.value > o.value ? 1 : 0;
  }

  equals(o: Addr): boolean {
    return this.family === o.family && this.value === o.value;
  }

  /** RFC 5952 text: lower case, longest zero run as "::", IPv4-mapped in dotted form. */
  toString(): string {
    return formatAddr(this.family, this.value);
  }

  toJSON(): string {
    return this.toString();
  }
}

export function formatV4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function formatAddr(family: Family, value: bigint): string {
  if (family === 4) return formatV4(Number(value));
  return formatV6Words(
    Number((value >> 96n) & 0xffffffffn), Number((value >> 64n) & 0xffffffffn),
    Number((value >> 32n) & 0xffffffffn), Number(value & 0xffffffffn),
  );
}

/** RFC 5952 text of the IPv6 address whose 32-bit words are w0 (most significant) .. w3. */
export function formatV6Words(w0: number, w1: number, w2: number, w3: number): string {
  const g = [w0 >>> 16, w0 & 0xffff, w1 >>> 16, w1 & 0xffff, w2 >>> 16, w2 & 0xffff, w3 >>> 16, w3 & 0xffff];
  // ::ffff:a.b.c.d (RFC 5952 section 5)
  if (w0 === 0 && w1 === 0 && w2 === 0xffff) return "::ffff:" + formatV4(w3 >>> 0);
  let bestStart = -1, bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(":");
  if (bestStart < 0) return hex(g);
  return hex(g.slice(0, bestStart)) + "::" + hex(g.slice(bestStart + bestLen));
}
