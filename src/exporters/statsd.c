/* exporters/statsd.c - the agent's DogStatsD exporter (UDP).
 *
 * Owns one connected, non-blocking UDP socket towards a Datadog agent (or
 * any DogStatsD server) and turns each snapshot into DogStatsD lines
 *   <prefix>.<metric>:<value>|<type>|#tag:value,tag:value
 * packed, '\n'-separated, into datagrams of at most [statsd] mtu bytes. A
 * line is never split; one longer than the mtu is dropped and counted.
 * Metric names mirror the Prometheus contract (docs/metrics.md) as
 * docs/exporters.md lists them: counters (`c`) carry THIS interval's delta
 * (Datadog turns them into rates and counts), gauges (`g`) the current value.
 *
 * Invariants:
 *   - energies are printed exactly from the integer microjoules, so the rows'
 *     energy.joules lines of one cycle add up to node.energy.joules exactly;
 *   - tag values are sanitised the Datadog way (alphanumerics and _ - : . /
 *     kept, anything else '_', a tag at most 200 characters) and empty ones
 *     are left out; [statsd] tags is validated at open, not sanitised;
 *   - publish never waits: sends are MSG_DONTWAIT, and a failed send
 *     (ECONNREFUSED when nothing listens, EAGAIN/ENOBUFS) is counted and the
 *     cycle goes on;
 *   - an address that does not resolve or connect at open is not fatal (the
 *     Datadog agent may start after us): publish retries at most every
 *     SD_RESOLVE_EVERY_S and fails the cycle meanwhile. Only a malformed
 *     address fails open. After a cycle with failed sends the name is
 *     resolved again (at most as often), so a re-created Service is found;
 *   - every buffer lives in the state, sized at open: a cycle allocates
 *     nothing.
 *
 * Resolution of a name goes through getaddrinfo, which may block on DNS; it
 * runs at open and then at most once per SD_RESOLVE_EVERY_S, never per cycle.
 * Numeric addresses never touch DNS (AI_NUMERICHOST).
 */
#include "exporters/exporter.h"

#include <errno.h>
#include <netdb.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "carbonstat/error.h"
#include "core/why.h"
#include "core/clock.h"
#include "core/parse.h"
#include "exporters/prom_render.h"

#define SD_RESOLVE_EVERY_S 30.0 /* DNS at most this often while unresolved */
#define SD_TAG_MAX         200  /* Datadog's limit on one tag (key:value) */
#define SD_TAGS_CAP        2560 /* cluster, node + 8 row tags of SD_TAG_MAX, with commas */
#define SD_LINE_CAP        4096 /* longest line we build: name, value, all tags */

/* Previous error total of one named sensor or exporter, for the deltas. */
typedef struct sd_prev {
	char name[48];
	uint64_t errors;
} sd_prev;

typedef struct sd_state {
	/* where */
	char address[128];     /* as configured, for messages */
	char host[256];        /* from cs_parse_hostport, without brackets */
	char port[8];          /* decimal */
	bool numeric;          /* host is an address literal: never ask DNS */
	int fd;                /* connected UDP socket, -1 while unresolved */
	double next_resolve_s; /* monotonic: earliest next resolution */
	bool reresolve;        /* sends failed: resolve again when allowed */
	char resolve_err[400]; /* last resolution/connect failure */

	/* what */
	char prefix[80]; /* "carbonstat." ("" without a prefix) */
	size_t prefix_len;
	char ctags[272]; /* ",env:prod,cluster:eu" ("" without) */
	size_t ctags_len;
	unsigned mtu; /* datagram payload limit */

	/* per-cycle buffers, reused */
	char *pkt; /* datagram being filled, mtu bytes */
	size_t pkt_len;
	char tags[SD_TAGS_CAP]; /* "node:x[,kind:y...]" for the lines being written */
	size_t tags_len;
	char line[SD_LINE_CAP]; /* one line being built */
	size_t line_len;
	bool line_over; /* did not fit SD_LINE_CAP (dropped like too long) */

	/* this cycle */
	unsigned long packets; /* datagrams attempted */
	unsigned long failed;  /* datagrams not sent */
	unsigned long dropped; /* lines longer than the mtu */
	int last_errno;        /* of the last failed send */
	char dropped_name[96]; /* metric of the first dropped line */

	/* previous totals of the agent's counters (deltas for `c`) */
	bool have_prev;
	uint64_t prev_cycles, prev_overruns, prev_read_bytes, prev_grid_errors, prev_kubelet_errors;
	double prev_cpu_s;
	sd_prev prev_sensor[CS_SNAP_MAX_STAGES];
	sd_prev prev_exporter[CS_SNAP_MAX_STAGES];
} sd_state;

/* ---- validation at open ----------------------------------------------------------- */

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

/* Datadog's tag alphabet. */
static bool tag_char(char c)
{
	return is_alnum(c) || c == '_' || c == '-' || c == ':' || c == '.' || c == '/';
}

/* "carbonstat", "acme.green": letters, digits, '_', dots between parts. */
static bool prefix_ok(const char *p)
{
	if (!p[0])
		return true;
	if (!is_alpha(p[0]))
		return false;
	for (size_t i = 0; p[i]; i++) {
		if (p[i] == '.') {
			if (p[i + 1] == '.' || p[i + 1] == '\0')
				return false;
		} else if (!is_alnum(p[i]) && p[i] != '_') {
			return false;
		}
	}
	return true;
}

/* "env:prod,cluster:eu": non-empty tags, each starting with a letter, of
 * the tag alphabet, at most SD_TAG_MAX long. Writes ",env:prod,..." to out.
 * 0, or CS_EINVAL with the reason in why. */
static int ctags_parse(const char *s, char *out, size_t cap, size_t *len, char *why, size_t whycap)
{
	size_t n = 0, i = 0;

	*len = 0;
	if (!s[0])
		return 0;
	while (true) {
		size_t start = i;

		while (s[i] && s[i] != ',')
			i++;
		if (i == start) {
			cs_set_why(why, whycap, "an empty tag at offset %zu", start);
			return CS_EINVAL;
		}
		if (!is_alpha(s[start])) {
			cs_set_why(why, whycap, "tag '%.*s' does not start with a letter", (int)(i - start), s + start);
			return CS_EINVAL;
		}
		if (i - start > SD_TAG_MAX) {
			cs_set_why(why, whycap, "a tag longer than %d characters", SD_TAG_MAX);
			return CS_EINVAL;
		}
		for (size_t k = start; k < i; k++) {
			if (!tag_char(s[k])) {
				cs_set_why(why, whycap, "tag '%.*s' has '%c' (allowed: letters, digits, _ - : . /)",
				           (int)(i - start), s + start, s[k]);
				return CS_EINVAL;
			}
		}
		if (n + 1 + (i - start) >= cap) {
			cs_set_why(why, whycap, "too long");
			return CS_EINVAL;
		}
		out[n++] = ',';
		memcpy(out + n, s + start, i - start);
		n += i - start;
		if (!s[i])
			break;
		i++; /* a trailing ',' makes an empty tag on the next turn */
	}
	out[n] = '\0';
	*len = n;
	return 0;
}

/* ---- socket ----------------------------------------------------------------------- */

/* An IPv4 literal (digits and dots) or a bracketed IPv6 one. */
static bool host_numeric(const char *h, bool bracketed)
{
	if (bracketed)
		return true;
	for (size_t i = 0; h[i]; i++)
		if (!(h[i] >= '0' && h[i] <= '9') && h[i] != '.')
			return false;
	return true;
}

/* Resolves host:port and connects a non-blocking UDP socket to the first
 * address that takes it. 0 with *out_fd, or a negative code with
 * st->resolve_err filled. */
static int sd_connect(sd_state *st, int *out_fd)
{
	struct addrinfo hints, *res = NULL, *ai;
	int rc, err = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV | (st->numeric ? AI_NUMERICHOST : 0);
	rc = getaddrinfo(st->host, st->port, &hints, &res);
	if (rc != 0) {
		snprintf(st->resolve_err, sizeof(st->resolve_err), "cannot resolve '%s': %s", st->host,
		         rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return CS_EUNAVAIL;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			freeaddrinfo(res);
			*out_fd = fd;
			st->resolve_err[0] = '\0';
			return 0;
		}
		err = errno;
		close(fd);
	}
	freeaddrinfo(res);
	snprintf(st->resolve_err, sizeof(st->resolve_err), "cannot connect to %s: %s", st->address,
	         strerror(err ? err : EADDRNOTAVAIL));
	return -(err ? err : EADDRNOTAVAIL);
}

/* Makes sure a socket exists (first resolution, or a retry once allowed) and
 * re-resolves after failed sends. false when there is no socket this cycle. */
static bool sd_ensure_socket(sd_state *st)
{
	double now;
	int fd;

	if (st->fd >= 0 && !st->reresolve)
		return true;
	now = cs_mono_s();
	if (now < st->next_resolve_s)
		return st->fd >= 0;
	st->next_resolve_s = now + SD_RESOLVE_EVERY_S;
	st->reresolve = false;
	if (sd_connect(st, &fd) == 0) {
		if (st->fd >= 0)
			close(st->fd);
		st->fd = fd;
	}
	/* a failed re-resolution keeps the socket we had */
	return st->fd >= 0;
}

/* Sends the datagram being filled. */
static void sd_flush(sd_state *st)
{
	ssize_t n;

	if (!st->pkt_len)
		return;
	st->packets++;
	do
		n = send(st->fd, st->pkt, st->pkt_len, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		st->failed++;
		st->last_errno = errno;
	}
	st->pkt_len = 0;
}

/* ---- lines ------------------------------------------------------------------------ */

static void l_put(sd_state *st, const char *s, size_t n)
{
	if (st->line_len + n > sizeof(st->line)) {
		st->line_over = true;
		return;
	}
	memcpy(st->line + st->line_len, s, n);
	st->line_len += n;
}

/* Appends ",key:value" (no comma at the start) to dst, value sanitised and
 * the tag cut at SD_TAG_MAX characters; nothing for an empty value. */
static void tag_add(char *dst, size_t *len, size_t cap, const char *key, const char *val)
{
	size_t n = *len, klen = strlen(key), budget;

	if (!val || !val[0])
		return;
	if (n + 1 + klen + 1 + SD_TAG_MAX >= cap)
		return; /* cannot happen with the caps above; never overflow */
	if (n)
		dst[n++] = ',';
	memcpy(dst + n, key, klen);
	n += klen;
	dst[n++] = ':';
	budget = SD_TAG_MAX - klen - 1;
	for (size_t i = 0; val[i] && i < budget; i++)
		dst[n++] = tag_char(val[i]) ? val[i] : '_';
	*len = n;
}

static size_t fmt_u64(char *out, uint64_t v)
{
	char tmp[24];
	size_t n = 0, t = 0;

	do
		tmp[t++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (t)
		out[n++] = tmp[--t];
	return n;
}

/* Integer microjoules as joules, exact, trailing zeros of the fraction
 * dropped: 5000000 -> "5", 5001000 -> "5.001". */
static size_t fmt_uj(char *out, uint64_t uj)
{
	size_t n = fmt_u64(out, uj / 1000000u);
	unsigned frac = (unsigned)(uj % 1000000u);
	int digits = 6;

	if (!frac)
		return n;
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	out[n++] = '.';
	for (int d = digits - 1; d >= 0; d--) {
		out[n + (size_t)d] = (char)('0' + frac % 10);
		frac /= 10;
	}
	return n + (size_t)digits;
}

/* Moves the finished line into the datagram, sending the datagram first if
 * the line does not fit any more. A line longer than the mtu is dropped. */
static void l_end(sd_state *st)
{
	if (st->line_over || st->line_len > st->mtu) {
		if (!st->dropped++) {
			size_t n = strcspn(st->line, ":");

			if (n >= sizeof(st->dropped_name))
				n = sizeof(st->dropped_name) - 1;
			memcpy(st->dropped_name, st->line, n);
			st->dropped_name[n] = '\0';
		}
		return;
	}
	if (st->pkt_len && st->pkt_len + 1 + st->line_len > st->mtu)
		sd_flush(st);
	if (st->pkt_len)
		st->pkt[st->pkt_len++] = '\n';
	memcpy(st->pkt + st->pkt_len, st->line, st->line_len);
	st->pkt_len += st->line_len;
}

/* One line: prefix+name, value, type, the current st->tags, up to two more
 * tags (NULL key = none), the constant tags. */
static void emit(sd_state *st, const char *name, const char *val, size_t vlen, char type, const char *k1,
                 const char *v1, const char *k2, const char *v2)
{
	char extra[512]; /* two tags of at most SD_TAG_MAX, and their keys */
	size_t elen = 0;
	char tail[4] = {'|', type, '|', '#'};

	if (!vlen)
		return; /* not a finite number */
	st->line_len = 0;
	st->line_over = false;
	l_put(st, st->prefix, st->prefix_len);
	l_put(st, name, strlen(name));
	l_put(st, ":", 1);
	l_put(st, val, vlen);
	l_put(st, tail, sizeof(tail));
	l_put(st, st->tags, st->tags_len);
	if (k1)
		tag_add(extra, &elen, sizeof(extra), k1, v1);
	if (k2)
		tag_add(extra, &elen, sizeof(extra), k2, v2);
	if (elen) {
		l_put(st, ",", 1);
		l_put(st, extra, elen);
	}
	l_put(st, st->ctags, st->ctags_len);
	l_end(st);
}

static void emit_double(sd_state *st, const char *name, double v, char type, const char *k1, const char *v1,
                        const char *k2, const char *v2)
{
	char num[CS_PROM_NUM_MAX];

	emit(st, name, num, cs_prom_fmt_double(num, v), type, k1, v1, k2, v2);
}

static void emit_uj(sd_state *st, const char *name, uint64_t uj, const char *k1, const char *v1, const char *k2,
                    const char *v2)
{
	char num[CS_PROM_NUM_MAX];

	emit(st, name, num, fmt_uj(num, uj), 'c', k1, v1, k2, v2);
}

static void emit_u64(sd_state *st, const char *name, uint64_t v, char type, const char *k1, const char *v1)
{
	char num[CS_PROM_NUM_MAX];

	emit(st, name, num, fmt_u64(num, v), type, k1, v1, NULL, NULL);
}

/* The tags every line of the node and self metrics starts with. */
static void tags_node(sd_state *st, const cs_snapshot *s)
{
	st->tags_len = 0;
	tag_add(st->tags, &st->tags_len, sizeof(st->tags), "cluster", cs_snap_cluster(s));
	tag_add(st->tags, &st->tags_len, sizeof(st->tags), "node", s->node);
}

/* The string tags a workload row adds (from its cs_snap_row) and those of
 * carbonstat_info (from the cs_snapshot), in order. */
/* clang-format off */
#define ROW_TAG(key, field) {key, offsetof(cs_snap_row, field), false}
#define INFO_TAG(key, field) {key, offsetof(cs_snapshot, field), true}
/* clang-format on */
static const struct sd_str_tag {
	const char *key;
	size_t from; /* offset of its const char * in the cs_snap_row or cs_snapshot */
	bool info;
} sd_str_tags[] = {
    ROW_TAG("kind", wl_kind),
    ROW_TAG("namespace", namespace_),
    ROW_TAG("pod", pod),
    ROW_TAG("container", container),
    ROW_TAG("team", team),
    ROW_TAG("owner_kind", owner_kind),
    ROW_TAG("owner", owner),
    ROW_TAG("workload", name),
    INFO_TAG("version", version),
    INFO_TAG("mode", mode),
    INFO_TAG("power_model", power_model),
    INFO_TAG("provider", provider),
    INFO_TAG("region", region),
    INFO_TAG("instance", instance),
    INFO_TAG("intensity_dataset", intensity_dataset),
};
#undef ROW_TAG
#undef INFO_TAG

static void tags_from(sd_state *st, bool info, const void *from)
{
	for (size_t i = 0; i < sizeof(sd_str_tags) / sizeof(sd_str_tags[0]); i++) {
		const struct sd_str_tag *t = &sd_str_tags[i];

		if (t->info == info)
			tag_add(st->tags, &st->tags_len, sizeof(st->tags), t->key,
			        *(const char *const *)(const void *)((const char *)from + t->from));
	}
}

/* The workload label set W (docs/metrics.md): cluster, node, kind,
 * namespace, pod, container, team, owner_kind, owner, workload. */
static void tags_row(sd_state *st, const cs_snapshot *s, const cs_snap_row *r)
{
	tags_node(st, s);
	tags_from(st, false, r);
}

/* ---- the metrics ------------------------------------------------------------------ */

static uint64_t delta_u64(uint64_t cur, uint64_t prev)
{
	return cur >= prev ? cur - prev : cur; /* a reset counts from 0 */
}

/* Delta of a named stage's error counter; remembers the new total. A
 * stage seen for the first time counts from 0. */
static uint64_t delta_stage(sd_prev *prev, const cs_snap_stage *sg)
{
	size_t i;
	uint64_t d;

	for (i = 0; i < CS_SNAP_MAX_STAGES && prev[i].name[0]; i++)
		if (strcmp(prev[i].name, sg->name) == 0)
			break;
	if (i == CS_SNAP_MAX_STAGES) /* more names than slots: no memory, whole total */
		return sg->errors_total;
	if (!prev[i].name[0]) {
		snprintf(prev[i].name, sizeof(prev[i].name), "%s", sg->name);
		prev[i].errors = 0;
	}
	d = delta_u64(sg->errors_total, prev[i].errors);
	prev[i].errors = sg->errors_total;
	return d;
}

/* agent.<kind>.duration and, after the baseline cycle, agent.<kind>.errors
 * of each sensor or exporter, tagged <kind>:<name>. */
static void emit_stages(sd_state *st, const char *kind, const cs_snap_stage *stages, size_t n, sd_prev *prev,
                        bool baseline)
{
	char duration[32], errors[32];

	snprintf(duration, sizeof(duration), "agent.%s.duration", kind);
	snprintf(errors, sizeof(errors), "agent.%s.errors", kind);
	for (size_t i = 0; i < n && i < CS_SNAP_MAX_STAGES; i++) {
		uint64_t d = delta_stage(prev, &stages[i]);

		emit_double(st, duration, stages[i].duration_s, 'g', kind, stages[i].name, NULL, NULL);
		if (!baseline)
			emit_u64(st, errors, d, 'c', kind, stages[i].name);
	}
}

static void emit_node(sd_state *st, const cs_snapshot *s)
{
	tags_node(st, s);
	for (int c = 0; c < CS_PART_COUNT; c++) {
		const cs_snap_comp *k = &s->comp[c];
		const char *cn = cs_part_name((cs_part)c);

		if (!k->present)
			continue;
		emit_uj(st, "node.energy.joules", k->energy_uj, "component", cn, "source", k->source);
		emit_double(st, "node.power.watts", k->power_w, 'g', "component", cn, "source", k->source);
	}
	for (int sc = 0; sc < CS_SCOPE_N; sc++)
		emit_double(st, "node.carbon.grams", s->carbon_g[sc], 'c', "scope", cs_scope_name((cs_scope)sc), NULL,
		            NULL);
	if (s->intensity_g_per_kwh >= 0)
		emit_double(st, "grid.intensity", s->intensity_g_per_kwh, 'g', "zone", s->intensity_zone, "source",
		            s->intensity_source);
	emit_double(st, "pue", s->pue, 'g', NULL, NULL, NULL, NULL);
	if (s->embodied_g_per_h >= 0)
		emit_double(st, "embodied.grams_per_hour", s->embodied_g_per_h, 'g', NULL, NULL, NULL, NULL);

	/* carbonstat_info: its labels as tags on a constant 1 */
	tags_from(st, true, s);
	emit(st, "info", "1", 1, 'g', NULL, NULL, NULL, NULL);
}

static void emit_rows(sd_state *st, const cs_snapshot *s)
{
	for (size_t i = 0; i < s->nrows; i++) {
		const cs_snap_row *r = &s->rows[i];

		tags_row(st, s, r);
		for (int c = 0; c < CS_PART_COUNT; c++) {
			if (!s->comp[c].present)
				continue;
			emit_uj(st, "energy.joules", r->energy_uj[c], "component", cs_part_name((cs_part)c), "source",
			        s->comp[c].source);
		}
		for (int sc = 0; sc < CS_SCOPE_N; sc++)
			emit_double(st, "carbon.grams", r->carbon_g[sc], 'c', "scope", cs_scope_name((cs_scope)sc),
			            NULL, NULL);
		emit_double(st, "power.watts", r->power_w, 'g', NULL, NULL, NULL, NULL);
	}
}

static void emit_self(sd_state *st, const cs_snapshot *s)
{
	const cs_snap_self *a = &s->self;
	/* The first publish after an open mid-run (a reload, seq > 1) only
	 * takes the baseline: the totals are not this interval's. */
	bool baseline = !st->have_prev && s->seq > 1;
	double dcpu =
	    a->cpu_seconds_total >= st->prev_cpu_s ? a->cpu_seconds_total - st->prev_cpu_s : a->cpu_seconds_total;

	tags_node(st, s);
	if (!baseline) {
		emit_u64(st, "agent.cycles", delta_u64(a->cycles_total, st->prev_cycles), 'c', NULL, NULL);
		emit_u64(st, "agent.cycle.overruns", delta_u64(a->overruns_total, st->prev_overruns), 'c', NULL, NULL);
		emit_double(st, "agent.cpu.seconds", dcpu, 'c', NULL, NULL, NULL, NULL);
		emit_u64(st, "agent.read_bytes", delta_u64(a->read_bytes_total, st->prev_read_bytes), 'c', NULL, NULL);
		emit_u64(st, "agent.grid.errors", delta_u64(a->grid_errors_total, st->prev_grid_errors), 'c', NULL,
		         NULL);
		emit_u64(st, "agent.kubelet.errors", delta_u64(a->kubelet_errors_total, st->prev_kubelet_errors), 'c',
		         NULL, NULL);
	}
	st->prev_cycles = a->cycles_total;
	st->prev_overruns = a->overruns_total;
	st->prev_cpu_s = a->cpu_seconds_total;
	st->prev_read_bytes = a->read_bytes_total;
	st->prev_grid_errors = a->grid_errors_total;
	st->prev_kubelet_errors = a->kubelet_errors_total;

	emit_double(st, "agent.cycle.duration", a->cycle_duration_s, 'g', NULL, NULL, NULL, NULL);
	emit_u64(st, "agent.resident_memory", a->resident_bytes, 'g', NULL, NULL);
	emit_u64(st, "agent.open_files", a->open_files, 'g', NULL, NULL);
	emit_u64(st, "agent.kernel_memory", a->kernel_memory_bytes, 'g', NULL, NULL);
	emit_u64(st, "agent.series", a->series, 'g', NULL, NULL);
	emit_u64(st, "agent.rows_folded", a->rows_folded, 'g', NULL, NULL);
	emit_stages(st, "sensor", a->sensor, a->nsensor, st->prev_sensor, baseline);
	emit_stages(st, "exporter", a->exporter, a->nexporter, st->prev_exporter, baseline);
	st->have_prev = true;
}

/* ---- ops -------------------------------------------------------------------------- */

/* [statsd] */
typedef struct sd_conf {
	bool enabled;
	char address[128]; /* "host:port" or "[v6]:port" */
	char prefix[64];   /* metric name prefix */
	char tags[256];    /* constant tags on every metric: "env:prod,cluster:eu" */
	unsigned mtu;      /* largest packet payload */
} sd_conf;

static const cs_conf_key sd_keys[] = {
    {"enabled", CS_CONF_BOOL, CS_CONF_AT(sd_conf, enabled), .def = "false", .help = "send DogStatsD"},
    {"address", CS_CONF_HOSTPORT, CS_CONF_AT(sd_conf, address), .def = "127.0.0.1:8125",
     .help = "the DogStatsD server (UDP); a name is re-resolved on SIGHUP"},
    {"prefix", CS_CONF_STRING, CS_CONF_AT(sd_conf, prefix), .def = "carbonstat", .chars = "_.",
     .expect = "a metric prefix of letters, digits, '_' and '.'", .help = "metric name prefix"},
    {"tags", CS_CONF_STRING, CS_CONF_AT(sd_conf, tags), .chars = "_-:./,",
     .expect = "comma-separated tags of letters, digits and _ - : . /", .help = "constant tags added to every metric"},
    {"mtu", CS_CONF_UINT, CS_CONF_AT(sd_conf, mtu), .def = "1432", .min = 512, .max = 65507,
     .expect = "a payload size in bytes",
     .help = "largest datagram payload (1500 - IP/UDP headers: Datadog's default)"},
};

static const cs_conf_flag sd_flags[] = {
    {"statsd", "ADDR", "address", NULL, true, "DogStatsD over UDP to ADDR (e.g. 127.0.0.1:8125)"},
};

static const cs_conf_section sd_section =
    CS_CONF_SECTION("statsd", sd_conf, sd_keys, .enabled = "enabled", CS_CONF_FLAGS(sd_flags));

/* Also the .close method: the state comes as void *. */
static void sd_free(void *state)
{
	sd_state *st = state;

	if (!st)
		return;
	if (st->fd >= 0)
		close(st->fd);
	free(st->pkt);
	free(st);
}

static int sd_open(const cs_export_env *env, void **state, char *why, size_t whycap)
{
	const sd_conf *c = env->conf;
	sd_state *st;
	char w[256];
	unsigned port;
	int rc;

	*state = NULL;
	st = calloc(1, sizeof(*st));
	if (!st) {
		cs_set_why(why, whycap, "statsd: out of memory");
		return CS_ENOMEM;
	}
	st->fd = -1;
	snprintf(st->address, sizeof(st->address), "%s", c->address);
	if (cs_parse_hostport(c->address, st->host, sizeof(st->host), &port) != 0 || !st->host[0]) {
		cs_set_why(why, whycap,
		           "statsd: address '%s' is not host:port; set [statsd] address (or --statsd) to e.g. "
		           "127.0.0.1:8125, [::1]:8125 or datadog-agent.monitoring:8125",
		           c->address);
		rc = CS_EINVAL;
		goto err;
	}
	snprintf(st->port, sizeof(st->port), "%u", port);
	st->numeric = host_numeric(st->host, c->address[0] == '[');
	if (!prefix_ok(c->prefix)) {
		cs_set_why(why, whycap,
		           "statsd: prefix '%s' is not a metric name; set [statsd] prefix to letters, digits, '_' "
		           "and inner dots, starting with a letter (e.g. carbonstat)",
		           c->prefix);
		rc = CS_EINVAL;
		goto err;
	}
	st->prefix_len = (size_t)snprintf(st->prefix, sizeof(st->prefix), "%s%s", c->prefix, c->prefix[0] ? "." : "");
	if (ctags_parse(c->tags, st->ctags, sizeof(st->ctags), &st->ctags_len, w, sizeof(w)) != 0) {
		cs_set_why(why, whycap,
		           "statsd: tags '%s': %s; set [statsd] tags to comma-separated key:value tags like "
		           "env:prod,cluster:eu",
		           c->tags, w);
		rc = CS_EINVAL;
		goto err;
	}
	if (c->mtu < 512 || c->mtu > 65507) {
		cs_set_why(why, whycap,
		           "statsd: mtu %u out of range; set [statsd] mtu from 512 to 65507 (1432 suits "
		           "a 1500-byte network)",
		           c->mtu);
		rc = CS_ERANGE;
		goto err;
	}
	st->mtu = c->mtu;
	st->pkt = malloc(st->mtu);
	if (!st->pkt) {
		cs_set_why(why, whycap, "statsd: out of memory");
		rc = CS_ENOMEM;
		goto err;
	}
	/* Not being able to reach the Datadog agent yet is fine: publish retries. */
	st->next_resolve_s = cs_mono_s() + SD_RESOLVE_EVERY_S;
	(void)sd_connect(st, &st->fd);
	*state = st;
	return 0;
err:
	sd_free(st);
	return rc;
}

static int sd_publish(void *state, const cs_snapshot *s, char *why, size_t whycap)
{
	sd_state *st = state;
	int soerr = 0;
	socklen_t slen = sizeof(soerr);

	if (!sd_ensure_socket(st)) {
		cs_set_why(why, whycap, "statsd: %s; retrying every %.0f s; check [statsd] address", st->resolve_err,
		           SD_RESOLVE_EVERY_S);
		return CS_EUNAVAIL;
	}
	/* Drop an error left by the previous cycle's last datagram (ICMP port
	 * unreachable), which the kernel would otherwise report on, and charge
	 * to, this cycle's first send. */
	(void)getsockopt(st->fd, SOL_SOCKET, SO_ERROR, &soerr, &slen);
	st->pkt_len = 0;
	st->packets = st->failed = st->dropped = 0;
	st->last_errno = 0;
	st->dropped_name[0] = '\0';

	emit_node(st, s);
	emit_rows(st, s);
	emit_self(st, s);
	sd_flush(st);

	if (!st->failed && !st->dropped)
		return 0;
	{
		cs_set_why(why, whycap, "%s", "");
		if (st->failed) {
			st->reresolve = !st->numeric; /* a name may point elsewhere now */
			cs_set_why(why, whycap,
			           "statsd: %lu of %lu datagrams to %s not sent (%s); is the Datadog agent "
			           "listening there? check [statsd] address",
			           st->failed, st->packets, st->address, strerror(st->last_errno));
		}
		if (st->dropped)
			cs_why_append(
			    why, whycap,
			    "%s%lu line%s longer than the %u-byte mtu dropped (first: %s); raise [statsd] mtu "
			    "or shorten the names/tags",
			    st->failed ? "" : "statsd: ", st->dropped, st->dropped == 1 ? "" : "s", st->mtu,
			    st->dropped_name);
	}
	return st->failed ? -st->last_errno : CS_ERANGE;
}

/* SIGHUP: resolve the address again at the next cycle (the Datadog agent may
 * have moved). */
static int sd_reopen(void *state, char *why, size_t whycap)
{
	sd_state *st = state;

	(void)why;
	(void)whycap;
	st->reresolve = true;
	st->next_resolve_s = 0;
	return 0;
}

const cs_exporter_ops cs_exporter_statsd = {
    .conf = &sd_section,
    .open = sd_open,
    .publish = sd_publish,
    .reopen = sd_reopen,
    .close = sd_free,
};
