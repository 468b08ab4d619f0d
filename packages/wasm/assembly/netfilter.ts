// Netfilter bulk evaluation in kube-proxy-test mode: one call traces a batch of IPv4 flows through
// rule tables that TypeScript compiled (packages/engine/src/netfilter/kube-proxy/compile.ts mirrors every
// constant of abi/netfilter.ts; a test compares them with these exported globals). Nothing here knows about
// strings: protocols and outputs are interned ids, chains are indices.
//
// Program header (NF_PROG_SIZE bytes at `prog`), u32 each:
//   0 rules ptr   4 chains ptr   8 postings ptr   12 outputs ptr   16 local ptr   20 local count
//   24 nat PREROUTING chain id   28..40 filter KUBE-SERVICES, KUBE-EXTERNAL-SERVICES, KUBE-NODEPORTS,
//   KUBE-PROXY-FIREWALL chain ids   (NF_NO_CHAIN when the chain is not in the dump)
//   56 cache ptr   60 cache mask   64 cache insert limit   (44..55, 68..79 reserved)
// Result cache, per call and exact: every test a trace makes on the source (-s prefix, --src-type
// LOCAL) is logged with its outcome; everything else it reads is (dst, proto, dport) or fixed.
// A later flow with the same (dst, proto, dport) whose source gives the same outcome for every
// logged test takes exactly the same path, so it reuses the result (and its slice of output ids).
// Several entries may share a key (e.g. a source that is one of the service's endpoints).
// Cache entry (NF_CACHE_SIZE): tag (0 empty, else tests + 1), dst, proto id, dport, first output,
//   output count, masq, outcome bits (bit i: test i held; bit 16 + i: test i is "source is local"),
//   then NF_CACHE_TESTS x (net, mask).
// Rule (NF_RULE_SIZE): flags, src net, src mask, dst net, dst mask, proto id, dport (i32, -1 = a value
//   that equals no port), src type, dst type (NF_TYPE_*), action (NF_ACT_*), arg (chain id or output id).
// Chain (NF_CHAIN_SIZE): first rule, rule count, buckets ptr (0 = no index), bucket mask,
//   residual postings offset, residual count. Indexed chains list, per (dst, proto, dport) key,
//   the rules with exactly that `-d IP/32 -p proto --dport N`; every other rule is "residual";
//   both lists ascend, and a merge of the two walks the chain in rule order.
// Bucket (NF_BUCKET_SIZE): dst, proto id << 16 | dport, postings offset, postings count (0 = empty).
// Output (NF_OUT_SIZE): address (u32), valid (1 when the output is "ip:port" or "ip").
// Flow (NF_FLOW_SIZE): src, dst, proto id, dport (i32, -2 when the flow has none).
// Result (NF_RES_SIZE): first output index in the output-id arena, output count, masq (0/1).
import { hashKey, probeBucket } from "./nf_hash";
import { RES_A } from "./abi/core";
import {
  NF_PROG_SIZE, NF_RULE_SIZE, NF_CHAIN_SIZE, NF_BUCKET_SIZE, NF_OUT_SIZE, NF_FLOW_SIZE,
  NF_RES_SIZE, NF_CACHE_SIZE, NF_CACHE_TESTS, NF_CACHE_MIN_WORK, NF_F_SRC, NF_F_SRC_NEG,
  NF_F_DST, NF_F_DST_NEG, NF_F_PROTO, NF_F_PROTO_NEG, NF_F_DPORT, NF_F_DPORT_NEG,
  NF_F_STYPE, NF_F_STYPE_NEG, NF_F_DTYPE, NF_F_DTYPE_NEG, NF_F_NEVER, NF_F_PROB,
  NF_TYPE_LOCAL, NF_TYPE_NOT_MATCHED, NF_TYPE_OTHER, NF_ACT_SKIP, NF_ACT_MARK_MASQ, NF_ACT_OUTPUT,
  NF_ACT_JUMP, NF_ACT_MISSING, NF_NO_CHAIN, NF_MAX_DEPTH, NF_RET_OVERFLOW,
} from "./abi/netfilter";


const P_RULES: i32 = 0;
const P_CHAINS: i32 = 4;
const P_POSTINGS: i32 = 8;
const P_OUTPUTS: i32 = 12;
const P_LOCAL: i32 = 16;
const P_NLOCAL: i32 = 20;
const P_PREROUTING: i32 = 24;
const P_FILTER: i32 = 28;
const P_CACHE: i32 = 56;
const P_CACHE_MASK: i32 = 60;
const P_CACHE_LIMIT: i32 = 64;

// Per-call state (globals, not allocations: the runtime is a stub).
let gRules: usize = 0;
let gChains: usize = 0;
let gPostings: usize = 0;
let gOutputs: usize = 0;
let gLocal: usize = 0;
let gNLocal: i32 = 0;
let fSrc: u32 = 0;
let fDst: u32 = 0;
let fDstValid: bool = true;
let fProto: u32 = 0;
let fDport: i32 = 0;
let fMasq: bool = false;
let outArena: usize = 0;
let outCap: i32 = 0;
let outN: i32 = 0;
let flowOut: i32 = 0;
// The test log of the flow being traced (written into its cache slot; 0 = not logging).
let gLog: usize = 0;
let logN: i32 = 0;
let logBits: u32 = 0;
// Rules evaluated for the flow being traced: short traces are not worth a cache slot.
let work: i32 = 0;
/** Flows whose cache entries nfKpRun touches together, ahead of tracing them (a power of two). */
const CACHE_TOUCH_GROUP: i32 = 32;
/** Where the touching loads' values go, so that they are not dropped. */
let gTouched: u32 = 0;

@inline function logTest(net: u32, mask: u32, held: bool, local: bool): void {
  if (gLog != 0) {
    if (logN < NF_CACHE_TESTS) {
      const t = gLog + 32 + (<usize>logN << 3);
      store<u32>(t, net);
      store<u32>(t, mask, 4);
      if (held) logBits |= <u32>1 << logN;
      if (local) logBits |= <u32>1 << (16 + logN);
    }
    logN++;
  }
}

@inline function isLocal(a: u32, valid: bool): bool {
  if (!valid) return false;
  for (let i = 0; i < gNLocal; i++) if (load<u32>(gLocal + (<usize>i << 2)) == a) return true;
  return false;
}

@inline function typeMatches(code: u32, local: bool): bool {
  return local ? code == NF_TYPE_LOCAL : code == NF_TYPE_NOT_MATCHED;
}

@inline function ruleMatches(r: usize): bool {
  const f = load<u32>(r);
  if (f & NF_F_NEVER) {
    // Checked last by the helper, but nothing else has side effects, so the order does not matter.
    return false;
  }
  if (f & NF_F_SRC) {
    const net = load<u32>(r, 4);
    const mask = load<u32>(r, 8);
    const hit = (fSrc & mask) == net;
    logTest(net, mask, hit, false);
    if (hit == ((f & NF_F_SRC_NEG) != 0)) return false;
  }
  if (f & NF_F_STYPE) {
    const loc = isLocal(fSrc, true);
    logTest(0, 0, loc, true);
    if (typeMatches(load<u32>(r, 28), loc) == ((f & NF_F_STYPE_NEG) != 0)) return false;
  }
  if (f & NF_F_PROTO) {
    if ((load<u32>(r, 20) == fProto) == ((f & NF_F_PROTO_NEG) != 0)) return false;
  }
  if (f & NF_F_DST) {
    const hit = fDstValid && (fDst & load<u32>(r, 16)) == load<u32>(r, 12);
    if (hit == ((f & NF_F_DST_NEG) != 0)) return false;
  }
  if (f & NF_F_DTYPE) {
    if (typeMatches(load<u32>(r, 32), isLocal(fDst, fDstValid)) == ((f & NF_F_DTYPE_NEG) != 0)) return false;
  }
  if (f & NF_F_DPORT) {
    const v = load<i32>(r, 24);
    if ((v >= 0 && v == fDport) == ((f & NF_F_DPORT_NEG) != 0)) return false;
  }
  return true;
}

/** Runs one rule; returns 0 = go on, 1 = this chain ended terminal. */
@inline function runRule(ri: u32, depth: i32): i32 {
  const r = gRules + <usize>ri * NF_RULE_SIZE;
  const act = load<u32>(r, 36);
  if (act == NF_ACT_SKIP) return 0;
  work++;
  if (!ruleMatches(r)) return 0;
  if (act == NF_ACT_MARK_MASQ) {
    fMasq = true;
    return 0;
  }
  if (act == NF_ACT_OUTPUT) {
    if (outN < outCap) store<u32>(outArena + (<usize>outN << 2), load<u32>(r, 40));
    outN++;
    flowOut++;
    return 1;
  }
  if (act == NF_ACT_JUMP) {
    const terminated = runChain(load<u32>(r, 40), depth + 1);
    if (terminated && (load<u32>(r) & NF_F_PROB) == 0) return 1;
  }
  return 0;
}

function runChain(id: u32, depth: i32): bool {
  if (id == NF_NO_CHAIN || depth > NF_MAX_DEPTH) return false;
  const c = gChains + <usize>id * NF_CHAIN_SIZE;
  const first = load<u32>(c);
  const count = load<u32>(c, 4);
  const buckets = <usize>load<u32>(c, 8);
  if (buckets == 0) {
    for (let i: u32 = 0; i < count; i++) if (runRule(first + i, depth)) return true;
    return false;
  }
  // Indexed chain: the rules keyed on this (dst, proto, dport), merged in order with the residual rules.
  let pOff: u32 = 0;
  let pN: u32 = 0;
  if (fDstValid && fDport >= 0 && fProto < 0x10000) {
    const pp = (fProto << 16) | <u32>fDport;
    const b = probeBucket(buckets, load<u32>(c, 12), fDst, pp);
    if (b != 0) {
      pOff = load<u32>(b, 8);
      pN = load<u32>(b, 12);
    }
  }
  const rOff = load<u32>(c, 16);
  const rN = load<u32>(c, 20);
  let i: u32 = 0;
  let j: u32 = 0;
  while (i < pN || j < rN) {
    const a = i < pN ? load<u32>(gPostings + (<usize>(pOff + i) << 2)) : 0xffffffff;
    const b = j < rN ? load<u32>(gPostings + (<usize>(rOff + j) << 2)) : 0xffffffff;
    let ri: u32;
    if (a < b) { ri = a; i++; } else { ri = b; j++; }
    if (runRule(ri, depth)) return true;
  }
  return false;
}

/**
 * Traces n flows. Output ids go to the arena `outIds` (capacity `cap` ids) from position
 * `outStart` on (a run in chunks passes the count the previous chunk returned: the result cache
 * may then point any flow at ids an earlier chunk wrote); returns the arena's count after these
 * flows, or NF_RET_OVERFLOW when `cap` was too small (RES_A then holds the count needed, and the
 * cache may hold entries past `cap`: clear it before running these flows again). The cache's
 * remaining room is written back to the program, so chunks share its bound.
 */
export function nfKpRun(prog: usize, flows: usize, n: i32, results: usize, outIds: usize, cap: i32, res: usize, outStart: i32): i32 {
  gRules = <usize>load<u32>(prog, P_RULES);
  gChains = <usize>load<u32>(prog, P_CHAINS);
  gPostings = <usize>load<u32>(prog, P_POSTINGS);
  gOutputs = <usize>load<u32>(prog, P_OUTPUTS);
  gLocal = <usize>load<u32>(prog, P_LOCAL);
  gNLocal = load<i32>(prog, P_NLOCAL);
  const pre = load<u32>(prog, P_PREROUTING);
  const cache = <usize>load<u32>(prog, P_CACHE);
  const cacheMask = load<u32>(prog, P_CACHE_MASK);
  let cacheRoom = load<i32>(prog, P_CACHE_LIMIT);
  outArena = outIds;
  outCap = cap;
  outN = outStart;
  let touched: u32 = 0;
  for (let k = 0; k < n; k++) {
    // The cache is larger than the core's cache memory, and the flows hit it at random: most of
    // the run was waiting for the entry's line. Its lines are touched a group of flows at a time,
    // with no load waiting on another, so the memory fetches them all at once (the loads' values
    // are kept in a global: a load whose value is unused could be dropped).
    if ((k & (CACHE_TOUCH_GROUP - 1)) == 0) {
      const stop = min(n, k + CACHE_TOUCH_GROUP);
      for (let j = k; j < stop; j++) {
        const g = flows + <usize>j * NF_FLOW_SIZE;
        const hj = hashKey(load<u32>(g, 4), (load<u32>(g, 8) << 16) ^ load<u32>(g, 12)) & cacheMask;
        touched ^= load<u32>(cache + <usize>hj * NF_CACHE_SIZE);
      }
    }
    const fl = flows + <usize>k * NF_FLOW_SIZE;
    fSrc = load<u32>(fl);
    const dst = load<u32>(fl, 4);
    fDst = dst;
    fProto = load<u32>(fl, 8);
    fDport = load<i32>(fl, 12);
    const res = results + <usize>k * NF_RES_SIZE;
    let h = hashKey(dst, (fProto << 16) ^ <u32>fDport) & cacheMask;
    let slot: usize = 0;
    let srcLocal: i32 = -1;
    for (;;) {
      const e = cache + <usize>h * NF_CACHE_SIZE;
      const tag = load<u32>(e);
      if (tag == 0) { slot = e; break; }
      if (load<u32>(e, 4) == dst && load<u32>(e, 8) == fProto && load<i32>(e, 12) == fDport) {
        const bits = load<u32>(e, 28);
        const nt = <i32>tag - 1;
        let same = true;
        for (let i = 0; i < nt; i++) {
          let held: bool;
          if (bits & (<u32>1 << (16 + i))) {
            if (srcLocal < 0) srcLocal = isLocal(fSrc, true) ? 1 : 0;
            held = srcLocal == 1;
          } else {
            const t = e + 32 + (<usize>i << 3);
            held = (fSrc & load<u32>(t, 4)) == load<u32>(t);
          }
          if (held != ((bits & (<u32>1 << i)) != 0)) { same = false; break; }
        }
        if (same) {
          store<u32>(res, load<u32>(e, 16));
          store<u32>(res, load<u32>(e, 20), 4);
          store<u32>(res, load<u32>(e, 24), 8);
          break;
        }
      }
      h = (h + 1) & cacheMask;
    }
    if (slot == 0) continue;
    gLog = cacheRoom > 0 ? slot : 0;
    logN = 0;
    logBits = 0;
    work = 0;
    fDstValid = true;
    fMasq = false;
    flowOut = 0;
    const start = outN;
    runChain(pre, 0);
    if (flowOut > 0 && start < outCap) {
      // The filter chains see the first output's address (the port is unchanged).
      const o = gOutputs + <usize>load<u32>(outArena + (<usize>start << 2)) * NF_OUT_SIZE;
      fDstValid = load<u32>(o, 4) != 0;
      fDst = load<u32>(o);
    }
    for (let c = 0; c < 4; c++) runChain(load<u32>(prog + P_FILTER + (<usize>c << 2)), 0);
    gLog = 0;
    const count = <u32>(outN - start);
    const masq: u32 = fMasq ? 1 : 0;
    store<u32>(res, <u32>start);
    store<u32>(res, count, 4);
    store<u32>(res, masq, 8);
    if (cacheRoom > 0 && logN <= NF_CACHE_TESTS && work >= NF_CACHE_MIN_WORK) {
      cacheRoom--;
      store<u32>(slot, <u32>logN + 1);
      store<u32>(slot, dst, 4);
      store<u32>(slot, fProto, 8);
      store<i32>(slot, fDport, 12);
      store<u32>(slot, <u32>start, 16);
      store<u32>(slot, count, 20);
      store<u32>(slot, masq, 24);
      store<u32>(slot, logBits, 28);
    }
  }
  store<i32>(prog, cacheRoom, P_CACHE_LIMIT);
  gTouched = touched;
  store<i32>(res + RES_A, outN);
  return outN > cap ? NF_RET_OVERFLOW : outN;
}
export * from "./netfilter_kernel";
export * from "./abi/netfilter";
export { nfKpFormat } from "./netfilter_format";
export { nfScanCsv, nfCountLf, nfDumpCounts } from "./netfilter_scan";
export { nfKpLoad, nfKpResolve, nfGather } from "./netfilter_load";
export { nfKpEncode, nfKpMaxCount } from "./netfilter_kp_encode";
export { nfKpBuild, nfKpBuildScratch, nfKpBuildCap } from "./netfilter_kp_build";
export { nkFormat, nkProbIds } from "./netfilter_kernel_format";
