// Immutable prefix (CIDR) value type. Keeps what was written: Prefix.parse("10.1.2.3/16").addr is
// 10.1.2.3 and hasHostBits is true; masked() gives 10.1.0.0/16. Checkers report host bits
// instead of silently fixing them.
import { ABI } from "../core/abi.ts";
import { Addr, parseOne, type Family } from "./addr.ts";

export class Prefix {
  /** The address as written (host bits included). */
  readonly addr: Addr;
  readonly bits: number;

  private constructor(addr: Addr, bits: number) {
    this.addr = addr;
    this.bits = bits;
  }

  /**
   * Strict parse of "address/length"; throws ParseError with the reason and column.
   * With allowBare, a bare address is taken as /32 or /128.
   */
  static parse(text: string, opts: { allowBare?: boolean } = {}): Prefix {
    const r = parseOne(text, opts.allowBare ? ABI.MODE_EITHER : ABI.MODE_PREFIX, "parsePrefix");
    return new Prefix(Addr.fromBigInt(r.family as Family, r.value), r.bits);
  }

  static of(addr: Addr, bits: number): Prefix {
    if (!Number.isInteger(bits) || bits < 0 || bits > addr.bitLength) {
      throw new RangeError(`prefix length ${bits} out of range for IPv${addr.family}`);
    }
    return new Prefix(addr, bits);
  }

  get family(): Family {
    return this.addr.family;
  }

  get bitLength(): 32 | 128 {
    return this.addr.bitLength;
  }

  private get hostMask(): bigint {
    return (1n << BigInt(this.bitLength - this.bits)) - 1n;
  }

  /** True when bits below the prefix length are set ("10.1.2.3/16"). */
  get hasHostBits(): boolean {
    return (this.addr.value & this.hostMask) !== 0n;
  }

  /** The prefix with host bits cleared. */
  masked(): Prefix {
    return this.hasHostBits ? new Prefix(this.first, this.bits) : this;
  }

  get first(): Addr {
    return Addr.fromBigInt(this.family, this.addr.value & ~this.hostMask);
  }

  get last(): Addr {
    return Addr.fromBigInt(this.family, (this.addr.value & ~this.hostMask) | this.hostMask);
  }

  /** Number of addresses, exact (2^128 for ::/0). */
  get size(): bigint {
    return 1n << BigInt(this.bitLength - this.bits);
  }

  /** Same family, and every address of x is inside this prefix. */
  contains(x: Addr | Prefix): boolean {
    const p = x instanceof Prefix ? x : Prefix.of(x, x.bitLength);
    if (p.family !== this.family || p.bits < this.bits) return false;
    return (p.addr.value & ~this.hostMask) === this.first.value;
  }

  overlaps(o: Prefix): boolean {
    return o.family === this.family && (this.bits <= o.bits ? this.contains(o) : o.contains(this));
  }

  equals(o: Prefix): boolean {
    return this.bits === o.bits && this.addr.equals(o.addr);
  }

  /** By family, first address, then shorter prefix first. */
  compare(o: Prefix): number {
    return this.first.compare(o.first) || this.bits - o.bits;
  }

  /** "addr/bits" as written (host bits kept), the address in RFC 5952 form. */
  toString(): string {
    return `${this.addr}/${this.bits}`;
  }

  toJSON(): string {
    return this.toString();
  }
}
