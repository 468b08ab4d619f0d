// A kube-proxy-test run in chunks (KpRunner) and split between a scanning/formatting side and an
// evaluating side (traceKubeProxyChunks → KpChunkLines): the same results as one runAt, the same
// bytes as traceFlowFile, arena growth in the middle of a run, columns packed and adopted.
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { RulesDump, traceFlowFile } from "../../src/netfilter/bulk.ts";
import { traceKubeProxyChunks, kpChunkOutputs, kpChunkEnd, KpChunkLines, KP_FIRST_CHUNK, KP_MAX_CHUNK, type KpChunk } from "../../src/netfilter/kp-chunks.ts";
import { scanFlowsResident, packColumns, adoptColumns, scanFlowFile, type ResidentColumns } from "../../src/netfilter/flow-scan.ts";
import { KpProgram, KpRunner } from "../../src/netfilter/kube-proxy/compile.ts";
import { kpProgramFromBytes } from "../../src/netfilter/kube-proxy/load.ts";
import { traceFlowsTs } from "../../src/netfilter/bulk.ts";
import { parseFlows } from "../../src/netfilter/flows.ts";
import { parseRuleset } from "../../src/netfilter/parse.ts";
import { core } from "../../src/core/module.ts";

// The bench's kube-proxy dump generator (plain JavaScript: typed here as the tests use it).
interface GenService { clusterIP: string; port: { proto: string; port: number } }
const gen = (await import(new URL("../../../../bench/iptables/gen.mjs", import.meta.url).href)) as {
  kubeProxyDump(o: { services: GenService[] }): string;
  scaleServices(n: number, k: number, seed?: number): GenService[];
  rng(seed: number): () => number;
};
const { kubeProxyDump, scaleServices, rng } = gen;

const enc = new TextEncoder();
const RULES = new URL("../../../../examples/iptables/kube-proxy-node.rules", import.meta.url);
const rulesBytes = new Uint8Array(readFileSync(RULES));
const HEAD = "src,dst,proto,sport,dport\n";
const addrs = ["10.244.1.9", "10.224.0.77", "10.0.0.10", "10.0.12.34", "20.50.60.70", "10.224.0.4", "192.0.2.1", "10.0.20.5", "10.244.1.20", "93.184.216.34"];

/** n random flows over the example node's addresses and ports, as a CSV file. */
function flowsCsv(n: number, seed: number): string {
  const r = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push([pick(addrs), pick(addrs), pick(["tcp", "udp", ""]), 1024 + Math.floor(r() * 60000), pick([53, 80, 443, 30080, 8080, 9, ""])].join(","));
  return HEAD + lines.join("\n") + "\n";
}

const collect = (f: (sink: (c: Uint8Array) => void) => void) => {
  const parts: Uint8Array[] = [];
  f((c) => parts.push(c.slice()));
  return Buffer.concat(parts).toString("utf8");
};

/** Both sides of a split run in one core: the chunks cross as a thread would see them (structured clones). */
function splitRun(dump: RulesDump, bytes: Uint8Array, opts = { mode: "kube-proxy-test" as const }): { text: string; n: number; chunks: number } | undefined {
  const cols = scanFlowsResident(bytes, { source: "f.csv" })!;
  const heap = core().heap;
  let lines: KpChunkLines | undefined;
  let chunks = 0;
  try {
    const packed = structuredClone(packColumns(cols));
    let r: { n: number; ms: number } | undefined;
    const text = collect((sink) => {
      r = traceKubeProxyChunks(dump, packed, opts, {
        start: (outputs) => { lines = new KpChunkLines(cols, structuredClone(outputs)); },
        chunk: (c: KpChunk) => { chunks++; lines!.write(structuredClone(c), sink); },
      });
    });
    return r && { text, n: r.n, chunks };
  } finally {
    lines?.release();
    heap.release(cols.blk, cols.size);
  }
}

function fileInput(bytes: Uint8Array, name = "f.csv") {
  let at = 0;
  return { name, size: bytes.length, read(into: Uint8Array) { const n = Math.min(into.length, bytes.length - at); into.set(bytes.subarray(at, at + n)); at += n; return n; } };
}

describe("kube-proxy-test in chunks", () => {
  it("KpRunner over random chunk boundaries gives runAt's results (decoded), flow by flow", () => {
    const p = kpProgramFromBytes(rulesBytes, "kube-proxy-node.rules") as KpProgram;
    expect(p).toBeInstanceOf(KpProgram);
    const cols = scanFlowsResident(enc.encode(flowsCsv(3000, 7)))!;
    const rec = p.encodeResident(cols)!;
    const heap = core().heap;
    try {
      p.setLocal([]);
      const decoded = (r: { results: number; outIds: number; nIds: number }) => {
        const buf = core().memory.buffer;
        return p.decode({ results: new Uint32Array(buf, r.results, cols.n * 3).slice(), outIds: new Uint32Array(buf, r.outIds, r.nIds).slice() });
      };
      const one = p.runAt(rec, cols.n);
      const want = decoded(one);
      one.release();
      fc.assert(
        fc.property(fc.uniqueArray(fc.integer({ min: 1, max: cols.n - 1 }), { maxLength: 6 }), (cuts) => {
          const at = [0, ...cuts.sort((a, b) => a - b), cols.n];
          const runner = new KpRunner(p, rec, cols.n);
          try {
            for (let k = 0; k + 1 < at.length; k++) runner.run(at[k], at[k + 1]);
            const got = runner.finish();
            try {
              expect(decoded(got)).toEqual(want);
            } finally {
              got.release();
            }
          } catch (e) {
            runner.release();
            throw e;
          }
        }),
        { numRuns: 25 },
      );
    } finally {
      heap.release(rec, Math.max(16, cols.n * 16));
      heap.release(cols.blk, cols.size);
    }
  });

  it("a windowed runner (each chunk's records and results in one small block) gives the whole run's results, over random cut points", () => {
    const p = kpProgramFromBytes(rulesBytes, "kube-proxy-node.rules") as KpProgram;
    const cols = scanFlowsResident(enc.encode(flowsCsv(3000, 9)))!;
    const heap = core().heap;
    const rec = p.encodeResident(cols)!;
    try {
      p.setLocal([]);
      const one = p.runAt(rec, cols.n);
      const buf0 = core().memory.buffer;
      const want = p.decode({ results: new Uint32Array(buf0, one.results, cols.n * 3).slice(), outIds: new Uint32Array(buf0, one.outIds, one.nIds).slice() });
      one.release();
      fc.assert(
        fc.property(fc.uniqueArray(fc.integer({ min: 1, max: cols.n - 1 }), { minLength: 1, maxLength: 8 }), (cuts) => {
          const at = [0, ...cuts.sort((a, b) => a - b), cols.n];
          let window = 0;
          for (let k = 0; k + 1 < at.length; k++) window = Math.max(window, at[k + 1] - at[k]);
          const win = heap.alloc(window * 16);
          const runner = new KpRunner(p, win, cols.n, window);
          try {
            const results = new Uint32Array(cols.n * 3);
            for (let k = 0; k + 1 < at.length; k++) {
              p.encodeRowsAt(cols, at[k], at[k + 1], win);
              runner.runWindow(at[k], at[k + 1]);
              results.set(new Uint32Array(core().memory.buffer, runner.results, (at[k + 1] - at[k]) * 3), at[k] * 3);
            }
            const outIds = new Uint32Array(core().memory.buffer, runner.outIds, runner.nIds).slice();
            expect(p.decode({ results, outIds })).toEqual(want);
            // Whole-run addressing is refused on a window, and a chunk larger than the window.
            if (window < cols.n) {
              expect(() => runner.run(0, 1)).toThrow(/windowed/);
              expect(() => runner.runWindow(0, window + 1)).toThrow(RangeError);
              expect(() => runner.finish()).toThrow(/windowed/);
            }
          } finally {
            runner.release();
            heap.release(win, window * 16);
          }
        }),
        { numRuns: 25 },
      );
    } finally {
      heap.release(rec, Math.max(16, cols.n * 16));
      heap.release(cols.blk, cols.size);
    }
  });

  it("an arena that overflows in the middle of a run grows there; the results equal the TypeScript tracer's", () => {
    // 30 Services of 40 endpoints, one flow to each: 1,200 output ids for an arena of 30 * 4 + 64.
    const services = scaleServices(30, 40, 3);
    const text = kubeProxyDump({ services });
    const p = kpProgramFromBytes(enc.encode(text), "many.rules") as KpProgram;
    expect(p).toBeInstanceOf(KpProgram);
    const flows = services.map((s, i) => `10.244.7.${i + 1},${s.clusterIP},${s.port.proto},4000,${s.port.port}`);
    const csv = HEAD + flows.join("\n") + "\n";
    const cols = scanFlowsResident(enc.encode(csv))!;
    const rec = p.encodeResident(cols)!;
    const heap = core().heap;
    try {
      p.setLocal([]);
      const runner = new KpRunner(p, rec, cols.n);
      for (const [a, b] of [[0, 2], [2, 17], [17, 30]]) runner.run(a, b);
      const r = runner.finish();
      const buf = core().memory.buffer;
      const got = p.decode({ results: new Uint32Array(buf, r.results, cols.n * 3).slice(), outIds: new Uint32Array(buf, r.outIds, r.nIds).slice() });
      expect(r.nIds).toBeGreaterThan(30 * 4 + 64);
      r.release();
      const ref = traceFlowsTs(parseRuleset(text, { source: "many.rules" }), parseFlows(csv, { source: "f.csv" }), { mode: "kube-proxy-test" });
      expect(got).toEqual(ref);
      expect(got.every((x) => "output" in x && x.output.split(", ").length === 40)).toBe(true);
    } finally {
      heap.release(rec, Math.max(16, cols.n * 16));
      heap.release(cols.blk, cols.size);
    }
  });

  it("chunk sizes: doubling from the first up to the largest, halving what is left near the end, whole", () => {
    const sizes = (n: number) => {
      const out: number[] = [];
      for (let from = 0, size = KP_FIRST_CHUNK; from < n; size = Math.min(2 * size, KP_MAX_CHUNK)) {
        const to = kpChunkEnd(from, size, n);
        expect(to).toBeGreaterThan(from);
        out.push(to - from);
        from = to;
      }
      return out;
    };
    expect(sizes(100)).toEqual([100]);
    expect(sizes(KP_FIRST_CHUNK)).toEqual([KP_FIRST_CHUNK]);
    expect(sizes(10_000)).toEqual([4_096, 4_096, 1_808]);
    const big = sizes(1_000_000);
    expect(big.reduce((a, b) => a + b, 0)).toBe(1_000_000);
    expect(big.slice(0, 6)).toEqual([4_096, 8_192, 16_384, 32_768, 65_536, 131_072]);
    expect(Math.max(...big)).toBe(KP_MAX_CHUNK);
    fc.assert(fc.property(fc.integer({ min: 1, max: 3_000_000 }), (n) => {
      const s = sizes(n);
      expect(s.reduce((a, b) => a + b, 0)).toBe(n);
      // Each chunk at most the largest, and at most half of what was left (or the first size).
      let left = n;
      for (const x of s) {
        expect(x).toBeLessThanOrEqual(Math.min(KP_MAX_CHUNK, Math.max(KP_FIRST_CHUNK, Math.ceil(left / 2))));
        left -= x;
      }
      expect(s[s.length - 1]).toBeLessThanOrEqual(KP_FIRST_CHUNK);
    }), { numRuns: 200 });
  });

  it("split between two sides: the same bytes as traceFlowFile, over several chunks", () => {
    const dump = new RulesDump(rulesBytes, "kube-proxy-node.rules");
    const n = KP_FIRST_CHUNK + 20_000;
    const bytes = enc.encode(flowsCsv(n, 11));
    const want = collect((sink) => traceFlowFile(dump, fileInput(bytes), { mode: "kube-proxy-test" }, sink));
    const got = splitRun(dump, bytes)!;
    expect(got.n).toBe(n);
    // 4,096 then 8,192, then half of the 11,904 left twice, then the 2,976 left (kpChunkEnd).
    expect(got.chunks).toBe(5);
    expect(got.text).toBe(want);
    expect(got.text.split("\n")).toHaveLength(n + 1);
  });

  it("the outputs known once the dump is loaded are the very array the run starts with (a caller sends them ahead once)", () => {
    const dump = new RulesDump(rulesBytes, "kube-proxy-node.rules");
    const ahead = kpChunkOutputs(dump);
    expect(ahead).toBeDefined();
    const cols = scanFlowsResident(enc.encode(flowsCsv(50, 3)), { source: "f.csv" })!;
    try {
      let started: readonly string[] | undefined;
      traceKubeProxyChunks(dump, packColumns(cols), { mode: "kube-proxy-test" }, { start: (o) => { started = o; }, chunk: () => {} });
      expect(started).toBe(ahead);
    } finally {
      core().heap.release(cols.blk, cols.size);
    }
  });

  it("records encoded chunk by chunk (encodeRowsAt) are the records encoded at once, over random cut points", () => {
    const p = kpProgramFromBytes(rulesBytes, "kube-proxy-node.rules")!;
    const n = 3_000;
    const cols = scanFlowsResident(enc.encode(flowsCsv(n, 5).replace(/,,/g, ",tcp,")), { source: "f.csv" })!;
    const heap = core().heap;
    try {
      const whole = p.encodeResident(cols)!;
      expect(whole).toBeDefined();
      const want = new Uint8Array(core().memory.buffer, whole, n * 16).slice();
      heap.release(whole, n * 16);
      fc.assert(
        fc.property(fc.uniqueArray(fc.integer({ min: 1, max: n - 1 }), { maxLength: 6 }), (cuts) => {
          const at = heap.alloc(n * 16);
          try {
            const bounds = [0, ...cuts.sort((a, b) => a - b), n];
            for (let i = 1; i < bounds.length; i++) p.encodeRowsAt(cols, bounds[i - 1], bounds[i], at + 16 * bounds[i - 1]);
            const got = new Uint8Array(core().memory.buffer, at, n * 16);
            expect(got.findIndex((b, i) => b !== want[i]), "first byte that differs").toBe(-1);
          } finally {
            heap.release(at, n * 16);
          }
        }),
        { numRuns: 50 },
      );
    } finally {
      heap.release(cols.blk, cols.size);
    }
  });

  it("small random files: the same bytes as traceFlowFile; nothing handed on where the wasm path does not apply (fast-check)", () => {
    const dump = new RulesDump(rulesBytes, "kube-proxy-node.rules");
    const line = fc.tuple(fc.constantFrom(...addrs, "fd00::1"), fc.constantFrom(...addrs), fc.constantFrom("tcp", "udp", "", "TCP", "bogus"), fc.option(fc.nat(65535)), fc.option(fc.constantFrom(53, 80, 443, 30080)))
      .map(([s, d, p, sp, dp]) => [s, d, p, sp ?? "", dp ?? ""].join(","));
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 40 }), (ls) => {
        const bytes = enc.encode(HEAD + ls.join("\n") + "\n");
        let started = false;
        const cols = scanFlowsResident(bytes, { source: "f.csv" })!;
        try {
          const r = traceKubeProxyChunks(dump, packColumns(cols), { mode: "kube-proxy-test" }, { start: () => { started = true; }, chunk: () => {} });
          const plain = !ls.some((l) => l.startsWith("fd00") || /,bogus,/.test(l));
          expect(r !== undefined).toBe(plain);
          expect(started).toBe(plain);
        } finally {
          core().heap.release(cols.blk, cols.size);
        }
        if (ls.some((l) => l.startsWith("fd00") || /,bogus,/.test(l))) return;
        const want = collect((sink) => traceFlowFile(dump, fileInput(bytes), { mode: "kube-proxy-test" }, sink));
        expect(splitRun(dump, bytes)!.text).toBe(want);
      }),
      { numRuns: 80 },
    );
  });

  it("packed columns adopted by a core are the scanned columns, byte for byte; scanFlowFile reads a file as scanFlowsResident", () => {
    const bytes = enc.encode(flowsCsv(500, 5) + "fd00::1,fd00::2,tcp,1,80\n");
    const a = scanFlowsResident(bytes, { source: "f.csv" })!;
    const b = adoptColumns(structuredClone(packColumns(a)));
    const c = scanFlowFile(fileInput(bytes))!;
    const heap = core().heap;
    try {
      const col = (x: ResidentColumns) => {
        const buf = core().memory.buffer;
        return [new Uint32Array(buf, x.src, x.n), new Uint32Array(buf, x.dst, x.n), new Int32Array(buf, x.sport, x.n), new Int32Array(buf, x.dport, x.n),
          new Uint16Array(buf, x.proto, x.n), new Uint16Array(buf, x.inIface, x.n), new Uint16Array(buf, x.outIface, x.n)].map((v) => [...v]);
      };
      for (const x of [b, c]) {
        expect(x.n).toBe(a.n);
        expect(col(x)).toEqual(col(a));
        expect(x.protos).toEqual(a.protos);
        expect([...x.other]).toEqual([...a.other]);
      }
      expect(a.other.size).toBe(1);
      expect(() => adoptColumns({ ...packColumns(a), at: { ...packColumns(a).at, dport: 1 << 30 } })).toThrow(/outside/);
    } finally {
      for (const x of [a, b, c]) heap.release(x.blk, x.size);
    }
  });
});
