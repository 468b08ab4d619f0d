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
