// Bulk trace results (aksnet trace --flows) as JSON lines, formatted into an output buffer: bytes
// only. JS lays out the result columns and a table of byte strings (the literals, each endpoint's
// JSON pieces, each address and reason as a JSON string) and flushes the buffer between calls. The
// readable twin is bulkJsonLine (JSON.stringify of a BulkTrace) in packages/engine/src/dataplane/
// bulk.ts; a property test compares the bytes.
import {
  DPF_FROM, DPF_TO, DPF_SAME, DPF_PROTO, DPF_PORT, DPF_ADDR, DPF_VERDICT, DPF_SEEN, DPF_RESOLVED, DPF_RESOLVED_PORT, DPF_REASON,
  DPF_STRINGS, DPF_LITS, DPF_FROMS, DPF_TOS, DPF_ADDRS, DPF_REASONS, DPF_BUF, DPF_CAP, DPF_WRITTEN, DPF_LONGEST,
  DPF_LIT_TCP, DPF_LIT_UDP, DPF_LIT_TO_ADDRESS, DPF_LIT_VERDICTS, DPF_LIT_SEEN, DPF_LIT_RESOLVED, DPF_LIT_REASON, DPF_LIT_END,
} from "./abi/dataplane";
import { putOctetsV4, putDecimal, putString, ensureOctets, FORMAT_SLACK } from "./netfilter_format";

/**
 * The lines of flows [from, n) while whole lines fit in the buffer; returns the next flow (n when
 * done). Bytes written go to DPF_WRITTEN.
 */
export function dpFormat(params: usize, from: i32, n: i32): i32 {
  const fromCol = <usize>load<u32>(params + DPF_FROM), toCol = <usize>load<u32>(params + DPF_TO);
  const same = <usize>load<u32>(params + DPF_SAME);
  const proto = <usize>load<u32>(params + DPF_PROTO), port = <usize>load<u32>(params + DPF_PORT);
  const addr = <usize>load<u32>(params + DPF_ADDR), verdict = <usize>load<u32>(params + DPF_VERDICT);
  const seen = <usize>load<u32>(params + DPF_SEEN);
  const resolved = <usize>load<u32>(params + DPF_RESOLVED), resolvedPort = <usize>load<u32>(params + DPF_RESOLVED_PORT);
  const reason = <usize>load<u32>(params + DPF_REASON);
  const strings = <usize>load<u32>(params + DPF_STRINGS), lits = <usize>load<u32>(params + DPF_LITS);
  const froms = <usize>load<u32>(params + DPF_FROMS), tos = <usize>load<u32>(params + DPF_TOS);
  const addrs = <usize>load<u32>(params + DPF_ADDRS), reasons = <usize>load<u32>(params + DPF_REASONS);
  const buf = <usize>load<u32>(params + DPF_BUF);
  const end = buf + <usize>load<u32>(params + DPF_CAP) - FORMAT_SLACK;
  // A line: at most 10 strings of the table, two addresses, two ports and a few bytes more.
  const need: usize = <usize>10 * <usize>load<u32>(params + DPF_LONGEST) + <usize>64;
  ensureOctets();
  let p = buf;
  let i = from;
  let touched: u32 = 0;
  for (; i < n; i++) {
    if (p + need > end) break;
    // The endpoints' and targets' strings are read at random in a table of megabytes: a group's
    // entries, then their bytes, are touched first, so those misses overlap (the loads' values
    // are kept in a global: a load whose value is unused could be dropped).
    if (((i - from) & (TOUCH_GROUP - 1)) == 0) {
      const stop = min(n, i + TOUCH_GROUP);
      for (let k = i; k < stop; k++) {
        const jk = <usize>load<i32>(same + (<usize>k << 2));
        const ef = froms + (<usize>load<u32>(fromCol + (<usize>k << 2)) << 3);
        const et = tos + (<usize>load<u32>(toCol + (<usize>k << 2)) << 3);
        const ea = addrs + (<usize>load<u32>(addr + (jk << 2)) << 3);
        touched ^= load<u8>(strings + <usize>load<u32>(ef)) ^ load<u8>(strings + <usize>load<u32>(et)) ^ load<u8>(strings + <usize>load<u32>(ea));
      }
    }
    const j = <usize>load<i32>(same + (<usize>i << 2));
    p = putString(p, strings, froms + (<usize>load<u32>(fromCol + (<usize>i << 2)) << 3));
    p = putString(p, strings, tos + (<usize>load<u32>(toCol + (<usize>i << 2)) << 3));
    p = putString(p, strings, lits + (<usize>(load<u8>(proto + j) == 2 ? DPF_LIT_UDP : DPF_LIT_TCP) << 3));
    p = putDecimal(p, load<u32>(port + (j << 2)));
    p = putString(p, strings, lits + (<usize>DPF_LIT_TO_ADDRESS << 3));
    p = putString(p, strings, addrs + (<usize>load<u32>(addr + (j << 2)) << 3));
    const v = <i32>load<u8>(verdict + j);
    p = putString(p, strings, lits + (<usize>(DPF_LIT_VERDICTS + v) << 3));
    // The seen source is there for a delivered flow only.
    if (v == 0) {
      p = putString(p, strings, lits + (<usize>DPF_LIT_SEEN << 3));
      p = putOctetsV4(p, load<u32>(seen + (j << 2)));
      store<u8>(p++, 34);
    }
    const rp = load<i32>(resolvedPort + (j << 2));
    if (rp >= 0) {
      p = putString(p, strings, lits + (<usize>DPF_LIT_RESOLVED << 3));
      p = putOctetsV4(p, load<u32>(resolved + (j << 2)));
      store<u8>(p++, 58);
      p = putDecimal(p, <u32>rp);
      store<u8>(p++, 34);
    }
    const r = load<i32>(reason + (j << 2));
    if (r >= 0) {
      p = putString(p, strings, lits + (<usize>DPF_LIT_REASON << 3));
      p = putString(p, strings, reasons + (<usize>r << 3));
    }
    p = putString(p, strings, lits + (<usize>DPF_LIT_END << 3));
  }
  store<u32>(params + DPF_WRITTEN, <u32>(p - buf));
  gTouched = touched;
  return i;
}

/** Lines whose strings dpFormat touches together before writing them (a power of two). */
const TOUCH_GROUP: i32 = 32;
/** Where the touching loads' values go. */
let gTouched: u32 = 0;
