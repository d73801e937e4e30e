/* ledger/fetch.c - INTERIM libcurl GET, see fetch.h (replaced by src/io/http). */
#include "ledger/fetch.h"

#include <curl/curl.h>
#include <math.h>
#include <stdlib.h>

#include "carbonstat/error.h"
#include "carbonstat/version.h"
#include "core/why.h"

struct cs_lg_http {
	CURL *h;
	double timeout_s;
};

int cs_lg_http_open(double timeout_s, cs_lg_http **out, char *why, size_t whycap)
{
	cs_lg_http *c = calloc(1, sizeof(*c));
	long ms = (long)ceil(timeout_s * 1000.0);

	*out = NULL;
	if (!c || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(c->h = curl_easy_init())) {
		free(c);
		cs_set_why(why, whycap, "ledger sync: cannot start the HTTP client (out of memory)");
		return CS_ENOMEM;
	}
	c->timeout_s = timeout_s;
	if (curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, cs_http_body_write) != CURLE_OK ||
	    curl_easy_setopt(c->h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
#if LIBCURL_VERSION_NUM >= 0x075500
	    curl_easy_setopt(c->h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
#else
	    curl_easy_setopt(c->h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK ||
#endif
	    curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, ms > 0 ? ms : 1L) != CURLE_OK ||
	    curl_easy_setopt(c->h, CURLOPT_CONNECTTIMEOUT_MS, ms > 0 ? ms : 1L) != CURLE_OK ||
	    curl_easy_setopt(c->h, CURLOPT_ACCEPT_ENCODING, "") != CURLE_OK ||
	    curl_easy_setopt(c->h, CURLOPT_USERAGENT, "carbonstat/" CARBONSTAT_VERSION) != CURLE_OK) {
		cs_lg_http_close(c);
		cs_set_why(why, whycap, "ledger sync: cannot configure the HTTP client");
		return CS_ENOMEM;
	}
	*out = c;
	return 0;
}

void cs_lg_http_close(cs_lg_http *c)
{
	if (!c)
		return;
	if (c->h)
		curl_easy_cleanup(c->h);
	curl_global_cleanup();
	free(c);
}

int cs_lg_http_get(cs_lg_http *c, const char *url, const char *shown, cs_http_body *body, long *status, char *why,
                   size_t whycap)
{
	CURLcode rc;

	cs_http_body_reset(body);
	*status = 0;
	if (curl_easy_setopt(c->h, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(c->h, CURLOPT_WRITEDATA, (void *)body) != CURLE_OK) {
		cs_set_why(why, whycap, "ledger sync: the URL of %s is not usable", shown);
		return CS_EINVAL;
	}
	rc = curl_easy_perform(c->h);
	if (rc != CURLE_OK) {
		if (body->overflow)
			cs_set_why(why, whycap, "ledger sync: %s answered more than %u MB; sync fewer hours at a time",
			           shown, CS_LG_BODY_MAX >> 20);
		else if (rc == CURLE_OPERATION_TIMEDOUT)
			cs_set_why(why, whycap, "ledger sync: %s did not answer within %.0f s; raise --timeout or sync "
			                        "fewer hours",
			           shown, c->timeout_s);
		else
			cs_set_why(why, whycap, "ledger sync: cannot reach %s: %s; check --prometheus", shown,
			           curl_easy_strerror(rc));
		return rc == CURLE_OUT_OF_MEMORY ? CS_ENOMEM : CS_EUNAVAIL;
	}
	curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, status);
	return 0;
}
