/* io/http_body.h - a size-capped, growable buffer for HTTP response bodies.
 *
 * libcurl hands a body over in chunks to a write callback; every client in
 * carbonstat (cloud metadata, kubelet, later the grid-intensity APIs) needs
 * the same thing: append, refuse past a cap (what a server sends is
 * untrusted), keep the body NUL-terminated for parsers that want a string.
 * cs_http_body_write has libcurl's CURLOPT_WRITEFUNCTION signature without
 * including curl.h, so this module does not link libcurl. Growth is
 * geometric (a kubelet answer is ~1 MB), and a buffer reset between
 * requests keeps its memory, so a client that polls reuses one allocation.
 */
#ifndef CS_IO_HTTP_BODY_H
#define CS_IO_HTTP_BODY_H

#include <stdbool.h>
#include <stddef.h>

typedef struct cs_http_body {
	char *data;    /* NUL-terminated when len > 0 or after a write; owned */
	size_t len;    /* bytes received */
	size_t alloc;  /* bytes allocated for data */
	size_t max;    /* cap on len; a chunk past it aborts the transfer */
	bool overflow; /* the cap was hit */
	bool oom;      /* an allocation failed */
} cs_http_body;

/* Empty buffer capped at max bytes; allocates nothing yet. */
void cs_http_body_init(cs_http_body *b, size_t max);

/* Forget the content (keeps the allocation and the cap). */
void cs_http_body_reset(cs_http_body *b);

/* Frees the data; b can be init'ed again. NULL is a no-op. */
void cs_http_body_free(cs_http_body *b);

/* libcurl write callback (ud = cs_http_body *). Returns size*nmemb, or 0 to
 * abort the transfer (CURLE_WRITE_ERROR) when over the cap or out of memory. */
size_t cs_http_body_write(char *ptr, size_t size, size_t nmemb, void *ud);

#endif
