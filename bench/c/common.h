/* What the C reference programs share: failing, allocating, and reading a whole input.
 * Each program defines PROG (its name in error messages) before including this. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void die(const char *m) { fprintf(stderr, PROG ": %s\n", m); exit(1); }

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) die("out of memory");
  return p;
}

/* The whole input ("-" = stdin) in one NUL-terminated buffer (a benchmark reference, not a streaming tool). */
static char *slurp(const char *path, size_t *len) {
  int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY);
  if (fd < 0) { perror(path); exit(1); }
  size_t cap = 1 << 20, n = 0;
  char *b = xmalloc(cap + 1);
  for (;;) {
    if (n == cap) { cap *= 2; b = realloc(b, cap + 1); if (!b) die("out of memory"); }
    ssize_t k = read(fd, b + n, cap - n);
    if (k < 0) { perror(path); exit(1); }
    if (k == 0) break;
    n += (size_t)k;
  }
  if (fd) close(fd);
  b[n] = 0;
  *len = n;
  return b;
}

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* The next line of [*p, end) holding a value: [*s, *e) with blanks trimmed and a "#" comment (at
 * the line start or after a blank, aksnet's rule) cut; blank and comment lines are skipped. *line
 * counts every line read. Returns 0 at the end of the text. */
static int next_value(char **p, char *end, char **s, char **e, size_t *line) {
  while (*p < end) {
    char *nl = memchr(*p, '\n', (size_t)(end - *p));
    char *le = nl ? nl : end;
    ++*line;
    char *a = *p;
    while (a < le && is_blank(*a)) a++;
    char *b = a;
    for (char *q = a; q < le; q++) {
      if (*q == '#' && (q == a || is_blank(q[-1]))) break;
      if (!is_blank(*q)) b = q + 1;
    }
    *p = le + 1;
    if (a != b) { *s = a; *e = b; return 1; }
  }
  return 0;
}
