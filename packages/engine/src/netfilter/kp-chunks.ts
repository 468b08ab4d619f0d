// A kube-proxy-test run over a flow file split between two core instances (two threads): one
// scans the file (its columns stay in its heap) and formats the lines, the other loads the dump,
// evaluates the flows in chunks and hands each chunk's result words on as soon as it has run, so
// the lines of one chunk are formatted and written while the next chunk runs. The lines are the
// ones traceFlowFile writes for the same file, byte for byte (a test compares them).
//
//   scanning side:   cols = scanFlowFile(input); packColumns(cols) → the other side
//                    lines = new KpChunkLines(cols, outputs); lines.write(chunk, sink) per chunk
//   evaluating side: traceKubeProxyChunks(dump, packed, opts, { start(outputs), chunk(c) })
import type { TraceOptions } from "./types.ts";
import { KpProgram, KpRunner, localOf, NF_ABI } from "./kube-proxy/compile.ts";
import { adoptColumns, type PackedColumns, type ResidentColumns } from "./flow-scan.ts";
import { KpLines, type ByteSink } from "./jsonl.ts";
import type { RulesDump } from "./bulk.ts";
import { core } from "../core/module.ts";

/**
 * Flows [from, to) of a run: their result words (NF_RES_SIZE / 4 per flow: first output id,
 * count, masq) and the output ids the chunk added to the run's arena, at positions from idsFrom.
 */
export interface KpChunk {
  from: number;
  to: number;
  results: Uint32Array;
  ids: Uint32Array;
  idsFrom: number;
}

/** Where traceKubeProxyChunks hands its results: the run's output texts first, then each chunk in order. */
export interface KpChunkSink {
  start(outputs: readonly string[]): void;
  chunk(c: KpChunk): void;
}

/**
 * The first chunk is small, so the lines start early; then chunks double up to the largest, and
 * near the end they halve again (kpChunkEnd), so the side that formats has little left to do
 * once the last chunk has run.
 */
export const KP_FIRST_CHUNK = 4_096;
export const KP_MAX_CHUNK = 131_072;

/**
 * Where the chunk that starts at `from` ends, of n flows, when the one before had `size` flows
 * (KP_FIRST_CHUNK for the first): twice that, at most KP_MAX_CHUNK, at most half of what is
 * left, at least KP_FIRST_CHUNK (all that is left when less).
 */
export function kpChunkEnd(from: number, size: number, n: number): number {
  const left = n - from;
  const want = Math.max(KP_FIRST_CHUNK, Math.min(size, KP_MAX_CHUNK, Math.ceil(left / 2)));
  return from + Math.min(left, want);
}

/**
 * The output texts traceKubeProxyChunks hands to `start` for this dump (undefined where it would
 * not run the dump): known once the dump is loaded, so a caller may send them ahead, while the
 * flows are still being scanned (start may then see the same array again).
 */
export function kpChunkOutputs(dump: RulesDump): readonly string[] | undefined {
  const p = dump.kubeProxyProgram();
  return p instanceof KpProgram ? p.outputs : undefined;
}

/**
 * kube-proxy-test over packed columns (another thread's scan of a flow file), evaluated in chunks;
 * each chunk's results go to `out` as soon as it has run. Undefined, before anything is handed
 * on, where the wasm path does not take the flows or the dump (as traceKubeProxyCsv): then
 * traceFlowFile on the same file gives the lines. Returns the flow count and the evaluation time.
 */
export function traceKubeProxyChunks(dump: RulesDump, scanned: PackedColumns, opts: TraceOptions, out: KpChunkSink): { n: number; ms: number } | undefined {
  const p = dump.kubeProxyProgram();
  if (!(p instanceof KpProgram)) return undefined;
  const c = core();
  const cols = adoptColumns(scanned);
  try {
    if (!p.takesColumns(cols)) return undefined;
    const n = cols.n;
    // One chunk's records and results at a time: each chunk's records are encoded just before it
    // runs (the first lines start sooner), into the same block, and its results are copied out
    // before the next runs (the run touches a chunk's memory, not the whole file's).
    const window = Math.min(n, KP_MAX_CHUNK);
    const recBytes = Math.max(16, window * NF_ABI.NF_FLOW_SIZE);
    const records = c.heap.alloc(recBytes);
    try {
      p.setLocal(localOf(opts));
      const runner = new KpRunner(p, records, n, window);
      try {
        out.start(p.outputs);
        let ms = 0;
        const W = NF_ABI.NF_RES_SIZE / 4;
        for (let from = 0, size = KP_FIRST_CHUNK; from < n; size = Math.min(2 * size, KP_MAX_CHUNK)) {
          const to = kpChunkEnd(from, size, n);
          const idsFrom = runner.nIds;
          p.encodeRowsAt(cols, from, to, records);
          const t0 = performance.now();
          runner.runWindow(from, to);
          ms += performance.now() - t0;
          const buf = c.memory.buffer;
          out.chunk({
            from, to, idsFrom,
            results: new Uint32Array(buf, runner.results, (to - from) * W).slice(),
            ids: new Uint32Array(buf, runner.outIds + idsFrom * 4, runner.nIds - idsFrom).slice(),
          });
          from = to;
        }
        return { n, ms };
      } finally {
        runner.release();
      }
    } finally {
      c.heap.release(records, recBytes);
    }
  } finally {
    c.heap.release(cols.blk, cols.size);
  }
}

/**
 * The lines of a run made in chunks by traceKubeProxyChunks, from this core's own columns of the
 * flows (the ones it packed for the evaluating side): the chunks' output ids are gathered into an
 * arena here as they come (a chunk's results may point at ids of any earlier chunk).
 */
export class KpChunkLines {
  private readonly core = core();
  private readonly lines: KpLines;
  private arena = 0;
  private arenaCap = 0;
  private nIds = 0;
  private res = 0;
  private resCap = 0;
  private next = 0;

  constructor(private readonly cols: ResidentColumns, outputs: readonly string[]) {
    this.lines = new KpLines(cols.protos, outputs);
  }

  /** One chunk's lines, to the sink a buffer at a time; chunks come in order. */
  write(ch: KpChunk, sink: ByteSink): void {
    const rows = ch.to - ch.from;
    if (ch.from !== this.next || ch.idsFrom !== this.nIds || ch.to > this.cols.n || rows < 0 || ch.results.length !== rows * (NF_ABI.NF_RES_SIZE / 4)) {
      throw new Error(`KpChunkLines: chunk [${ch.from}, ${ch.to}) with ids from ${ch.idsFrom} after [.., ${this.next}) with ${this.nIds} ids`);
    }
    const c = this.core, heap = c.heap;
    const needIds = (this.nIds + ch.ids.length) * 4;
    if (needIds > this.arenaCap) {
      const cap = Math.max(needIds, 2 * this.arenaCap, 1 << 16);
      this.arena = this.arena ? heap.enlarge(this.arena, this.arenaCap, this.nIds * 4, cap) : heap.alloc(cap);
      this.arenaCap = cap;
    }
    if (ch.results.byteLength > this.resCap) {
      if (this.res) heap.release(this.res, this.resCap);
      this.res = 0;
      this.resCap = Math.max(16, ch.results.byteLength);
      this.res = heap.alloc(this.resCap);
    }
    const u32 = c.u32();
    u32.set(ch.ids, this.arena / 4 + this.nIds);
    u32.set(ch.results, this.res / 4);
    this.nIds += ch.ids.length;
    this.next = ch.to;
    const f = ch.from, k = this.cols;
    this.lines.write({ n: ch.to - f, src: k.src + 4 * f, dst: k.dst + 4 * f, proto: k.proto + 2 * f, sport: k.sport + 4 * f, dport: k.dport + 4 * f, results: this.res, outIds: this.arena }, sink);
  }

  release(): void {
    const heap = this.core.heap;
    if (this.arena) heap.release(this.arena, this.arenaCap);
    if (this.res) heap.release(this.res, this.resCap);
    this.arena = this.res = 0;
    this.lines.release();
  }
}
