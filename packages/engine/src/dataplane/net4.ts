// IPv4 prefixes as unsigned 32-bit numbers: the dataplane's own arithmetic (allocation, tags,
// NSG matching). Parsing and validation go through the ip/ parser; this only does the numbers.
import { Prefix } from "../ip/prefix.ts";
import { formatV4 } from "../ip/addr.ts";

export interface P4 {
  net: number;
  bits: number;
  mask: number;
}

export const maskOf = (bits: number): number => (bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0);

export function p4(p: Prefix): P4 {
  const bits = p.bits;
  const mask = maskOf(bits);
  return { net: (p.first.toNumber() & mask) >>> 0, bits, mask };
}

/** Parses "10.0.0.0/16" or a bare address (/32); throws the ip/ parser's ParseError. */
export function parseP4(text: string): P4 {
  return p4(Prefix.parse(text.trim(), { allowBare: true }));
}

export function in4(ip: number, p: P4): boolean {
  return ((ip & p.mask) >>> 0) === p.net;
}

/** Whether `inner` lies inside `outer`. */
export function inside4(inner: P4, outer: P4): boolean {
  return inner.bits >= outer.bits && in4(inner.net, outer);
}

export const fmt4 = formatV4;
export const text4 = (p: P4): string => `${formatV4(p.net)}/${p.bits}`;

/** The address `ip` as a number, or undefined when it is not dotted-quad IPv4 (no leading zeros). */
export function ip4(text: string): number | undefined {
  let v = 0, part = 0, digits = 0, dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits === 1 && part === 0) return undefined;
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return undefined;
    } else if (c === 46) {
      if (!digits || ++dots > 3) return undefined;
      v = v * 256 + part;
      part = 0;
      digits = 0;
    } else return undefined;
  }
  if (!digits || dots !== 3) return undefined;
  return (v * 256 + part) >>> 0;
}
