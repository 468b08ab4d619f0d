// The bulk trace's flow reader in the core: a flow CSV's data lines into columns (dpScanFlows,
// packages/wasm/assembly/dataplane_scan.ts), the endpoints interned by their bytes in the core
// (each id's bytes copied into one arena, so a lookup reads nearby memory) and their texts
// decoded once, together. parseTraceFlowTableTs (bulk.ts) is its readable twin: the
// same columns, ids and texts, and the same lines it gives up on (a property test compares them).
import { core } from "../core/module.ts";
import { gatherTexts } from "../core/strings.ts";
import { DP_ABI } from "./format.ts";
import type { FlowTable, TraceFlowHeader } from "./bulk.ts";

const D = DP_ABI;
const ascii = new TextDecoder("utf-8", { ignoreBOM: true });
/** Endpoint ids the dictionary has room for at first (it doubles when full). */
const FIRST_IDS = 4096;

/** The data lines after the header into a FlowTable, or undefined: a line the core leaves to parseTraceFlows. */
export function scanTraceFlowRows(b: Uint8Array, h: TraceFlowHeader): FlowTable | undefined {
  const c = core();
  const heap = c.heap;
  const len = b.length;
  // Blocks of a fixed size, given back at the end; the dictionary, hash table and arena grow (their sizes follow ids and arenaCap).
  const blocks: [number, number][] = [];
  const alloc = (size: number) => { const at = heap.alloc(Math.max(16, size)); blocks.push([at, Math.max(16, size)]); return at; };
  let ids = FIRST_IDS, arenaCap = 1 << 16;
  let dict = 0, hash = 0, arena = 0;
  try {
    const bytes = alloc(len + 16);
    c.u8().set(b, bytes);
    // At most one row per line left.
    const rows = 1 + c.exports.nfCountLf(bytes + h.pos, Math.max(0, len - h.pos));
    const oFrom = alloc(4 * rows), oTo = alloc(4 * rows), oPort = alloc(4 * rows), oLine = alloc(4 * rows), oProto = alloc(rows);
    const p = alloc(D.DS_PARAMS_SIZE);
    dict = heap.alloc(8 * ids);
    hash = heap.alloc(32 * ids);
    arena = heap.alloc(arenaCap + 16);
    let u32 = c.u32();
    const P = p >>> 2;
    const put = (k: number, v: number) => (u32[P + (k >>> 2)] = v);
    const got = (k: number) => u32[P + (k >>> 2)];
    const col = (x: number) => (x < 0 ? D.DS_NONE : x);
    put(D.DS_BYTES, bytes); put(D.DS_LEN, len); put(D.DS_POS, h.pos); put(D.DS_LINE, h.lineNo);
    put(D.DS_FROM_COL, h.from); put(D.DS_TO_COL, h.to); put(D.DS_PORT_COL, col(h.port)); put(D.DS_PROTO_COL, col(h.proto));
    put(D.DS_OUT_FROM, oFrom); put(D.DS_OUT_TO, oTo); put(D.DS_OUT_PORT, oPort); put(D.DS_OUT_PROTO, oProto); put(D.DS_OUT_LINE, oLine);
    put(D.DS_COUNT, 0); put(D.DS_CAP, rows); put(D.DS_DICT, dict); put(D.DS_DICT_CAP, ids); put(D.DS_NIDS, 0);
    put(D.DS_HASH, hash); put(D.DS_HASH_MASK, 2 * ids - 1);
    put(D.DS_ARENA, arena); put(D.DS_ARENA_CAP, arenaCap); put(D.DS_ARENA_USED, 0);
    c.u8().fill(0, hash, hash + 32 * ids);
    for (;;) {
      const st = c.exports.dpScanFlows(p);
      u32 = c.u32();
      if (st === D.DS_ST_DONE) break;
      if (st !== D.DS_ST_FULL) return undefined;
      const n = got(D.DS_NIDS);
      if (n + 2 <= ids) {
        // The arena: twice the room, its bytes kept (the dictionary's offsets are into it).
        arena = heap.enlarge(arena, arenaCap + 16, got(D.DS_ARENA_USED), 2 * arenaCap + 16);
        arenaCap *= 2;
        u32 = c.u32();
        put(D.DS_ARENA, arena); put(D.DS_ARENA_CAP, arenaCap);
        continue;
      }
      // Twice the room: the dictionary's entries kept, the hash table rebuilt from them.
      heap.release(hash, 32 * ids);
      hash = 0;
      dict = heap.enlarge(dict, 8 * ids, 8 * n, 16 * ids);
      ids *= 2;
      hash = heap.alloc(32 * ids);
      u32 = c.u32();
      put(D.DS_DICT, dict); put(D.DS_DICT_CAP, ids); put(D.DS_HASH, hash); put(D.DS_HASH_MASK, 2 * ids - 1);
      c.exports.dpRehash(p);
    }
    u32 = c.u32();
    const count = got(D.DS_COUNT), nIds = got(D.DS_NIDS);
    const texts = gatherTexts(arena, dict, dict + 4, 2, nIds, ascii);
    // (After gatherTexts: its block may have grown the memory.)
    const i32 = new Int32Array(c.memory.buffer);
    const column = (at: number) => i32.slice(at >>> 2, (at >>> 2) + count);
    return {
      count, from: column(oFrom), to: column(oTo), port: column(oPort), line: column(oLine),
      proto: new Uint8Array(c.memory.buffer, oProto, count).slice(), texts,
    };
  } finally {
    for (const [at, size] of blocks) heap.release(at, size);
    if (dict) heap.release(dict, 8 * ids);
    if (hash) heap.release(hash, 32 * ids);
    if (arena) heap.release(arena, arenaCap + 16);
  }
}
