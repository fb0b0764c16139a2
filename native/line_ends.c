#include "line_ends.h"

#include <string.h>

size_t crlf_to_lf(const uint8_t *in, size_t n, uint8_t *out, int *held_cr) {
  size_t o = 0, i = 0;
  if (n == 0) return 0;
  if (*held_cr) {
    // The held CR is dropped when this block starts with its LF.
    if (in[0] != '\n') out[o++] = '\r';
    *held_cr = 0;
  }
  while (i < n) {
    const uint8_t *cr = memchr(in + i, '\r', n - i);
    size_t end = cr ? (size_t)(cr - in) : n;
    memcpy(out + o, in + i, end - i);
    o += end - i;
    i = end;
    if (!cr) break;
    if (i + 1 < n) {
      if (in[i + 1] != '\n') out[o++] = '\r';
    } else {
      *held_cr = 1;
    }
    i++;
  }
  return o;
}

size_t lf_to_crlf(const uint8_t *in, size_t n, uint8_t *out, int *after_cr) {
  size_t o = 0, i = 0;
  if (n == 0) return 0;
  while (i < n) {
    const uint8_t *lf = memchr(in + i, '\n', n - i);
    size_t end = lf ? (size_t)(lf - in) : n;
    memcpy(out + o, in + i, end - i);
    o += end - i;
    if (!lf) break;
    int cr_before = end > 0 ? in[end - 1] == '\r' : *after_cr;
    if (!cr_before) out[o++] = '\r';
    out[o++] = '\n';
    i = end + 1;
  }
  *after_cr = in[n - 1] == '\r';
  return o;
}
