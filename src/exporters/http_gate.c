/* exporters/http_gate.c - the HTTP endpoint's door (see http_gate.h): the
 * request-head check and the thread that holds connections until their head
 * is complete. */
#define _GNU_SOURCE /* accept4 */
#include "exporters/http_gate.h"

#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <carbonstat/error.h>

#include "core/clock.h"
#include "core/log.h"

/* ---- the head check ---------------------------------------------------------- */

/* Where a request line stands after its first bytes: method (A-Z), target
 * (visible ASCII), version ("HTTP/1." + a digit), then "\r"? "\n". */
static cs_http_head line_check(const char *b, size_t len, size_t *line_end)
{
	static const char ver[] = "HTTP/1.";
	size_t i = 0, m = 0, t = 0, v = 0;

	for (; i < len && b[i] != ' '; i++, m++)
		if (b[i] < 'A' || b[i] > 'Z' || m >= 16)
			return CS_HEAD_BAD;
	if (i == len)
		return CS_HEAD_INCOMPLETE;
	if (m == 0)
		return CS_HEAD_BAD;
	for (i++; i < len && b[i] != ' '; i++, t++)
		if ((unsigned char)b[i] < 0x21 || (unsigned char)b[i] > 0x7e)
			return CS_HEAD_BAD;
	if (i == len)
		return CS_HEAD_INCOMPLETE;
	if (t == 0)
		return CS_HEAD_BAD;
	for (i++; i < len && v < sizeof(ver) - 1; i++, v++)
		if (b[i] != ver[v])
			return CS_HEAD_BAD;
	if (i == len)
		return CS_HEAD_INCOMPLETE;
	if (b[i] < '0' || b[i] > '9')
		return CS_HEAD_BAD;
	if (++i < len && b[i] == '\r')
		i++;
	if (i == len)
		return CS_HEAD_INCOMPLETE;
	if (b[i] != '\n')
		return CS_HEAD_BAD;
	*line_end = i + 1;
	return CS_HEAD_OK;
}

cs_http_head cs_http_head_check(const char *buf, size_t len)
{
	size_t start = 0;
	cs_http_head h;

	if (len == 0)
		return CS_HEAD_INCOMPLETE;
	if ((unsigned char)buf[0] == 0x16)
		return CS_HEAD_TLS;
	h = line_check(buf, len, &start);
	if (h != CS_HEAD_OK)
		return h == CS_HEAD_INCOMPLETE && len >= CS_HTTP_HEAD_MAX ? CS_HEAD_TOO_BIG : h;
	/* headers: printable lines up to an empty one */
	for (size_t i = start; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\n') {
			size_t ls = start;

			start = i + 1;
			if (i == ls || (i == ls + 1 && buf[ls] == '\r'))
				return CS_HEAD_OK;
		} else if (c < 0x20 && c != '\r' && c != '\t') {
			return CS_HEAD_BAD;
		}
	}
	return len >= CS_HTTP_HEAD_MAX ? CS_HEAD_TOO_BIG : CS_HEAD_INCOMPLETE;
}

/* ---- the gate ------------------------------------------------------------------ */

typedef struct gate_conn {
	int fd; /* -1 = free */
	double deadline_s;
	struct sockaddr_storage sa;
	socklen_t salen;
} gate_conn;

enum { EV_LISTEN = -1, EV_STOP = -2 };

struct cs_http_gate {
	cs_http_gate_opts o;
	int ep, stop_fd;
	pthread_t thr;
	pthread_mutex_t mu; /* stats, tls */
	bool tls;
	cs_http_gate_stats st;
	cs_log_limiter log[4]; /* refused, malformed, timed out, TLS mismatch */
	gate_conn *c;          /* [max_pending] */
};

static bool same_client(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return !memcmp(&((const struct sockaddr_in *)a)->sin_addr, &((const struct sockaddr_in *)b)->sin_addr,
		               sizeof(struct in_addr));
	if (a->ss_family == AF_INET6)
		return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		               &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr));
	return true;
}

/* Counts an event and writes its kind's line (at most once per window). */
static void note(cs_http_gate *g, uint64_t *counter, int kind, const char *msg)
{
	pthread_mutex_lock(&g->mu);
	(*counter)++;
	pthread_mutex_unlock(&g->mu);
	cs_log_limited(&g->log[kind], g->o.log_prefix, "HTTP", msg);
}

/* Closes a waiting connection, after a short plain-text answer if given
 * ("<status>\n<body>"). */
static void drop(cs_http_gate *g, gate_conn *c, const char *reply)
{
	(void)g;
	if (reply) {
		const char *body = strchr(reply, '\n') + 1;
		char out[512];
		int n = snprintf(out, sizeof(out),
		                 "HTTP/1.1 %.*s\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n"
		                 "Content-Length: %zu\r\n\r\n%s",
		                 (int)(body - 1 - reply), reply, strlen(body), body);

		if (n > 0 && (size_t)n < sizeof(out))
			(void)send(c->fd, out, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	close(c->fd); /* also leaves the epoll set */
	c->fd = -1;
}

static const char reply_tls_on_plain[] =
    "400 Bad Request\nthis port speaks plain HTTP: use http://, not https:// (a TLS client hello came)\n";
static const char reply_plain_on_tls[] = "400 Bad Request\nthis port speaks HTTPS: use https://, not http://\n";
static const char reply_bad[] = "400 Bad Request\nbad request: not an HTTP/1.x request line (GET /metrics HTTP/1.1)\n";
static const char reply_big[] = "431 Request Header Fields Too Large\nrequest head over 8 KiB\n";
static const char reply_timeout[] = "408 Request Timeout\nthe request head did not come in time\n";

static void inspect(cs_http_gate *g, gate_conn *c);

/* Connections from address sa still waiting at the gate. With settle, each
 * is looked at again first: under load the thread can take a new connection
 * before the events of older ones, so a head that has already arrived is
 * passed and a connection its client closed is dropped, and only those truly
 * waiting count against the client. */
static unsigned waiting_from(cs_http_gate *g, const struct sockaddr_storage *sa, bool settle)
{
	unsigned n = 0;

	for (unsigned i = 0; i < g->o.max_pending; i++) {
		gate_conn *c = &g->c[i];

		if (c->fd < 0 || !same_client(&c->sa, sa))
			continue;
		if (settle)
			inspect(g, c);
		n += c->fd >= 0;
	}
	return n;
}

static void accept_all(cs_http_gate *g)
{
	for (;;) {
		struct sockaddr_storage sa;
		socklen_t salen = sizeof(sa);
		int fd = accept4(g->o.listen_fd, (struct sockaddr *)&sa, &salen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		gate_conn *slot = NULL;
		unsigned same;

		if (fd < 0) {
			/* out of descriptors or memory: the connection stays queued and
			 * the (level-triggered) listener would wake us at once again */
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				usleep(100 * 1000);
			return; /* EAGAIN, ECONNABORTED: the next wake retries */
		}
		same = waiting_from(g, &sa, false);
		if (same >= g->o.per_client)
			same = waiting_from(g, &sa, true);
		for (unsigned i = 0; i < g->o.max_pending && !slot; i++)
			if (g->c[i].fd < 0)
				slot = &g->c[i];
		if (same >= g->o.per_client || !slot) {
			close(fd);
			note(g, slot ? &g->st.refused_client : &g->st.refused_full, 0,
			     "connections refused: one client had too many waiting, or too many clients were "
			     "waiting (a slow or hostile client; docs/agent.md)");
			continue;
		}
		slot->fd = fd;
		slot->deadline_s = cs_mono_s() + g->o.deadline_s;
		slot->sa = sa;
		slot->salen = salen;
		{
			struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET,
			                         .data.u64 = (uint64_t)(slot - g->c)};

			if (epoll_ctl(g->ep, EPOLL_CTL_ADD, fd, &ev) != 0)
				drop(g, slot, NULL);
		}
	}
}

/* New bytes (or a hang-up) on a waiting connection. */
static void inspect(cs_http_gate *g, gate_conn *c)
{
	char buf[CS_HTTP_HEAD_MAX];
	ssize_t r = recv(c->fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
	bool tls;

	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
		drop(g, c, NULL); /* gone before it asked anything: not worth a line */
		return;
	}
	if (r < 0)
		return;
	pthread_mutex_lock(&g->mu);
	tls = g->tls;
	pthread_mutex_unlock(&g->mu);
	if (tls) {
		if ((unsigned char)buf[0] == 0x16)
			goto pass;
		note(g, &g->st.plain_on_tls, 3, "plain HTTP requests on the HTTPS port answered 400");
		drop(g, c, reply_plain_on_tls);
		return;
	}
	switch (cs_http_head_check(buf, (size_t)r)) {
	case CS_HEAD_INCOMPLETE: return;
	case CS_HEAD_OK: goto pass;
	case CS_HEAD_TLS:
		note(g, &g->st.tls_on_plain, 3, "TLS client hellos on the plain HTTP port answered 400");
		drop(g, c, reply_tls_on_plain);
		return;
	case CS_HEAD_BAD:
		note(g, &g->st.bad, 1, "malformed requests answered 400");
		drop(g, c, reply_bad);
		return;
	case CS_HEAD_TOO_BIG:
		note(g, &g->st.too_big, 1, "requests with a head over 8 KiB answered 431");
		drop(g, c, reply_big);
		return;
	}
	return;
pass:
	(void)epoll_ctl(g->ep, EPOLL_CTL_DEL, c->fd, NULL);
	pthread_mutex_lock(&g->mu);
	g->st.passed++;
	pthread_mutex_unlock(&g->mu);
	g->o.pass(g->o.ctx, c->fd, (const struct sockaddr *)&c->sa, c->salen);
	c->fd = -1;
}

static void *gate_main(void *arg)
{
	cs_http_gate *g = arg;
	struct epoll_event ev[32];

	for (;;) {
		double now = cs_mono_s(), next = INFINITY;
		int n, wait_ms;

		for (unsigned i = 0; i < g->o.max_pending; i++) {
			gate_conn *c = &g->c[i];

			if (c->fd < 0)
				continue;
			if (c->deadline_s <= now) {
				note(g, &g->st.timed_out, 2,
				     "connections closed (408): no complete request head within the deadline (slow "
				     "clients; docs/agent.md)");
				drop(g, c, reply_timeout);
			} else if (c->deadline_s < next) {
				next = c->deadline_s;
			}
		}
		/* nothing waiting: sleep until a connection or the stop comes (no
		 * idle tick: the agent's thread wakes once per cycle, this one not
		 * at all between scrapes) */
		wait_ms = isinf(next) ? -1 : (int)((next - now) * 1000.0) + 1;
		n = epoll_wait(g->ep, ev, 32, wait_ms);
		for (int i = 0; i < n; i++) {
			int64_t k = (int64_t)ev[i].data.u64;

			if (k == EV_STOP)
				return NULL;
			if (k == EV_LISTEN)
				accept_all(g);
			else if (k >= 0 && (unsigned)k < g->o.max_pending && g->c[k].fd >= 0)
				inspect(g, &g->c[k]);
		}
	}
}

int cs_http_gate_start(const cs_http_gate_opts *o, cs_http_gate **out)
{
	cs_http_gate *g;
	struct epoll_event ev = {.events = EPOLLIN};
	int rc;

	*out = NULL;
	if (!o || o->listen_fd < 0 || !o->pass || !o->max_pending || !o->per_client || o->deadline_s <= 0)
		return CS_EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return CS_ENOMEM;
	g->o = *o;
	g->tls = o->tls;
	g->c = calloc(o->max_pending, sizeof(*g->c));
	g->ep = epoll_create1(EPOLL_CLOEXEC);
	g->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pthread_mutex_init(&g->mu, NULL);
	if (!g->c || g->ep < 0 || g->stop_fd < 0) {
		rc = g->c ? -errno : CS_ENOMEM;
		goto fail;
	}
	for (unsigned i = 0; i < o->max_pending; i++)
		g->c[i].fd = -1;
	ev.data.u64 = (uint64_t)(int64_t)EV_LISTEN;
	if (epoll_ctl(g->ep, EPOLL_CTL_ADD, o->listen_fd, &ev) != 0) {
		rc = -errno;
		goto fail;
	}
	ev.data.u64 = (uint64_t)(int64_t)EV_STOP;
	if (epoll_ctl(g->ep, EPOLL_CTL_ADD, g->stop_fd, &ev) != 0) {
		rc = -errno;
		goto fail;
	}
	if ((rc = pthread_create(&g->thr, NULL, gate_main, g)) != 0) {
		rc = -rc;
		goto fail;
	}
	*out = g;
	return 0;
fail:
	if (g->ep >= 0)
		close(g->ep);
	if (g->stop_fd >= 0)
		close(g->stop_fd);
	pthread_mutex_destroy(&g->mu);
	free(g->c);
	free(g);
	return rc;
}

void cs_http_gate_set_tls(cs_http_gate *g, bool tls)
{
	pthread_mutex_lock(&g->mu);
	g->tls = tls;
	pthread_mutex_unlock(&g->mu);
}

void cs_http_gate_stats_get(cs_http_gate *g, cs_http_gate_stats *out)
{
	pthread_mutex_lock(&g->mu);
	*out = g->st;
	pthread_mutex_unlock(&g->mu);
}

void cs_http_gate_stop(cs_http_gate *g)
{
	uint64_t one = 1;

	if (!g)
		return;
	if (write(g->stop_fd, &one, sizeof(one)) == (ssize_t)sizeof(one))
		pthread_join(g->thr, NULL);
	for (unsigned i = 0; i < g->o.max_pending; i++)
		if (g->c[i].fd >= 0)
			close(g->c[i].fd);
	close(g->ep);
	close(g->stop_fd);
	pthread_mutex_destroy(&g->mu);
	free(g->c);
	free(g);
}
