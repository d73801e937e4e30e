/* tests/support/conf_fixture.h - configurations for the unit tests, built
 * the way the agent builds them: every registered section (agent/registry.c)
 * from INI text, so a test sets a module's keys by name, never by poking a
 * struct, and a default or table bug shows up in every test that uses it.
 */
#ifndef CS_TESTS_SUPPORT_CONF_FIXTURE_H
#define CS_TESTS_SUPPORT_CONF_FIXTURE_H

#include "conf/conf.h"
#include "exporters/exporter.h"

/* The whole configuration from INI text (printf-style); fails the test on an
 * error. cs_conf_free it. */
cs_conf *tf_conf(const char *ini_fmt, ...) __attribute__((format(printf, 1, 2)));

/* The same, returning what cs_conf_build returns (err gets its line). */
int tf_conf_try(cs_conf **out, char *err, size_t cap, const char *ini_fmt, ...) __attribute__((format(printf, 4, 5)));

/* What the agent hands ops at open: its section of c, node "node-1",
 * interval 5 s. */
cs_export_env tf_export_env(const cs_conf *c, const cs_exporter_ops *ops);

#endif
