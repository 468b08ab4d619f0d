// Bulk trace results (aksnet trace --flows) as JSON lines, formatted by the core (dpFormat in
// packages/wasm/assembly/dataplane_format.ts) straight from the result columns: the columns and a
// table of byte strings (literals, each endpoint's JSON pieces, each address and reason once) go
// into the core's heap, lines come out into a buffer flushed chunk by chunk. The readable twin is
// bulkJsonLine (JSON.stringify of each result); a property test compares the bytes.
import { core } from "../core/module.ts";
import { byteListOf, layLists, type ByteList } from "../core/strings.ts";
import type { BulkColumns, FlowTable } from "./bulk.ts";
import { JSON_PLAIN, jsonString } from "./bulk.ts";

/** Mirror of packages/wasm/assembly/abi/dataplane.ts (test/core/abi.test.ts compares them). */
export const DP_ABI = {
  DPF_FROM: 0, DPF_TO: 4, DPF_SAME: 8, DPF_PROTO: 12, DPF_PORT: 16, DPF_ADDR: 20, DPF_VERDICT: 24, DPF_SEEN: 28,
  DPF_RESOLVED: 32, DPF_RESOLVED_PORT: 36, DPF_REASON: 40, DPF_STRINGS: 44, DPF_LITS: 48, DPF_FROMS: 52, DPF_TOS: 56,
  DPF_ADDRS: 60, DPF_REASONS: 64, DPF_BUF: 68, DPF_CAP: 72, DPF_WRITTEN: 76, DPF_LONGEST: 80, DPF_PARAMS_SIZE: 96,
  DPF_LIT_TCP: 0, DPF_LIT_UDP: 1, DPF_LIT_TO_ADDRESS: 2, DPF_LIT_VERDICTS: 3, DPF_LIT_SEEN: 6, DPF_LIT_RESOLVED: 7,
  DPF_LIT_REASON: 8, DPF_LIT_END: 9, DPF_LIT_COUNT: 10,
  DS_BYTES: 0, DS_LEN: 4, DS_POS: 8, DS_LINE: 12, DS_FROM_COL: 16, DS_TO_COL: 20, DS_PORT_COL: 24, DS_PROTO_COL: 28,
  DS_OUT_FROM: 32, DS_OUT_TO: 36, DS_OUT_PORT: 40, DS_OUT_PROTO: 44, DS_OUT_LINE: 48, DS_COUNT: 52, DS_CAP: 56,
  DS_DICT: 60, DS_DICT_CAP: 64, DS_NIDS: 68, DS_HASH: 72, DS_HASH_MASK: 76, DS_ARENA: 80, DS_ARENA_CAP: 84, DS_ARENA_USED: 88, DS_PARAMS_SIZE: 96, DS_NONE: 0xffffffff,
  DS_ST_DONE: 0, DS_ST_BAIL: 1, DS_ST_FULL: 2, DS_MAX_CELLS: 63,
} as const;

const enc = new TextEncoder();
// In DPF_LIT_* order.
const LITS = byteListOf([',"proto":"tcp","port":', ',"proto":"udp","port":', ',"toAddress":', ',"verdict":"delivered"', ',"verdict":"dropped"', ',"verdict":"unreachable"', ',"seenSource":"', ',"resolved":"', ',"reason":', "}\n"].map((x) => enc.encode(x)));

const ASCII = /^[\x00-\x7f]*$/;

/**
 * `head + x + tail` for each string x, as one ByteList: one join and one encoding for a list of
 * 100,000 endpoint texts, not a string and a buffer each (garbage the collector tracks).
 */
function byteList(strs: readonly string[], head = "", tail = ""): ByteList {
  const n = strs.length, ends = new Uint32Array(n);
  const joined = n ? head + strs.join(tail + head) + tail : "";
  if (ASCII.test(joined)) {
    const extra = head.length + tail.length;
    for (let i = 0, at = 0; i < n; i++) ends[i] = at += strs[i].length + extra;
    return { bytes: enc.encode(joined), ends };
  }
  // Not all ASCII (a string's bytes are not its length): one by one.
  return byteListOf(strs.map((x) => enc.encode(head + x + tail)));
}

/** Each string as a JSON string (jsonString), as a ByteList with head and tail around each. */
function jsonList(strs: readonly string[], head = "", tail = ""): ByteList {
  // Nearly always every text is plain: then its JSON is the text in quotes.
  return JSON_PLAIN.test(strs.join("")) ? byteList(strs, head + '"', '"' + tail) : byteList(strs.map(jsonString), head, tail);
}

/** The lines of every flow of `t`, in chunks of about `size` bytes (each valid until the next is asked for). */
export function* formatBulk(t: FlowTable, c: BulkColumns, size = 1 << 20): Generator<Uint8Array> {
  const n = t.count;
  if (n === 0) return;
  const K = DP_ABI;
  const co = core();
  const lists: ByteList[] = [
    LITS,
    jsonList(t.texts, '{"from":', ',"to":'),
    jsonList(t.texts),
    jsonList(c.addresses),
    jsonList(c.reasons),
  ];
  let strBytes = 0, longest = 0;
  for (const l of lists) {
    strBytes += l.bytes.length;
    for (let k = 0, prev = 0; k < l.ends.length; prev = l.ends[k++]) if (l.ends[k] - prev > longest) longest = l.ends[k] - prev;
  }
  const cap = Math.max(size, 10 * longest + 64) + 64;
  const al = (x: number) => (x + 15) & ~15;
  let off = 0;
  const place = (bytes: number) => { const o = off; off += al(bytes); return o; };
  const oParams = place(K.DPF_PARAMS_SIZE);
  const oFrom = place(4 * n), oTo = place(4 * n), oSame = place(4 * n), oProto = place(n), oPort = place(4 * n), oAddr = place(4 * n);
  const oVerdict = place(n), oSeen = place(4 * n), oRes = place(4 * n), oResPort = place(4 * n), oReason = place(4 * n);
  // The string table is followed by the lists, so reading up to 7 bytes past a string stays in the block.
  const oStr = place(strBytes + 16);
  const oLists = lists.map((l) => place(Math.max(8, 8 * l.ends.length)));
  const oBuf = place(cap);
  const blk = co.heap.alloc(off);
  try {
    const buf = co.memory.buffer;
    const u8 = new Uint8Array(buf), u32 = new Uint32Array(buf);
    const i32 = new Int32Array(buf);
    i32.set(t.from, (blk + oFrom) / 4); i32.set(t.to, (blk + oTo) / 4); i32.set(c.same, (blk + oSame) / 4);
    u8.set(c.proto, blk + oProto); i32.set(c.port, (blk + oPort) / 4); i32.set(c.address, (blk + oAddr) / 4);
    u8.set(c.verdict, blk + oVerdict); u32.set(c.seen, (blk + oSeen) / 4); u32.set(c.resolved, (blk + oRes) / 4);
    i32.set(c.resolvedPort, (blk + oResPort) / 4); i32.set(c.reason, (blk + oReason) / 4);
    layLists(blk + oStr, lists.map((l, li) => [blk + oLists[li], l] as [number, ByteList]));
    const P = (blk + oParams) / 4;
    const put = (k: number, v: number) => (u32[P + k / 4] = v);
    put(K.DPF_FROM, blk + oFrom); put(K.DPF_TO, blk + oTo); put(K.DPF_SAME, blk + oSame); put(K.DPF_PROTO, blk + oProto);
    put(K.DPF_PORT, blk + oPort); put(K.DPF_ADDR, blk + oAddr); put(K.DPF_VERDICT, blk + oVerdict); put(K.DPF_SEEN, blk + oSeen);
    put(K.DPF_RESOLVED, blk + oRes); put(K.DPF_RESOLVED_PORT, blk + oResPort); put(K.DPF_REASON, blk + oReason);
    put(K.DPF_STRINGS, blk + oStr); put(K.DPF_LITS, blk + oLists[0]); put(K.DPF_FROMS, blk + oLists[1]); put(K.DPF_TOS, blk + oLists[2]);
    put(K.DPF_ADDRS, blk + oLists[3]); put(K.DPF_REASONS, blk + oLists[4]); put(K.DPF_BUF, blk + oBuf); put(K.DPF_CAP, cap);
    put(K.DPF_LONGEST, longest);
    for (let i = 0; i < n; ) {
      const next = co.exports.dpFormat(blk + oParams, i, n);
      if (next === i) throw new Error(`dpFormat made no progress at flow ${i}`);
      const mem = co.memory.buffer;
      yield new Uint8Array(mem, blk + oBuf, new Uint32Array(mem)[P + K.DPF_WRITTEN / 4]);
      i = next;
    }
  } finally {
    co.heap.release(blk, off);
  }
}
