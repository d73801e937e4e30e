/* ledger/fetch.h - INTERIM: the one HTTP GET the sync needs.
 *
 * carbonstat gets one libcurl client in src/io/http (another change, branch
 * httpio). Until it lands, the sync talks through this tiny interface, so
 * switching is a change of this file's callers' includes and nothing else:
 * open a client (keeps its connection alive between requests), GET a URL
 * into a capped cs_http_body, close. Plain HTTP and HTTPS (system CAs),
 * compressed responses accepted (Prometheus gzips large answers), no
 * redirects, a timeout per request, no proxy surprises beyond libcurl's
 * standard environment variables. User and password in the URL are sent as
 * basic auth by libcurl; messages never show them.
 */
#ifndef CS_LEDGER_FETCH_H
#define CS_LEDGER_FETCH_H

#include <stddef.h>

#include "io/http_body.h"

#define CS_LG_BODY_MAX (512u << 20) /* a query answer larger than this is refused */

typedef struct cs_lg_http cs_lg_http;

int cs_lg_http_open(double timeout_s, cs_lg_http **out, char *why, size_t whycap);
void cs_lg_http_close(cs_lg_http *h); /* NULL is a no-op */

/* GET url into body (reset first). 0 with *status the HTTP status (the
 * body is there whatever the status: Prometheus explains errors in it), or
 * a negative code when no answer came (why names shown, not the URL's
 * credentials). */
int cs_lg_http_get(cs_lg_http *h, const char *url, const char *shown, cs_http_body *body, long *status, char *why,
                   size_t whycap);

#endif
