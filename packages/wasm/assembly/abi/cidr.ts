// Record layouts and status codes of the CIDR verbs, shared with TypeScript
// (packages/engine/src/core/abi.ts mirrors these one way; a test instantiates the module and
// compares every exported global with the mirror). The netfilter and sweep layouts are beside
// this file. Nothing here knows about Azure: only addresses, prefixes, ranges and their records.

// Prefix / address record, 32 bytes, little-endian.
//   0  u64 hi       high 64 bits of the 128-bit address (0 for IPv4)
//   8  u64 lo       low 64 bits; IPv4 is stored as ::ffff:a.b.c.d, so lo = 0x0000ffff_xxxxxxxx
//  16  u32 value    caller's payload: LPM value, original index, ...
//  20  u8  bits     prefix length within the family (0..32 for IPv4, 0..128 for IPv6)
//  21  u8  family   4 or 6; 0 means "no value" (an empty or failed line)
//  22  u8  flags    FLAG_* below
//  23  u8  status   ST_* below
//  24  u32 col      0-based byte offset in the line where parsing stopped (errors only)
//  28  u32 line     1-based line number (parse only)
export const REC_SIZE: i32 = 32;
export const OFF_HI: i32 = 0;
export const OFF_LO: i32 = 8;
export const OFF_VALUE: i32 = 16;
export const OFF_BITS: i32 = 20;
export const OFF_FAMILY: i32 = 21;
export const OFF_FLAGS: i32 = 22;
export const OFF_STATUS: i32 = 23;
export const OFF_COL: i32 = 24;
export const OFF_LINE: i32 = 28;

// Range record, 40 bytes: inclusive [first, last] of one family.
export const RANGE_SIZE: i32 = 40;
export const ROFF_FIRST_HI: i32 = 0;
export const ROFF_FIRST_LO: i32 = 8;
export const ROFF_LAST_HI: i32 = 16;
export const ROFF_LAST_LO: i32 = 24;
export const ROFF_FAMILY: i32 = 32;

export const FLAG_HAS_SLASH: i32 = 1; // written as a prefix ("a/n"), not a bare address
export const FLAG_HOST_BITS: i32 = 2; // bits set below the prefix length ("10.1.2.3/16")

// Parse modes.
export const MODE_EITHER: i32 = 0; // a bare address becomes /32 or /128
export const MODE_PREFIX: i32 = 1; // "/n" required
export const MODE_ADDR: i32 = 2; // "/n" refused

// Status codes, one per record. ST_OK and ST_EMPTY are not errors.
export const ST_OK: i32 = 0;
export const ST_EMPTY: i32 = 1; // blank line or comment
export const ST_BAD_CHAR: i32 = 2; // unexpected character
export const ST_V4_FIELD_RANGE: i32 = 3; // IPv4 field > 255
export const ST_V4_LEADING_ZERO: i32 = 4; // IPv4 field with a leading zero (ambiguous octal)
export const ST_V4_FIELD_COUNT: i32 = 5; // not exactly four IPv4 fields
export const ST_V4_EMPTY_FIELD: i32 = 6; // "1..2.3"
export const ST_V6_GROUP_TOO_LONG: i32 = 7; // more than 4 hex digits
export const ST_V6_DOUBLE_COLON: i32 = 8; // more than one "::"
export const ST_V6_GROUP_COUNT: i32 = 9; // too few or too many groups
export const ST_V6_EMPTY_GROUP: i32 = 10; // ":" where a group was expected
export const ST_V6_BAD_V4: i32 = 11; // embedded IPv4 not in the last 32 bits
export const ST_ZONE: i32 = 12; // "%zone" is not allowed
export const ST_PREFIX_MISSING: i32 = 13; // mode PREFIX, no "/n"
export const ST_PREFIX_UNEXPECTED: i32 = 14; // mode ADDR, "/n" given
export const ST_PREFIX_BAD: i32 = 15; // "/" not followed by a decimal length (or leading zero)
export const ST_PREFIX_RANGE: i32 = 16; // length > 32 or > 128
export const ST_TRAILING: i32 = 17; // junk after a complete value
export const ST_COUNT: i32 = 18;

// Verb results that need a second number write it into the caller's result block (abi/core.ts).
export const RET_OVERFLOW: i32 = -1; // output capacity too small: the count needed is at res + RES_A

// List punctuation for the formatters (format.ts), a "decor" block: u32 firstLen, u32 sepLen,
// u32 trailLen, then the bytes of first, sep and trail.
export const DECOR_HEADER: i32 = 12;

// Source table for overlap-pair origins (format.ts), one 24-byte entry per input source:
//   0 u32 first record index   4 u32 name ptr   8 u32 name len
//  12 u32 JSON-escaped name ptr  16 u32 its len  20 u32 1 when origins carry ":line"
export const SRC_SIZE: i32 = 24;
export const SRC_START: i32 = 0;
export const SRC_NAME: i32 = 4;
export const SRC_NAME_LEN: i32 = 8;
export const SRC_JSON: i32 = 12;
export const SRC_JSON_LEN: i32 = 16;
export const SRC_LINES: i32 = 20;
