// IPSet: an immutable set of addresses as sorted, non-overlapping, non-adjacent ranges, and the
// builder that applies adds and removes with bulk calls into the engine's backend.
import type { Addr, Family } from "../ip/addr.ts";
import { Prefix } from "../ip/prefix.ts";
import { PrefixBatch, RangeBatch } from "./records.ts";
import type { CidrEngine, PrefixInput } from "./engine.ts";
import { concatBatches } from "./concat.ts";

/** An immutable set of addresses: sorted, non-overlapping, non-adjacent ranges. */
export class IPSet {
  private bounds?: { fam: Family[]; first: bigint[]; last: bigint[] };
  private prefixCache?: PrefixBatch;

  constructor(private readonly engine: CidrEngine, readonly ranges: RangeBatch) {}

  get isEmpty(): boolean {
    return this.ranges.length === 0;
  }

  /** The minimal sorted prefix list of the set. */
  prefixes(): PrefixBatch {
    this.prefixCache ??= this.engine.backend.rangesToPrefixes(this.ranges);
    return this.prefixCache;
  }

  /** Exact number of addresses. */
  get size(): bigint {
    let n = 0n;
    for (let i = 0; i < this.ranges.length; i++) n += this.ranges.lastValue(i) - this.ranges.firstValue(i) + 1n;
    return n;
  }

  private index() {
    if (!this.bounds) {
      const r = this.ranges;
      this.bounds = {
        fam: Array.from({ length: r.length }, (_, i) => r.family(i)),
        first: Array.from({ length: r.length }, (_, i) => r.firstValue(i)),
        last: Array.from({ length: r.length }, (_, i) => r.lastValue(i)),
      };
    }
    return this.bounds;
  }

  /** Binary search for the range holding [first, last] of one family. */
  private covers(fam: Family, first: bigint, last: bigint): boolean {
    const b = this.index();
    let lo = 0, hi = b.first.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (b.fam[mid] < fam || (b.fam[mid] === fam && b.first[mid] <= first)) { found = mid; lo = mid + 1; }
      else hi = mid - 1;
    }
    return found >= 0 && b.fam[found] === fam && last <= b.last[found];
  }

  /** Whether every address of x is in the set. */
  contains(x: Addr | Prefix): boolean {
    return x instanceof Prefix ? this.covers(x.family, x.first.value, x.last.value) : this.covers(x.family, x.value, x.value);
  }

  overlaps(other: IPSet | PrefixInput): boolean {
    return this.intersection(other).ranges.length > 0;
  }

  private other(x: IPSet | PrefixInput): IPSet {
    return x instanceof IPSet ? x : this.engine.set(x);
  }

  union(other: IPSet | PrefixInput): IPSet {
    return this.engine.builder().addSet(this).addSet(this.other(other)).build();
  }

  difference(other: IPSet | PrefixInput): IPSet {
    return new IPSet(this.engine, this.engine.backend.exclude(this.ranges, this.other(other).ranges));
  }

  intersection(other: IPSet | PrefixInput): IPSet {
    return new IPSet(this.engine, this.engine.backend.intersect(this.ranges, this.other(other).ranges));
  }

  equals(other: IPSet): boolean {
    const a = this.ranges.bytes, b = other.ranges.bytes;
    return a.length === b.length && a.every((v, i) => v === b[i]);
  }

  /**
   * The first free prefix of length bits, best fit (the smallest free block that holds it), and
   * the set without it; undefined when no such block is left.
   */
  takeFreePrefix(bits: number, family: Family = 4): { prefix: Prefix; rest: IPSet } | undefined {
    const [prefix] = this.engine.allocate(this.prefixes(), [], bits, 1, family);
    if (!prefix) return undefined;
    return { prefix, rest: this.difference([prefix]) };
  }

  toString(): string {
    return this.prefixes().toStrings().join(", ");
  }
}

type BuilderOp = { add: boolean; batch: PrefixBatch };

/** Collects adds and removes in order; build() applies them with bulk calls into the core. */
export class IPSetBuilder {
  private ops: BuilderOp[] = [];
  constructor(private readonly engine: CidrEngine) {}

  add(x: Prefix | Addr | string): this {
    return this.addAll([x]);
  }
  addAll(input: PrefixInput): this {
    this.ops.push({ add: true, batch: this.engine.batch(input) });
    return this;
  }
  addRange(first: Addr, last: Addr): this {
    this.ops.push({ add: true, batch: this.engine.rangeToPrefixes(first, last) });
    return this;
  }
  addSet(s: IPSet): this {
    this.ops.push({ add: true, batch: s.prefixes() });
    return this;
  }
  remove(x: Prefix | Addr | string): this {
    return this.removeAll([x]);
  }
  removeAll(input: PrefixInput): this {
    this.ops.push({ add: false, batch: this.engine.batch(input) });
    return this;
  }
  removeRange(first: Addr, last: Addr): this {
    this.ops.push({ add: false, batch: this.engine.rangeToPrefixes(first, last) });
    return this;
  }
  removeSet(s: IPSet): this {
    this.ops.push({ add: false, batch: s.prefixes() });
    return this;
  }

  build(): IPSet {
    const be = this.engine.backend;
    let current = new RangeBatch(new Uint8Array(0), 0);
    let i = 0;
    while (i < this.ops.length) {
      // One bulk call per run of adds or removes.
      const add = this.ops[i].add;
      const run: PrefixBatch[] = [];
      while (i < this.ops.length && this.ops[i].add === add) run.push(this.ops[i++].batch);
      const batch = concatBatches(run);
      if (add) current = be.ranges(concatBatches([be.rangesToPrefixes(current), batch]));
      else current = be.exclude(current, be.ranges(batch));
    }
    return new IPSet(this.engine, current);
  }
}

