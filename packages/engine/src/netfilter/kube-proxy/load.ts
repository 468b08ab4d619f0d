// The flows loader: an iptables-save dump's bytes straight into KpRules (compile.ts), for bulk
// kube-proxy-test runs, without the Ruleset object graph (a 10,000-service dump is ~1.3 million
// objects there, and a third of the load time was garbage collection).
//
// The core's scanner (nfKpLoad, packages/wasm/assembly/netfilter_load.ts) reads the lines the
// parser's fast path (parse-fast.ts) takes — ":CHAIN POLICY [p:b]" and "-A CHAIN [! -s|-d
// IPv4[/N]] [-p P] [-m comment --comment "..."] [-m tcp --dport N] [-m statistic --mode random
// --probability P] -j TARGET [--to-destination IP:PORT]" — plus "COMMIT" and blank lines, straight
// into the compiler's numeric records, as kpFlat reads the Rule the parser would build; chain names
// are matched as bytes in a hash table and jumps resolved to chain indexes. It stops here for a
// table line (checked and numbered here), a comment (checked here), and any other rule line
// (conntrack, mark, addrtype, counters in front, ...): those go, all together, through parseRuleset
// in one small dump of their own, and each Rule through the same kpRecord as the general path.
//
// The result is undefined — "read it with the general parser" — on anything else and on anything
// the general parser would report: a structural error, a statement that does not end at the end
// of its line, a non-ASCII byte outside a quoted comment, a rule for an undeclared chain, a jump
// to a missing or built-in chain, a jump loop, IPv6. So errors keep their wording, line and column,
// and a dump the engine refuses is refused the same way. A differential test requires the same
// records and compiled rule words as KpProgram(kpRulesOf(parseRuleset(text))) on every fixture
// dump, on generated kube-proxy dumps and on random mutations of them.
import { KR, KrStrings, KP_TARGET_NAMES, kpRecord, KpProgram, NF_ABI, type KpRules } from "./compile.ts";
import { newKpFlat, KP_FILTER_CHAINS } from "./trace.ts";
import { parseRuleset } from "../parse.ts";
import { BUILTIN_CHAINS } from "../model.ts";
import { core } from "../../core/module.ts";
import { gatherTexts } from "../../core/strings.ts";

const latin1 = new TextDecoder("latin1");
// For ASCII bytes UTF-8 decoding gives one character per byte too, and it is the decoder's fast path.
const ascii = new TextDecoder("utf-8", { ignoreBOM: true });
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/** TypeScript mirror of the LD_* / KR_* constants in packages/wasm/assembly/abi/netfilter.ts (a test compares them). */
export const LD_ABI = {
  LD_BYTES: 0, LD_LEN: 4, LD_POS: 8, LD_TABLE: 12, LD_BUILTINS: 16, LD_REC: 20, LD_RCHAIN: 24, LD_RSTR: 28, LD_NRULES: 32,
  LD_CH_A: 36, LD_CH_B: 40, LD_CH_TABLE: 44, LD_CH_BUILTIN: 48, LD_NCHAINS: 52, LD_HASH: 56, LD_HASH_MASK: 60, LD_HASH_SLOT: 16,
  LD_A: 64, LD_B: 68, LD_C: 72, LD_CH_TARGET: 76, LD_PARAMS_SIZE: 96, LD_NONE: 0xffffffff,
  LD_ST_DONE: 0, LD_ST_BAIL: 1, LD_ST_ODD: 2, LD_ST_TABLE: 3, LD_ST_COMMENT: 4,
  LD_BI_PREROUTING: 1, LD_BI_INPUT: 2, LD_BI_FORWARD: 4, LD_BI_OUTPUT: 8, LD_BI_POSTROUTING: 16,
  LD_REC_WORDS: 12, KR_FLAGS: 0, KR_SRC_NET: 1, KR_SRC_MASK: 2, KR_DST_NET: 3, KR_DST_MASK: 4, KR_PROTO: 5, KR_DPORT: 6,
  KR_STYPE: 7, KR_DTYPE: 8, KR_JUMP: 9, KR_DNAT: 10, KR_CHAIN: 11, LD_STR_WORDS: 6,
  LD_PROTO_TCP: 1, LD_PROTO_UDP: 2, LD_FROM_STR: 0xffffffff, LD_JUMP_STR: 0xfffffff1, LD_JUMP_DNAT: 0xfffffff2, LD_JUMP_TARGET: 0xfffffff3,
  KB_LOAD: 0, KB_NAT: 4, KB_FILTER: 8, KB_ENTRY: 12, KB_SCRATCH: 32, KB_PROG: 40, KB_SIZE: 44, KB_NOUT: 48, KB_OUT_TEXT: 52,
  KB_TCP_ID: 56, KB_UDP_ID: 60, KB_INDEXED: 64, KB_RULES: 68, KB_LOCAL: 72, KB_XEDGES: 76, KB_NXEDGES: 80, KB_PARAMS_SIZE: 96,
  KB_INDEX_MIN_RULES: 8, KB_OK: 0, KB_FALLBACK: 1, KB_LOOP: 2, KB_TARGET_MASQ: 1, KB_TARGET_OTHER: 2,
} as const;
const D = LD_ABI;

const BUILTIN_BITS: Record<string, number> = {
  PREROUTING: D.LD_BI_PREROUTING, INPUT: D.LD_BI_INPUT, FORWARD: D.LD_BI_FORWARD, OUTPUT: D.LD_BI_OUTPUT, POSTROUTING: D.LD_BI_POSTROUTING,
};
const COMMENT_SPLIT = /\s(?=\*[a-z]+\s|:\S+\s+(?:ACCEPT|DROP|-|RETURN)\s+\[|-A\s|COMMIT(?:\s|$)|#\s)/;
const TABLE_NAME = /^[a-z][a-z0-9_-]*$/;
const TARGET_NAME_LENGTHS = new Set([...KP_TARGET_NAMES].map((n) => n.length));

interface Loaded {
  tables: string[];
  /** Per chain: table index, name, built-in. */
  chainTable: Uint32Array;
  chainName: string[];
  chainBuiltin: Uint32Array;
  /** Per table, chains by name (built once more than NAME_SCANS names were looked up by a scan). */
  byName: (Map<string, number> | undefined)[];
  scans: number;
  rec: Uint32Array;
  ruleChain: Uint32Array;
  n: number;
  strings: KrStrings;
  /** Jumps to user chains for the loop check: from chain, to chain. */
  edgeFrom: number[];
  edgeTo: number[];
  /** Rule lines left to the parser: rule slot, global chain, text (a chain still to find by name: -1, with byName). */
  odd: { slot: number; chain: number; text: string; byName?: { table: number; name: string; declared: number } }[];
}

/** Lookups by name answered by a scan of the chains before a map of them is built (chainNamed). */
const NAME_SCANS = 16;

function chainNamed(L: Loaded, t: number, name: string): number {
  let m = L.byName[t];
  if (!m && ++L.scans <= NAME_SCANS) {
    // Most dumps look up a handful of names (the odd lines' jumps): a scan, by length first, costs
    // less than a map of every chain. From the last chain down, as the map (the last one set) answers.
    for (let g = L.chainName.length - 1; g >= 0; g--) {
      if (L.chainTable[g] === t && L.chainName[g].length === name.length && L.chainName[g] === name) return g;
    }
    return -1;
  }
  if (!m) {
    m = new Map();
    for (let g = 0; g < L.chainName.length; g++) if (L.chainTable[g] === t) m.set(L.chainName[g], g);
    L.byName[t] = m;
  }
  return m.get(name) ?? -1;
}

/** KpRules for a dump's bytes, or undefined: read it with the general parser (see the top of this file). */
export function kpRulesFromBytes(s: Uint8Array, source = "input"): KpRules | undefined {
  return loadDump(s, source, false) as KpRules | undefined;
}

/**
 * The kube-proxy-test program of a dump's bytes, or undefined: read it with the general parser.
 * The same program as new KpProgram(kpRulesFromBytes(s)), built by the core (nfKpBuild) from the
 * loaded records where it takes them (else by KpProgram from the same records).
 */
export function kpProgramFromBytes(s: Uint8Array, source = "input"): KpProgram | undefined {
  return loadDump(s, source, true) as KpProgram | undefined;
}

function loadDump(s: Uint8Array, source: string, program: boolean): KpRules | KpProgram | undefined {
  const len = s.length;
  // A byte-order mark: the general parser's.
  if (len >= 3 && s[0] === 0xef && s[1] === 0xbb && s[2] === 0xbf) return undefined;
  const c = core();
  const heap = c.heap;
  const bytes = heap.alloc(len + 16);
  let blk = 0, size = 0;
  try {
    c.u8().set(s, bytes);
    // Every rule and every chain takes a line: the line count bounds both; the lines that start
    // with ":" bound the chains (the hash table is kept at most half full).
    const counts = heap.alloc(16);
    c.exports.nfDumpCounts(bytes, len, counts);
    const [lf, decls, high] = c.u32().subarray(counts / 4, counts / 4 + 3);
    heap.release(counts, 16);
    const lines = 1 + lf;
    let slots = 16;
    while (slots < 2 * decls) slots *= 2;
    const al = (x: number) => (x + 15) & ~15;
    const at = (n: number) => { const o = size; size += al(n); return o; };
    const oP = at(D.LD_PARAMS_SIZE), oRec = at(4 * D.LD_REC_WORDS * lines), oRChain = at(4 * lines), oRStr = at(4 * D.LD_STR_WORDS * lines);
    const oChA = at(4 * lines), oChB = at(4 * lines), oChTable = at(4 * lines), oChBuiltin = at(4 * lines), oHash = at(D.LD_HASH_SLOT * slots), oTargets = at(lines);
    blk = heap.alloc(size);
    c.u8().fill(0, blk + oHash, blk + oHash + D.LD_HASH_SLOT * slots);
    let u32 = c.u32();
    const P = (blk + oP) >>> 2;
    const param = (k: number, v: number) => (u32[P + (k >>> 2)] = v);
    const got = (k: number) => u32[P + (k >>> 2)];
    param(D.LD_BYTES, bytes); param(D.LD_LEN, len); param(D.LD_POS, 0); param(D.LD_TABLE, D.LD_NONE); param(D.LD_BUILTINS, 0);
    param(D.LD_REC, blk + oRec); param(D.LD_RCHAIN, blk + oRChain); param(D.LD_RSTR, blk + oRStr); param(D.LD_NRULES, 0);
    param(D.LD_CH_A, blk + oChA); param(D.LD_CH_B, blk + oChB); param(D.LD_CH_TABLE, blk + oChTable); param(D.LD_CH_BUILTIN, blk + oChBuiltin);
    param(D.LD_NCHAINS, 0); param(D.LD_HASH, blk + oHash); param(D.LD_HASH_MASK, slots - 1); param(D.LD_CH_TARGET, blk + oTargets);
    // Texts decoded with a character per byte, so a byte range is a range of characters: ASCII (the
    // usual dump) through the fast UTF-8 decoder, else as latin1. The chain names and the outputs
    // are gathered by the core and decoded together (gatherTexts); a table name or a comment on its
    // own; the whole dump only for the records KpProgram builds (fixStrings).
    const dec = high ? latin1 : ascii;
    let whole: string | undefined;
    const text = () => (whole ??= dec.decode(s));
    const sub = (a: number, b: number) => dec.decode(s.subarray(a, b));
    const tables: string[] = [];
    const odd: Loaded["odd"] = [];
    for (;;) {
      const st = c.exports.nfKpLoad(blk + oP);
      u32 = c.u32();
      if (st === D.LD_ST_DONE) break;
      if (st === D.LD_ST_BAIL) return undefined;
      const a = got(D.LD_A), b = got(D.LD_B);
      if (st === D.LD_ST_TABLE) {
        const name = sub(a, b);
        if (!TABLE_NAME.test(name) || tables.includes(name)) return undefined;
        param(D.LD_TABLE, tables.length);
        param(D.LD_BUILTINS, (BUILTIN_CHAINS[name] ?? []).reduce((m, n) => m | (BUILTIN_BITS[n] ?? 0), 0));
        tables.push(name);
      } else if (st === D.LD_ST_COMMENT) {
        if (COMMENT_SPLIT.test(sub(a, b))) return undefined;
      } else if (st === D.LD_ST_ODD) {
        const slot = got(D.LD_NRULES) - 1;
        const line = utf8.decode(s.subarray(a, b));
        const chain = got(D.LD_C);
        if (chain === D.LD_NONE) {
          // The core could not split the line (non-ASCII, odd quoting): its chain by name, as the
          // parser reads it, found once every chain is known (it must be one declared before the line).
          const m = /^-A ([^\s"!#*:-][^\s"]*) /.exec(line);
          if (!m) return undefined;
          odd.push({ slot, chain: -1, text: line, byName: { table: got(D.LD_TABLE), name: m[1], declared: got(D.LD_NCHAINS) } });
        } else odd.push({ slot, chain, text: line });
      } else throw new Error(`nfKpLoad: unexpected stop ${st}`);
    }
    if (got(D.LD_TABLE) !== D.LD_NONE || tables.length === 0) return undefined;
    const nch = got(D.LD_NCHAINS), n = got(D.LD_NRULES);
    const chainName = gatherTexts(bytes, blk + oChA, blk + oChB, 1, nch, dec);
    // Chains the helper reads as targets when jumped to (KUBE-MARK-MASQ): the core marks their jumps.
    const u8 = c.u8();
    for (let g = 0; g < nch; g++) {
      const l = chainName[g].length;
      const name = chainName[g];
      u8[blk + oTargets + g] = TARGET_NAME_LENGTHS.has(l) && KP_TARGET_NAMES.has(name) ? (name === "KUBE-MARK-MASQ" ? D.KB_TARGET_MASQ : D.KB_TARGET_OTHER) : 0;
    }
    if (c.exports.nfKpResolve(blk + oP) !== 0) return undefined;
    u32 = c.u32();
    const L: Loaded = {
      tables, chainName, byName: [], scans: 0,
      chainTable: u32.slice((blk + oChTable) / 4, (blk + oChTable) / 4 + nch), chainBuiltin: u32.slice((blk + oChBuiltin) / 4, (blk + oChBuiltin) / 4 + nch),
      rec: u32.slice((blk + oRec) / 4, (blk + oRec) / 4 + n * KR.WORDS), ruleChain: u32.slice((blk + oRChain) / 4, (blk + oRChain) / 4 + n), n,
      strings: new KrStrings(), edgeFrom: [], edgeTo: [], odd,
    };
    for (const o of odd) {
      if (!o.byName) continue;
      const g = chainNamed(L, o.byName.table, o.byName.name);
      if (g < 0 || g >= o.byName.declared) return undefined; // the parser's RuleBeforeChain
      o.chain = g;
      L.ruleChain[o.slot] = g;
    }
    if (program) {
      const built = buildInCore(L, blk + oP, bytes, dec, source);
      if (built !== "fallback") return built;
      L.strings = new KrStrings();
      L.edgeFrom = [];
      L.edgeTo = [];
      u32 = c.u32();
      L.rec = u32.slice((blk + oRec) / 4, (blk + oRec) / 4 + n * KR.WORDS);
    }
    const rstr = u32.slice((blk + oRStr) / 4, (blk + oRStr) / 4 + n * D.LD_STR_WORDS);
    fixStrings(L, rstr, text());
    if (odd.length && !readOddLines(L, source)) return undefined;
    if (hasLoop(L)) return undefined;
    const rules = assemble(L);
    return program ? new KpProgram(rules) : rules;
  } finally {
    if (blk) heap.release(blk, size);
    heap.release(bytes, len + 16);
  }
}

/**
 * The program built by the core (nfKpBuild) from the loaded records, the odd lines' records
 * (parseRuleset + kpRecord, as the JS path reads them) first put in the core's terms: their jump
 * and DNAT texts as byte ranges in a side block, their jump edges (a goto, a jump to a target
 * name) as extra edges for the loop check. Undefined: the dump goes to the general parser (a jump
 * loop, an odd line it refuses); "fallback": a shape the core leaves to KpProgram.
 */
function buildInCore(L: Loaded, loadParams: number, bytes: number, dec: TextDecoder, source: string): KpProgram | undefined | "fallback" {
  const c = core();
  const heap = c.heap;
  const W = KR.WORDS;
  // The odd lines' records: written by kpRecord into L.rec with string ids (tcp and udp first, as
  // the core numbers them), then turned into the core's markers and ranges.
  let side = "";
  const fixes: { slot: number; jump: number; a: number; b: number; da: number; db: number }[] = [];
  if (L.odd.length) {
    if (L.strings.id("tcp") !== D.LD_PROTO_TCP || L.strings.id("udp") !== D.LD_PROTO_UDP) throw new Error("KpRules strings: tcp and udp must be ids 1 and 2");
    if (!readOddLines(L, source)) return undefined;
    const str = L.strings.list;
    const place = (t: string) => { const a = side.length; side += t; return a; };
    for (const o of L.odd) {
      const w = o.slot * W;
      if ((L.rec[w + KR.FLAGS] & NF_ABI.NF_F_PROTO) && L.rec[w + KR.PROTO] !== D.LD_PROTO_TCP && L.rec[w + KR.PROTO] !== D.LD_PROTO_UDP) return "fallback";
      const js = L.rec[w + KR.JUMP];
      if (L.rec[w + KR.CHAIN] || !js) { fixes.push({ slot: o.slot, jump: js, a: 0, b: 0, da: 0, db: 0 }); continue; }
      const name = str[js - 1];
      if (name === "DNAT") {
        const d = L.rec[w + KR.DNAT] ? str[L.rec[w + KR.DNAT] - 1] : "";
        const da = place(d);
        fixes.push({ slot: o.slot, jump: D.LD_JUMP_DNAT, a: 0, b: 0, da, db: da + d.length });
      } else {
        const a = place(name);
        fixes.push({ slot: o.slot, jump: D.LD_JUMP_STR, a, b: a + name.length, da: 0, db: 0 });
      }
    }
    // Byte ranges in the side block: its texts must be a byte per character.
    if (!/^[\x20-\x7e]*$/.test(side)) return "fallback";
  }
  const nch = L.chainName.length, n = L.n;
  const nx = L.edgeFrom.length;
  const scratch = c.exports.nfKpBuildScratch(nch, n) >>> 0;
  const cap = c.exports.nfKpBuildCap(nch, n) >>> 0;
  const sideSize = side.length + 8 * nx + 16;
  const sideAt = heap.alloc(sideSize), sAt = heap.alloc(scratch), pAt = heap.alloc(D.KB_PARAMS_SIZE);
  let prog = heap.alloc(cap);
  let wrote = false, done = false;
  try {
    const u8 = c.u8(), u32 = c.u32();
    for (let i = 0; i < side.length; i++) u8[sideAt + i] = side.charCodeAt(i);
    const xe = (sideAt + side.length + 3) & ~3;
    for (let j = 0; j < nx; j++) { u32[xe / 4 + 2 * j] = L.edgeFrom[j]; u32[xe / 4 + 2 * j + 1] = L.edgeTo[j]; }
    const lp = loadParams / 4;
    const recAt = u32[lp + D.LD_REC / 4] / 4, rstrAt = u32[lp + D.LD_RSTR / 4] / 4, rchainAt = u32[lp + D.LD_RCHAIN / 4] / 4;
    // Ranges relative to the dump's bytes (wrapping where the side block lies below them).
    const rel = (x: number) => (sideAt + x - bytes) >>> 0;
    wrote = fixes.length > 0;
    for (const f of fixes) {
      const w = f.slot * W;
      for (let i = 0; i < W; i++) u32[recAt + w + i] = L.rec[w + i];
      u32[recAt + w + KR.JUMP] = f.jump;
      u32[rchainAt + f.slot] = L.ruleChain[f.slot];
      const q = rstrAt + f.slot * D.LD_STR_WORDS;
      if (f.jump === D.LD_JUMP_DNAT) { u32[q + 2] = rel(f.da); u32[q + 3] = rel(f.db); }
      else if (f.jump === D.LD_JUMP_STR) { u32[q + 4] = rel(f.a); u32[q + 5] = rel(f.b); }
    }
    const tableOf = (name: string) => { const t = L.tables.indexOf(name); return t < 0 ? D.LD_NONE : t; };
    const nat = tableOf("nat"), filter = tableOf("filter");
    // The entry chains by name (compared by length first: no string per chain is read twice).
    const entryOf = (t: number, name: string) => {
      if (t === D.LD_NONE) return D.LD_NONE;
      for (let g = 0; g < nch; g++) if (L.chainTable[g] === t && L.chainName[g].length === name.length && L.chainName[g] === name) return g;
      return D.LD_NONE;
    };
    const P = pAt / 4;
    const put = (k: number, v: number) => (u32[P + k / 4] = v);
    put(D.KB_LOAD, loadParams); put(D.KB_NAT, nat); put(D.KB_FILTER, filter);
    [entryOf(nat, "PREROUTING"), ...KP_FILTER_CHAINS.map((x) => entryOf(filter, x))].forEach((g, k) => put(D.KB_ENTRY + 4 * k, g));
    put(D.KB_SCRATCH, sAt); put(D.KB_PROG, prog); put(D.KB_XEDGES, xe); put(D.KB_NXEDGES, nx);
    const st = c.exports.nfKpBuild(pAt);
    done = st === D.KB_LOOP;
    if (st === D.KB_LOOP) return undefined;
    if (st !== D.KB_OK) return "fallback";
    const v = c.u32();
    const got = (k: number) => v[P + k / 4];
    const size = got(D.KB_SIZE);
    // The outputs' texts: byte ranges of the dump, or of the side block (its ranges wrap to it).
    const nOut = got(D.KB_NOUT), ot = got(D.KB_OUT_TEXT);
    const outputs = gatherTexts(bytes, ot, ot + 4, 2, nOut, dec);
    const protoIds: [string, number][] = [];
    if (got(D.KB_TCP_ID) !== D.LD_NONE) protoIds.push(["tcp", got(D.KB_TCP_ID)]);
    if (got(D.KB_UDP_ID) !== D.LD_NONE) protoIds.push(["udp", got(D.KB_UDP_ID)]);
    protoIds.sort((x, y) => x[1] - y[1]);
    // The block keeps what the program took; the rest of it is free again.
    if (cap > size) heap.release(prog + size, cap - size);
    const p = new KpProgram({ base: prog, size, outputs, protoIds, indexedChains: got(D.KB_INDEXED), ruleCount: got(D.KB_RULES), localOff: got(D.KB_LOCAL) });
    prog = 0;
    done = true;
    return p;
  } finally {
    if (wrote && !done) {
      // Back to KpProgram: the odd lines' slots as the loader left them (the JS path reads them again).
      const u32 = c.u32();
      const lp = loadParams / 4;
      const recAt = u32[lp + D.LD_REC / 4] / 4, rstrAt = u32[lp + D.LD_RSTR / 4] / 4;
      for (const f of fixes) {
        u32.fill(0, recAt + f.slot * W, recAt + (f.slot + 1) * W);
        u32.fill(D.LD_NONE, rstrAt + f.slot * D.LD_STR_WORDS, rstrAt + (f.slot + 1) * D.LD_STR_WORDS);
      }
    }
    if (prog) heap.release(prog, cap);
    heap.release(pAt, D.KB_PARAMS_SIZE);
    heap.release(sAt, scratch);
    heap.release(sideAt, sideSize);
  }
}

/**
 * The bytes of the ranges [a, b) of `bytes` (a and b at starts[i * step] and ends[i * step]) one
 * after another: the readable twin of the core's nfGather (a property test compares them).
 */
export function gatherRanges(bytes: Uint8Array, starts: Uint32Array, ends: Uint32Array, step: number, n: number): Uint8Array {
  const parts: number[] = [];
  for (let i = 0; i < n; i++) for (let k = starts[i * step]; k < ends[i * step]; k++) parts.push(bytes[k]);
  return Uint8Array.from(parts);
}

/** The records' texts into string ids (the core leaves them as byte ranges and markers), and the jump edges. */
function fixStrings(L: Loaded, rstr: Uint32Array, text: string): void {
  const { rec, strings } = L;
  // The string table starts with the two protocols the core writes as ids 1 and 2.
  if (strings.id("tcp") !== D.LD_PROTO_TCP || strings.id("udp") !== D.LD_PROTO_UDP) throw new Error("KpRules strings: tcp and udp must be ids 1 and 2");
  const W = KR.WORDS;
  let dnatId = 0;
  const nameIds = new Map<number, number>();
  for (let r = 0; r < L.n; r++) {
    const w = r * W, q = r * D.LD_STR_WORDS;
    if (rec[w + KR.PROTO] === D.LD_FROM_STR) rec[w + KR.PROTO] = strings.id(text.substring(rstr[q], rstr[q + 1]).toLowerCase());
    const j = rec[w + KR.JUMP];
    if (j === D.LD_JUMP_STR) rec[w + KR.JUMP] = strings.id(text.substring(rstr[q + 4], rstr[q + 5]));
    else if (j === D.LD_JUMP_DNAT) {
      rec[w + KR.JUMP] = dnatId ||= strings.id("DNAT");
      rec[w + KR.DNAT] = strings.id(text.substring(rstr[q + 2], rstr[q + 3]));
    } else if (j === D.LD_JUMP_TARGET) {
      // A jump to KUBE-MARK-MASQ: an edge of the chain graph, read by name as a target.
      const g = rec[w + KR.CHAIN] - 1;
      let id = nameIds.get(g);
      if (id === undefined) nameIds.set(g, (id = strings.id(L.chainName[g])));
      rec[w + KR.JUMP] = id;
      rec[w + KR.CHAIN] = 0;
      L.edgeFrom.push(L.ruleChain[r]);
      L.edgeTo.push(g);
      continue;
    }
    const g = rec[w + KR.CHAIN];
    if (g) { L.edgeFrom.push(L.ruleChain[r]); L.edgeTo.push(g - 1); }
  }
}

/**
 * The odd rule lines, through parseRuleset in one dump of their own (their tables, their chains
 * declared as in the dump, the lines in file order), each Rule into its slot through kpRecord.
 * False when that dump does not read back as one rule per line, reads as IPv6, or a jump in it
 * names no chain of its table or a built-in one.
 */
function readOddLines(L: Loaded, source: string): boolean {
  const byTable = new Map<number, { chains: Set<number>; lines: typeof L.odd }>();
  for (const o of L.odd) {
    const t = L.chainTable[o.chain];
    let e = byTable.get(t);
    if (!e) byTable.set(t, (e = { chains: new Set(), lines: [] }));
    e.chains.add(o.chain);
    e.lines.push(o);
  }
  let mini = "";
  for (const [t, e] of byTable) {
    mini += `*${L.tables[t]}\n`;
    for (const c of e.chains) mini += `:${L.chainName[c]} ${L.chainBuiltin[c] ? "ACCEPT" : "-"} [0:0]\n`;
    for (const o of e.lines) mini += o.text + "\n";
    mini += "COMMIT\n";
  }
  let rs;
  try {
    rs = parseRuleset(mini, { source });
  } catch {
    return false;
  }
  // A line that holds another statement too (a chain, a table) reads back as more than its rule.
  if (rs.family !== 4 || rs.tables.size !== byTable.size) return false;
  const k = newKpFlat();
  for (const [t, e] of byTable) {
    const tab = rs.tables.get(L.tables[t]);
    if (!tab || tab.chains.size !== e.chains.size) return false;
    const next = new Map<number, number>();
    let total = 0;
    for (const c of e.chains) total += tab.chains.get(L.chainName[c])?.rules.length ?? 0;
    if (total !== e.lines.length) return false;
    for (const o of e.lines) {
      const rules = tab.chains.get(L.chainName[o.chain])!.rules;
      const i = next.get(o.chain) ?? 0;
      next.set(o.chain, i + 1);
      const r = rules[i];
      if (!r) return false;
      kpRecord(r, k, L.rec, o.slot * KR.WORDS, L.strings);
      if (r.target?.kind === "jump") {
        const g = chainNamed(L, t, r.target.chain);
        if (g < 0 || L.chainBuiltin[g]) return false;
        L.edgeFrom.push(o.chain);
        L.edgeTo.push(g);
        // A plain -j (not -g) to a chain the helper reads as one: resolved here too (kpRecord gave JUMP its name).
        if (!r.target.goto && !KP_TARGET_NAMES.has(r.target.chain)) L.rec[o.slot * KR.WORDS + KR.CHAIN] = g + 1;
      }
    }
  }
  return true;
}

/** A chain that reaches itself through jumps (the parser's findLoops reports it): depth first, without recursion. */
function hasLoop(L: Loaded): boolean {
  const nc = L.chainName.length, nj = L.edgeFrom.length;
  const count = new Int32Array(nc + 1);
  for (let j = 0; j < nj; j++) count[L.edgeFrom[j] + 1]++;
  for (let c = 0; c < nc; c++) count[c + 1] += count[c];
  const edges = new Int32Array(nj);
  const fill = count.slice(0, nc);
  for (let j = 0; j < nj; j++) edges[fill[L.edgeFrom[j]]++] = L.edgeTo[j];
  const state = new Uint8Array(nc); // 0 unseen, 1 on the path, 2 done
  const stack = new Int32Array(nc);
  const at = new Int32Array(nc);
  for (let root = 0; root < nc; root++) {
    if (state[root]) continue;
    let sp = 0;
    stack[0] = root; at[0] = count[root]; state[root] = 1;
    while (sp >= 0) {
      const c = stack[sp];
      if (at[sp] < count[c + 1]) {
        const d = edges[at[sp]++];
        if (state[d] === 1) return true;
        if (state[d] === 0) { state[d] = 1; sp++; stack[sp] = d; at[sp] = count[d]; }
      } else {
        state[c] = 2;
        sp--;
      }
    }
  }
  return false;
}

/** KpRules: nat's chains then filter's, in declaration order, each chain's rules in file order (KR.CHAIN renumbered to that order). */
function assemble(L: Loaded): KpRules {
  const chains: KpRules["chains"] = [];
  const nc = L.chainName.length;
  const slotOf = new Int32Array(nc).fill(-1);
  const program = new Int32Array(nc).fill(-1);
  let total = 0;
  const per = new Int32Array(nc);
  for (let r = 0; r < L.n; r++) per[L.ruleChain[r]]++;
  for (const tn of ["nat", "filter"] as const) {
    const t = L.tables.indexOf(tn);
    if (t < 0) continue;
    for (let g = 0; g < nc; g++) {
      if (L.chainTable[g] !== t) continue;
      program[g] = chains.length;
      chains.push({ table: tn, name: L.chainName[g], first: total, count: per[g] });
      slotOf[g] = total;
      total += per[g];
    }
  }
  const W = KR.WORDS;
  const rec = new Uint32Array(total * W);
  const { ruleChain, n } = L;
  // A chain's rules are usually consecutive lines: each run is one copy.
  for (let r = 0; r < n; ) {
    const g = ruleChain[r];
    let end = r + 1;
    while (end < n && ruleChain[end] === g) end++;
    const at = slotOf[g];
    if (at >= 0) {
      // (at < 0: a table the kube-proxy helper does not read)
      rec.set(L.rec.subarray(r * W, end * W), at * W);
      slotOf[g] = at + end - r;
    }
    r = end;
  }
  for (let q = KR.CHAIN; q < rec.length; q += W) {
    const cw = rec[q];
    if (cw) rec[q] = program[cw - 1] + 1;
  }
  return { chains, rec, strings: L.strings.list };
}
