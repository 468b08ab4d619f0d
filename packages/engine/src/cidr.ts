// The CIDR engine: bulk functions over arrays of prefixes, sets and LPM tables, on one backend.
// `cidr` (the default instance) runs on the WebAssembly core; tests build one per backend.
import { ABI, PARSE_MODE, STATUS_TEXT, type ParseMode } from "./abi.ts";
import { Addr, byteToColumn, type Family } from "./addr.ts";
import { Prefix } from "./prefix.ts";
import { PrefixBatch, RangeBatch } from "./records.ts";
import { ParseError } from "./errors.ts";
import type { Backend, LpmHandle } from "./backend.ts";
import { WasmBackend } from "./backend-wasm.ts";

export type PrefixInput = PrefixBatch | readonly (Prefix | Addr | string)[];

export interface ParsedList {
  /** One record per input line (blank and failed lines have family 0). */
  records: PrefixBatch;
  /** The parsed values only, in input order. */
  values: PrefixBatch;
  /** Errors in line order, at most `maxErrors` of them; errorCount counts them all. */
  errors: ParseError[];
  errorCount: number;
  /** Returns the records' memory to the core now (optional: garbage collection does it too). */
  dispose(): void;
}

const MAX_ERRORS = 1000;

export class CidrEngine {
  constructor(readonly backend: Backend) {}

  /** Parses newline-separated values; bad lines become located errors, never an exception. */
  parseList(text: string | Uint8Array, opts: { mode?: ParseMode; source?: string; maxErrors?: number } = {}): ParsedList {
    const mode = opts.mode ?? "either";
    const { records, values, nonOk } = this.backend.parseWithValues(text, PARSE_MODE[mode]);
    const errors: ParseError[] = [];
    let errorCount = 0;
    let lines: string[] | undefined;
    for (let i = 0; nonOk > 0 && i < records.length; i++) {
      const st = records.status(i);
      if (st === ABI.ST_OK || st === ABI.ST_EMPTY) continue;
      errorCount++;
      if (errors.length >= (opts.maxErrors ?? MAX_ERRORS)) continue;
      lines ??= (typeof text === "string" ? text : new TextDecoder().decode(text)).split("\n");
      const lineText = (lines[i] ?? "").replace(/\r$/, "");
      errors.push(
        new ParseError({
          code: STATUS_TEXT[st].code,
          what: mode === "address" ? "parseAddr" : "parsePrefix",
          input: lineText,
          reason: STATUS_TEXT[st].reason,
          column: byteToColumn(lineText, records.col(i)),
          line: records.line(i),
          source: opts.source,
        }),
      );
    }
    return {
      records, values, errors, errorCount,
      dispose: () => {
        records.dispose();
        if (values !== records) values.dispose();
      },
    };
  }

  /** Parses a list and throws the first error (for inputs that must be entirely valid). */
  parseStrict(text: string | Uint8Array, opts: { mode?: ParseMode; source?: string } = {}): PrefixBatch {
    const r = this.parseList(text, { ...opts, maxErrors: 1 });
    if (r.errors.length) throw r.errors[0];
    return r.values;
  }

  batch(input: PrefixInput): PrefixBatch {
    if (input instanceof PrefixBatch) return input;
    return PrefixBatch.from(input.map((x) => (typeof x === "string" ? Prefix.parse(x, { allowBare: true }) : x)));
  }

  /** The minimal sorted prefix list covering the same addresses (IPv4 first). */
  merge(input: PrefixInput): PrefixBatch {
    return this.backend.rangesToPrefixes(this.backend.ranges(this.batch(input)));
  }

  /** Addresses in a but not in b, as the minimal prefix list. */
  exclude(a: PrefixInput, b: PrefixInput): PrefixBatch {
    const be = this.backend;
    return be.rangesToPrefixes(be.exclude(be.ranges(this.batch(a)), be.ranges(this.batch(b))));
  }

  /** Addresses in both a and b, as the minimal prefix list. */
  intersect(a: PrefixInput, b: PrefixInput): PrefixBatch {
    const be = this.backend;
    return be.rangesToPrefixes(be.intersect(be.ranges(this.batch(a)), be.ranges(this.batch(b))));
  }

  /** The minimal prefix list for the inclusive range first..last. */
  rangeToPrefixes(first: Addr, last: Addr): PrefixBatch {
    return this.backend.rangesToPrefixes(RangeBatch.from([{ first, last }]));
  }

  /** Every pair [i, j] (i < j) of inputs that share an address, sorted. */
  overlappingPairs(input: PrefixInput): [number, number][] {
    const flat = this.backend.overlappingPairs(this.batch(input));
    const out: [number, number][] = new Array(flat.length / 2);
    for (let k = 0; k < out.length; k++) out[k] = [flat[2 * k], flat[2 * k + 1]];
    return out;
  }

  /** out[i] = 1 when a[i] (or a[0] for a single prefix) contains b[i]; into `out` when given. */
  contains(a: PrefixInput, b: PrefixInput, out?: Uint8Array): Uint8Array {
    return this.backend.contains(this.batch(a), this.batch(b), out);
  }

  /** out[i] = 1 when a[i] (or a[0]) and b[i] share an address; into `out` when given. */
  overlaps(a: PrefixInput, b: PrefixInput, out?: Uint8Array): Uint8Array {
    return this.backend.overlaps(this.batch(a), this.batch(b), out);
  }

  /**
   * The batch moved into the core's memory once, so repeated bulk calls read it in place instead
   * of copying it each time (batches the core made are resident already).
   */
  resident(input: PrefixInput): PrefixBatch {
    return this.backend.adopt(this.batch(input));
  }

  masked(input: PrefixInput): PrefixBatch {
    return this.backend.masked(this.batch(input));
  }

  firstAddresses(input: PrefixInput): PrefixBatch {
    return this.backend.bound(this.batch(input), "first");
  }

  lastAddresses(input: PrefixInput): PrefixBatch {
    return this.backend.bound(this.batch(input), "last");
  }

  /**
   * Best-fit allocation: up to `count` free prefixes of length `bits` inside `space`, avoiding
   * `used`, each from the smallest free block that can hold it. Fewer come back when space runs out.
   */
  allocate(space: PrefixInput, used: PrefixInput, bits: number, count = 1, family?: Family): Prefix[] {
    const s = this.batch(space);
    const fam = family ?? (s.length ? (s.family(0) as Family) : 4);
    if (!Number.isInteger(bits) || bits < 0 || bits > (fam === 4 ? 32 : 128)) {
      throw new RangeError(`prefix length ${bits} out of range for IPv${fam}`);
    }
    return this.backend.allocate(s, this.batch(used), fam, bits, count).toPrefixes();
  }

  set(input: PrefixInput = []): IPSet {
    return new IPSetBuilder(this).addAll(input).build();
  }

  builder(): IPSetBuilder {
    return new IPSetBuilder(this);
  }

  lpm(entries: readonly { prefix: Prefix | string; value: number }[] | PrefixBatch): LpmTable {
    return new LpmTable(this, entries);
  }
}

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

export function concatBatches(list: PrefixBatch[]): PrefixBatch {
  if (list.length === 1) return list[0];
  const n = list.reduce((s, b) => s + b.length, 0);
  const out = new Uint8Array(n * ABI.REC_SIZE);
  let o = 0;
  for (const b of list) {
    out.set(b.bytes.subarray(0, b.length * ABI.REC_SIZE), o);
    o += b.length * ABI.REC_SIZE;
  }
  return new PrefixBatch(out, n);
}

/** Longest-prefix match: N prefixes with a value each, built once, looked up many times. */
export class LpmTable {
  private readonly handle: LpmHandle;
  private readonly prefixes: PrefixBatch;
  private byLength?: [Map<number, Map<bigint, number>>, Map<number, Map<bigint, number>>];

  constructor(private readonly engine: CidrEngine, entries: readonly { prefix: Prefix | string; value: number }[] | PrefixBatch) {
    if (entries instanceof PrefixBatch) this.prefixes = entries;
    else {
      this.prefixes = PrefixBatch.from(
        entries.map((e) => (typeof e.prefix === "string" ? Prefix.parse(e.prefix, { allowBare: true }) : e.prefix)),
        entries.map((e) => e.value),
      );
    }
    this.handle = engine.backend.lpmBuild(this.prefixes);
  }

  get size(): number {
    return this.prefixes.length;
  }

  /** Value of the longest matching prefix per address (0xffffffff = no match), one core call. */
  lookupBatch(addrs: PrefixInput): Uint32Array {
    return this.engine.backend.lpmLookup(this.handle, this.engine.batch(addrs));
  }

  /** Single lookup without a core call: a hash probe per distinct prefix length, longest first. */
  lookup(addr: Addr | string): number | undefined {
    const a = typeof addr === "string" ? Addr.parse(addr) : addr;
    if (!this.byLength) {
      const v4 = new Map<number, Map<bigint, number>>();
      const v6 = new Map<number, Map<bigint, number>>();
      for (let i = 0; i < this.prefixes.length; i++) {
        const p = this.prefixes.get(i);
        if (!p) continue;
        const m = p.family === 4 ? v4 : v6;
        if (!m.has(p.bits)) m.set(p.bits, new Map());
        m.get(p.bits)!.set(p.first.value, this.prefixes.value(i)); // a later duplicate wins
      }
      this.byLength = [v4, v6];
    }
    const byLen = this.byLength[a.family === 4 ? 0 : 1];
    const lengths = [...byLen.keys()].sort((x, y) => y - x);
    for (const bits of lengths) {
      const host = (1n << BigInt(a.bitLength - bits)) - 1n;
      const v = byLen.get(bits)!.get(a.value & ~host);
      if (v !== undefined) return v;
    }
    return undefined;
  }
}

let defaultEngine: CidrEngine | undefined;

/** The engine on the WebAssembly core (created on first use). */
export function cidr(): CidrEngine {
  defaultEngine ??= new CidrEngine(new WasmBackend());
  return defaultEngine;
}
