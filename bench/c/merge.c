/*
 * merge.c: the C reference for `aksnet cidr merge FILE` (bench/e2e).
 *
 * Reads a file of IPv4 and IPv6 prefixes or addresses, one per line (blank lines and "#"
 * comments ignored, host bits allowed), parses each with inet_pton, turns it into an inclusive
 * [start, end] range, radix-sorts the ranges (IPv4 and IPv6 separately), merges overlapping and
 * adjacent ranges, splits the result back into the minimal prefix list and prints it one prefix a
 * line: IPv4 first, then IPv6 in RFC 5952 form (inet_ntop). Its output is meant to be
 * byte-identical to aksnet's; bench/e2e/run.mjs checks that on every run.
 *
 * Usage: merge FILE   (or "-" for stdin)
 * Build: cc -O2 -o merge merge.c
 * Exit 2 on a line it cannot parse (it names the line), 1 on an I/O error.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#define PROG "merge"
#include "common.h"

typedef unsigned __int128 u128;

typedef struct { uint32_t s, e; } r4;
typedef struct { u128 s, e; } r6;

/* LSD radix sort by start, 8-bit digits; a pass whose digit is the same for every key is skipped. */
static void sort4(r4 *a, size_t n) {
  r4 *tmp = xmalloc(n * sizeof *a), *src = a, *dst = tmp;
  for (int sh = 0; sh < 32; sh += 8) {
    size_t cnt[256] = {0};
    for (size_t i = 0; i < n; i++) cnt[(src[i].s >> sh) & 255]++;
    if (n && cnt[(src[0].s >> sh) & 255] == n) continue;
    size_t sum = 0;
    for (int d = 0; d < 256; d++) { size_t c = cnt[d]; cnt[d] = sum; sum += c; }
    for (size_t i = 0; i < n; i++) dst[cnt[(src[i].s >> sh) & 255]++] = src[i];
    r4 *t = src; src = dst; dst = t;
  }
  if (src != a) memcpy(a, src, n * sizeof *a);
  free(tmp);
}

static void sort6(r6 *a, size_t n) {
  r6 *tmp = xmalloc(n * sizeof *a), *src = a, *dst = tmp;
  for (int sh = 0; sh < 128; sh += 8) {
    size_t cnt[256] = {0};
    for (size_t i = 0; i < n; i++) cnt[(unsigned)(src[i].s >> sh) & 255]++;
    if (n && cnt[(unsigned)(src[0].s >> sh) & 255] == n) continue;
    size_t sum = 0;
    for (int d = 0; d < 256; d++) { size_t c = cnt[d]; cnt[d] = sum; sum += c; }
    for (size_t i = 0; i < n; i++) dst[cnt[(unsigned)(src[i].s >> sh) & 255]++] = src[i];
    r6 *t = src; src = dst; dst = t;
  }
  if (src != a) memcpy(a, src, n * sizeof *a);
  free(tmp);
}

/* Sorted ranges merged in place (overlapping or adjacent); returns the new count. */
static size_t merge4(r4 *a, size_t n) {
  if (!n) return 0;
  size_t k = 0;
  for (size_t i = 1; i < n; i++) {
    if ((uint64_t)a[i].s <= (uint64_t)a[k].e + 1) { if (a[i].e > a[k].e) a[k].e = a[i].e; }
    else a[++k] = a[i];
  }
  return k + 1;
}

static size_t merge6(r6 *a, size_t n) {
  if (!n) return 0;
  size_t k = 0;
  const u128 max = ~(u128)0;
  for (size_t i = 1; i < n; i++) {
    if (a[k].e == max || a[i].s <= a[k].e + 1) { if (a[i].e > a[k].e) a[k].e = a[i].e; }
    else a[++k] = a[i];
  }
  return k + 1;
}

/* Output buffer, one fwrite per MiB. */
static char obuf[1 << 20];
static size_t olen;
static void flush(void) {
  if (olen && fwrite(obuf, 1, olen, stdout) != olen) die("write error");
  olen = 0;
}
static inline void room(size_t n) { if (olen + n > sizeof obuf) flush(); }

static inline char *put_u8(char *p, unsigned v) {
  if (v >= 100) { *p++ = '0' + v / 100; v %= 100; *p++ = '0' + v / 10; *p++ = '0' + v % 10; }
  else if (v >= 10) { *p++ = '0' + v / 10; *p++ = '0' + v % 10; }
  else *p++ = '0' + v;
  return p;
}

static void print4(uint32_t a, int bits) {
  room(24);
  char *p = obuf + olen;
  p = put_u8(p, a >> 24); *p++ = '.';
  p = put_u8(p, (a >> 16) & 255); *p++ = '.';
  p = put_u8(p, (a >> 8) & 255); *p++ = '.';
  p = put_u8(p, a & 255); *p++ = '/';
  p = put_u8(p, (unsigned)bits); *p++ = '\n';
  olen = (size_t)(p - obuf);
}

static void print6(u128 a, int bits) {
  unsigned char b[16];
  for (int i = 15; i >= 0; i--) { b[i] = (unsigned char)a; a >>= 8; }
  room(INET6_ADDRSTRLEN + 6);
  char *p = obuf + olen;
  if (!inet_ntop(AF_INET6, b, p, INET6_ADDRSTRLEN)) die("inet_ntop failed");
  p += strlen(p);
  *p++ = '/';
  p = put_u8(p, (unsigned)bits); *p++ = '\n';
  olen = (size_t)(p - obuf);
}

static inline int ctz32(uint32_t x) { return x ? __builtin_ctz(x) : 32; }
static inline int ctz128(u128 x) {
  uint64_t lo = (uint64_t)x, hi = (uint64_t)(x >> 64);
  return lo ? __builtin_ctzll(lo) : hi ? 64 + __builtin_ctzll(hi) : 128;
}

/* The minimal prefixes covering [s, e]: at each step the largest aligned block that fits. */
static size_t split4(uint32_t s, uint32_t e) {
  size_t n = 0;
  for (;;) {
    int tz = ctz32(s);
    uint32_t last;
    for (;;) {
      last = tz == 32 ? 0xffffffffu : s | ((1u << tz) - 1);
      if (last <= e) break;
      tz--;
    }
    print4(s, 32 - tz);
    n++;
    if (last == e) return n;
    s = last + 1;
  }
}

static size_t split6(u128 s, u128 e) {
  size_t n = 0;
  for (;;) {
    int tz = ctz128(s);
    u128 last;
    for (;;) {
      last = tz == 128 ? ~(u128)0 : s | (((u128)1 << tz) - 1);
      if (last <= e) break;
      tz--;
    }
    print6(s, 128 - tz);
    n++;
    if (last == e) return n;
    s = last + 1;
  }
}


int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: merge FILE|-\n"); return 2; }
  size_t len;
  char *text = slurp(argv[1], &len);

  size_t cap4 = 1024, cap6 = 1024, n4 = 0, n6 = 0;
  r4 *v4 = xmalloc(cap4 * sizeof *v4);
  r6 *v6 = xmalloc(cap6 * sizeof *v6);
  size_t lineno = 0;
  char *p = text, *end = text + len;
  char *s, *e;
  while (next_value(&p, end, &s, &e, &lineno)) {
    char buf[64];
    size_t n = (size_t)(e - s);
    if (n >= sizeof buf) { fprintf(stderr, "merge: line %zu: too long\n", lineno); return 2; }
    memcpy(buf, s, n);
    buf[n] = 0;
    char *slash = strchr(buf, '/');
    int six = strchr(buf, ':') != NULL;
    int bits = six ? 128 : 32;
    if (slash) {
      *slash = 0;
      char *t = slash + 1, *te;
      long v = strtol(t, &te, 10);
      if (te == t || *te || v < 0 || v > bits) { fprintf(stderr, "merge: line %zu: bad prefix length\n", lineno); return 2; }
      bits = (int)v;
    }
    if (six) {
      unsigned char a[16];
      if (inet_pton(AF_INET6, buf, a) != 1) { fprintf(stderr, "merge: line %zu: not an IPv6 address\n", lineno); return 2; }
      u128 x = 0;
      for (int i = 0; i < 16; i++) x = (x << 8) | a[i];
      u128 host = bits == 0 ? ~(u128)0 : bits == 128 ? 0 : ((u128)1 << (128 - bits)) - 1;
      if (n6 == cap6) { cap6 *= 2; v6 = realloc(v6, cap6 * sizeof *v6); if (!v6) die("out of memory"); }
      v6[n6].s = x & ~host;
      v6[n6].e = x | host;
      n6++;
    } else {
      struct in_addr a;
      if (inet_pton(AF_INET, buf, &a) != 1) { fprintf(stderr, "merge: line %zu: not an IPv4 address\n", lineno); return 2; }
      uint32_t x = ntohl(a.s_addr);
      uint32_t host = bits == 0 ? 0xffffffffu : bits == 32 ? 0 : (1u << (32 - bits)) - 1;
      if (n4 == cap4) { cap4 *= 2; v4 = realloc(v4, cap4 * sizeof *v4); if (!v4) die("out of memory"); }
      v4[n4].s = x & ~host;
      v4[n4].e = x | host;
      n4++;
    }
  }
  free(text);

  sort4(v4, n4);
  size_t m4 = merge4(v4, n4);
  sort6(v6, n6);
  size_t m6 = merge6(v6, n6);
  size_t out = 0;
  for (size_t i = 0; i < m4; i++) out += split4(v4[i].s, v4[i].e);
  for (size_t i = 0; i < m6; i++) out += split6(v6[i].s, v6[i].e);
  if (!out) { room(1); obuf[olen++] = '\n'; } /* aksnet prints one empty line for an empty result */
  flush();
  if (fflush(stdout)) die("write error");
  fprintf(stderr, "%zu in, %zu out\n", n4 + n6, out);
  return 0;
}
