// The kube-proxy-test program block built in the core from a dump the loader read (nfKpLoad,
// nfKpResolve in netfilter_load.ts): rule words, chain records, the (dst, proto, dport) index of
// long chains (bucket tables and postings), the outputs (interned by their bytes, with their
// addresses) and the header, laid out exactly as KpProgram lays them out in JS
// (packages/engine/src/netfilter/kube-proxy/compile.ts, the readable twin). Per rule this is the
// work that took a 10,000-service dump ~0.2 s in JS (one-shot loops that V8 had not optimised yet,
// a map per chain, a string per output); here it is one pass.
//
// It leaves to KpProgram (KB_FALLBACK) the few shapes it does not take: a protocol other than tcp
// or udp, a jump to a chain named like a target other than KUBE-MARK-MASQ, a DNAT to a prefix; and
// it reports a jump loop (KB_LOOP) as the loader's JS did. A property test requires the same block
// (pointers taken relative to it), outputs and protocol ids as KpProgram on fixture, generated and
// random dumps.
import {
  LD_BYTES, LD_REC, LD_RCHAIN, LD_RSTR, LD_NRULES, LD_CH_TABLE, LD_NCHAINS, LD_CH_TARGET, LD_NONE, LD_REC_WORDS, LD_STR_WORDS,
  KR_FLAGS, KR_SRC_NET, KR_SRC_MASK, KR_DST_NET, KR_DST_MASK, KR_PROTO, KR_DPORT, KR_STYPE, KR_DTYPE, KR_JUMP, KR_CHAIN,
  LD_PROTO_TCP, LD_PROTO_UDP, LD_JUMP_STR, LD_JUMP_DNAT, LD_JUMP_TARGET,
  KB_LOAD, KB_NAT, KB_FILTER, KB_ENTRY, KB_SCRATCH, KB_PROG, KB_SIZE, KB_NOUT, KB_OUT_TEXT, KB_TCP_ID, KB_UDP_ID, KB_INDEXED, KB_RULES, KB_LOCAL, KB_XEDGES, KB_NXEDGES,
  KB_INDEX_MIN_RULES, KB_OK, KB_FALLBACK, KB_LOOP, KB_TARGET_MASQ,
  NF_PROG_SIZE, NF_CHAIN_SIZE, NF_OUT_SIZE, NF_NO_CHAIN, NF_ACT_SKIP, NF_ACT_MARK_MASQ, NF_ACT_OUTPUT, NF_ACT_JUMP, NF_ACT_MISSING,
  NF_F_DST, NF_F_DST_NEG, NF_F_PROTO, NF_F_PROTO_NEG, NF_F_DPORT, NF_F_DPORT_NEG,
} from "./abi/netfilter";
import { v4At } from "./netfilter_scan";
import { findChain, loadGlobals } from "./netfilter_load";
import { hashKey } from "./nf_hash";

@inline function al16(x: usize): usize { return (x + 15) & ~<usize>15; }
@inline function pow2AtLeast(x: u32, min: u32): u32 { let n = min; while (n < x) n <<= 1; return n; }
@inline function u32At(base: usize, i: u32): usize { return base + (<usize>i << 2); }

// The scratch regions (module globals, not an object: the stub runtime would place an object at
// the heap base, which JS owns), from a block's start; the same layout for nfKpBuildScratch and nfKpBuild.
let sProgOf: usize = 0, sOrder: usize = 0, sStart: usize = 0, sFill: usize = 0, sList: usize = 0;
let sEStart: usize = 0, sEFill: usize = 0, sEdges: usize = 0, sState: usize = 0, sStack: usize = 0, sAt: usize = 0;
let sOHash: usize = 0, sOMask: u32 = 0, sOA: usize = 0, sOB: usize = 0, sOAddr: usize = 0, sOValid: usize = 0, sOText: usize = 0;
let sKDst: usize = 0, sKPp: usize = 0, sKHead: usize = 0, sKTail: usize = 0, sKLen: usize = 0, sNext: usize = 0, sKHash: usize = 0, sResidual: usize = 0;
let sEnd: usize = 0;

let gLay: usize = 0;
/** The next region of n words in the scratch being laid out. */
function words(n: u32): usize {
  const a = gLay;
  gLay = al16(gLay + (<usize>n << 2));
  return a;
}

function layScratch(base: usize, nch: u32, nr: u32): void {
  gLay = base;
  sProgOf = words(nch); sOrder = words(nch); sStart = words(nch + 1); sFill = words(nch); sList = words(nr);
  sEStart = words(nch + 1); sEFill = words(nch); sEdges = words(2 * nr); sState = words(nch); sStack = words(nch); sAt = words(nch);
  const outs = nr + 4;
  const oSlots = pow2AtLeast(2 * outs, 16);
  sOMask = oSlots - 1;
  sOHash = words(oSlots); sOA = words(outs); sOB = words(outs); sOAddr = words(outs); sOValid = words(outs); sOText = words(2 * outs);
  sKDst = words(nr); sKPp = words(nr); sKHead = words(nr); sKTail = words(nr); sKLen = words(nr); sNext = words(nr);
  sKHash = words(pow2AtLeast(2 * nr, 16)); sResidual = words(nr);
  sEnd = gLay;
}

/** Bytes of scratch nfKpBuild needs for a dump of nch chains and nr rules. */
export function nfKpBuildScratch(nch: u32, nr: u32): usize {
  layScratch(0, nch, nr);
  return sEnd;
}

/**
 * Bytes the program block may take at most: header, rules, chain records, postings (one per rule
 * at most), bucket tables (at most 4 buckets per rule of an indexed chain, 16 bytes of alignment
 * each), outputs (one per rule, plus ACCEPT, DROP, REJECT), the LOCAL addresses.
 */
export function nfKpBuildCap(nch: u32, nr: u32): usize {
  return al16(<usize>NF_PROG_SIZE + <usize>nr * (48 + 4 + 64 + NF_OUT_SIZE) + <usize>nch * (NF_CHAIN_SIZE + 16) + 4 * NF_OUT_SIZE + 256 + 16);
}

// --- outputs ---------------------------------------------------------------------------------------

let gBytes: usize = 0;
let gNOut: u32 = 0;
let gFallback = false;

function textHash(a: usize, b: usize): u32 {
  let h: u32 = 2166136261;
  for (let i = a; i < b; i++) h = (h ^ <u32>load<u8>(i)) * 16777619;
  return h;
}

/**
 * The output id of the text [a, b) (a verdict's name or a DNAT destination), added when new with
 * the address its first output gives the filter chains (outputAddress + quickV4 in JS): the part
 * before a single colon, read as a dotted quad; a verdict is no address. A destination with a
 * prefix length ("/N", which the loader takes) is KpProgram's: gFallback.
 */
function outputId(a: usize, b: usize): u32 {
  let h = textHash(a, b) & sOMask;
  const n = b - a;
  for (;;) {
    const v = load<u32>(u32At(sOHash, h));
    if (v == 0) break;
    const id = v - 1;
    const ea = gBytes + <usize>load<u32>(u32At(sOA, id)), eb = gBytes + <usize>load<u32>(u32At(sOB, id));
    if (eb - ea == n) {
      let same = true;
      for (let i: usize = 0; i < n && same; i++) same = load<u8>(ea + i) == load<u8>(a + i);
      if (same) return id;
    }
    h = (h + 1) & sOMask;
  }
  const id = gNOut++;
  store<u32>(u32At(sOHash, h), id + 1);
  store<u32>(u32At(sOA, id), <u32>(a - gBytes));
  store<u32>(u32At(sOB, id), <u32>(b - gBytes));
  let colon = b, colons = 0;
  for (let i = a; i < b; i++) {
    const c = load<u8>(i);
    if (c == 58) { if (colons++ == 0) colon = i; }
    else if (c == 47) gFallback = true;
  }
  const q = v4At(a, colons == 1 ? colon : b);
  // Not an address: JS finds none in a verdict's name (or ""); anything else is parseNetAddr's to read.
  if (q < 0 && !(n == 0 || isWord(a, n, "ACCEPT") || isWord(a, n, "DROP") || isWord(a, n, "REJECT"))) gFallback = true;
  store<u32>(u32At(sOAddr, id), q < 0 ? 0 : <u32>q);
  store<u32>(u32At(sOValid, id), q < 0 ? 0 : 1);
  return id;
}

function isWord(a: usize, n: usize, w: string): bool {
  if (n != <usize>w.length) return false;
  for (let i = 0; i < w.length; i++) if (<u32>load<u8>(a + <usize>i) != <u32>w.charCodeAt(i)) return false;
  return true;
}

// --- the jump graph ------------------------------------------------------------------------------

/**
 * A chain that reaches itself through jumps (every table's rules; the loader's hasLoop): the
 * edges of the records' resolved jumps, and nx extra edges (pairs at xe).
 */
function hasLoop(nch: u32, nr: u32, rec: usize, rchain: usize, xe: usize, nx: u32): bool {
  for (let g: u32 = 0; g <= nch; g++) store<u32>(u32At(sEStart, g), 0);
  for (let r: u32 = 0; r < nr; r++) {
    const cw = load<u32>(rec + ((<usize>r * LD_REC_WORDS + KR_CHAIN) << 2));
    if (cw == 0) continue;
    const g = load<u32>(u32At(rchain, r));
    store<u32>(u32At(sEStart, g + 1), load<u32>(u32At(sEStart, g + 1)) + 1);
  }
  for (let j: u32 = 0; j < nx; j++) {
    const g = load<u32>(u32At(xe, 2 * j));
    store<u32>(u32At(sEStart, g + 1), load<u32>(u32At(sEStart, g + 1)) + 1);
  }
  for (let g: u32 = 0; g < nch; g++) {
    const s = load<u32>(u32At(sEStart, g));
    store<u32>(u32At(sEFill, g), s);
    store<u32>(u32At(sEStart, g + 1), load<u32>(u32At(sEStart, g + 1)) + s);
  }
  for (let r: u32 = 0; r < nr; r++) {
    const cw = load<u32>(rec + ((<usize>r * LD_REC_WORDS + KR_CHAIN) << 2));
    if (cw == 0) continue;
    const g = load<u32>(u32At(rchain, r));
    const f = load<u32>(u32At(sEFill, g));
    store<u32>(u32At(sEdges, f), cw - 1);
    store<u32>(u32At(sEFill, g), f + 1);
  }
  for (let j: u32 = 0; j < nx; j++) {
    const g = load<u32>(u32At(xe, 2 * j));
    const f = load<u32>(u32At(sEFill, g));
    store<u32>(u32At(sEdges, f), load<u32>(u32At(xe, 2 * j + 1)));
    store<u32>(u32At(sEFill, g), f + 1);
  }
  // 0 unseen, 1 on the path, 2 done.
  for (let g: u32 = 0; g < nch; g++) store<u32>(u32At(sState, g), 0);
  for (let root: u32 = 0; root < nch; root++) {
    if (load<u32>(u32At(sState, root)) != 0) continue;
    let sp: i32 = 0;
    store<u32>(sStack, root);
    store<u32>(sAt, load<u32>(u32At(sEStart, root)));
    store<u32>(u32At(sState, root), 1);
    while (sp >= 0) {
      const c = load<u32>(u32At(sStack, sp));
      const at = load<u32>(u32At(sAt, sp));
      if (at < load<u32>(u32At(sEStart, c + 1))) {
        store<u32>(u32At(sAt, sp), at + 1);
        const d = load<u32>(u32At(sEdges, at));
        const st = load<u32>(u32At(sState, d));
        if (st == 1) return true;
        if (st == 0) {
          store<u32>(u32At(sState, d), 1);
          sp++;
          store<u32>(u32At(sStack, sp), d);
          store<u32>(u32At(sAt, sp), load<u32>(u32At(sEStart, d)));
        }
      } else {
        store<u32>(u32At(sState, c), 2);
        sp--;
      }
    }
  }
  return false;
}

// --- the program ---------------------------------------------------------------------------------

/**
 * Builds the program block at KB_PROG from the loaded dump (see the top of this file); KB_OK,
 * KB_FALLBACK or KB_LOOP. The outputs' texts stay in the dump's bytes: KB_OUT_TEXT lists them.
 */
export function nfKpBuild(params: usize): i32 {
  const ld = <usize>load<u32>(params + KB_LOAD);
  loadGlobals(ld);
  gBytes = <usize>load<u32>(ld + LD_BYTES);
  const rec = <usize>load<u32>(ld + LD_REC), rchain = <usize>load<u32>(ld + LD_RCHAIN), rstr = <usize>load<u32>(ld + LD_RSTR);
  const nr = load<u32>(ld + LD_NRULES), nch = load<u32>(ld + LD_NCHAINS);
  const chTable = <usize>load<u32>(ld + LD_CH_TABLE), targets = <usize>load<u32>(ld + LD_CH_TARGET);
  layScratch(<usize>load<u32>(params + KB_SCRATCH), nch, nr);
  if (hasLoop(nch, nr, rec, rchain, <usize>load<u32>(params + KB_XEDGES), load<u32>(params + KB_NXEDGES))) return KB_LOOP;
  gNOut = 0;
  gFallback = false;
  for (let h: u32 = 0; h <= sOMask; h++) store<u32>(u32At(sOHash, h), 0);

  // Program order: nat's chains, then filter's, each in declaration order.
  const nat = load<u32>(params + KB_NAT), filter = load<u32>(params + KB_FILTER);
  let np: u32 = 0;
  for (let g: u32 = 0; g < nch; g++) store<u32>(u32At(sProgOf, g), LD_NONE);
  for (let pass = 0; pass < 2; pass++) {
    const t = pass == 0 ? nat : filter;
    if (t == LD_NONE) continue;
    for (let g: u32 = 0; g < nch; g++) {
      if (load<u32>(u32At(chTable, g)) != t) continue;
      store<u32>(u32At(sProgOf, g), np);
      store<u32>(u32At(sOrder, np), g);
      np++;
    }
  }
  // Each program chain's rules, in file order (a counting sort by chain).
  for (let p: u32 = 0; p <= np; p++) store<u32>(u32At(sStart, p), 0);
  for (let r: u32 = 0; r < nr; r++) {
    const p = load<u32>(u32At(sProgOf, load<u32>(u32At(rchain, r))));
    if (p != LD_NONE) store<u32>(u32At(sStart, p + 1), load<u32>(u32At(sStart, p + 1)) + 1);
  }
  for (let p: u32 = 0; p < np; p++) {
    const s = load<u32>(u32At(sStart, p));
    store<u32>(u32At(sFill, p), s);
    store<u32>(u32At(sStart, p + 1), load<u32>(u32At(sStart, p + 1)) + s);
  }
  for (let r: u32 = 0; r < nr; r++) {
    const p = load<u32>(u32At(sProgOf, load<u32>(u32At(rchain, r))));
    if (p == LD_NONE) continue;
    const f = load<u32>(u32At(sFill, p));
    store<u32>(u32At(sList, f), r);
    store<u32>(u32At(sFill, p), f + 1);
  }
  const total = load<u32>(u32At(sStart, np));

  // Which chains get an index (long enough, and one rule with the key), so the postings' size is known first.
  let postTotal: u32 = 0;
  for (let p: u32 = 0; p < np; p++) {
    const from = load<u32>(u32At(sStart, p)), to = load<u32>(u32At(sStart, p + 1));
    if (to - from < <u32>KB_INDEX_MIN_RULES) continue;
    for (let i = from; i < to; i++) {
      const q = rec + (<usize>load<u32>(u32At(sList, i)) * LD_REC_WORDS << 2);
      if (keyable(load<u32>(q + (KR_FLAGS << 2)), load<u32>(q + (KR_DST_MASK << 2)), load<u32>(q + (KR_DPORT << 2)))) { postTotal += to - from; break; }
    }
  }

  const B = <usize>load<u32>(params + KB_PROG);
  const rulesOff: usize = NF_PROG_SIZE;
  const chainsOff = rulesOff + <usize>total * 48;
  const postOff = chainsOff + <usize>np * NF_CHAIN_SIZE;
  let post: u32 = 0;
  let off = postOff + (<usize>postTotal << 2);
  let tcpId: u32 = LD_NONE, udpId: u32 = LD_NONE, nProto: u32 = 0;
  let ri: u32 = 0;
  let indexed: u32 = 0;
  for (let p: u32 = 0; p < np; p++) {
    const g = load<u32>(u32At(sOrder, p));
    const t = load<u32>(u32At(chTable, g));
    const from = load<u32>(u32At(sStart, p)), to = load<u32>(u32At(sStart, p + 1));
    const count = to - from;
    const first = ri;
    const indexing = count >= <u32>KB_INDEX_MIN_RULES;
    let nKeys: u32 = 0, nRes: u32 = 0;
    let kMask: u32 = 0;
    if (indexing) {
      kMask = pow2AtLeast(2 * count, 16) - 1;
      memory.fill(sKHash, 0, (<usize>kMask + 1) << 2);
    }
    for (let i = from; i < to; i++) {
      const r = load<u32>(u32At(sList, i));
      const q = rec + (<usize>r * LD_REC_WORDS << 2);
      const flags = load<u32>(q + (KR_FLAGS << 2));
      let proto: u32 = 0;
      if (flags & NF_F_PROTO) {
        const pw = load<u32>(q + (KR_PROTO << 2));
        if (pw == LD_PROTO_TCP) { if (tcpId == LD_NONE) tcpId = nProto++; proto = tcpId; }
        else if (pw == LD_PROTO_UDP) { if (udpId == LD_NONE) udpId = nProto++; proto = udpId; }
        else return KB_FALLBACK;
      }
      const dport = flags & NF_F_DPORT ? load<u32>(q + (KR_DPORT << 2)) : 0xffffffff;
      let act: u32 = NF_ACT_SKIP, arg: u32 = 0;
      const jump = load<u32>(q + (KR_JUMP << 2));
      const cw = load<u32>(q + (KR_CHAIN << 2));
      if (jump == LD_JUMP_TARGET) {
        if (load<u8>(targets + <usize>(cw - 1)) != <u8>KB_TARGET_MASQ) return KB_FALLBACK;
        act = NF_ACT_MARK_MASQ;
      } else if (cw != 0) {
        act = NF_ACT_JUMP;
        arg = load<u32>(u32At(sProgOf, cw - 1));
      } else if (jump == LD_JUMP_DNAT) {
        const s = rstr + (<usize>r * LD_STR_WORDS << 2);
        act = NF_ACT_OUTPUT;
        arg = outputId(gBytes + <usize>load<u32>(s, 8), gBytes + <usize>load<u32>(s, 12));
      } else if (jump == LD_JUMP_STR) {
        const s = rstr + (<usize>r * LD_STR_WORDS << 2);
        const a = gBytes + <usize>load<u32>(s, 16), b = gBytes + <usize>load<u32>(s, 20);
        // KpProgram's reading of a -j name: KUBE-MARK-MASQ; a verdict ends the chain with an output;
        // any other name (RETURN, MARK, ...) is the rule's table's chain of that name, or none.
        const nb = b - a;
        if (isWord(a, nb, "KUBE-MARK-MASQ")) act = NF_ACT_MARK_MASQ;
        else if (isWord(a, nb, "ACCEPT") || isWord(a, nb, "REJECT") || isWord(a, nb, "DROP")) {
          act = NF_ACT_OUTPUT;
          arg = outputId(a, b);
        } else if (isWord(a, nb, "DNAT")) return KB_FALLBACK;
        else {
          const c = findChain(t, a, b);
          if (c == LD_NONE) act = NF_ACT_MISSING;
          else { act = NF_ACT_JUMP; arg = load<u32>(u32At(sProgOf, c)); }
        }
      } else if (jump != 0) return KB_FALLBACK;
      if (gFallback) return KB_FALLBACK;
      const w = B + rulesOff + (<usize>ri * 48);
      store<u32>(w, flags);
      store<u32>(w, load<u32>(q + (KR_SRC_NET << 2)), 4);
      store<u32>(w, load<u32>(q + (KR_SRC_MASK << 2)), 8);
      const dstNet = load<u32>(q + (KR_DST_NET << 2)), dstMask = load<u32>(q + (KR_DST_MASK << 2));
      store<u32>(w, dstNet, 12);
      store<u32>(w, dstMask, 16);
      store<u32>(w, proto, 20);
      store<u32>(w, dport, 24);
      store<u32>(w, load<u32>(q + (KR_STYPE << 2)), 28);
      store<u32>(w, load<u32>(q + (KR_DTYPE << 2)), 32);
      store<u32>(w, act, 36);
      store<u32>(w, arg, 40);
      store<u32>(w, 0, 44);
      const idx = ri++;
      if (!indexing) continue;
      if (keyable(flags, dstMask, dport)) {
        // The key's entry (first occurrences in rule order), its rules as a list in rule order.
        const pp = (proto << 16) | dport;
        let h = hashKey(dstNet, pp) & kMask;
        let e: u32 = LD_NONE;
        for (;;) {
          const v = load<u32>(u32At(sKHash, h));
          if (v == 0) break;
          if (load<u32>(u32At(sKDst, v - 1)) == dstNet && load<u32>(u32At(sKPp, v - 1)) == pp) { e = v - 1; break; }
          h = (h + 1) & kMask;
        }
        store<u32>(u32At(sNext, idx - first), LD_NONE);
        if (e == LD_NONE) {
          e = nKeys++;
          store<u32>(u32At(sKHash, h), e + 1);
          store<u32>(u32At(sKDst, e), dstNet);
          store<u32>(u32At(sKPp, e), pp);
          store<u32>(u32At(sKHead, e), idx);
          store<u32>(u32At(sKLen, e), 1);
        } else {
          store<u32>(u32At(sNext, load<u32>(u32At(sKTail, e)) - first), idx);
          store<u32>(u32At(sKLen, e), load<u32>(u32At(sKLen, e)) + 1);
        }
        store<u32>(u32At(sKTail, e), idx);
      } else store<u32>(u32At(sResidual, nRes++), idx);
    }
    const cr = B + chainsOff + <usize>p * NF_CHAIN_SIZE;
    store<u32>(cr, first);
    store<u32>(cr, count, 4);
    if (nKeys > 0) {
      indexed++;
      // bucketTable: the keys in order, each list appended to the postings, then the rest of the chain.
      const nb = pow2AtLeast(nKeys * 2, 4);
      const aligned = al16(off);
      memory.fill(B + off, 0, aligned - off);
      off = aligned;
      const bt = B + off;
      memory.fill(bt, 0, <usize>nb << 4);
      for (let e: u32 = 0; e < nKeys; e++) {
        const dst = load<u32>(u32At(sKDst, e)), pp = load<u32>(u32At(sKPp, e));
        let h = hashKey(dst, pp) & (nb - 1);
        while (load<u32>(bt + (<usize>h << 4), 12) != 0) h = (h + 1) & (nb - 1);
        const len = load<u32>(u32At(sKLen, e));
        const bk = bt + (<usize>h << 4);
        store<u32>(bk, dst);
        store<u32>(bk, pp, 4);
        store<u32>(bk, post, 8);
        store<u32>(bk, len, 12);
        for (let x = load<u32>(u32At(sKHead, e)); x != LD_NONE; x = load<u32>(u32At(sNext, x - first))) {
          store<u32>(B + postOff + (<usize>post << 2), x);
          post++;
        }
      }
      const rOff = post;
      for (let k: u32 = 0; k < nRes; k++) {
        store<u32>(B + postOff + (<usize>post << 2), load<u32>(u32At(sResidual, k)));
        post++;
      }
      store<u32>(cr, <u32>bt, 8);
      store<u32>(cr, nb - 1, 12);
      store<u32>(cr, rOff, 16);
      store<u32>(cr, nRes, 20);
      off += <usize>nb << 4;
    } else {
      store<u32>(cr, 0, 8);
      store<u32>(cr, 0, 12);
      store<u32>(cr, 0, 16);
      store<u32>(cr, 0, 20);
    }
    store<u32>(cr, 0, 24);
    store<u32>(cr, 0, 28);
  }
  // An indexed chain's postings are exactly its rules: what the first pass counted.
  if (post != postTotal) unreachable();
  const outOff = off;
  for (let o: u32 = 0; o < gNOut; o++) {
    store<u32>(B + outOff + (<usize>o << 3), load<u32>(u32At(sOAddr, o)));
    store<u32>(B + outOff + (<usize>o << 3), load<u32>(u32At(sOValid, o)), 4);
    store<u32>(u32At(sOText, 2 * o), load<u32>(u32At(sOA, o)));
    store<u32>(u32At(sOText, 2 * o + 1), load<u32>(u32At(sOB, o)));
  }
  const localOff = outOff + (<usize>gNOut << 3);
  const size = al16(localOff + 256);
  memory.fill(B + localOff, 0, size - localOff);
  // The header (KpProgram's: the tables' addresses, the entry chains; the rest zero).
  memory.fill(B, 0, NF_PROG_SIZE);
  store<u32>(B, <u32>(B + rulesOff));
  store<u32>(B, <u32>(B + chainsOff), 4);
  store<u32>(B, <u32>(B + postOff), 8);
  store<u32>(B, <u32>(B + outOff), 12);
  store<u32>(B, <u32>(B + localOff), 16);
  for (let k = 0; k < 5; k++) {
    const g = load<u32>(params + KB_ENTRY + (k << 2));
    const p = g == LD_NONE ? LD_NONE : load<u32>(u32At(sProgOf, g));
    store<u32>(B + 24 + (<usize>k << 2), p == LD_NONE ? NF_NO_CHAIN : p);
  }
  store<u32>(params + KB_SIZE, <u32>size);
  store<u32>(params + KB_NOUT, gNOut);
  store<u32>(params + KB_OUT_TEXT, <u32>sOText);
  store<u32>(params + KB_TCP_ID, tcpId);
  store<u32>(params + KB_UDP_ID, udpId);
  store<u32>(params + KB_INDEXED, indexed);
  store<u32>(params + KB_RULES, total);
  store<u32>(params + KB_LOCAL, <u32>localOff);
  return KB_OK;
}

/** KpProgram's "indexable": -d IP/32, -p, --dport N, none negated. */
@inline function keyable(flags: u32, dstMask: u32, dport: u32): bool {
  return (flags & (NF_F_DST | NF_F_DST_NEG)) == NF_F_DST && dstMask == 0xffffffff &&
    (flags & (NF_F_PROTO | NF_F_PROTO_NEG)) == NF_F_PROTO && (flags & (NF_F_DPORT | NF_F_DPORT_NEG)) == NF_F_DPORT && <i32>dport >= 0;
}
