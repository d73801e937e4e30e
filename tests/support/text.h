/* tests/support/text.h - whole files and HTTP bodies as strings, for tests.
 *
 * The helpers several unit tests carried a copy of: read a file into one
 * NUL-terminated buffer, collect what libcurl (or any fwrite-style producer)
 * writes into a growing buffer, and GET a fake server's control endpoint.
 */
#ifndef CS_TESTS_SUPPORT_TEXT_H
#define CS_TESTS_SUPPORT_TEXT_H

#include <stddef.h>

/* The whole of path, NUL-terminated (the caller frees it); *len_out its size
 * when len_out is not NULL. A file that cannot be opened or read fails the
 * test. */
char *tf_slurp(const char *path, size_t *len_out);

/* A growing byte buffer; data is NUL-terminated once anything (even zero
 * bytes) was written, NULL before. Start it zeroed: tf_buf b = {0}; */
typedef struct tf_buf {
	char *data;
	size_t len;
} tf_buf;

/* fwrite-shaped append (CURLOPT_WRITEFUNCTION with CURLOPT_WRITEDATA a
 * tf_buf *): appends size x n bytes, returns size x n. */
size_t tf_buf_write(char *p, size_t size, size_t n, void *buf);

/* Frees the data and empties b (NULL: no-op). */
void tf_buf_free(tf_buf *b);

/* GET url (no proxy, a 5 s timeout scaled by CS_TIME_SCALE) into out, which
 * is emptied first and holds a string afterwards ("" for an empty body).
 * Fails the test if the transfer fails; returns the HTTP status. */
long tf_http_get(const char *url, tf_buf *out);

#endif
