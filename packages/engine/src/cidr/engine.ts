// The CIDR engine: bulk functions over batches of prefixes, on one backend. `cidr()` (the default
// instance) runs on the WebAssembly core; tests build one per backend. Sets and LPM tables are in
// ipset.ts and lpm.ts.
import { ABI, PARSE_MODE, STATUS_TEXT, type ParseMode } from "../core/abi.ts";
import { Addr, byteToColumn, type Family } from "../ip/addr.ts";
import { Prefix } from "../ip/prefix.ts";
import { ParseError } from "../errors.ts";
import { PrefixBatch, RangeBatch } from "./records.ts";
import type { Backend } from "./backend.ts";
import { WasmBackend } from "./backend-wasm.ts";
import { IPSet, IPSetBuilder } from "./ipset.ts";
import { LpmTable } from "./lpm.ts";
import { concatBatches } from "./concat.ts";

export { concatBatches };

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
    return this.backend.mergePrefixes(this.batch(input));
  }

  /** Addresses in a but not in b, as the minimal prefix list. */
  exclude(a: PrefixInput, b: PrefixInput): PrefixBatch {
    return this.backend.prefixSetOp("exclude", this.batch(a), this.batch(b));
  }

  /** Addresses in both a and b, as the minimal prefix list. */
  intersect(a: PrefixInput, b: PrefixInput): PrefixBatch {
    return this.backend.prefixSetOp("intersect", this.batch(a), this.batch(b));
  }

  /** The minimal prefix list for the inclusive range first..last. */
  rangeToPrefixes(first: Addr, last: Addr): PrefixBatch {
    return this.backend.rangesToPrefixes(RangeBatch.from([{ first, last }]));
  }

  /** Every pair (i, j), i < j, of inputs that share an address, flattened and sorted by (i, j). */
  overlappingPairsFlat(input: PrefixInput): Uint32Array {
    return this.backend.overlappingPairs(this.batch(input));
  }

  /**
   * At most max overlapping pairs (flattened, sorted by (i, j)) and the count of all of them:
   * 20,000 copies of one prefix are 2 × 10^8 pairs, counted without being listed.
   */
  overlappingPairsUpTo(input: PrefixInput, max: number): { pairs: Uint32Array; total: number } {
    return this.backend.overlappingPairsUpTo(this.batch(input), max);
  }

  /** Every pair [i, j] (i < j) of inputs that share an address, sorted. */
  overlappingPairs(input: PrefixInput): [number, number][] {
    const flat = this.overlappingPairsFlat(input);
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

let defaultEngine: CidrEngine | undefined;

/** The engine on the WebAssembly core (created on first use). */
export function cidr(): CidrEngine {
  defaultEngine ??= new CidrEngine(new WasmBackend());
  return defaultEngine;
}
