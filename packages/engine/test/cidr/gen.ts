// fast-check generators for addresses and prefixes, biased toward the edges where CIDR code
// breaks: /0, /32, /64, /128, prefixes shorter than /64, the first and last address of a space,
// long zero runs (for "::"), IPv4-mapped IPv6.
import fc from "fast-check";
import { Addr, Prefix } from "../../src/index.ts";

const MAX128 = (1n << 128n) - 1n;

export const v4value = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 0xffffffff }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 0xffffffff, 0x0a000000, 0xc0a80000, 0x7fffffff, 0x80000000) },
  // A small region so that overlaps and adjacency happen often.
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 4095 }).map((x) => (0x0a000000 + x * 16) >>> 0) },
);

const group = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(0xffff) }, { weight: 4, arbitrary: fc.integer({ min: 0, max: 0xffff }) });

export const v6value = fc.oneof(
  { weight: 5, arbitrary: fc.array(group, { minLength: 8, maxLength: 8 }).map((g) => g.reduce((a, x) => (a << 16n) | BigInt(x), 0n)) },
  { weight: 1, arbitrary: fc.constantFrom(0n, 1n, MAX128, MAX128 - 1n, 1n << 127n, (1n << 64n) - 1n, 1n << 64n, 0xffff00000000n) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffffffff }).map((x) => 0xffff00000000n | BigInt(x)) },
  // A small region (2001:db8::/48-ish) so overlaps are common.
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 4095 }).map((x) => (0x20010db8n << 96n) | (BigInt(x) << 68n)) },
);

const v6bits = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 128 }) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 63 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, 63, 64, 65, 96, 127, 128) },
  { weight: 2, arbitrary: fc.integer({ min: 30, max: 70 }) },
);
const v4bits = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 32 }) }, { weight: 1, arbitrary: fc.constantFrom(0, 1, 31, 32) }, { weight: 3, arbitrary: fc.integer({ min: 16, max: 28 }) });

export const v4prefix = fc.tuple(v4value, v4bits).map(([a, b]) => Prefix.of(Addr.v4(a), b));
export const v6prefix = fc.tuple(v6value, v6bits).map(([a, b]) => Prefix.of(Addr.fromBigInt(6, a), b));
export const anyPrefix = fc.oneof(v4prefix, v6prefix);
export const v4addr = v4value.map((a) => Addr.v4(a));
export const v6addr = v6value.map((a) => Addr.fromBigInt(6, a));

/** Text forms of one value: canonical, upper case, fully expanded, leading zeros, embedded IPv4. */
export function textForms(p: Prefix): string[] {
  const forms = [p.toString()];
  if (p.family === 6) {
    const g = Array.from({ length: 8 }, (_, i) => Number((p.addr.value >> BigInt((7 - i) * 16)) & 0xffffn));
    forms.push(`${g.map((x) => x.toString(16).padStart(4, "0")).join(":")}/${p.bits}`);
    forms.push(p.toString().toUpperCase());
    const low = Number(p.addr.value & 0xffffffffn);
    forms.push(`${g.slice(0, 6).map((x) => x.toString(16)).join(":")}:${low >>> 24}.${(low >>> 16) & 255}.${(low >>> 8) & 255}.${low & 255}/${p.bits}`);
  }
  return forms;
}

/** A valid text with random damage: a changed, dropped or inserted character. */
export const damagedText = fc
  .tuple(anyPrefix, fc.nat(), fc.constantFrom(":", ".", "/", "0", "9", "f", "g", "::", " ", "%", "-", "\u00e9", "12345", "256"), fc.constantFrom("replace", "insert", "delete"))
  .map(([p, pos, ch, op]) => {
    const s = p.toString();
    const i = pos % (s.length + 1);
    if (op === "insert") return s.slice(0, i) + ch + s.slice(i);
    if (op === "delete") return s.slice(0, i) + s.slice(i + 1);
    return s.slice(0, i) + ch + s.slice(i + 1);
  });
