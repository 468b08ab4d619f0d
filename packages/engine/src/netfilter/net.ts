// Addresses and prefixes as the netfilter code matches them: IPv4 as unsigned 32-bit numbers (the
// hot path, and what the wasm tables hold), IPv6 as bigints. Text goes through the engine's strict
// Prefix/Addr parsers once, so every address error has the same reason text as elsewhere.
import { Addr } from "../ip/addr.ts";
import { Prefix } from "../ip/prefix.ts";
import type { NetPrefix } from "./model.ts";

export interface NetAddr {
  family: 4 | 6;
  v4: number;
  v6: bigint;
}

const cache = new Map<string, NetPrefix>();

/** "10.0.0.0/8", "10.0.0.1" (as /32) or an IPv6 form; throws ParseError from Prefix.parse. */
export function parseNetPrefix(text: string): NetPrefix {
  const fast = plainV4Prefix(text);
  if (fast) return fast;
  const hit = cache.get(text);
  if (hit) return hit;
  const p = Prefix.parse(text, { allowBare: true });
  const bits = p.bits;
  let np: NetPrefix;
  if (p.family === 4) {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    np = { family: 4, text, bits, v4net: (Number(p.addr.value) & mask) >>> 0, v4mask: mask, v6net: 0n, v6mask: 0n };
  } else {
    const mask = bits === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - bits)) - 1n);
    np = { family: 6, text, bits, v4net: 0, v4mask: 0, v6net: p.addr.value & mask, v6mask: mask };
  }
  if (cache.size > 100_000) cache.clear();
  cache.set(text, np);
  return np;
}

/** Set by plainV4At when it takes a prefix: its network (masked), mask and length. */
export const plainV4 = { net: 0, mask: 0, bits: 0 };

/**
 * The common case without the strict parser or the cache, on text[a, b): canonical "a.b.c.d" or
 * "a.b.c.d/N" (no leading zeros, N 0-32), which the strict parser takes with the same value. True
 * with the prefix in plainV4, else false. No string or prefix object is made.
 */
export function plainV4At(text: string, a: number, b: number): boolean {
  let slash = text.indexOf("/", a);
  if (slash >= b) slash = -1;
  const addrEnd = slash < 0 ? b : slash;
  let n = 0, part = 0, digits = 0, dots = 0;
  for (let i = a; i < addrEnd; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return false;
      n = n * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return false;
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return false;
    } else return false;
  }
  if (dots !== 3 || digits === 0) return false;
  let bits = 32;
  if (slash >= 0) {
    const len = b - slash - 1;
    if (len < 1 || len > 2) return false;
    const d0 = text.charCodeAt(slash + 1) - 48;
    if (d0 < 0 || d0 > 9 || (d0 === 0 && len > 1)) return false;
    bits = d0;
    if (len === 2) {
      const d1 = text.charCodeAt(slash + 2) - 48;
      if (d1 < 0 || d1 > 9) return false;
      bits = d0 * 10 + d1;
    }
    if (bits > 32) return false;
  }
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  plainV4.mask = mask;
  plainV4.net = ((n * 256 + part) & mask) >>> 0;
  plainV4.bits = bits;
  return true;
}

/** plainV4At on the whole text, as a NetPrefix; undefined when it does not take it. */
export function plainV4Prefix(text: string): NetPrefix | undefined {
  if (!plainV4At(text, 0, text.length)) return undefined;
  return { family: 4, text, bits: plainV4.bits, v4net: plainV4.net, v4mask: plainV4.mask, v6net: 0n, v6mask: 0n };
}

export function parseNetAddr(text: string): NetAddr {
  const a = Addr.parse(text);
  return a.family === 4 ? { family: 4, v4: Number(a.value), v6: 0n } : { family: 6, v4: 0, v6: a.value };
}

export function netAddrFromAddr(a: Addr): NetAddr {
  return a.family === 4 ? { family: 4, v4: Number(a.value), v6: 0n } : { family: 6, v4: 0, v6: a.value };
}

export function formatNetAddr(a: NetAddr): string {
  return a.family === 4 ? Addr.v4(a.v4).toString() : Addr.fromBigInt(6, a.v6).toString();
}

export function inPrefix(a: NetAddr, p: NetPrefix): boolean {
  if (a.family !== p.family) return false;
  return a.family === 4 ? ((a.v4 & p.v4mask) >>> 0) === p.v4net : (a.v6 & p.v6mask) === p.v6net;
}

export function sameAddr(a: NetAddr, b: NetAddr): boolean {
  return a.family === b.family && (a.family === 4 ? a.v4 === b.v4 : a.v6 === b.v6);
}

/** Strict dotted-quad IPv4 (no leading zeros) to a number, or -1: the fast path for flows in bulk. */
export function quickV4(a: string): number {
  let n = 0, part = 0, digits = 0, dots = 0;
  for (let i = 0; i < a.length; i++) {
    const c = a.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      n = n * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1; // leading zero
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return n * 256 + part;
}
