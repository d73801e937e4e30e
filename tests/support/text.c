/* tests/support/text.c - tf_slurp and tf_buf; see text.h. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "text.h"
#include "wait.h"

char *tf_slurp(const char *path, size_t *len_out)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len_out)
		*len_out = (size_t)n;
	return buf;
}

size_t tf_buf_write(char *p, size_t size, size_t n, void *buf)
{
	tf_buf *b = buf;
	size_t k = size * n;
	char *g = realloc(b->data, b->len + k + 1);

	assert_non_null(g);
	b->data = g;
	if (k)
		memcpy(b->data + b->len, p, k);
	b->len += k;
	b->data[b->len] = '\0';
	return k;
}

void tf_buf_free(tf_buf *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

long tf_http_get(const char *url, tf_buf *out)
{
	long status = 0;
	CURL *h = curl_easy_init();

	assert_non_null(h);
	tf_buf_free(out);
	tf_buf_write((char *)"", 1, 0, out);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, tf_buf_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, (void *)out);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(tf_scaled_s(5.0) * 1000.0));
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	return status;
}
