// kube-proxy's chain names: prefix + the first 16 characters of base32(sha256(key)), where the
// key is "ns/name:port" + protocol (+ "ip:port" for an endpoint). [kubernetes pkg/proxy/iptables
// proxier.go portProtoHash, servicePortEndpointChainName] SHA-256 is written out here because the
// engine also runs in the browser (no node:crypto): over reused buffers, in 32-bit integers, with
// the 16 characters taken straight from the digest's first 80 bits (a 2,000-Service node hashes
// 32,000 keys).
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

// Reused across calls: one message buffer (grown for long keys), the schedule and the state.
let msg = new Uint8Array(128);
const W = new Int32Array(64);
const H = new Int32Array(8);

/** SHA-256 of msg[0, n) into H; msg must have room for the padding. */
function digest(n: number): void {
  const len = ((n + 9 + 63) >> 6) << 6;
  msg.fill(0, n, len);
  msg[n] = 0x80;
  const bits = n * 8;
  msg[len - 4] = (bits >>> 24) & 255; msg[len - 3] = (bits >>> 16) & 255; msg[len - 2] = (bits >>> 8) & 255; msg[len - 1] = bits & 255;
  msg[len - 5] = Math.floor(bits / 2 ** 32) & 255;
  let h0 = 0x6a09e667 | 0, h1 = 0xbb67ae85 | 0, h2 = 0x3c6ef372 | 0, h3 = 0xa54ff53a | 0, h4 = 0x510e527f | 0, h5 = 0x9b05688c | 0, h6 = 0x1f83d9ab | 0, h7 = 0x5be0cd19 | 0;
  const m = msg, w = W;
  for (let off = 0; off < len; off += 64) {
    for (let i = 0; i < 16; i++) { const j = off + 4 * i; w[i] = (m[j] << 24) | (m[j + 1] << 16) | (m[j + 2] << 8) | m[j + 3]; }
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15], y = w[i - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
    for (let i = 0; i < 64; i++) {
      const t1 = (h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
      const t2 = ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0; h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + h) | 0;
  }
  H[0] = h0; H[1] = h1; H[2] = h2; H[3] = h3; H[4] = h4; H[5] = h5; H[6] = h6; H[7] = h7;
}

function room(n: number): void {
  if (msg.length < n + 72) msg = new Uint8Array(Math.max(msg.length * 2, n + 72));
}

export function sha256(data: Uint8Array): Uint8Array {
  room(data.length);
  msg.set(data);
  digest(data.length);
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) { const v = H[i]; out[4 * i] = v >>> 24; out[4 * i + 1] = (v >>> 16) & 255; out[4 * i + 2] = (v >>> 8) & 255; out[4 * i + 3] = v & 255; }
  return out;
}

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** RFC 4648 base32 without padding (only the first characters are used). */
export function base32(buf: Uint8Array): string {
  let bits = 0, value = 0, out = "";
  for (const b of buf) {
    value = ((value << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

const enc = new TextEncoder();
const B32C = Array.from(B32, (c) => c.charCodeAt(0));

/** The first 16 characters of base32(sha256(key)): the 80 leading bits of the digest, 5 at a time. */
export function hash16(key: string): string {
  const n = key.length;
  let ascii = true;
  room(n);
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i);
    if (c > 127) { ascii = false; break; }
    msg[i] = c;
  }
  let len = n;
  if (!ascii) {
    const b = enc.encode(key);
    room(b.length);
    msg.set(b);
    len = b.length;
  }
  digest(len);
  // 80 bits = H[0], H[1] and the top 16 bits of H[2]; each group of 5 bits is one character.
  const h0 = H[0] >>> 0, h1 = H[1] >>> 0, h2 = H[2] >>> 0;
  const hi = h0 * 2 ** 8 + (h1 >>> 24); // bits 0..39
  const lo = (h1 & 0xffffff) * 2 ** 16 + (h2 >>> 16); // bits 40..79
  const c = B32C;
  return String.fromCharCode(
    c[Math.floor(hi / 2 ** 35) & 31], c[Math.floor(hi / 2 ** 30) & 31], c[Math.floor(hi / 2 ** 25) & 31], c[Math.floor(hi / 2 ** 20) & 31],
    c[Math.floor(hi / 2 ** 15) & 31], c[Math.floor(hi / 2 ** 10) & 31], c[Math.floor(hi / 2 ** 5) & 31], c[hi & 31],
    c[Math.floor(lo / 2 ** 35) & 31], c[Math.floor(lo / 2 ** 30) & 31], c[Math.floor(lo / 2 ** 25) & 31], c[Math.floor(lo / 2 ** 20) & 31],
    c[Math.floor(lo / 2 ** 15) & 31], c[Math.floor(lo / 2 ** 10) & 31], c[Math.floor(lo / 2 ** 5) & 31], c[lo & 31],
  );
}

/** Hashes by key: KUBE-SVC-, -EXT-, -FW- and -SVL- of one Service port share one (kube-proxy's portProtoHash). */
const hashes = new Map<string, string>();

/** kube-proxy's hash of `key` (base32(sha256(key))[0, 16)), hashed once per key. */
export function chainHash(key: string): string {
  // Every node's ruleset names the same chains.
  let h = hashes.get(key);
  if (h === undefined) {
    h = hash16(key);
    if (hashes.size > 1_000_000) hashes.clear();
    hashes.set(key, h);
  }
  return h;
}

/** "KUBE-SVC-" + 16 characters, as kube-proxy names the chain for `key`. */
export function chainName(prefix: string, key: string): string {
  return prefix + chainHash(key);
}
