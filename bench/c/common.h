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
