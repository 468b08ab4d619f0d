// Longest-prefix-match tables: built once in the backend, looked up in bulk (one core call) or one
// address at a time (a hash probe per prefix length, without a core call).
import { Addr } from "../ip/addr.ts";
import { Prefix } from "../ip/prefix.ts";
import { PrefixBatch } from "./records.ts";
import type { LpmHandle } from "./backend.ts";
import type { CidrEngine, PrefixInput } from "./engine.ts";

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

