/* exporters/exporter.h - the method table every exporter implements.
 *
 * Each cycle the agent hands every enabled exporter one cs_snapshot
 * (pipeline/snapshot.h: the rows, node figures and self-metrics, valid
 * during publish(), and until hold() for an exporter that has one).
 *
 * Exporters: prometheus.c (HTTP, libmicrohttpd), statsd.c (DogStatsD over
 * UDP), jsonl.c (JSON lines file), stdout.c (human lines). Each is one file
 * exporting one `const cs_exporter_ops cs_exporter_<name>`.
 */
#ifndef CS_EXPORTERS_EXPORTER_H
#define CS_EXPORTERS_EXPORTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "pipeline/snapshot.h"

/* What every exporter gets at open. */
typedef struct cs_export_env {
	const void *conf;  /* its own section's struct (ops.conf describes it) */
	const char *node;  /* node name */
	double interval_s; /* the agent's sampling interval */
} cs_export_env;

/* An exporter is one file: this table, its carbonstat.ini section (keys,
 * defaults, flags, an "enabled" switch; conf/conf.h) and one line in
 * registry.c. The agent builds its command line, environment variables and
 * --check-config from the section, opens the exporter when the section is
 * enabled and reopens it on SIGHUP when the section changed. */
typedef struct cs_exporter_ops {
	const cs_conf_section *conf; /* its [section]; its name is the exporter's */
	/* Opens sockets/files, starts threads. 0, or a negative CS_E* code with
	 * one line in why naming the input and the fix (e.g. "prometheus: listen
	 * :9875: Address already in use; set [prometheus] listen or
	 * --listen"). */
	int (*open)(const cs_export_env *env, void **state, char *why, size_t whycap);
	/* One cycle. Must not block for long (no network waits beyond a
	 * non-blocking send). 0, or a negative code (counted as an exporter
	 * error; the agent goes on); why gets one line. */
	int (*publish)(void *state, const cs_snapshot *s, char *why, size_t whycap);
	/* The agent is about to change what the last published snapshot points
	 * at (the next cycle's rows); publish() follows in the same thread. An
	 * exporter that renders lazily from the last snapshot (Prometheus, on
	 * the first scrape after a cycle) stops using it here until publish().
	 * May be NULL. Without hold() calls, publish() must not keep s. */
	void (*hold)(void *state);
	/* Where it sends or serves, for the agent's start line ("prometheus on
	 * 127.0.0.1:9875"). May be NULL (the name alone). */
	void (*describe)(void *state, char *out, size_t cap);
	/* SIGHUP with an unchanged section: reopen files (logrotate). May be NULL. */
	int (*reopen)(void *state, char *why, size_t whycap);
	/* Final flush (the last snapshot was already published) and free. */
	void (*close)(void *state);
} cs_exporter_ops;

/* The exporter's name ("prometheus", "statsd", "jsonl", "stdout"): its
 * section's, so the name is spelled once. */
static inline const char *cs_exporter_name(const cs_exporter_ops *ops)
{
	return ops->conf->name;
}

/* The built-in ones, named for their tests (registry.c lists every exporter
 * and declares a new one itself). */
extern const cs_exporter_ops cs_exporter_prometheus;
extern const cs_exporter_ops cs_exporter_statsd;
extern const cs_exporter_ops cs_exporter_jsonl;
extern const cs_exporter_ops cs_exporter_stdout;

/* All of them, in publish order. */
extern const cs_exporter_ops *const cs_exporters[];
extern const size_t cs_exporters_len;

#endif
