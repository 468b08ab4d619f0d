// Kernel-mode flow results as JSON lines, formatted into an output buffer: bytes only. JS lays out
// the columns, nkRun's results and alternatives, and a table of byte strings (the JSON literals,
// each protocol already JSON-quoted, each distinct probability as JS prints it), and flushes the
// buffer between calls. A flow whose result is not the core's (status 1: the TypeScript tracer
// traces it) stops a call: JS writes that line and resumes after it. The readable twin is
// flowJsonLine in packages/engine/src/netfilter/jsonl.ts (a property test compares the bytes).
import {
  NKF_SRC, NKF_DST, NKF_PROTO, NKF_SPORT, NKF_DPORT, NKF_PORTS_SHOWN, NKF_RES, NKF_ALTS, NKF_STRINGS, NKF_LITS, NKF_PROTOS,
  NKF_NPROTOS, NKF_PROBS, NKF_BUF, NKF_CAP, NKF_WRITTEN,
  NKF_LIT_SRC, NKF_LIT_DST, NKF_LIT_PROTO, NKF_LIT_SPORT, NKF_LIT_DPORT, NKF_LIT_VERDICT, NKF_LIT_ALTS, NKF_LIT_PROB, NKF_LIT_QUOTE,
  NKF_LIT_DELIVERY, NKF_LIT_ASRC, NKF_LIT_ADST, NKF_LIT_CLOSE, NKF_LIT_COMMA, NKF_LIT_END, NKF_LIT_NODE_IP, NKF_LIT_VERDICTS,
  NKF_LIT_MIXED, NKF_LIT_DELIVERIES, NKF_LIT_COUNT,
  NK_RES_SIZE, NK_ALT_SIZE, NK_D_NONE, NF_FMT_NO_PROTO,
} from "./abi/netfilter";
import { putOctetsV4, putDecimal, putString, ensureOctets, FORMAT_SLACK } from "./netfilter_format";

let gStr: usize = 0;

@inline function lit(p: usize, lits: usize, k: i32): usize {
  return putString(p, gStr, lits + (<usize>k << 3));
}

/**
 * The lines of flows [from, n) while whole lines fit in the buffer, or up to a flow whose result
 * is not the core's; returns the next flow (n when done). Bytes written go to NKF_WRITTEN.
 */
export function nkFormat(params: usize, from: i32, n: i32): i32 {
  const src = <usize>load<u32>(params + NKF_SRC), dst = <usize>load<u32>(params + NKF_DST);
  const proto = <usize>load<u32>(params + NKF_PROTO);
  const sport = <usize>load<u32>(params + NKF_SPORT), dport = <usize>load<u32>(params + NKF_DPORT);
  const shown = <usize>load<u32>(params + NKF_PORTS_SHOWN);
  const res = <usize>load<u32>(params + NKF_RES), alts = <usize>load<u32>(params + NKF_ALTS);
  gStr = <usize>load<u32>(params + NKF_STRINGS);
  const lits = <usize>load<u32>(params + NKF_LITS), protos = <usize>load<u32>(params + NKF_PROTOS);
  const nProtos = load<u32>(params + NKF_NPROTOS);
  const probs = <usize>load<u32>(params + NKF_PROBS);
  const buf = <usize>load<u32>(params + NKF_BUF);
  const end = buf + <usize>load<u32>(params + NKF_CAP) - FORMAT_SLACK;
  ensureOctets();
  // The longest fixed part of a line and of an alternative (literals, addresses, ports, verdicts).
  let fixed: usize = 64;
  for (let k = 0; k < NKF_LIT_COUNT; k++) fixed += <usize>load<u32>(lits + (<usize>k << 3), 4);
  let maxProto: usize = 0;
  for (let k: u32 = 0; k <= nProtos; k++) maxProto = max(maxProto, <usize>load<u32>(protos + (<usize>k << 3), 4));
  let p = buf;
  let i = from;
  for (; i < n; i++) {
    const r = res + <usize>i * NK_RES_SIZE;
    if (load<u32>(r, 8) != 0) break; // the TypeScript tracer's flow: JS writes it
    const first = load<u32>(r), count = load<u32>(r, 4);
    let need = fixed + maxProto;
    for (let k: u32 = 0; k < count; k++) {
      const a = alts + <usize>(first + k) * NK_ALT_SIZE;
      need += fixed + <usize>load<u32>(probs + (<usize>load<u32>(a, 28) << 3), 4);
    }
    if (p + need > end) break;
    let pid = <u32>load<u16>(proto + (<usize>i << 1));
    if (pid == <u32>NF_FMT_NO_PROTO || pid >= nProtos) pid = nProtos; // the default, last in the table
    const ports = load<u8>(shown + <usize>pid) != 0;
    p = lit(p, lits, NKF_LIT_SRC);
    p = putOctetsV4(p, load<u32>(src + (<usize>i << 2)));
    p = lit(p, lits, NKF_LIT_DST);
    p = putOctetsV4(p, load<u32>(dst + (<usize>i << 2)));
    p = lit(p, lits, NKF_LIT_PROTO);
    p = putString(p, gStr, protos + (<usize>pid << 3));
    const sp = load<i32>(sport + (<usize>i << 2)), dp = load<i32>(dport + (<usize>i << 2));
    if (sp >= 0) { p = lit(p, lits, NKF_LIT_SPORT); p = putDecimal(p, <u32>sp); }
    if (dp >= 0) { p = lit(p, lits, NKF_LIT_DPORT); p = putDecimal(p, <u32>dp); }
    // One verdict when every alternative has it, else MIXED (also for none).
    let verdict: i32 = -1;
    for (let k: u32 = 0; k < count; k++) {
      const v = <i32>(load<u32>(alts + <usize>(first + k) * NK_ALT_SIZE, 8) & 0xff);
      if (k == 0) verdict = v;
      else if (v != verdict) { verdict = -1; break; }
    }
    p = lit(p, lits, NKF_LIT_VERDICT);
    p = lit(p, lits, verdict < 0 ? NKF_LIT_MIXED : NKF_LIT_VERDICTS + verdict);
    p = lit(p, lits, NKF_LIT_ALTS);
    for (let k: u32 = 0; k < count; k++) {
      const a = alts + <usize>(first + k) * NK_ALT_SIZE;
      const w = load<u32>(a, 8);
      if (k) p = lit(p, lits, NKF_LIT_COMMA);
      p = lit(p, lits, NKF_LIT_PROB);
      p = putString(p, gStr, probs + (<usize>load<u32>(a, 28) << 3));
      p = lit(p, lits, NKF_LIT_VERDICT);
      p = lit(p, lits, NKF_LIT_VERDICTS + <i32>(w & 0xff));
      p = lit(p, lits, NKF_LIT_QUOTE);
      const delivery = <i32>((w >>> 8) & 0xff);
      if (delivery != NK_D_NONE) {
        p = lit(p, lits, NKF_LIT_DELIVERY);
        p = lit(p, lits, NKF_LIT_DELIVERIES + delivery);
        p = lit(p, lits, NKF_LIT_QUOTE);
      }
      p = lit(p, lits, NKF_LIT_ASRC);
      if ((w >>> 16) & 1) p = lit(p, lits, NKF_LIT_NODE_IP);
      else p = putOctetsV4(p, load<u32>(a, 12));
      p = lit(p, lits, NKF_LIT_QUOTE);
      if (ports && sp >= 0) { p = lit(p, lits, NKF_LIT_SPORT); p = putDecimal(p, load<u32>(a, 20)); }
      p = lit(p, lits, NKF_LIT_ADST);
      p = putOctetsV4(p, load<u32>(a, 16));
      p = lit(p, lits, NKF_LIT_QUOTE);
      if (ports && dp >= 0) { p = lit(p, lits, NKF_LIT_DPORT); p = putDecimal(p, load<u32>(a, 24)); }
      p = lit(p, lits, NKF_LIT_CLOSE);
    }
    p = lit(p, lits, NKF_LIT_END);
  }
  store<u32>(params + NKF_WRITTEN, <u32>(p - buf));
  return i;
}

/**
 * Gives each alternative's probability an id (into its last word): equal doubles, one id; the
 * distinct values into table (f64 each, at most cap). hash: 2^k u32 slots (id + 1), mask = 2^k - 1,
 * zeroed by the caller. Returns the number of distinct values, or -1 when more than cap.
 */
export function nkProbIds(alts: usize, count: u32, table: usize, cap: u32, hash: usize, mask: u32): i32 {
  let n: u32 = 0;
  for (let k: u32 = 0; k < count; k++) {
    const a = alts + <usize>k * NK_ALT_SIZE;
    const bits = load<u64>(a);
    let h = <u32>((bits * 0x9E3779B97F4A7C15) >>> 40) & mask;
    let id: u32 = 0xffffffff;
    while (true) {
      const v = load<u32>(hash + (<usize>h << 2));
      if (v == 0) break;
      if (load<u64>(table + (<usize>(v - 1) << 3)) == bits) { id = v - 1; break; }
      h = (h + 1) & mask;
    }
    if (id == 0xffffffff) {
      if (n >= cap) return -1;
      id = n++;
      store<u64>(table + (<usize>id << 3), bits);
      store<u32>(hash + (<usize>h << 2), id + 1);
    }
    store<u32>(a, id, 28);
  }
  return <i32>n;
}
