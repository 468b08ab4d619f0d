// Plain-JS typed-array baselines: what a careful engineer writes without a library or wasm.
// IPv4 only (the fast path every workload here exercises); honest, not strawmen.

/** Parses newline-separated IPv4 CIDRs into addr/bits arrays; returns the count (-1 on error). */
export function parseV4Cidrs(text: string, addrs: Uint32Array, bits: Uint8Array): number {
  let n = 0, i = 0;
  const len = text.length;
  while (i < len) {
    let addr = 0;
    for (let f = 0; f < 4; f++) {
      let v = 0, d = 0, c = text.charCodeAt(i);
      while (c >= 48 && c <= 57) { v = v * 10 + (c - 48); d++; c = text.charCodeAt(++i); }
      if (d === 0 || d > 3 || v > 255) return -1;
      addr = addr * 256 + v;
      if (f < 3) { if (c !== 46) return -1; i++; }
    }
    let b = 32;
    if (text.charCodeAt(i) === 47) {
      i++;
      b = 0;
      let c = text.charCodeAt(i);
      while (c >= 48 && c <= 57) { b = b * 10 + (c - 48); c = text.charCodeAt(++i); }
      if (b > 32) return -1;
    }
    addrs[n] = addr;
    bits[n] = b;
    n++;
    if (text.charCodeAt(i) === 10) i++;
  }
  return n;
}

const maskOf = (b: number) => (b === 0 ? 0 : (0xffffffff << (32 - b)) >>> 0);

export function containsV4(net: Uint32Array, netBits: Uint8Array, addrs: Uint32Array, out: Uint8Array): void {
  for (let i = 0; i < addrs.length; i++) {
    const m = maskOf(netBits[i]);
    out[i] = ((net[i] ^ addrs[i]) & m) === 0 ? 1 : 0;
  }
}

/** LPM by one hash map per prefix length, probed longest first. */
export class HashLpm {
  private lengths: number[];
  private maps = new Map<number, Map<number, number>>();
  constructor(addrs: Uint32Array, bits: Uint8Array, values: Uint32Array) {
    for (let i = 0; i < addrs.length; i++) {
      const b = bits[i];
      if (!this.maps.has(b)) this.maps.set(b, new Map());
      this.maps.get(b)!.set((addrs[i] & maskOf(b)) >>> 0, values[i]);
    }
    this.lengths = [...this.maps.keys()].sort((a, b) => b - a);
  }
  lookup(addrs: Uint32Array, out: Uint32Array): void {
    const lens = this.lengths.map((b) => ({ m: maskOf(b), map: this.maps.get(b)! }));
    for (let i = 0; i < addrs.length; i++) {
      let r = 0xffffffff;
      for (let k = 0; k < lens.length; k++) {
        const v = lens[k].map.get((addrs[i] & lens[k].m) >>> 0);
        if (v !== undefined) { r = v; break; }
      }
      out[i] = r;
    }
  }
}

/** Sort by (first, bits) with Float64 keys, sweep to ranges, ranges to CIDRs. */
export function mergeV4(addrs: Uint32Array, bits: Uint8Array): { addrs: Uint32Array; bits: Uint8Array } {
  const n = addrs.length;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = ((addrs[i] & maskOf(bits[i])) >>> 0) * 64 + bits[i];
  keys.sort();
  const outA: number[] = [], outB: number[] = [];
  let cs = -1, ce = -1;
  const emit = (s: number, e: number) => {
    while (s <= e) {
      let size = s === 0 ? 32 : 31 - Math.clz32(s & -s);
      while (size > 0 && s + 2 ** size - 1 > e) size--;
      outA.push(s); outB.push(32 - size);
      s += 2 ** size;
    }
  };
  for (let i = 0; i < n; i++) {
    const b = keys[i] % 64, s = (keys[i] - b) / 64;
    const e = s + 2 ** (32 - b) - 1;
    if (cs >= 0 && s <= ce + 1) { if (e > ce) ce = e; }
    else { if (cs >= 0) emit(cs, ce); cs = s; ce = e; }
  }
  if (cs >= 0) emit(cs, ce);
  return { addrs: Uint32Array.from(outA), bits: Uint8Array.from(outB) };
}

/** Sort by (first, bits, index) and sweep with a stack of enclosing prefixes. */
export function overlappingPairsV4(addrs: Uint32Array, bits: Uint8Array): Uint32Array {
  const n = addrs.length;
  const order = new Uint32Array(n);
  const first = new Float64Array(n);
  for (let i = 0; i < n; i++) { order[i] = i; first[i] = ((addrs[i] & maskOf(bits[i])) >>> 0) * 64 + bits[i]; }
  order.sort((x, y) => first[x] - first[y] || x - y);
  const stack: number[] = [];
  const pairs: number[] = [];
  for (let k = 0; k < n; k++) {
    const i = order[k];
    const s = (addrs[i] & maskOf(bits[i])) >>> 0;
    while (stack.length) {
      const t = stack[stack.length - 1];
      const m = maskOf(bits[t]);
      if (((s & m) >>> 0) === ((addrs[t] & m) >>> 0)) break;
      stack.pop();
    }
    for (const t of stack) pairs.push(Math.min(t, i), Math.max(t, i));
    stack.push(i);
  }
  return Uint32Array.from(pairs);
}
