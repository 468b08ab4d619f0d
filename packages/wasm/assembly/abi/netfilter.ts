// Memory layouts and codes of the netfilter bulk verbs (netfilter.ts: kube-proxy-test mode,
// netfilter_kernel.ts: kernel mode). The record layouts are described in those files' headers.
// The TypeScript mirrors (NF_ABI in packages/engine/src/netfilter/kube-proxy/compile.ts, NK_ABI in
// .../kernel/compile.ts) are compared with these exported globals by one test
// (packages/engine/test/netfilter/wasm.test.ts, "netfilter ABI").

// kube-proxy-test mode (netfilter.ts)
export const NF_PROG_SIZE: i32 = 80;
export const NF_RULE_SIZE: i32 = 48;
export const NF_CHAIN_SIZE: i32 = 32;
export const NF_BUCKET_SIZE: i32 = 16;
export const NF_OUT_SIZE: i32 = 8;
export const NF_FLOW_SIZE: i32 = 16;
export const NF_RES_SIZE: i32 = 12;
export const NF_CACHE_SIZE: i32 = 128;
export const NF_CACHE_TESTS: i32 = 12;
export const NF_CACHE_MIN_WORK: i32 = 8; // rules evaluated before a result is worth caching

export const NF_F_SRC: i32 = 1;
export const NF_F_SRC_NEG: i32 = 2;
export const NF_F_DST: i32 = 4;
export const NF_F_DST_NEG: i32 = 8;
export const NF_F_PROTO: i32 = 16;
export const NF_F_PROTO_NEG: i32 = 32;
export const NF_F_DPORT: i32 = 64;
export const NF_F_DPORT_NEG: i32 = 128;
export const NF_F_STYPE: i32 = 256;
export const NF_F_STYPE_NEG: i32 = 512;
export const NF_F_DTYPE: i32 = 1024;
export const NF_F_DTYPE_NEG: i32 = 2048;
export const NF_F_NEVER: i32 = 4096;
export const NF_F_PROB: i32 = 8192;

export const NF_TYPE_LOCAL: i32 = 0; // "--src-type LOCAL"
export const NF_TYPE_NOT_MATCHED: i32 = 1; // the helper's literal "not-matched"
export const NF_TYPE_OTHER: i32 = 2; // any other value: equal to neither

export const NF_ACT_SKIP: i32 = 0; // no -j: the helper skips the rule
export const NF_ACT_MARK_MASQ: i32 = 1;
export const NF_ACT_OUTPUT: i32 = 2; // ACCEPT, REJECT, DROP or DNAT: append output `arg`, end
export const NF_ACT_JUMP: i32 = 3; // walk chain `arg`
export const NF_ACT_MISSING: i32 = 4; // a jump to a chain that does not exist: continue

export const NF_NO_CHAIN: u32 = 0xffffffff;
export const NF_MAX_DEPTH: i32 = 64;
export const NF_RET_OVERFLOW: i32 = -1;

// kernel mode (netfilter_kernel.ts)
export const NK_PROG_SIZE: i32 = 128;
export const NK_RULE_SIZE: i32 = 32;
export const NK_CHAIN_SIZE: i32 = 32;
export const NK_BUCKET_SIZE: i32 = 16;
export const NK_MAX_JUMPS: i32 = 100000;
export const NK_SET_SIZE: i32 = 8;
export const NK_ENTRY_SIZE: i32 = 32;
export const NK_FLOW_SIZE: i32 = 32;
export const NK_RES_SIZE: i32 = 16;
export const NK_ALT_SIZE: i32 = 32;
export const NK_NONE: u32 = 0xffffffff;
export const NK_MAX_CHOICES: i32 = 256;

export const NK_OP_SRC: i32 = 1; // net, mask
export const NK_OP_DST: i32 = 2; // net, mask
export const NK_OP_PROTO: i32 = 3; // num (0 = all)
export const NK_OP_IN: i32 = 4; // pattern id
export const NK_OP_OUT: i32 = 5; // pattern id
export const NK_OP_SPORT: i32 = 6; // lo, hi
export const NK_OP_DPORT: i32 = 7; // lo, hi
export const NK_OP_MULTI: i32 = 8; // which (0 sports, 1 dports, 2 ports), n, n x (lo, hi)
export const NK_OP_ADDRTYPE: i32 = 9; // which (0 src, 1 dst), type bit mask
export const NK_OP_MARK: i32 = 10; // value, mask
export const NK_OP_CT: i32 = 11; // module (0 conntrack, 1 state), state bit mask
export const NK_OP_RECENT: i32 = 12; // is --set (1) or not (0)
export const NK_OP_SET: i32 = 13; // set id (NK_NONE: not given), dir0, dir count, dir1 (0 src, 1 dst)
export const NK_OP_CONST: i32 = 14; // value (physdev, fragment, unmodelled matches: precomputed)
export const NK_OP_STAT: i32 = 15; // f64 probability (2 words)

export const NK_TYPE_UNICAST: i32 = 1;
export const NK_TYPE_LOCAL: i32 = 2;
export const NK_TYPE_BROADCAST: i32 = 4;
export const NK_TYPE_MULTICAST: i32 = 8;
export const NK_TYPE_UNSPEC: i32 = 16;
export const NK_CT_NEW: i32 = 1;
export const NK_CT_DNAT: i32 = 2;
export const NK_CT_SNAT: i32 = 4;

export const NK_T_NONE: i32 = 0;
export const NK_T_ACCEPT: i32 = 1;
export const NK_T_DROP: i32 = 2;
export const NK_T_REJECT: i32 = 3;
export const NK_T_RETURN: i32 = 4;
export const NK_T_JUMP: i32 = 5; // a0 chain, a1 goto
export const NK_T_CONTINUE: i32 = 6; // missing chain, LOG, unmodelled target
export const NK_T_DNAT: i32 = 7; // a0 has address, a1 address, a2 has port, a3 port
export const NK_T_SNAT: i32 = 8; // as DNAT
export const NK_T_MASQ: i32 = 9; // a2 has port, a3 port
export const NK_T_MARK: i32 = 10; // a0 op (0 set-xmark, 1 set-mark, 2 or, 3 and, 4 xor), a1 value, a2 mask

export const NK_V_ACCEPT: i32 = 0;
export const NK_V_DROP: i32 = 1;
export const NK_V_REJECT: i32 = 2;
export const NK_D_NONE: i32 = 0;
export const NK_D_LOCAL: i32 = 1;
export const NK_D_FORWARD: i32 = 2;
export const NK_D_OUTPUT: i32 = 3;

// Hook slots in the header (word 11 + slot).
export const NK_HOOK_RAW_PRE: i32 = 0;
export const NK_HOOK_MANGLE_PRE: i32 = 1;
export const NK_HOOK_NAT_PRE: i32 = 2;
export const NK_HOOK_MANGLE_IN: i32 = 3;
export const NK_HOOK_FILTER_IN: i32 = 4;
export const NK_HOOK_SECURITY_IN: i32 = 5;
export const NK_HOOK_NAT_IN: i32 = 6;
export const NK_HOOK_MANGLE_FWD: i32 = 7;
export const NK_HOOK_FILTER_FWD: i32 = 8;
export const NK_HOOK_SECURITY_FWD: i32 = 9;
export const NK_HOOK_MANGLE_POST: i32 = 10;
export const NK_HOOK_NAT_POST: i32 = 11;
export const NK_HOOK_RAW_OUT: i32 = 12;
export const NK_HOOK_MANGLE_OUT: i32 = 13;
export const NK_HOOK_NAT_OUT: i32 = 14;
export const NK_HOOK_FILTER_OUT: i32 = 15;
export const NK_HOOK_SECURITY_OUT: i32 = 16;
export const NK_HOOK_COUNT: i32 = 17;

// kube-proxy-test JSON lines (netfilter_format.ts): the parameter block, u32 at each offset.
export const NF_FMT_SRC: i32 = 0;
export const NF_FMT_DST: i32 = 4;
export const NF_FMT_PROTO: i32 = 8;
export const NF_FMT_SPORT: i32 = 12;
export const NF_FMT_DPORT: i32 = 16;
export const NF_FMT_RESULTS: i32 = 20;
export const NF_FMT_OUT_IDS: i32 = 24;
export const NF_FMT_STRINGS: i32 = 28;
export const NF_FMT_PROTOS: i32 = 32;
export const NF_FMT_NPROTOS: i32 = 36;
export const NF_FMT_OUTPUTS: i32 = 40;
export const NF_FMT_LITS: i32 = 44;
export const NF_FMT_BUF: i32 = 48;
export const NF_FMT_CAP: i32 = 52;
export const NF_FMT_WRITTEN: i32 = 56;
export const NF_FMT_PARAMS_SIZE: i32 = 64;
export const NF_FMT_NO_PROTO: i32 = 0xffff;
// The literals, in the order of the literal table: {"src":"  ","dst":"  ","proto":  ,"sport":
// ,"dport":  ,"output":"  ","masq":true}\n  ","masq":false}\n  ", " between outputs.
export const NF_FMT_LIT_SRC: i32 = 0;
export const NF_FMT_LIT_DST: i32 = 1;
export const NF_FMT_LIT_PROTO: i32 = 2;
export const NF_FMT_LIT_SPORT: i32 = 3;
export const NF_FMT_LIT_DPORT: i32 = 4;
export const NF_FMT_LIT_OUTPUT: i32 = 5;
export const NF_FMT_LIT_MASQ_T: i32 = 6;
export const NF_FMT_LIT_MASQ_F: i32 = 7;
export const NF_FMT_LIT_SEP: i32 = 8;

// Flow CSV scanner (netfilter_scan.ts): the parameter block, u32 at each offset.
export const NF_SCAN_BYTES: i32 = 0;
export const NF_SCAN_END: i32 = 4;
export const NF_SCAN_POS: i32 = 8;
export const NF_SCAN_LINE: i32 = 12;
export const NF_SCAN_CODES: i32 = 16;
export const NF_SCAN_NCODES: i32 = 20;
export const NF_SCAN_ROWS: i32 = 24;
export const NF_SCAN_CAP: i32 = 28;
export const NF_SCAN_SRC: i32 = 32;
export const NF_SCAN_DST: i32 = 36;
export const NF_SCAN_SPORT: i32 = 40;
export const NF_SCAN_DPORT: i32 = 44;
export const NF_SCAN_PROTO: i32 = 48;
export const NF_SCAN_IN: i32 = 52;
export const NF_SCAN_OUT: i32 = 56;
// The cell dictionary: entries (NF_SCAN_ENTRY_SIZE bytes: offset, length, kind, id), its count,
// the hash table (u32 slots, entry index + 1, 0 = empty) and its mask, the ids given per kind.
export const NF_SCAN_DICT: i32 = 60;
export const NF_SCAN_NDICT: i32 = 64;
export const NF_SCAN_HASH: i32 = 68;
export const NF_SCAN_HASH_MASK: i32 = 72;
export const NF_SCAN_NPROTO: i32 = 76;
export const NF_SCAN_NIFACE: i32 = 80;
export const NF_SCAN_PARAMS_SIZE: i32 = 96;
export const NF_SCAN_ENTRY_SIZE: i32 = 16;
/** No cell (the proto, in and out columns hold u16 ids). */
export const NF_SCAN_NONE: u32 = 0xffff;
/** Ids per kind (protocols; interface names): the columns are 16-bit, NF_SCAN_NONE excluded. */
export const NF_SCAN_MAX_IDS: u32 = 0xffff;
export const NF_SCAN_KIND_PROTO: u32 = 0;
export const NF_SCAN_KIND_IFACE: u32 = 1;
export const NF_SCAN_DONE: i32 = 0;
export const NF_SCAN_SLOW: i32 = 1;
export const NF_SCAN_FULL: i32 = 2;
/** More than NF_SCAN_MAX_IDS distinct values of one kind (NF_SCAN_LINE: the line that had one more). */
export const NF_SCAN_TOO_MANY: i32 = 3;
// Column codes (the CSV header mapped to flow fields; 0 = a column no field reads).
export const NF_COL_SRC: i32 = 1;
export const NF_COL_DST: i32 = 2;
export const NF_COL_PROTO: i32 = 3;
export const NF_COL_SPORT: i32 = 4;
export const NF_COL_DPORT: i32 = 5;
export const NF_COL_IN: i32 = 6;
export const NF_COL_OUT: i32 = 7;

// Dump loader (netfilter_load.ts): an iptables-save dump's bytes into kube-proxy-test rule records
// (the engine's KpRules words, KR_* below). Parameter block, u32 at each offset.
export const LD_BYTES: i32 = 0;
export const LD_LEN: i32 = 4;
/** in/out: the next line to read (offset into the bytes). */
export const LD_POS: i32 = 8;
/** in/out: the open table's index (LD_NONE: none); set by JS after an LD_ST_TABLE stop. */
export const LD_TABLE: i32 = 12;
/** in: the open table's built-in chains (LD_BI_* bits), set by JS with LD_TABLE. */
export const LD_BUILTINS: i32 = 16;
/** Rule records (LD_REC_WORDS u32 each), their chains (u32 each), their strings (LD_STR_WORDS u32 each), the count (in/out). */
export const LD_REC: i32 = 20;
export const LD_RCHAIN: i32 = 24;
export const LD_RSTR: i32 = 28;
export const LD_NRULES: i32 = 32;
/** Chains: name [start, end) offsets, table index, built-in (u32 each per chain), the count (in/out). */
export const LD_CH_A: i32 = 36;
export const LD_CH_B: i32 = 40;
export const LD_CH_TABLE: i32 = 44;
export const LD_CH_BUILTIN: i32 = 48;
export const LD_NCHAINS: i32 = 52;
/**
 * The chain hash table and its mask (slots - 1). A slot is LD_HASH_SLOT bytes, four u32: chain
 * index + 1 (0 = empty), the name's [start, end) offsets, the table index, so a lookup reads the
 * slot's cache line and the name's, not four per-chain arrays as well.
 */
export const LD_HASH: i32 = 56;
export const LD_HASH_MASK: i32 = 60;
export const LD_HASH_SLOT: i32 = 16;
/** out at a stop: a byte range [A, B) and a chain (LD_NONE: none). */
export const LD_A: i32 = 64;
export const LD_B: i32 = 68;
export const LD_C: i32 = 72;
/** in (nfKpResolve): per chain, 1 when its name is one the helper reads as a target (KUBE-MARK-MASQ). */
export const LD_CH_TARGET: i32 = 76;
export const LD_PARAMS_SIZE: i32 = 96;
export const LD_NONE: u32 = 0xffffffff;
// Stops of nfKpLoad.
export const LD_ST_DONE: i32 = 0;
/** Give the whole dump to the general parser. */
export const LD_ST_BAIL: i32 = 1;
/** A rule line for the general parser: [A, B), its chain C (LD_NONE: JS finds it); its rule slot is the last one. */
export const LD_ST_ODD: i32 = 2;
/** "*name": [A, B) is the name; JS sets LD_TABLE and LD_BUILTINS, then calls again. */
export const LD_ST_TABLE: i32 = 3;
/** A comment line [A, B) of plain printable ASCII for JS to check. */
export const LD_ST_COMMENT: i32 = 4;
// Built-in chain bits (LD_BUILTINS).
export const LD_BI_PREROUTING: i32 = 1;
export const LD_BI_INPUT: i32 = 2;
export const LD_BI_FORWARD: i32 = 4;
export const LD_BI_OUTPUT: i32 = 8;
export const LD_BI_POSTROUTING: i32 = 16;
// A rule record (the engine's KR words).
export const LD_REC_WORDS: i32 = 12;
export const KR_FLAGS: i32 = 0;
export const KR_SRC_NET: i32 = 1;
export const KR_SRC_MASK: i32 = 2;
export const KR_DST_NET: i32 = 3;
export const KR_DST_MASK: i32 = 4;
export const KR_PROTO: i32 = 5;
export const KR_DPORT: i32 = 6;
export const KR_STYPE: i32 = 7;
export const KR_DTYPE: i32 = 8;
export const KR_JUMP: i32 = 9;
export const KR_DNAT: i32 = 10;
export const KR_CHAIN: i32 = 11;
/** Per rule strings, [start, end) offsets (LD_NONE: none): the protocol (when not tcp or udp), the DNAT address, the -j name. */
export const LD_STR_WORDS: i32 = 6;
/** KR_PROTO of tcp and udp (the engine's string table starts with them); LD_FROM_STR: the text is in the rule's strings. */
export const LD_PROTO_TCP: u32 = 1;
export const LD_PROTO_UDP: u32 = 2;
export const LD_FROM_STR: u32 = 0xffffffff;
/** KR_JUMP markers: the -j name is in the rule's strings (a verdict); DNAT; a chain the helper reads as a target (its name, by chain: KR_CHAIN holds the chain + 1 until JS resolves it). */
export const LD_JUMP_STR: u32 = 0xfffffff1;
export const LD_JUMP_DNAT: u32 = 0xfffffff2;
export const LD_JUMP_TARGET: u32 = 0xfffffff3;

// The program builder (netfilter_kp_build.ts): a loaded dump's records straight into the
// kube-proxy-test program block (what KpProgram lays out in JS). Parameter block, u32 at each offset.
/** in: the nfKpLoad parameter block of the loaded dump (after nfKpResolve). */
export const KB_LOAD: i32 = 0;
/** in: the nat and filter tables' indexes (LD_NONE: absent). */
export const KB_NAT: i32 = 4;
export const KB_FILTER: i32 = 8;
/** in: the entry chains as loaded chain indexes (LD_NONE: none): nat PREROUTING, then filter KUBE-SERVICES, KUBE-EXTERNAL-SERVICES, KUBE-NODEPORTS, KUBE-PROXY-FIREWALL. */
export const KB_ENTRY: i32 = 12;
/** in: a scratch block of nfKpBuildScratch(chains, rules) bytes. */
export const KB_SCRATCH: i32 = 32;
/** in: the program block, nfKpBuildCap(chains, rules) bytes (its tail past KB_SIZE is free again after the call). */
export const KB_PROG: i32 = 40;
/** out: the program's size in bytes (a multiple of 16). */
export const KB_SIZE: i32 = 44;
/** out: the outputs, and where their texts are: a [start, end) pair of offsets into the dump per output, in the scratch block. */
export const KB_NOUT: i32 = 48;
export const KB_OUT_TEXT: i32 = 52;
/** out: the program's protocol ids of tcp and udp (LD_NONE: not used). */
export const KB_TCP_ID: i32 = 56;
export const KB_UDP_ID: i32 = 60;
/** out: indexed chains, rules, and the offset of the LOCAL addresses in the block. */
export const KB_INDEXED: i32 = 64;
export const KB_RULES: i32 = 68;
export const KB_LOCAL: i32 = 72;
/** in: extra jump edges for the loop check (u32 pairs: from chain, to chain; the odd lines' gotos and jumps to target names), and their count. */
export const KB_XEDGES: i32 = 76;
export const KB_NXEDGES: i32 = 80;
export const KB_PARAMS_SIZE: i32 = 96;
/** Chains with at least this many rules get a (dst, proto, dport) index (the engine's INDEX_MIN_RULES). */
export const KB_INDEX_MIN_RULES: i32 = 8;
// Results of nfKpBuild.
export const KB_OK: i32 = 0;
/** A rule the builder leaves to the engine's KpProgram (a protocol other than tcp or udp, a target chain other than KUBE-MARK-MASQ, a DNAT to a prefix). */
export const KB_FALLBACK: i32 = 1;
/** A chain reaches itself through jumps: the dump goes to the general parser (it reports the loop). */
export const KB_LOOP: i32 = 2;
/** LD_CH_TARGET values: the chain is KUBE-MARK-MASQ (1) or another name the helper reads as a target (2). */
export const KB_TARGET_MASQ: i32 = 1;
export const KB_TARGET_OTHER: i32 = 2;

// Kernel-mode JSON lines (netfilter_kernel_format.ts): the parameter block, u32 at each offset.
// Columns src, dst (u32), proto (u16 ids, NF_SCAN_NONE = the default), sport, dport (i32, -1 =
// none); per protocol id (the default last) a u8 "ports shown" flag; nkRun's results and
// alternatives (the alternative's last word holds its probability's id, from nkProbIds); the string
// table and its lists (u32 pairs: offset, length): the literals (NKF_LIT_*), the protocols
// (JSON-quoted) and the probabilities (as JS prints them); the output buffer, its capacity, bytes written.
export const NKF_SRC: i32 = 0;
export const NKF_DST: i32 = 4;
export const NKF_PROTO: i32 = 8;
export const NKF_SPORT: i32 = 12;
export const NKF_DPORT: i32 = 16;
export const NKF_PORTS_SHOWN: i32 = 20;
export const NKF_RES: i32 = 24;
export const NKF_ALTS: i32 = 28;
export const NKF_STRINGS: i32 = 32;
export const NKF_LITS: i32 = 36;
export const NKF_PROTOS: i32 = 40;
export const NKF_NPROTOS: i32 = 44;
export const NKF_PROBS: i32 = 48;
export const NKF_BUF: i32 = 52;
export const NKF_CAP: i32 = 56;
export const NKF_WRITTEN: i32 = 60;
export const NKF_PARAMS_SIZE: i32 = 64;
// Literals, in NKF_LITS order.
export const NKF_LIT_SRC: i32 = 0; // {"src":"
export const NKF_LIT_DST: i32 = 1; // ","dst":"
export const NKF_LIT_PROTO: i32 = 2; // ","proto":
export const NKF_LIT_SPORT: i32 = 3; // ,"sport":
export const NKF_LIT_DPORT: i32 = 4; // ,"dport":
export const NKF_LIT_VERDICT: i32 = 5; // ,"verdict":"
export const NKF_LIT_ALTS: i32 = 6; // ","alternatives":[
export const NKF_LIT_PROB: i32 = 7; // {"probability":
export const NKF_LIT_QUOTE: i32 = 8; // "
export const NKF_LIT_DELIVERY: i32 = 9; // ,"delivery":"
export const NKF_LIT_ASRC: i32 = 10; // ,"src":"
export const NKF_LIT_ADST: i32 = 11; // ,"dst":"
export const NKF_LIT_CLOSE: i32 = 12; // }
export const NKF_LIT_COMMA: i32 = 13; // ,
export const NKF_LIT_END: i32 = 14; // ]}\n
export const NKF_LIT_NODE_IP: i32 = 15; // (node IP)
/** Verdict texts from here: ACCEPT, DROP, REJECT (NK_V_*), then MIXED. */
export const NKF_LIT_VERDICTS: i32 = 16;
export const NKF_LIT_MIXED: i32 = 19;
/** Delivery texts from here, by NK_D_* (NK_D_NONE's entry is empty, never written). */
export const NKF_LIT_DELIVERIES: i32 = 20;
export const NKF_LIT_COUNT: i32 = 24;
