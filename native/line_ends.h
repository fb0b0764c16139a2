// TYPE A line-end conversions (RFC 959 §3.1.1.1: CRLF on the wire), the same
// rules as src/ftp/data/ascii.ts, for the kernel relay's copy mode. Each
// keeps one flag across calls so the result does not depend on how the
// stream was cut into blocks.
#ifndef LINE_ENDS_H
#define LINE_ENDS_H
#include <stddef.h>
#include <stdint.h>

// CRLF -> LF; a CR not followed by LF is kept. A CR that ends the block is
// held (*held_cr = 1) until the next block shows what follows it; at the end
// of the data a held CR is a lone CR: emit it. `out` holds at least n + 1.
size_t crlf_to_lf(const uint8_t *in, size_t n, uint8_t *out, int *held_cr);

// A bare LF -> CRLF; an existing CRLF is kept. *after_cr: the byte before
// `in` was CR. `out` holds at least 2 * n.
size_t lf_to_crlf(const uint8_t *in, size_t n, uint8_t *out, int *after_cr);
#endif
