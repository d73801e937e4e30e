/* tests/support/conf_fixture.c - see conf_fixture.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "agent/agent.h"
#include "conf_fixture.h"

__attribute__((format(printf, 4, 0))) static int tf_conf_v(cs_conf **out, char *err, size_t cap, const char *ini_fmt,
                                                           va_list ap)
{
	const cs_conf_section *secs[CS_AGENT_SECTIONS_MAX];
	size_t n = cs_agent_sections(secs, CS_AGENT_SECTIONS_MAX);
	cs_conf_layers l = {.text_name = "test.ini"};
	char *text = NULL;
	va_list again;
	int len, rc;

	va_copy(again, ap);
	len = vsnprintf(NULL, 0, ini_fmt, ap);
	if (len >= 0 && n <= CS_AGENT_SECTIONS_MAX)
		text = malloc((size_t)len + 1);
	if (!text)
		fail_msg("tf_conf: out of memory");
	vsnprintf(text, (size_t)len + 1, ini_fmt, again);
	va_end(again);
	l.text = text;
	l.text_len = (size_t)len;
	rc = cs_conf_build(secs, n, &l, out, err, cap);
	free(text);
	return rc;
}

cs_conf *tf_conf(const char *ini_fmt, ...)
{
	cs_conf *c = NULL;
	char err[512] = "";
	va_list ap;

	va_start(ap, ini_fmt);
	if (tf_conf_v(&c, err, sizeof(err), ini_fmt, ap) != 0)
		fail_msg("tf_conf: %s", err);
	va_end(ap);
	return c;
}

int tf_conf_try(cs_conf **out, char *err, size_t cap, const char *ini_fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, ini_fmt);
	rc = tf_conf_v(out, err, cap, ini_fmt, ap);
	va_end(ap);
	return rc;
}

cs_export_env tf_export_env(const cs_conf *c, const cs_exporter_ops *ops)
{
	cs_export_env env = {.conf = cs_conf_get(c, ops->conf), .node = "node-1", .interval_s = 5};

	if (!env.conf)
		fail_msg("tf_export_env: no [%s]", ops->conf->name);
	return env;
}
