// Netfilter bulk evaluation in kernel mode: the first packet of each flow through raw, mangle, nat,
// filter and security hooks, with marks, conntrack state, ipsets, NAT rewrites, goto/RETURN and
// policies; `-m statistic` rules fork the trace and every alternative is enumerated with its
// probability (the same choice-vector replay as the TypeScript tracer, so the products are equal
// bit for bit). packages/engine/src/netfilter/kernel/compile.ts builds the tables and mirrors
// every NK_* constant of abi/netfilter.ts (a test compares them).
//
// Program header (NK_PROG_SIZE), u32 words: 0 rules, 1 chains, 2 ops, 3 sets, 4 set entries,
// 5 local list, 6 local count, 7 node ip, 8 has node ip, 9 iface matrix, 10 pattern count,
// 11..27 hook start chain ids (NK_HOOK_*), 28 max alternatives, 29 postings (u32 array).
// Rule (NK_RULE_SIZE): ops offset (words), ops length, target kind, a0, a1, a2, a3, 0.
// Chain (NK_CHAIN_SIZE): first rule, rule count, policy (0 ACCEPT, 1 DROP), 0, buckets ptr (0 = not
//   indexed), bucket mask, residual postings offset, residual count. As in kube-proxy-test mode, an
//   indexed chain lists per (dst, proto, dport) the rules with exactly that `-d IP/32 -p proto
//   --dport N` (postings hold rule positions in the chain); the walk visits, in order, only those
//   and the residual rules: the others cannot match the packet. NAT ends a hook, so the key is
//   fixed for a whole hook walk.
// Match op: header word kind | neg << 8, then operands (see NK_OP_*).
// Set (NK_SET_SIZE): first entry, entry count. Entry (NK_ENTRY_SIZE): kind (0 prefix, 1 member set),
//   net, mask, bits, port (or NK_NONE), proto, nomatch, member set id.
// Flow (NK_FLOW_SIZE): src, dst, proto, sport, dport, in iface index, out iface index, from network.
// Result (NK_RES_SIZE): first alternative, alternative count, status (0 ok, 1 too many choices:
//   trace it in TypeScript), truncated.
// Alternative (NK_ALT_SIZE): f64 probability, verdict | delivery << 8 | src placeholder << 16,
//   src, dst, sport, dport, mark.
import { probeBucket } from "./nf_hash";
import { RES_A } from "./abi/core";
import {
  NK_PROG_SIZE, NK_RULE_SIZE, NK_CHAIN_SIZE, NK_BUCKET_SIZE, NK_MAX_JUMPS, NK_SET_SIZE,
  NK_ENTRY_SIZE, NK_FLOW_SIZE, NK_RES_SIZE, NK_ALT_SIZE, NK_NONE, NK_MAX_CHOICES,
  NK_OP_SRC, NK_OP_DST, NK_OP_PROTO, NK_OP_IN, NK_OP_OUT, NK_OP_SPORT,
  NK_OP_DPORT, NK_OP_MULTI, NK_OP_ADDRTYPE, NK_OP_MARK, NK_OP_CT, NK_OP_RECENT,
  NK_OP_SET, NK_OP_CONST, NK_OP_STAT, NK_TYPE_UNICAST, NK_TYPE_LOCAL, NK_TYPE_BROADCAST,
  NK_TYPE_MULTICAST, NK_TYPE_UNSPEC, NK_CT_NEW, NK_CT_DNAT, NK_CT_SNAT, NK_T_NONE,
  NK_T_ACCEPT, NK_T_DROP, NK_T_REJECT, NK_T_RETURN, NK_T_JUMP, NK_T_CONTINUE,
  NK_T_DNAT, NK_T_SNAT, NK_T_MASQ, NK_T_MARK, NK_V_ACCEPT, NK_V_DROP,
  NK_V_REJECT, NK_D_NONE, NK_D_LOCAL, NK_D_FORWARD, NK_D_OUTPUT, NK_HOOK_RAW_PRE,
  NK_HOOK_MANGLE_PRE, NK_HOOK_NAT_PRE, NK_HOOK_MANGLE_IN, NK_HOOK_FILTER_IN, NK_HOOK_SECURITY_IN, NK_HOOK_NAT_IN,
  NK_HOOK_MANGLE_FWD, NK_HOOK_FILTER_FWD, NK_HOOK_SECURITY_FWD, NK_HOOK_MANGLE_POST, NK_HOOK_NAT_POST, NK_HOOK_RAW_OUT,
  NK_HOOK_MANGLE_OUT, NK_HOOK_NAT_OUT, NK_HOOK_FILTER_OUT, NK_HOOK_SECURITY_OUT, NK_HOOK_COUNT,
} from "./abi/netfilter";


const PORT_PROTO_MASK_LO: u64 = (<u64>1 << 6) | (<u64>1 << 17) | (<u64>1 << 33);

let kRules: usize = 0;
let kChains: usize = 0;
let kOps: usize = 0;
let kSets: usize = 0;
let kEntries: usize = 0;
let kLocal: usize = 0;
let kNLocal: i32 = 0;
let kIfm: usize = 0;
let kPostings: usize = 0;
let kNPat: i32 = 0;
let kStack: usize = 0; // scratch: 2 words per frame
let kChoices: usize = 0; // scratch: u8 choices, then f64 probs

// The packet.
let pSrc: u32 = 0;
let pDst: u32 = 0;
let pProto: u32 = 0;
let pSport: u32 = 0;
let pDport: u32 = 0;
let pIn: u32 = 0;
let pOut: u32 = 0;
let pMark: u32 = 0;
let pDnat: bool = false;
let pSnat: bool = false;
let pSrcPlaceholder: bool = false;

// The choice vector (see Chooser in trace.ts).
let chN: i32 = 0;
let chK: i32 = 0;
let chOverflow: bool = false;

@inline function portProto(p: u32): bool {
  return p == 6 || p == 17 || p == 132 || p == 136 || p == 33;
}

function isLocalK(a: u32): bool {
  if (a >>> 24 == 127) return true;
  for (let i = 0; i < kNLocal; i++) if (load<u32>(kLocal + (<usize>i << 2)) == a) return true;
  return false;
}

function addrType(a: u32): u32 {
  if (isLocalK(a)) return NK_TYPE_LOCAL;
  if (a == 0xffffffff) return NK_TYPE_BROADCAST;
  if (a >>> 28 == 0xe) return NK_TYPE_MULTICAST;
  if (a == 0) return NK_TYPE_UNSPEC;
  return NK_TYPE_UNICAST;
}

function setMatch(id: u32, dir0: u32, nDirs: u32, dir1: u32, depth: i32): bool {
  if (id == NK_NONE || depth > 8) return false;
  const s = kSets + <usize>id * NK_SET_SIZE;
  const first = load<u32>(s);
  const count = load<u32>(s, 4);
  const addr = dir0 == 1 ? pDst : pSrc;
  const port = dir1 == 0 && nDirs >= 2 ? pSport : pDport;
  let hit = false;
  let best: i32 = -1;
  for (let i: u32 = 0; i < count; i++) {
    const e = kEntries + <usize>(first + i) * NK_ENTRY_SIZE;
    if (load<u32>(e) == 1) {
      if (setMatch(load<u32>(e, 28), dir0, nDirs, dir1, depth + 1)) return true;
      continue;
    }
    if ((addr & load<u32>(e, 8)) != load<u32>(e, 4)) continue;
    const ep = load<u32>(e, 16);
    if (ep != NK_NONE && (nDirs < 2 || ep != port || load<u32>(e, 20) != pProto)) continue;
    const bits = load<i32>(e, 12);
    if (bits > best) {
      best = bits;
      hit = load<u32>(e, 24) == 0;
    }
  }
  return hit;
}

@inline function portIn(p: u32, lo: u32, hi: u32): bool {
  return p >= lo && p <= hi;
}

function choose(p: f64): bool {
  const probs = kChoices + NK_MAX_CHOICES;
  if (chK < chN) {
    const c = load<u8>(kChoices + chK) != 0;
    store<f64>(probs + (<usize>chK << 3), c ? p : 1 - p);
    chK++;
    return c;
  }
  if (chN >= NK_MAX_CHOICES) {
    chOverflow = true;
    return false;
  }
  store<u8>(kChoices + chN, 1);
  store<f64>(probs + (<usize>chN << 3), p);
  chN++;
  chK++;
  return true;
}

/** 0 no match, 1 match. Statistic is decided after every other match, as the tracer does. */
function ruleMatches(r: usize): bool {
  let op = kOps + (<usize>load<u32>(r) << 2);
  const end = op + (<usize>load<u32>(r, 4) << 2);
  let stat: f64 = -1;
  while (op < end) {
    const h = load<u32>(op);
    const kind = h & 0xff;
    const neg = ((h >>> 8) & 1) != 0;
    let m = false;
    let len: usize = 1;
    switch (kind) {
      case NK_OP_SRC: m = (pSrc & load<u32>(op, 8)) == load<u32>(op, 4); len = 3; break;
      case NK_OP_DST: m = (pDst & load<u32>(op, 8)) == load<u32>(op, 4); len = 3; break;
      case NK_OP_PROTO: { const n = load<u32>(op, 4); m = n == 0 || n == pProto; len = 2; break; }
      case NK_OP_IN: m = load<u8>(kIfm + <usize>pIn * kNPat + load<u32>(op, 4)) != 0; len = 2; break;
      case NK_OP_OUT: m = load<u8>(kIfm + <usize>pOut * kNPat + load<u32>(op, 4)) != 0; len = 2; break;
      case NK_OP_SPORT: m = portProto(pProto) && portIn(pSport, load<u32>(op, 4), load<u32>(op, 8)); len = 3; break;
      case NK_OP_DPORT: m = portProto(pProto) && portIn(pDport, load<u32>(op, 4), load<u32>(op, 8)); len = 3; break;
      case NK_OP_MULTI: {
        const which = load<u32>(op, 4);
        const n = load<u32>(op, 8);
        if (portProto(pProto)) {
          for (let i: u32 = 0; i < n; i++) {
            const lo = load<u32>(op + 12 + (<usize>i << 3));
            const hi = load<u32>(op + 16 + (<usize>i << 3));
            if ((which != 0 && portIn(pDport, lo, hi)) || (which != 1 && portIn(pSport, lo, hi))) { m = true; break; }
          }
        }
        len = 3 + <usize>n * 2;
        break;
      }
      case NK_OP_ADDRTYPE: m = (addrType(load<u32>(op, 4) == 1 ? pDst : pSrc) & load<u32>(op, 8)) != 0; len = 3; break;
      case NK_OP_MARK: m = (pMark & load<u32>(op, 8)) == load<u32>(op, 4); len = 3; break;
      case NK_OP_CT: {
        let st: u32 = NK_CT_NEW;
        if (load<u32>(op, 4) == 0) {
          if (pDnat) st |= NK_CT_DNAT;
          if (pSnat) st |= NK_CT_SNAT;
        }
        m = (st & load<u32>(op, 8)) != 0;
        len = 3;
        break;
      }
      case NK_OP_RECENT: m = load<u32>(op, 4) != 0; len = 2; break;
      case NK_OP_SET: m = setMatch(load<u32>(op, 4), load<u32>(op, 8), load<u32>(op, 12), load<u32>(op, 16), 0); len = 5; break;
      case NK_OP_CONST: m = load<u32>(op, 4) != 0; len = 2; break;
      case NK_OP_STAT: stat = load<f64>(op, 4); len = 3; m = true; break;
      default: m = true;
    }
    if (kind != NK_OP_CONST && kind != NK_OP_STAT && neg) m = !m;
    if (!m) return false;
    op += len << 2;
  }
  if (stat < 0) return true;
  if (stat >= 1) return true;
  if (stat <= 0) return false;
  return choose(stat);
}

/** First value >= x in postings[off, off + n), or NK_NONE. */
function lowerBound(off: u32, n: u32, x: u32): u32 {
  let lo: u32 = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (load<u32>(kPostings + (<usize>(off + mid) << 2)) < x) lo = mid + 1; else hi = mid;
  }
  return lo < n ? load<u32>(kPostings + (<usize>(off + lo) << 2)) : NK_NONE;
}

/** In an indexed chain, the next rule at or after i that can match this packet (count when none). */
function nextCandidate(c: usize, i: u32, count: u32): u32 {
  const buckets = <usize>load<u32>(c, 16);
  let best = lowerBound(load<u32>(c, 24), load<u32>(c, 28), i);
  if (portProto(pProto)) {
    const pp = (pProto << 16) | pDport;
    const b = probeBucket(buckets, load<u32>(c, 20), pDst, pp);
    if (b != 0) {
      const k = lowerBound(load<u32>(b, 8), load<u32>(b, 12), i);
      if (k < best) best = k;
    }
  }
  return best == NK_NONE ? count : best;
}

/** Walks one hook: NK_V_ACCEPT, NK_V_DROP or NK_V_REJECT. */
function hook(start: u32): i32 {
  if (start == NK_NONE) return NK_V_ACCEPT;
  let depth: i32 = 0;
  let chain = start;
  let i: u32 = 0;
  let jumps: i32 = 0;
  for (;;) {
    const c = kChains + <usize>chain * NK_CHAIN_SIZE;
    const count = load<u32>(c, 4);
    if (i < count && load<u32>(c, 16) != 0) i = nextCandidate(c, i, count);
    if (i >= count) {
      if (depth == 0) return load<u32>(c, 8) == 1 ? NK_V_DROP : NK_V_ACCEPT;
      depth--;
      chain = load<u32>(kStack + (<usize>depth << 3));
      i = load<u32>(kStack + (<usize>depth << 3) + 4);
      continue;
    }
    const r = kRules + <usize>(load<u32>(c) + i) * NK_RULE_SIZE;
    i++;
    if (!ruleMatches(r)) continue;
    const t = load<u32>(r, 8);
    switch (t) {
      case NK_T_NONE: case NK_T_CONTINUE: continue;
      case NK_T_ACCEPT: return NK_V_ACCEPT;
      case NK_T_DROP: return NK_V_DROP;
      case NK_T_REJECT: return NK_V_REJECT;
      case NK_T_RETURN: {
        if (depth == 0) return load<u32>(c, 8) == 1 ? NK_V_DROP : NK_V_ACCEPT;
        depth--;
        chain = load<u32>(kStack + (<usize>depth << 3));
        i = load<u32>(kStack + (<usize>depth << 3) + 4);
        continue;
      }
      case NK_T_JUMP: {
        if (++jumps > NK_MAX_JUMPS) return NK_V_DROP;
        if (load<u32>(r, 16) == 0) {
          store<u32>(kStack + (<usize>depth << 3), chain);
          store<u32>(kStack + (<usize>depth << 3) + 4, i);
          depth++;
        }
        if (depth > 64) return NK_V_DROP;
        chain = load<u32>(r, 12);
        i = 0;
        continue;
      }
      case NK_T_DNAT: case NK_T_SNAT: {
        const isD = t == NK_T_DNAT;
        if (load<u32>(r, 12)) {
          if (isD) pDst = load<u32>(r, 16);
          else { pSrc = load<u32>(r, 16); pSrcPlaceholder = false; }
        }
        if (load<u32>(r, 20) && portProto(pProto)) {
          if (isD) pDport = load<u32>(r, 24); else pSport = load<u32>(r, 24);
        }
        if (isD) pDnat = true; else pSnat = true;
        return NK_V_ACCEPT;
      }
      case NK_T_MASQ: {
        if (nodeIpSet) { pSrc = nodeIp; pSrcPlaceholder = false; } else pSrcPlaceholder = true;
        if (load<u32>(r, 20) && portProto(pProto)) pSport = load<u32>(r, 24);
        pSnat = true;
        return NK_V_ACCEPT;
      }
      case NK_T_MARK: {
        const op = load<u32>(r, 12);
        const v = load<u32>(r, 16);
        const mk = load<u32>(r, 20);
        const old = pMark;
        if (op == 0) pMark = (old & ~mk) ^ v;
        else if (op == 1) pMark = (old & ~mk) | v;
        else if (op == 2) pMark = old | v;
        else if (op == 3) pMark = old & v;
        else pMark = old ^ v;
        continue;
      }
      default: continue;
    }
  }
}

let nodeIp: u32 = 0;
let nodeIpSet: bool = false;

@inline function hookAt(prog: usize, slot: i32): u32 {
  return load<u32>(prog + 44 + (<usize>slot << 2));
}

/**
 * Traces n flows in kernel mode. Alternatives go to `alts` (capacity `cap` records); returns the
 * number written, or -1 when `cap` was too small (the count needed is then at ret + RES_A).
 * `scratch` needs NK_MAX_CHOICES * 9 + 65 * 8 bytes.
 */
export function nkRun(prog: usize, flows: usize, n: i32, results: usize, alts: usize, cap: i32, scratch: usize, ret: usize): i32 {
  kRules = <usize>load<u32>(prog);
  kChains = <usize>load<u32>(prog, 4);
  kOps = <usize>load<u32>(prog, 8);
  kSets = <usize>load<u32>(prog, 12);
  kEntries = <usize>load<u32>(prog, 16);
  kLocal = <usize>load<u32>(prog, 20);
  kNLocal = load<i32>(prog, 24);
  nodeIp = load<u32>(prog, 28);
  nodeIpSet = load<u32>(prog, 32) != 0;
  kIfm = <usize>load<u32>(prog, 36);
  kPostings = <usize>load<u32>(prog, 116);
  kNPat = load<i32>(prog, 40);
  const maxAlts = load<i32>(prog, 44 + NK_HOOK_COUNT * 4);
  kChoices = scratch;
  kStack = scratch + NK_MAX_CHOICES * 9;
  let out: i32 = 0;
  for (let k = 0; k < n; k++) {
    const fl = flows + <usize>k * NK_FLOW_SIZE;
    const res = results + <usize>k * NK_RES_SIZE;
    const first = out;
    let nAlts: i32 = 0;
    let truncated: u32 = 0;
    let status: u32 = 0;
    chN = 0;
    chOverflow = false;
    const fromNetwork = load<u32>(fl, 28) != 0;
    for (;;) {
      chK = 0;
      pSrc = load<u32>(fl);
      pDst = load<u32>(fl, 4);
      pProto = load<u32>(fl, 8);
      pSport = load<u32>(fl, 12);
      pDport = load<u32>(fl, 16);
      pIn = load<u32>(fl, 20);
      pOut = load<u32>(fl, 24);
      pMark = 0;
      pDnat = false;
      pSnat = false;
      pSrcPlaceholder = false;
      let verdict: i32 = NK_V_ACCEPT;
      let delivery: i32 = NK_D_NONE;
      if (fromNetwork) {
        verdict = hook(hookAt(prog, NK_HOOK_RAW_PRE));
        if (verdict == NK_V_ACCEPT) verdict = hook(hookAt(prog, NK_HOOK_MANGLE_PRE));
        if (verdict == NK_V_ACCEPT) verdict = hook(hookAt(prog, NK_HOOK_NAT_PRE));
        if (verdict == NK_V_ACCEPT) {
          if (isLocalK(pDst)) {
            delivery = NK_D_LOCAL;
            for (let h = NK_HOOK_MANGLE_IN; h <= NK_HOOK_NAT_IN && verdict == NK_V_ACCEPT; h++) verdict = hook(hookAt(prog, h));
          } else {
            delivery = NK_D_FORWARD;
            for (let h = NK_HOOK_MANGLE_FWD; h <= NK_HOOK_NAT_POST && verdict == NK_V_ACCEPT; h++) verdict = hook(hookAt(prog, h));
          }
        }
      } else {
        delivery = NK_D_OUTPUT;
        for (let h = NK_HOOK_RAW_OUT; h <= NK_HOOK_SECURITY_OUT && verdict == NK_V_ACCEPT; h++) verdict = hook(hookAt(prog, h));
        if (verdict == NK_V_ACCEPT) verdict = hook(hookAt(prog, NK_HOOK_MANGLE_POST));
        if (verdict == NK_V_ACCEPT) verdict = hook(hookAt(prog, NK_HOOK_NAT_POST));
      }
      if (chOverflow) {
        status = 1;
        break;
      }
      let p: f64 = 1;
      const probs = kChoices + NK_MAX_CHOICES;
      for (let i = 0; i < chK; i++) p *= load<f64>(probs + (<usize>i << 3));
      if (out < cap) {
        const a = alts + <usize>out * NK_ALT_SIZE;
        store<f64>(a, p);
        store<u32>(a, <u32>verdict | (<u32>(verdict == NK_V_ACCEPT ? delivery : NK_D_NONE) << 8) | (<u32>(pSrcPlaceholder ? 1 : 0) << 16), 8);
        store<u32>(a, pSrc, 12);
        store<u32>(a, pDst, 16);
        store<u32>(a, pSport, 20);
        store<u32>(a, pDport, 24);
        store<u32>(a, pMark, 28);
      }
      out++;
      nAlts++;
      // Next path: drop the trailing not-taken choices, flip the last taken one.
      chN = chK;
      while (chN > 0 && load<u8>(kChoices + chN - 1) == 0) chN--;
      if (nAlts >= maxAlts) {
        truncated = chN > 0 ? 1 : 0;
        break;
      }
      if (chN == 0) break;
      store<u8>(kChoices + chN - 1, 0);
    }
    store<u32>(res, <u32>first);
    store<u32>(res, <u32>nAlts, 4);
    store<u32>(res, status, 8);
    store<u32>(res, truncated, 12);
  }
  store<i32>(ret + RES_A, out);
  return out > cap ? -1 : out;
}
