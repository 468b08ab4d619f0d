// Memory layouts of the dataplane verbs (mirrored in packages/engine/src/dataplane/format.ts as
// DP_ABI; test/core/abi.test.ts compares them with the exported globals).
//
// dpFormat parameter block (DPF_*, u32 each): the columns by flow (from and to endpoint ids, the
// first flow with the same endpoints, port and protocol), the result columns by that first flow
// (protocol code 1 tcp / 2 udp, port, address id, verdict code, seen source, resolved address and
// port (-1 none), reason id (-1 none)), the string table and its lists ((offset, length) u32 pairs:
// DPF_LIT_* literals; per endpoint id `{"from":"F","to":` and `"T"`; per address id `"A"`; per
// reason id the JSON string), the output buffer and its capacity, and the bytes written (out).
export const DPF_FROM: i32 = 0;
export const DPF_TO: i32 = 4;
export const DPF_SAME: i32 = 8;
export const DPF_PROTO: i32 = 12;
export const DPF_PORT: i32 = 16;
export const DPF_ADDR: i32 = 20;
export const DPF_VERDICT: i32 = 24;
export const DPF_SEEN: i32 = 28;
export const DPF_RESOLVED: i32 = 32;
export const DPF_RESOLVED_PORT: i32 = 36;
export const DPF_REASON: i32 = 40;
export const DPF_STRINGS: i32 = 44;
export const DPF_LITS: i32 = 48;
export const DPF_FROMS: i32 = 52;
export const DPF_TOS: i32 = 56;
export const DPF_ADDRS: i32 = 60;
export const DPF_REASONS: i32 = 64;
export const DPF_BUF: i32 = 68;
export const DPF_CAP: i32 = 72;
export const DPF_WRITTEN: i32 = 76;
/** The longest string in the table (JS sets it: a line must fit in the buffer). */
export const DPF_LONGEST: i32 = 80;
export const DPF_PARAMS_SIZE: i32 = 96;
// Literals, in DPF_LITS order.
export const DPF_LIT_TCP: i32 = 0; // ,"proto":"tcp","port":
export const DPF_LIT_UDP: i32 = 1; // ,"proto":"udp","port":
export const DPF_LIT_TO_ADDRESS: i32 = 2; // ,"toAddress":
/** ,"verdict":"delivered" / "dropped" / "unreachable": DPF_LIT_VERDICTS + verdict code. */
export const DPF_LIT_VERDICTS: i32 = 3;
export const DPF_LIT_SEEN: i32 = 6; // ,"seenSource":"
export const DPF_LIT_RESOLVED: i32 = 7; // ,"resolved":"
export const DPF_LIT_REASON: i32 = 8; // ,"reason":
export const DPF_LIT_END: i32 = 9; // }\n
export const DPF_LIT_COUNT: i32 = 10;

// dpScanFlows parameter block (DS_*, u32 each): an `aksnet trace --flows` CSV's data lines (the
// header is read by JS) into columns: the bytes and their length; the next line's offset and the
// number of the last line read (in/out); the header's columns of from, to, port and proto
// (DS_NONE: absent); the output columns (from and to endpoint ids i32, port i32 (-1 none), proto
// u8 (0 none, 1 tcp, 2 udp), line i32), the rows written (in/out) and the room for them; the
// endpoint dictionary ((start, end) u32 offsets into the arena per id, ids in order of first
// sight), its room and the ids so far (in/out); the hash table (16-byte slots: id + 1 (0 empty),
// the hash, the id's start and end in the arena) and its mask (slots - 1); the arena of the ids' bytes. The engine's twin is parseTraceFlowTable's JS reader
// (packages/engine/src/dataplane/bulk.ts); a property test compares them.
export const DS_BYTES: i32 = 0;
export const DS_LEN: i32 = 4;
export const DS_POS: i32 = 8;
export const DS_LINE: i32 = 12;
export const DS_FROM_COL: i32 = 16;
export const DS_TO_COL: i32 = 20;
export const DS_PORT_COL: i32 = 24;
export const DS_PROTO_COL: i32 = 28;
export const DS_OUT_FROM: i32 = 32;
export const DS_OUT_TO: i32 = 36;
export const DS_OUT_PORT: i32 = 40;
export const DS_OUT_PROTO: i32 = 44;
export const DS_OUT_LINE: i32 = 48;
export const DS_COUNT: i32 = 52;
export const DS_CAP: i32 = 56;
export const DS_DICT: i32 = 60;
export const DS_DICT_CAP: i32 = 64;
export const DS_NIDS: i32 = 68;
export const DS_HASH: i32 = 72;
export const DS_HASH_MASK: i32 = 76;
/** The ids' bytes, one after another (a lookup compares with nearby memory, not with a far place in the file): the arena, its room, the bytes used (in/out). */
export const DS_ARENA: i32 = 80;
export const DS_ARENA_CAP: i32 = 84;
export const DS_ARENA_USED: i32 = 88;
export const DS_PARAMS_SIZE: i32 = 96;
export const DS_NONE: u32 = 0xffffffff;
/** Stops of dpScanFlows: the end; a line the JS reader takes (the whole file then goes to it); the dictionary, the hash table or the arena is full (JS gives more room, dpRehash after a new table, and calls again). */
export const DS_ST_DONE: i32 = 0;
export const DS_ST_BAIL: i32 = 1;
export const DS_ST_FULL: i32 = 2;
/** The most cells a line may have (the JS reader's cut list). */
export const DS_MAX_CELLS: i32 = 63;
