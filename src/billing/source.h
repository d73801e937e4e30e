/* billing/source.h - the bytes of one bill file: plain, gzip, stdin or memory.
 *
 * A bill export is read once, front to back, in large blocks straight into
 * the caller's buffer. Gzip is recognised by its magic bytes (not the file
 * name) and inflated as a stream, multi-member files included (S3 exports are
 * often concatenated members), with ISA-L's igzip when the build found
 * libisal (2.5x zlib on CUR text: 1,440 vs 580 MB/s here, bench_billing_inflate)
 * and zlib otherwise. A stream that ends inside a member is an error naming
 * the file, never a silently short bill.
 */
#ifndef CS_BILLING_SOURCE_H
#define CS_BILLING_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/mem.h"

typedef struct cs_bill_src cs_bill_src;

/* Opens path ("-" = standard input). why gets "FILE: reason; fix". */
int cs_bill_src_open(const char *path, cs_bill_src **out, char *why, size_t cap);

/* A source over n bytes of memory (not copied; must outlive the source).
 * name is used in messages. */
int cs_bill_src_open_mem(const void *data, size_t n, const char *name, cs_bill_src **out, char *why, size_t cap);

/* Reads up to cap bytes into buf; *got = 0 means the end. Returns 0 or a
 * negative code with why filled: -errno for I/O, -EBADMSG for corrupt or
 * truncated gzip. An error is final: later calls return it again. */
int cs_bill_src_read(cs_bill_src *s, char *buf, size_t cap, size_t *got, char *why, size_t whycap);

/* Makes room in w (cs_win_room: CS_ERANGE when a full buffer is already max
 * bytes, why left to the caller) and reads what fits into it: *got = 0 at
 * the end of input; otherwise as cs_bill_src_read. */
int cs_bill_win_fill(cs_bill_src *s, cs_win *w, size_t max, size_t *got, char *why, size_t whycap);

/* Looks at the first bytes of the (inflated) text without consuming them:
 * *p gets up to 4 KiB of it (fewer at the end of a short input). The next
 * reads return these bytes first. Call once, before any read. */
int cs_bill_src_peek(cs_bill_src *s, const char **p, size_t *n, char *why, size_t whycap);

/* Zero-copy reading of a gzip file (inflated on its own thread into a ring
 * of 1 MiB blocks): hands over the next block in place instead of copying
 * it out. The nkeep bytes at keep (what the caller has not finished with:
 * the partial record at the end of its previous block or buffer) are
 * copied in front of the block's text; *p gets their copy and *n = nkeep +
 * the block's text, writable, with 64 readable bytes after it. The block
 * stays the caller's until its next call here or to cs_bill_src_read.
 * Returns 0 (*n = 0: the end; the caller's data is left as it was),
 * CS_ERANGE when nkeep is over 64 KiB or peeked bytes are still unread
 * (read instead), CS_EUNAVAIL for a source without blocks, or the
 * inflater's error (-EBADMSG...). */
int cs_bill_src_block(cs_bill_src *s, const char *keep, size_t nkeep, char **p, size_t *n, char *why, size_t whycap);

/* Name given at open, whether the input is gzip, compressed bytes read so far. */
const char *cs_bill_src_name(const cs_bill_src *s);
bool cs_bill_src_gzip(const cs_bill_src *s);
uint64_t cs_bill_src_bytes_in(const cs_bill_src *s);

/* The inflater this build uses: "isa-l igzip" or "zlib". */
const char *cs_bill_src_inflater(void);

void cs_bill_src_free(cs_bill_src *s);

#endif
