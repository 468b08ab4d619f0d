/*
 * overlaps.c: the C reference for `aksnet cidr overlaps FILE` (bench/e2e).
 *
 * Reads prefixes or addresses one per line (blank lines and "#" comments ignored, host bits
 * allowed), parses each with inet_pton, radix-sorts the ranges by (start, shorter prefix first)
 * for IPv4 and IPv6 separately, and finds every overlapping pair with one stack sweep: two
 * prefixes overlap only when one contains the other, so the stack holds the chain of prefixes
 * that contain the current one. Pairs (i < j, input order) are sorted.
 *
 * Usage: overlaps FILE          prints the number of overlapping pairs
 *        overlaps -p FILE       prints every pair as aksnet's text output does
 *                               ("A (FILE:LINE) contains B (FILE:LINE)"), the count on stderr
 * Build: cc -O2 -o overlaps overlaps.c
 * bench/e2e/run.mjs checks that the count equals aksnet's `--format json` "count" and, with -p,
 * that the text is byte-identical.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROG "overlaps"
#include "common.h"

typedef unsigned __int128 u128;

typedef struct {
  u128 s, e;     /* masked range */
  u128 addr;     /* the address as written (host bits kept), for printing */
  uint32_t idx;  /* input order among values */
  uint32_t line; /* 1-based line number */
  uint8_t bits, six;
} rec;

/* Stable LSD radix sort: by prefix length (one counting pass), then by start in 8-bit digits. */
static void sort_recs(rec *a, size_t n) {
  if (n < 2) return;
  rec *tmp = xmalloc(n * sizeof *a), *src = a, *dst = tmp;
  {
    size_t cnt[129] = {0}, sum = 0;
    for (size_t i = 0; i < n; i++) cnt[src[i].bits]++;
    for (int d = 0; d < 129; d++) { size_t c = cnt[d]; cnt[d] = sum; sum += c; }
    for (size_t i = 0; i < n; i++) dst[cnt[src[i].bits]++] = src[i];
    rec *t = src; src = dst; dst = t;
  }
  for (int sh = 0; sh < 128; sh += 8) {
    size_t cnt[256] = {0};
    for (size_t i = 0; i < n; i++) cnt[(unsigned)(src[i].s >> sh) & 255]++;
    if (cnt[(unsigned)(src[0].s >> sh) & 255] == n) continue;
    size_t sum = 0;
    for (int d = 0; d < 256; d++) { size_t c = cnt[d]; cnt[d] = sum; sum += c; }
    for (size_t i = 0; i < n; i++) dst[cnt[(unsigned)(src[i].s >> sh) & 255]++] = src[i];
    rec *t = src; src = dst; dst = t;
  }
  if (src != a) memcpy(a, src, n * sizeof *a);
  free(tmp);
}

static void sort_u64(uint64_t *a, size_t n) {
  if (n < 2) return;
  uint64_t *tmp = xmalloc(n * sizeof *a), *src = a, *dst = tmp;
  for (int sh = 0; sh < 64; sh += 16) {
    size_t *cnt = calloc(65536, sizeof *cnt);
    if (!cnt) die("out of memory");
    for (size_t i = 0; i < n; i++) cnt[(src[i] >> sh) & 0xffff]++;
    if (cnt[(src[0] >> sh) & 0xffff] == n) { free(cnt); continue; }
    size_t sum = 0;
    for (int d = 0; d < 65536; d++) { size_t c = cnt[d]; cnt[d] = sum; sum += c; }
    for (size_t i = 0; i < n; i++) dst[cnt[(src[i] >> sh) & 0xffff]++] = src[i];
    free(cnt);
    uint64_t *t = src; src = dst; dst = t;
  }
  if (src != a) memcpy(a, src, n * sizeof *a);
  free(tmp);
}

static uint64_t *pairs;
static size_t npairs, cappairs;

static void add_pair(uint32_t a, uint32_t b) {
  if (npairs == cappairs) {
    cappairs = cappairs ? cappairs * 2 : 1 << 16;
    pairs = realloc(pairs, cappairs * sizeof *pairs);
    if (!pairs) die("out of memory");
  }
  pairs[npairs++] = a < b ? ((uint64_t)a << 32) | b : ((uint64_t)b << 32) | a;
}

/* Sorted by (start, bits): every stack entry whose range reaches the current start contains it. */
static void sweep(rec *a, size_t n) {
  rec **stack = xmalloc((n ? n : 1) * sizeof *stack);
  size_t top = 0;
  for (size_t i = 0; i < n; i++) {
    while (top && stack[top - 1]->e < a[i].s) top--;
    for (size_t k = 0; k < top; k++) add_pair(stack[k]->idx, a[i].idx);
    stack[top++] = &a[i];
  }
  free(stack);
}

static char obuf[1 << 20];
static size_t olen;
static void flush(void) {
  if (olen && fwrite(obuf, 1, olen, stdout) != olen) die("write error");
  olen = 0;
}
static inline void put(const char *s, size_t n) {
  if (olen + n > sizeof obuf) flush();
  memcpy(obuf + olen, s, n);
  olen += n;
}
static inline void puts_(const char *s) { put(s, strlen(s)); }
static void putu(unsigned long v) {
  char b[24];
  int k = sizeof b;
  do { b[--k] = (char)('0' + v % 10); v /= 10; } while (v);
  put(b + k, sizeof b - (size_t)k);
}

static void put_prefix(const rec *r) {
  char b[INET6_ADDRSTRLEN];
  if (r->six) {
    unsigned char x[16];
    u128 a = r->addr;
    for (int i = 15; i >= 0; i--) { x[i] = (unsigned char)a; a >>= 8; }
    inet_ntop(AF_INET6, x, b, sizeof b);
  } else {
    struct in_addr x = { htonl((uint32_t)r->addr) };
    inet_ntop(AF_INET, &x, b, sizeof b);
  }
  puts_(b);
  put("/", 1);
  putu(r->bits);
}


int main(int argc, char **argv) {
  int print = 0;
  const char *path = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-p") == 0) print = 1;
    else if (!path) path = argv[i];
    else { path = NULL; break; }
  }
  if (!path) { fprintf(stderr, "usage: overlaps [-p] FILE|-\n"); return 2; }
  size_t len;
  char *text = slurp(path, &len);

  size_t cap = 1024, n = 0, n4 = 0;
  rec *all = xmalloc(cap * sizeof *all);
  size_t lineno = 0;
  char *p = text, *end = text + len;
  char *s, *e;
  while (next_value(&p, end, &s, &e, &lineno)) {
    char buf[64];
    size_t k = (size_t)(e - s);
    if (k >= sizeof buf) { fprintf(stderr, "overlaps: line %zu: too long\n", lineno); return 2; }
    memcpy(buf, s, k);
    buf[k] = 0;
    char *slash = strchr(buf, '/');
    int six = strchr(buf, ':') != NULL;
    int bits = six ? 128 : 32, max = bits;
    if (slash) {
      *slash = 0;
      char *t = slash + 1, *te;
      long v = strtol(t, &te, 10);
      if (te == t || *te || v < 0 || v > max) { fprintf(stderr, "overlaps: line %zu: bad prefix length\n", lineno); return 2; }
      bits = (int)v;
    }
    u128 x = 0;
    if (six) {
      unsigned char a[16];
      if (inet_pton(AF_INET6, buf, a) != 1) { fprintf(stderr, "overlaps: line %zu: not an IPv6 address\n", lineno); return 2; }
      for (int i = 0; i < 16; i++) x = (x << 8) | a[i];
    } else {
      struct in_addr a;
      if (inet_pton(AF_INET, buf, &a) != 1) { fprintf(stderr, "overlaps: line %zu: not an IPv4 address\n", lineno); return 2; }
      x = ntohl(a.s_addr);
    }
    int hb = max - bits;
    u128 host = hb == 128 ? ~(u128)0 : ((u128)1 << hb) - 1;
    if (n == cap) { cap *= 2; all = realloc(all, cap * sizeof *all); if (!all) die("out of memory"); }
    rec *r = &all[n];
    r->s = x & ~host;
    r->e = x | host;
    r->addr = x;
    r->idx = (uint32_t)n;
    r->line = lineno;
    r->bits = (uint8_t)bits;
    r->six = (uint8_t)six;
    n++;
    n4 += !six;
  }
  free(text);

  /* Families apart: v4 records first (a stable partition), then v6. */
  rec *fam = xmalloc((n ? n : 1) * sizeof *fam);
  size_t a4 = 0, a6 = n4;
  for (size_t i = 0; i < n; i++) fam[all[i].six ? a6++ : a4++] = all[i];
  sort_recs(fam, n4);
  sort_recs(fam + n4, n - n4);
  sweep(fam, n4);
  sweep(fam + n4, n - n4);
  free(fam);

  if (print) {
    sort_u64(pairs, npairs);
    for (size_t k = 0; k < npairs; k++) {
      const rec *x = &all[pairs[k] >> 32], *y = &all[(uint32_t)pairs[k]];
      put_prefix(x);
      put(" (", 2); puts_(path); put(":", 1); putu(x->line); put(") ", 2);
      puts_(x->bits == y->bits ? "is the same range as " : x->bits < y->bits ? "contains " : "is inside ");
      put_prefix(y);
      put(" (", 2); puts_(path); put(":", 1); putu(y->line); put(")\n", 2);
    }
    flush();
    if (npairs) fprintf(stderr, "%zu overlapping pair%s among %zu prefixes\n", npairs, npairs > 1 ? "s" : "", n);
    else fprintf(stderr, "no overlaps among %zu prefixes\n", n);
  } else {
    putu(npairs);
    put("\n", 1);
    flush();
  }
  if (fflush(stdout)) die("write error");
  return 0;
}
