import { describe, it, expect } from "vitest";
import { Addr, Prefix, ParseError } from "../../src/index.ts";
import { backends } from "../backends.ts";

// [input, expected canonical "addr/bits" (as written, RFC 5952)] for values that must parse.
const valid: [string, string][] = [
  ["0.0.0.0/0", "0.0.0.0/0"],
  ["255.255.255.255/32", "255.255.255.255/32"],
  ["10.1.2.3/16", "10.1.2.3/16"],
  ["  192.168.0.0/24  # comment", "192.168.0.0/24"],
  ["192.168.0.0/24\r", "192.168.0.0/24"],
  ["10.0.0.1", "10.0.0.1/32"],
  ["::/0", "::/0"],
  ["::", "::/128"],
  ["::1", "::1/128"],
  ["1::", "1::/128"],
  ["2001:DB8::1/64", "2001:db8::1/64"],
  ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1/128"],
  ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1/128"],
  ["2001:0:0:1::1", "2001:0:0:1::1/128"],
  ["2001:db8::1:0:0:1", "2001:db8::1:0:0:1/128"],
  ["1:0:0:2:0:0:0:3", "1:0:0:2::3/128"],
  ["::ffff:10.0.0.1", "::ffff:10.0.0.1/128"],
  ["::ffff:a00:1/104", "::ffff:10.0.0.1/104"],
  ["64:ff9b::192.0.2.33/96", "64:ff9b::c000:221/96"],
  ["1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304/128"],
  ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0/128"],
  ["::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8/128"],
  ["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"],
  ["fd12:3456:789a:1::/108", "fd12:3456:789a:1::/108"],
  ["2001:db8::/3", "2001:db8::/3"],
];

// [input, error code, 1-based column where parsing stopped]
const invalid: [string, string, number][] = [
  ["10.0.0.256/8", "IPv4FieldRange", 8],
  ["10.0.0.1000", "IPv4FieldRange", 8],
  ["010.0.0.0/8", "IPv4LeadingZero", 1],
  ["10.0.0/8", "IPv4FieldCount", 7],
  ["10.0.0.0.0", "IPv4FieldCount", 9],
  ["10..0.0", "IPv4EmptyField", 4],
  ["10.0.0.0/33", "PrefixLengthRange", 10],
  ["::/129", "PrefixLengthRange", 4],
  ["10.0.0.0/", "PrefixLengthInvalid", 10],
  ["10.0.0.0/08", "PrefixLengthInvalid", 10],
  ["10.0.0.0/8x", "TrailingCharacters", 11],
  ["10.0.0.0/1234", "PrefixLengthRange", 10],
  [":::", "IPv6EmptyGroup", 3],
  ["1:::2", "IPv6EmptyGroup", 4],
  ["1::2::3", "IPv6DoubleColon", 5],
  ["12345::", "IPv6GroupTooLong", 1],
  ["1:2:3:4:5:6:7", "IPv6GroupCount", 14],
  ["1:2:3:4:5:6:7:8:9", "IPv6GroupCount", 17],
  ["1:2:3:4:5:6:7:8::", "IPv6GroupCount", 18],
  [":1::", "IPv6EmptyGroup", 1],
  ["1:", "IPv6EmptyGroup", 2],
  ["1.2.3.4::", "IPv6EmbeddedIPv4", 1],
  ["::1.2.3.4:5", "UnexpectedCharacter", 10],
  ["1:2:3:4:5:1.2.3.4", "IPv6EmbeddedIPv4", 11],
  ["fe80::1%eth0", "ZoneNotAllowed", 8],
  ["g::1", "UnexpectedCharacter", 1],
  ["hello", "UnexpectedCharacter", 1],
  ["10.0.0.0 /8", "UnexpectedCharacter", 9],
  ["10.0.0.-1", "UnexpectedCharacter", 8],
  ["١٠.0.0.0", "UnexpectedCharacter", 1],
  ["10.0.0.0/８", "PrefixLengthInvalid", 10],
];

describe.each(backends)("parse (%s)", (_name, make) => {
  const e = make();

  it.each(valid)("accepts %j", (input, expected) => {
    const r = e.parseList(input);
    expect(r.errors).toEqual([]);
    expect(r.values.length).toBe(1);
    expect(r.values.get(0)!.toString()).toBe(expected);
  });

  it.each(invalid)("rejects %j with %s at column %i", (input, code, column) => {
    const r = e.parseList(input, { source: "t.txt" });
    expect(r.values.length).toBe(0);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0].code).toBe(code);
    expect(r.errors[0].column).toBe(column);
    expect(r.errors[0].line).toBe(1);
    expect(r.errors[0].message).toMatch(/^t\.txt:1:\d+: parsePrefix\(/);
  });

  it("gives one record per line, numbers lines from 1, and keeps going after bad lines", () => {
    const r = e.parseList("10.0.0.0/8\n\nbad\n# note\n2001:db8::/32\n10.1.0.0/16", { source: "f" });
    expect(r.records.length).toBe(6);
    expect(r.values.toStrings()).toEqual(["10.0.0.0/8", "2001:db8::/32", "10.1.0.0/16"]);
    expect(r.errors.map((x) => [x.line, x.column])).toEqual([[3, 1]]);
    expect(Array.from({ length: 6 }, (_, i) => r.records.line(i))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("flags host bits and a written slash", () => {
    const r = e.parseList("10.1.2.3/16\n10.1.0.0/16\n10.1.0.0");
    expect([0, 1, 2].map((i) => r.records.flags(i))).toEqual([3, 1, 0]);
  });

  it("honours the address and prefix modes", () => {
    expect(e.parseList("10.0.0.0/8", { mode: "address" }).errors[0].code).toBe("PrefixUnexpected");
    const missing = e.parseList("10.0.0.0", { mode: "prefix" }).errors[0];
    expect([missing.code, missing.column]).toEqual(["PrefixMissing", 9]);
  });

  it("survives a 1 MB line, binary junk and NUL bytes with located errors", () => {
    const long = "1".repeat(1 << 20);
    const junk = new Uint8Array(4096).map((_, i) => (i * 7919 + 13) % 256);
    const text = `10.0.0.0/8\n${long}\n${String.fromCharCode(0)}10.0.0.0/8\n`;
    const r = e.parseList(text);
    expect(r.values.toStrings()).toEqual(["10.0.0.0/8"]);
    expect(r.errors.map((x) => [x.line, x.code])).toEqual([[2, "IPv4FieldRange"], [3, "UnexpectedCharacter"]]);
    expect(r.errors[0].message.length).toBeLessThan(300);
    const j = e.parseList(junk);
    expect(j.values.length + j.errorCount).toBeGreaterThan(0);
    for (const err of j.errors) expect(err.line).toBeGreaterThan(0);
  });
});

describe("single values", () => {
  it("Prefix.parse keeps what was written and masked() clears host bits", () => {
    const p = Prefix.parse("10.1.2.3/16");
    expect([p.toString(), p.hasHostBits, p.masked().toString(), p.masked().hasHostBits]).toEqual(["10.1.2.3/16", true, "10.1.0.0/16", false]);
  });

  it("Prefix.parse reports the input, the reason and where it stopped", () => {
    expect(() => Prefix.parse("10.0.0.256/8")).toThrow('parsePrefix("10.0.0.256/8"): IPv4 field has value >255 (at "256/8")');
    expect(() => Prefix.parse("10.0.0.0")).toThrow(/missing "\/length"/);
    expect(Prefix.parse("10.0.0.0", { allowBare: true }).toString()).toBe("10.0.0.0/32");
    try {
      Prefix.parse("10.0.0.0/8\n10.0.0.0/9");
      throw new Error("no error");
    } catch (err) {
      expect(err).toBeInstanceOf(ParseError);
      expect((err as ParseError).column).toBe(11);
    }
  });

  it("Addr.parse refuses prefixes and formats RFC 5952", () => {
    expect(() => Addr.parse("10.0.0.0/8")).toThrow(/an address was expected/);
    expect(Addr.parse("2001:DB8:0:0:1:0:0:1").toString()).toBe("2001:db8::1:0:0:1");
    expect(Addr.parse("0:0:0:0:0:0:0:0").toString()).toBe("::");
    expect(Addr.parse("1:0:0:0:0:0:0:0").toString()).toBe("1::");
    expect(Addr.parse("1:0:1:0:0:1:0:0").toString()).toBe("1:0:1::1:0:0");
  });

  it("exact sizes and bounds at the edges of both spaces", () => {
    expect(Prefix.parse("::/0").size).toBe(1n << 128n);
    expect(Prefix.parse("0.0.0.0/0").size).toBe(1n << 32n);
    expect(Prefix.parse("::/0").last.toString()).toBe("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    expect(Prefix.parse("2001:db8::/33").last.toString()).toBe("2001:db8:7fff:ffff:ffff:ffff:ffff:ffff");
    expect(Prefix.parse("255.255.255.255/32").last.next()).toBeUndefined();
  });
});

describe.each(backends)("IPv4 fast path edges (%s)", (_name, make) => {
  const e = make();
  it("agrees with the full parser on lines around the 16- and 32-byte SIMD windows", () => {
    const lines = [
      "1.2.3.4", "1.2.3.4/8", "10.20.30.40/16", "100.200.100.200", "100.200.100.200/", "100.200.100.200/32",
      "255.255.255.255/32", "255.255.255.255/33", "0.0.0.0/0", "0.0.0.0/00", "1.2.3.4/032", "1.2.3.4/3a",
      "1.2.3.4.", "1.2.3", "1.2.3.4.5/8", "1.2.3.4//8", "1.2.3.4/8/8", "01.2.3.4", "1.02.3.4", "1.2.03.4", "1.2.3.04",
      "1.2.3.4/8\r", " 1.2.3.4/8", "1.2.3.4/8 ", "1.2.3.256", "1.2.3.4/8#c", "1.2.3.4/8 #c", "9.9.9.9" + " ".repeat(40),
      "1.2.3.4/24", "1.2.3.0/24",
    ];
    const text = lines.join("\n");
    const r = e.parseList(text);
    const expected = lines.map((l) => {
      try { return Prefix.parse(l, { allowBare: true }).toString(); } catch { return ""; }
    });
    expect(r.records.toStrings()).toEqual(expected);
    expect(r.records.flags(lines.indexOf("1.2.3.4/24"))).toBe(3);
    expect(r.records.flags(lines.indexOf("1.2.3.0/24"))).toBe(1);
    // The last line may end without a newline, or with one.
    expect(e.parseList("10.0.0.0/8").values.toStrings()).toEqual(["10.0.0.0/8"]);
    expect(e.parseList("10.0.0.0/8\n").records.length).toBe(1);
    expect(e.parseList("").records.length).toBe(0);
  });
});
