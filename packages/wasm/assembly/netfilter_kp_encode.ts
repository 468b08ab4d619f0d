// kube-proxy-test flow records from flow columns resident in the heap, and the widest result of a
// run: the two per-flow loops between the scan, the evaluation and the formatter, which in JS ran
// once per process in cold code (V8 had not optimised them yet). The readable twins are
// kpEncodeRows and kpMaxCount in packages/engine/src/netfilter/kube-proxy/compile.ts; a property
// test compares them.

/**
 * Row i of the columns src, dst (u32), proto (u16 column ids; 0xffff = none), dport (i32; -1 =
 * none) as the flow record nfKpRun reads (16 bytes at out + 16i): src, dst, the program's protocol
 * id (ids: u32 per column id; a row without one takes ids[none]), dport (0xfffffffe = none).
 */
export function nfKpEncode(src: usize, dst: usize, proto: usize, dport: usize, n: u32, ids: usize, none: u32, out: usize): void {
  for (let i: usize = 0; i < <usize>n; i++) {
    const p = <u32>load<u16>(proto + (i << 1));
    const d = load<i32>(dport + (i << 2));
    const o = out + (i << 4);
    store<u32>(o, load<u32>(src + (i << 2)));
    store<u32>(o, load<u32>(dst + (i << 2)), 4);
    store<u32>(o, load<u32>(ids + (<usize>(p == 0xffff ? none : p) << 2)), 8);
    store<u32>(o, d < 0 ? 0xfffffffe : <u32>d, 12);
  }
}

/** The largest output count of n results of nfKpRun (3 u32 each: first output, count, masq). */
export function nfKpMaxCount(results: usize, n: u32): u32 {
  let m: u32 = 0;
  for (let i: usize = 0; i < <usize>n; i++) {
    const c = load<u32>(results + i * 12, 4);
    if (c > m) m = c;
  }
  return m;
}
