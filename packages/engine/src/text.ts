// Small text helpers every layer shares.

/**
 * An integer with comma thousands separators ("27,610"), as toLocaleString("en-US") writes it but
 * without loading ICU's locale data, which costs a one-shot CLI run about 30 ms on first use.
 */
export function groupDigits(n: number | bigint): string {
  if (typeof n === "number" && !Number.isInteger(n)) return n.toLocaleString("en-US");
  const s = (typeof n === "bigint" ? n : BigInt(n)).toString();
  const neg = s.startsWith("-");
  const d = neg ? s.slice(1) : s;
  let out = "";
  for (let i = 0; i < d.length; i++) {
    if (i > 0 && (d.length - i) % 3 === 0) out += ",";
    out += d[i];
  }
  return neg ? "-" + out : out;
}
