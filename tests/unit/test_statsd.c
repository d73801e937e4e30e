/* test_statsd.c - the DogStatsD exporter against a real UDP listener.
 *
 * The exporter (cs_exporter_statsd, driven as the agent drives it) sends to
 * a UDP socket of this test on 127.0.0.1:<port 0>. A publish of 500
 * workloads is hundreds of datagrams, more than a default receive buffer
 * holds, so to receive every one of them without timing assumptions the
 * test interposes send(): the real sendto syscall, then (while capturing)
 * a poll of the listener with a generous timeout and a recv of that very
 * datagram. Covered: every datagram <= mtu; every line parses as
 * name:value|type|#tags with tags of the Datadog alphabet; the rows'
 * energy.joules add up to node.energy.joules exactly per component (and
 * equal the fixture's figures), carbon to rounding; node and constant tags
 * on every line; counters are interval deltas (self counters too, with a
 * baseline after a mid-run open); mtu 512; a line too long for the mtu
 * dropped and counted while the rest goes out; tag sanitising and the
 * 200-character cut; nothing listening (error, then fine once a listener is
 * back); a name resolved through /etc/hosts; an address that does not
 * resolve (open succeeds, publish fails); malformed address, tags, prefix
 * and mtu rejected at open with one line naming the key.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "carbonstat/error.h"
#include "conf/conf.h"
#include "conf_fixture.h"
#include "exporters/exporter.h"
#include "snap_fixture.h"

static const cs_exporter_ops *const sd = &cs_exporter_statsd;

/* ---- capture: send() interposed ----------------------------------------------------- */

/* What the listeners received while capturing: datagrams joined by '\n'. */
static struct {
	bool on;
	int fds[2]; /* 127.0.0.1 and, when available, [::1] listeners */
	size_t nfds;
	char *buf;
	size_t len, cap;
	size_t dgrams;    /* received */
	size_t max_dgram; /* largest payload */
	size_t lost;      /* sent but not received within the timeout */
} capt;

/* The exporter's send(): the real syscall, then, while capturing, receive
 * that datagram right away (loopback delivers it before or shortly after
 * the syscall returns), so no receive buffer can overflow. */
ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	ssize_t n = (ssize_t)syscall(SYS_sendto, fd, buf, len, flags, NULL, 0);
	struct pollfd p[2];
	char d[65536];

	if (n < 0 || !capt.on)
		return n;
	for (size_t i = 0; i < capt.nfds; i++)
		p[i] = (struct pollfd){.fd = capt.fds[i], .events = POLLIN};
	if (poll(p, capt.nfds, 10000) <= 0) {
		capt.lost++;
		return n;
	}
	for (size_t i = 0; i < capt.nfds; i++) {
		ssize_t r;

		if (!(p[i].revents & POLLIN))
			continue;
		r = recv(capt.fds[i], d, sizeof(d), MSG_DONTWAIT);
		if (r < 0)
			continue;
		if (capt.len + (size_t)r + 2 > capt.cap) {
			size_t nc = (capt.len + (size_t)r + 2) * 2;
			char *nb = realloc(capt.buf, nc);

			assert_non_null(nb);
			capt.buf = nb;
			capt.cap = nc;
		}
		memcpy(capt.buf + capt.len, d, (size_t)r);
		capt.len += (size_t)r;
		capt.buf[capt.len++] = '\n';
		capt.buf[capt.len] = '\0';
		capt.dgrams++;
		if ((size_t)r > capt.max_dgram)
			capt.max_dgram = (size_t)r;
		break;
	}
	return n;
}

static void cap_start(int fd4, int fd6)
{
	capt.on = true;
	capt.nfds = 0;
	capt.fds[capt.nfds++] = fd4;
	if (fd6 >= 0)
		capt.fds[capt.nfds++] = fd6;
	capt.len = capt.dgrams = capt.max_dgram = capt.lost = 0;
	if (capt.buf)
		capt.buf[0] = '\0';
}

static void cap_stop(void)
{
	capt.on = false;
}

/* ---- helpers ---------------------------------------------------------------------- */

/* A UDP socket on 127.0.0.1:port (0 = the kernel's pick); *port gets it. */
static int listen4(unsigned *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), one = 1;

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)*port);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* [::1]:port, or -1 where this host has no IPv6 loopback. */
static int listen6(unsigned port)
{
	struct sockaddr_in6 a;
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin6_family = AF_INET6;
	a.sin6_addr = in6addr_loopback;
	a.sin6_port = htons((uint16_t)port);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* [statsd] with these keys into *c (freeing what it held). */
static void cfg_prefix(cs_conf **c, const char *address, const char *prefix, const char *tags, unsigned mtu)
{
	cs_conf_free(*c);
	*c = tf_conf("[statsd]\nenabled = true\naddress = %s\nprefix = %s\ntags = %s\nmtu = %u\n", address, prefix,
	             tags, mtu);
}

static void cfg_for(cs_conf **c, const char *address, const char *tags, unsigned mtu)
{
	cfg_prefix(c, address, "carbonstat", tags, mtu);
}

static void *open_ok(cs_conf *const *c)
{
	cs_export_env env = tf_export_env(*c, sd);
	char why[512] = "";
	void *st = NULL;
	int rc = sd->open(&env, &st, why, sizeof(why));

	if (rc)
		fail_msg("open: %d %s", rc, why);
	assert_non_null(st);
	return st;
}

/* Opens the exporter on 127.0.0.1:port with the config it fills in *c. */
static void *open_local(cs_conf **c, unsigned port, const char *tags, unsigned mtu)
{
	char addr[64];

	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	cfg_for(c, addr, tags, mtu);
	return open_ok(c);
}

/* Publishes s, capturing what is sent to fd; returns what publish did. */
static int publish_captured(void *st, const cs_snapshot *s, int fd, char *why, size_t cap)
{
	int rc;

	cap_start(fd, -1);
	rc = sd->publish(st, s, why, cap);
	cap_stop();
	return rc;
}

/* One parsed line. Pointers into a copy the caller owns. */
typedef struct line {
	char name[128];
	char value[48];
	char type;
	char tags[4096];
} line;

static bool tag_alphabet(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
	       ch == '-' || ch == ':' || ch == '.' || ch == '/';
}

/* name:value|type|#tags, strictly. */
static bool parse_line(const char *l, size_t n, line *out)
{
	const char *colon = memchr(l, ':', n), *bar, *end = l + n;
	size_t k;

	if (!colon || colon == l || (size_t)(colon - l) >= sizeof(out->name))
		return false;
	for (const char *p = l; p < colon; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		      *p == '.'))
			return false;
	memcpy(out->name, l, (size_t)(colon - l));
	out->name[colon - l] = '\0';
	bar = memchr(colon, '|', (size_t)(end - colon));
	if (!bar || bar == colon + 1 || (size_t)(bar - colon - 1) >= sizeof(out->value))
		return false;
	memcpy(out->value, colon + 1, (size_t)(bar - colon - 1));
	out->value[bar - colon - 1] = '\0';
	{
		char *e;

		errno = 0;
		(void)strtod(out->value, &e);
		if (*e || errno)
			return false;
	}
	if (end - bar < 4 || (bar[1] != 'c' && bar[1] != 'g') || bar[2] != '|' || bar[3] != '#')
		return false;
	out->type = bar[1];
	k = (size_t)(end - bar - 4);
	if (k == 0 || k >= sizeof(out->tags))
		return false;
	memcpy(out->tags, bar + 4, k);
	out->tags[k] = '\0';
	/* tags: non-empty, key:value of the alphabet, each <= 200 characters */
	for (char *t = out->tags; *t;) {
		size_t tl = strcspn(t, ",");

		if (tl == 0 || tl > 200)
			return false;
		for (size_t i = 0; i < tl; i++)
			if (!tag_alphabet(t[i]))
				return false;
		t += tl;
		if (*t == ',') {
			t++;
			if (!*t)
				return false;
		}
	}
	return true;
}

/* The value of tag key in tags, or NULL. */
static const char *tag_get(const char *tags, const char *key, char *buf, size_t cap)
{
	size_t kl = strlen(key);

	for (const char *t = tags; *t;) {
		size_t tl = strcspn(t, ",");

		if (tl > kl && strncmp(t, key, kl) == 0 && t[kl] == ':') {
			size_t vl = tl - kl - 1;

			if (vl >= cap)
				vl = cap - 1;
			memcpy(buf, t + kl + 1, vl);
			buf[vl] = '\0';
			return buf;
		}
		t += tl;
		if (*t == ',')
			t++;
	}
	return NULL;
}

/* A decimal joule figure as exact microjoules (at most 6 decimals). */
static uint64_t uj_of(const char *v)
{
	uint64_t whole = 0, frac = 0;
	int digits = 0;
	const char *p = v;

	for (; *p >= '0' && *p <= '9'; p++)
		whole = whole * 10 + (uint64_t)(*p - '0');
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			frac = frac * 10 + (uint64_t)(*p - '0');
	assert_true(*p == '\0');
	assert_true(digits <= 6);
	for (; digits < 6; digits++)
		frac *= 10;
	return whole * 1000000u + frac;
}

static int comp_of(const char *name)
{
	for (int c = 0; c < CS_PART_COUNT; c++)
		if (strcmp(cs_part_name((cs_part)c), name) == 0)
			return c;
	return -1;
}

/* What a capture added up to. */
typedef struct tally {
	size_t lines;
	uint64_t node_uj[CS_PART_COUNT], rows_uj[CS_PART_COUNT];
	size_t energy_lines, power_lines, carbon_lines;
	double node_g[CS_SCOPE_N], rows_g[CS_SCOPE_N];
	bool have_cycles;
	double cycles, exporter_errors_statsd;
	bool have_exporter_errors;
} tally;

/* Parses every captured line; checks the shape, the node tag and the
 * constant tags (ctags "a:b,c:d" must each appear on every line). */
static void tally_capture(tally *t, const char *ctags)
{
	char *save = NULL, *copy = strdup(capt.buf ? capt.buf : "");
	char v[256];

	assert_non_null(copy);
	memset(t, 0, sizeof(*t));
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		line ln;

		if (!parse_line(l, strlen(l), &ln))
			fail_msg("line does not parse: '%s'", l);
		t->lines++;
		assert_non_null(tag_get(ln.tags, "node", v, sizeof(v)));
		assert_string_equal(v, "node-1");
		if (ctags[0]) {
			char want[256], *s2 = NULL;

			snprintf(want, sizeof(want), "%s", ctags);
			for (char *ct = strtok_r(want, ",", &s2); ct; ct = strtok_r(NULL, ",", &s2)) {
				char *kv = strchr(ct, ':');

				*kv = '\0';
				assert_non_null(tag_get(ln.tags, ct, v, sizeof(v)));
				assert_string_equal(v, kv + 1);
			}
		}
		if (strcmp(ln.name, "carbonstat.node.energy.joules") == 0) {
			int c = comp_of(tag_get(ln.tags, "component", v, sizeof(v)));

			assert_true(c >= 0);
			assert_int_equal(ln.type, 'c');
			t->node_uj[c] += uj_of(ln.value);
		} else if (strcmp(ln.name, "carbonstat.energy.joules") == 0) {
			int c = comp_of(tag_get(ln.tags, "component", v, sizeof(v)));

			assert_true(c >= 0);
			assert_int_equal(ln.type, 'c');
			assert_non_null(tag_get(ln.tags, "source", v, sizeof(v)));
			assert_non_null(tag_get(ln.tags, "kind", v, sizeof(v)));
			assert_non_null(tag_get(ln.tags, "workload", v, sizeof(v)));
			t->rows_uj[c] += uj_of(ln.value);
			t->energy_lines++;
		} else if (strcmp(ln.name, "carbonstat.power.watts") == 0) {
			assert_int_equal(ln.type, 'g');
			t->power_lines++;
		} else if (strcmp(ln.name, "carbonstat.node.carbon.grams") == 0) {
			int sc = strcmp(tag_get(ln.tags, "scope", v, sizeof(v)), "operational") == 0 ? 0 : 1;

			t->node_g[sc] += strtod(ln.value, NULL);
		} else if (strcmp(ln.name, "carbonstat.carbon.grams") == 0) {
			int sc = strcmp(tag_get(ln.tags, "scope", v, sizeof(v)), "operational") == 0 ? 0 : 1;

			assert_int_equal(ln.type, 'c');
			t->rows_g[sc] += strtod(ln.value, NULL);
			t->carbon_lines++;
		} else if (strcmp(ln.name, "carbonstat.agent.cycles") == 0) {
			t->have_cycles = true;
			t->cycles = strtod(ln.value, NULL);
		} else if (strcmp(ln.name, "carbonstat.agent.exporter.errors") == 0 &&
		           strcmp(tag_get(ln.tags, "exporter", v, sizeof(v)), "statsd") == 0) {
			t->have_exporter_errors = true;
			t->exporter_errors_statsd = strtod(ln.value, NULL);
		}
	}
	free(copy);
}

/* The fixture's conservation, seen through the wire. */
static void check_cycle(const tally *t, const cs_snapshot *s)
{
	size_t present = 0;

	for (int c = 0; c < CS_PART_COUNT; c++) {
		if (!s->comp[c].present) {
			assert_int_equal(t->node_uj[c], 0);
			continue;
		}
		present++;
		assert_int_equal(t->node_uj[c], s->comp[c].energy_uj);
		assert_int_equal(t->rows_uj[c], t->node_uj[c]);
	}
	assert_int_equal(t->energy_lines, s->nrows * present);
	assert_int_equal(t->power_lines, s->nrows);
	assert_int_equal(t->carbon_lines, s->nrows * CS_SCOPE_N);
	for (int sc = 0; sc < CS_SCOPE_N; sc++)
		assert_true(fabs(t->rows_g[sc] - t->node_g[sc]) <= 1e-9 * (1 + t->node_g[sc]));
}

/* Publishes s (which must succeed) capturing what is sent to fd, and tallies it. */
static void publish_tally(void *st, const cs_snapshot *s, int fd, tally *t)
{
	char why[512] = "";

	assert_int_equal(publish_captured(st, s, fd, why, sizeof(why)), 0);
	tally_capture(t, "");
}

/* ---- tests ------------------------------------------------------------------------ */

static void test_enabled(void **unused)
{
	cs_conf *c = tf_conf(" ");

	(void)unused;
	assert_false(cs_conf_enabled(c, sd->conf));
	cs_conf_free(c);
	c = tf_conf("[statsd]\nenabled = true\n");
	assert_true(cs_conf_enabled(c, sd->conf));
	cs_conf_free(c);
	assert_string_equal(cs_exporter_name(sd), "statsd");
}

static void publish_and_check(unsigned mtu, size_t nw)
{
	unsigned port = 0;
	int fd = listen4(&port);
	char why[512] = "";
	cs_conf *c = NULL;
	cs_snapfix f = {0};
	void *st;
	tally t;

	st = open_local(&c, port, "env:prod,cluster:eu", mtu);
	for (uint64_t seq = 1; seq <= 3; seq++) {
		assert_int_equal(cs_snapfix_build(&f, nw, seq), 0);
		if (publish_captured(st, &f.snap, fd, why, sizeof(why)) != 0)
			fail_msg("publish: %s", why);
		assert_int_equal(capt.lost, 0);
		assert_true(capt.dgrams > 1);
		assert_true(capt.max_dgram <= mtu);
		tally_capture(&t, "env:prod,cluster:eu");
		check_cycle(&t, &f.snap);
		/* counters are this interval's (the fixture's totals grow with seq) */
		assert_true(t.have_cycles);
		assert_true(t.cycles == (seq == 1 ? 2.0 : 1.0)); /* cycles_total = seq + 1 */
		assert_true(t.have_exporter_errors);
		assert_true(t.exporter_errors_statsd == (seq == 1 ? 1.0 : 0.0)); /* total stays 1 */
	}
	sd->close(st);
	cs_snapfix_free(&f);
	close(fd);
	cs_conf_free(c);
}

static void test_publish_500(void **unused)
{
	(void)unused;
	publish_and_check(1432, 500);
}

static void test_publish_mtu_512(void **unused)
{
	(void)unused;
	publish_and_check(512, 500);
}

static void test_publish_large_mtu(void **unused)
{
	(void)unused;
	publish_and_check(65507, 200);
}

/* A row whose tags cannot fit 512 bytes: its lines are dropped and counted,
 * everything else still goes out; the cycle reports the error. */
static void test_line_too_long(void **unused)
{
	unsigned port = 0;
	int fd = listen4(&port);
	char why[512] = "", longname[181];
	cs_conf *c = NULL;
	cs_snapfix f = {0};
	void *st;
	tally t;
	int rc;

	(void)unused;
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	st = open_local(&c, port, "", 512);
	assert_int_equal(cs_snapfix_build(&f, 20, 1), 0);
	f.rows[3].name = f.rows[3].pod = f.rows[3].container = longname;
	rc = publish_captured(st, &f.snap, fd, why, sizeof(why));
	assert_int_equal(rc, CS_ERANGE);
	assert_non_null(strstr(why, "mtu"));
	assert_non_null(strstr(why, "6 lines")); /* 3 energy + 2 carbon + 1 power */
	assert_null(strstr(capt.buf, "xxxxxxxxxx"));
	tally_capture(&t, "");
	assert_int_equal(t.power_lines, f.snap.nrows - 1);
	assert_int_equal(t.energy_lines, (f.snap.nrows - 1) * 3);
	assert_true(capt.max_dgram <= 512);

	/* the next cycle without the long row is clean again */
	assert_int_equal(cs_snapfix_build(&f, 20, 2), 0);
	publish_tally(st, &f.snap, fd, &t);
	check_cycle(&t, &f.snap);
	sd->close(st);
	cs_snapfix_free(&f);
	close(fd);
	cs_conf_free(c);
}

/* Datadog's tag rules on odd names: other characters become '_', a tag is
 * cut at 200 characters, empty values are left out. [agent] cluster is on
 * every line, owner and owner_kind on the rows that have one, and every row
 * tag at its longest still fits a line. */
static void test_tag_sanitising(void **unused)
{
	unsigned port = 0;
	int fd = listen4(&port);
	char addr[64], why[512] = "", huge[301], huge_z[301], v[256];
	cs_conf *c = NULL;
	cs_snapfix f = {0};
	void *st;
	bool seen_pod = false, seen_huge = false;
	size_t lines = 0, owned = 0, longest = 0;
	char *save = NULL, *copy;

	(void)unused;
	memset(huge, 'y', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	memset(huge_z, 'z', sizeof(huge_z) - 1);
	huge_z[sizeof(huge_z) - 1] = '\0';
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	cfg_prefix(&c, addr, "acme.green", "env:prod", 8192);
	st = open_ok(&c);
	assert_int_equal(cs_snapfix_build(&f, 4, 1), 0);
	f.rows[0].pod = "web 1|x#y,z\xc3\xa9";
	f.rows[1].name = huge;
	f.rows[2].team = "";
	f.snap.cluster = "prod-eu";
	f.snap.node = f.rows[3].wl_kind = f.rows[3].name = f.rows[3].namespace_ = f.rows[3].pod = huge_z;
	f.rows[3].container = f.rows[3].team = f.rows[3].owner_kind = f.rows[3].owner = huge_z;
	assert_int_equal(publish_captured(st, &f.snap, fd, why, sizeof(why)), 0);
	copy = strdup(capt.buf);
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		line ln;

		if (!parse_line(l, strlen(l), &ln))
			fail_msg("line does not parse: '%s'", l);
		assert_true(strncmp(ln.name, "acme.green.", 11) == 0);
		if (tag_get(ln.tags, "pod", v, sizeof(v)) && strncmp(v, "web", 3) == 0) {
			assert_string_equal(v, "web_1_x_y_z__");
			seen_pod = true;
		}
		if (tag_get(ln.tags, "workload", v, sizeof(v)) && v[0] == 'y') {
			assert_int_equal(strlen("workload:") + strlen(v), 200);
			seen_huge = true;
		}
		if (tag_get(ln.tags, "container", v, sizeof(v)) && strcmp(v, "c-2") == 0)
			assert_null(tag_get(ln.tags, "team", v, sizeof(v)));
		lines++;
		assert_non_null(tag_get(ln.tags, "cluster", v, sizeof(v)));
		assert_string_equal(v, "prod-eu");
		if (tag_get(ln.tags, "owner", v, sizeof(v))) {
			owned++;
			if (v[0] == 'z') {
				longest++;
				continue;
			}
			assert_string_equal(v, "app-0");
			assert_non_null(tag_get(ln.tags, "owner_kind", v, sizeof(v)));
			assert_string_equal(v, "Deployment");
		} else {
			assert_null(tag_get(ln.tags, "owner_kind", v, sizeof(v)));
		}
	}
	free(copy);
	assert_true(seen_pod);
	assert_true(seen_huge);
	/* 4 workload rows x (3 energy + 2 carbon + 1 power): none dropped */
	assert_int_equal(owned, 4 * 6);
	assert_int_equal(longest, 6);
	assert_true(lines > owned);
	sd->close(st);
	cs_snapfix_free(&f);
	close(fd);
	cs_conf_free(c);
}

/* A mid-run open (a reload: seq > 1) takes the self counters' baseline
 * instead of sending their whole totals as one interval. */
static void test_self_baseline_after_reopen(void **unused)
{
	unsigned port = 0;
	int fd = listen4(&port);
	cs_conf *c = NULL;
	cs_snapfix f = {0};
	void *st;
	tally t;

	(void)unused;
	st = open_local(&c, port, "", 1432);
	assert_int_equal(cs_snapfix_build(&f, 3, 7), 0);
	publish_tally(st, &f.snap, fd, &t);
	assert_false(t.have_cycles);
	assert_false(t.have_exporter_errors);
	check_cycle(&t, &f.snap); /* energy is per interval anyway */
	assert_int_equal(cs_snapfix_build(&f, 3, 8), 0);
	f.snap.self.exporter[1].errors_total = 4;
	publish_tally(st, &f.snap, fd, &t);
	assert_true(t.have_cycles && t.cycles == 1.0);
	assert_true(t.have_exporter_errors && t.exporter_errors_statsd == 3.0);
	sd->close(st);
	cs_snapfix_free(&f);
	close(fd);
	cs_conf_free(c);
}

/* Nothing listens: the cycle fails fast with the errno and one line; once a
 * listener is there, the next cycle goes through whole. */
static void test_nothing_listening(void **unused)
{
	unsigned port = 0;
	int fd = listen4(&port);
	char why[512] = "";
	cs_conf *c = NULL;
	cs_snapfix f = {0};
	void *st;
	tally t;
	int rc;

	(void)unused;
	close(fd); /* the port is free now */
	st = open_local(&c, port, "", 1432);
	assert_int_equal(cs_snapfix_build(&f, 500, 1), 0);
	rc = sd->publish(st, &f.snap, why, sizeof(why));
	assert_int_equal(rc, -ECONNREFUSED);
	assert_non_null(strstr(why, "statsd: "));
	assert_non_null(strstr(why, "[statsd] address"));
	assert_null(strchr(why, '\n'));
	rc = sd->publish(st, &f.snap, why, sizeof(why));
	assert_int_equal(rc, -ECONNREFUSED);

	fd = listen4(&port); /* back, same port */
	assert_int_equal(cs_snapfix_build(&f, 500, 2), 0);
	rc = publish_captured(st, &f.snap, fd, why, sizeof(why));
	if (rc)
		fail_msg("publish with a listener back: %s", why);
	assert_int_equal(capt.lost, 0);
	tally_capture(&t, "");
	check_cycle(&t, &f.snap);

	/* SIGHUP re-resolves; still fine */
	assert_int_equal(sd->reopen(st, why, sizeof(why)), 0);
	publish_tally(st, &f.snap, fd, &t);
	check_cycle(&t, &f.snap);
	sd->close(st);
	cs_snapfix_free(&f);
	close(fd);
	cs_conf_free(c);
}

/* A name (localhost, from /etc/hosts) instead of an address. It may resolve
 * to ::1 first, so listen there too when the host has IPv6. */
static void test_name_address(void **unused)
{
	unsigned port = 0;
	int fd = listen4(&port), fd6 = listen6(port);
	char addr[64], why[512] = "";
	cs_conf *c = NULL;
	cs_snapfix f = {0};
	void *st;
	tally t;

	(void)unused;
	snprintf(addr, sizeof(addr), "localhost:%u", port);
	cfg_for(&c, addr, "", 1432);
	st = open_ok(&c);
	assert_int_equal(cs_snapfix_build(&f, 50, 1), 0);
	cap_start(fd, fd6);
	if (sd->publish(st, &f.snap, why, sizeof(why)) != 0)
		fail_msg("publish to localhost: %s", why);
	cap_stop();
	tally_capture(&t, "");
	check_cycle(&t, &f.snap);
	sd->close(st);
	cs_snapfix_free(&f);
	close(fd);
	if (fd6 >= 0)
		close(fd6);
	cs_conf_free(c);
}

/* Well-formed but unresolvable: open succeeds (the Datadog agent may come
 * later), publish fails with one line, quickly (a numeric host never asks
 * DNS). */
static void test_unresolvable(void **unused)
{
	cs_conf *c = NULL;
	cs_snapfix f = {0};
	char why[512] = "";
	void *st;

	(void)unused;
	cfg_for(&c, "999.0.0.1:8125", "", 1432);
	st = open_ok(&c);
	assert_int_equal(cs_snapfix_build(&f, 5, 1), 0);
	assert_int_equal(sd->publish(st, &f.snap, why, sizeof(why)), CS_EUNAVAIL);
	assert_non_null(strstr(why, "999.0.0.1"));
	assert_non_null(strstr(why, "[statsd] address"));
	assert_int_equal(sd->publish(st, &f.snap, why, sizeof(why)), CS_EUNAVAIL);
	sd->close(st);
	cs_snapfix_free(&f);
	cs_conf_free(c);
}

/* The configuration refuses it, when it is built or when the exporter
 * opens, in one line naming the key. */
static void open_fails(const char *address, const char *prefix, const char *tags, unsigned mtu, const char *key)
{
	cs_conf *c = NULL;
	cs_export_env env;
	char why[512] = "";
	void *st = (void *)1;
	int rc;

	rc = tf_conf_try(&c, why, sizeof(why),
	                 "[statsd]\nenabled = true\naddress = %s\nprefix = %s\ntags = %s\nmtu = %u\n", address, prefix,
	                 tags, mtu);
	if (rc == 0) {
		env = tf_export_env(c, sd);
		rc = sd->open(&env, &st, why, sizeof(why));
		cs_conf_free(c);
		if (rc == 0)
			fail_msg("open accepted address '%s' prefix '%s' tags '%s' mtu %u", address, prefix, tags, mtu);
		assert_null(st);
		assert_non_null(strstr(why, "statsd: "));
	}
	assert_true(rc == CS_EINVAL || rc == CS_ERANGE);
	if (!strstr(why, key))
		fail_msg("'%s' does not name %s", why, key);
	assert_null(strchr(why, '\n'));
}

static void test_bad_config(void **unused)
{
	(void)unused;
	open_fails("127.0.0.1", "carbonstat", "", 1432, "[statsd] address");
	open_fails("127.0.0.1:0", "carbonstat", "", 1432, "[statsd] address");
	open_fails(":8125", "carbonstat", "", 1432, "[statsd] address");
	open_fails("a b:8125", "carbonstat", "", 1432, "[statsd] address");
	open_fails("::1:8125", "carbonstat", "", 1432, "[statsd] address");
	open_fails("", "carbonstat", "", 1432, "[statsd] address");
	open_fails("127.0.0.1:8125", "carbonstat", "env:prod,", 1432, "[statsd] tags");
	open_fails("127.0.0.1:8125", "carbonstat", ",env:prod", 1432, "[statsd] tags");
	open_fails("127.0.0.1:8125", "carbonstat", "env:prod,,x:y", 1432, "[statsd] tags");
	open_fails("127.0.0.1:8125", "carbonstat", "1env:prod", 1432, "[statsd] tags");
	open_fails("127.0.0.1:8125", "carbonstat", "env:pr od", 1432, "[statsd] tags");
	open_fails("127.0.0.1:8125", "carbonstat", "env:a|b", 1432, "[statsd] tags");
	open_fails("127.0.0.1:8125", "carbonstat", "env:a#b", 1432, "[statsd] tags");
	open_fails("127.0.0.1:8125", "9lives", "", 1432, "[statsd] prefix");
	open_fails("127.0.0.1:8125", "a..b", "", 1432, "[statsd] prefix");
	open_fails("127.0.0.1:8125", "a.", "", 1432, "[statsd] prefix");
	open_fails("127.0.0.1:8125", "a-b", "", 1432, "[statsd] prefix");
	open_fails("127.0.0.1:8125", "carbonstat", "", 100, "[statsd] mtu");
	open_fails("127.0.0.1:8125", "carbonstat", "", 70000, "[statsd] mtu");
	{
		/* a 201-character tag */
		char t[210];

		memset(t, 'a', 201);
		t[201] = '\0';
		open_fails("127.0.0.1:8125", "carbonstat", t, 1432, "[statsd] tags");
	}
}

/* Good configurations that must open: IPv6 literal, a bare tag, no prefix. */
static void test_good_config(void **unused)
{
	cs_conf *c = NULL;
	void *st;

	(void)unused;
	cfg_prefix(&c, "[::1]:8125", "", "env:prod,canary,team:a/b", 512);
	st = open_ok(&c);
	sd->close(st);
	cs_conf_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_enabled),
	    cmocka_unit_test(test_publish_500),
	    cmocka_unit_test(test_publish_mtu_512),
	    cmocka_unit_test(test_publish_large_mtu),
	    cmocka_unit_test(test_line_too_long),
	    cmocka_unit_test(test_tag_sanitising),
	    cmocka_unit_test(test_self_baseline_after_reopen),
	    cmocka_unit_test(test_nothing_listening),
	    cmocka_unit_test(test_name_address),
	    cmocka_unit_test(test_unresolvable),
	    cmocka_unit_test(test_bad_config),
	    cmocka_unit_test(test_good_config),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	free(capt.buf);
	return rc;
}
