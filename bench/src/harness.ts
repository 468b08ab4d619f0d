// Timing: warm up, then the median of several runs; every result goes to a sink so the work
// cannot be optimised away. Ratios are computed within one run on one machine.
export let sink = 0;
export function consume(x: unknown): void {
  if (typeof x === "number") sink ^= x | 0;
  else if (x && typeof x === "object" && "length" in x) sink ^= (x as { length: number }).length;
  else sink ^= 1;
}

export interface Measure {
  name: string;
  /** Operations one run performs (addresses parsed, checks, lookups, inputs merged). */
  ops: number;
  medianMs: number;
  opsPerSec: number;
  runs: number;
  /** Measured on a subset and scaled (for peers that would take minutes at full size). */
  extrapolated?: string;
  note?: string;
}

export function measure(name: string, ops: number, fn: () => unknown, opts: { runs?: number; warmup?: number } = {}): Measure {
  const runs = opts.runs ?? 5;
  for (let i = 0; i < (opts.warmup ?? 1); i++) consume(fn());
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    consume(fn());
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const medianMs = times[Math.floor(times.length / 2)];
  return { name, ops, medianMs, opsPerSec: (ops / medianMs) * 1000, runs };
}

/** Deterministic PRNG (mulberry32) so every run benchmarks the same data. */
export { rng } from "../rng.mjs";
