// The fuzz suite (issue 13): a few hundred seeded mutants of valid inputs per input kind, run
// through the engine calls each command makes. Each must end as accepted (a result that
// serialises to JSON) or as an InputError/UsageError/UnsupportedError whose message names the
// input (and, where it has one, the line) and leaks no JavaScript internals; never a RangeError,
// TypeError or any other exception. Deterministic: a failure prints kind, seed and mutator, and
// `mutant(seedText, seed)` reproduces it. The longer soak (more mutants, through the CLI bundle,
// with time and memory bounds) is bench/fuzz.
import { describe, expect, it } from "vitest";
import { KINDS, classify } from "./kinds.ts";
import { mutant } from "./mutate.ts";

const PER_KIND = Number(process.env.AKSNET_FUZZ_MUTANTS ?? 200);
const BASE_SEED = Number(process.env.AKSNET_FUZZ_SEED ?? 13);

describe("fuzz: every parser, seeded mutants", () => {
  for (const kind of KINDS) {
    it(`${kind.name}: ${PER_KIND} mutants accepted or refused with a location`, () => {
      const seeds = kind.seeds();
      const failures: string[] = [];
      let accepted = 0;
      for (let k = 0; k < PER_KIND; k++) {
        const seed = seeds[k % seeds.length];
        const m = mutant(seed.text, BASE_SEED * 1_000_003 + k);
        const o = classify(kind.run, seed.name, m.text, kind.others);
        if (!o.ok) failures.push(`${kind.name} seed ${BASE_SEED * 1_000_003 + k} (${m.how} of ${seed.name}): ${o.why.slice(0, 300)}`);
        else if (o.accepted) accepted++;
      }
      expect(failures).toEqual([]);
      // The mutants exercise both sides: some still valid, most refused.
      expect(accepted).toBeGreaterThan(0);
      expect(accepted).toBeLessThan(PER_KIND);
    }, 120_000);
  }
});
