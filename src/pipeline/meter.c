/* pipeline/meter.c - the public start/stop meter (carbonstat/meter.h).
 *
 * A cs_meter is one cs_host plus a sampling thread. The thread owns the host
 * between start and stop: it sleeps on a condition variable (monotonic
 * clock) until the next tick or the stop request, samples the host, and adds
 * this process's share of the interval. cs_meter_stop() wakes it, joins it,
 * and only then touches the host again for the last, partial interval, so
 * no lock is held while sampling. One allocation per meter, none per tick.
 *
 * The self share uses CLOCK_PROCESS_CPUTIME_ID (every thread of this
 * process, the sampler's own few microseconds included) over the machine's
 * CPU time from <procfs>/stat; when /proc/stat shows no progress (a fixture
 * root, two reads within one tick) elapsed x online CPUs stands in.
 */
#include <carbonstat/meter.h>

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <carbonstat/dataset.h>
#include <carbonstat/error.h>

#include "io/procstat.h"
#include "platform/host.h"

struct cs_meter {
	cs_host host;
	unsigned interval_ms;
	bool self_share;
	/* thread */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool running; /* thread started and not joined */
	bool stop;    /* under lock: the thread must return */
	bool stopped; /* cs_meter_stop done */
	/* self share */
	cs_procstat_reader stat;
	bool stat_ok;
	cs_cpu_times stat_prev;
	long hz;
	long ncpu;
	double self_prev_s;  /* process CPU seconds at the last tick */
	double self_cpu_s;   /* since start */
	double self_j;       /* energy charged to this process */
	double self_share_s; /* integral of share dt (embodied) */
	unsigned ticks;
};

void cs_meter_opts_init(cs_meter_opts *o)
{
	memset(o, 0, sizeof *o);
}

static void set_why(const cs_meter_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_why(const cs_meter_opts *o, const char *fmt, ...)
{
	va_list ap;

	if (!o || !o->why || o->why_cap == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(o->why, o->why_cap, fmt, ap);
	va_end(ap);
}

static double process_cpu_s(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
		return 0.0;
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One interval: host, then this process's share of it. */
static void meter_tick(cs_meter *m)
{
	double self, dself, dmach = 0.0, share, dt;
	cs_cpu_times cur;

	(void)cs_host_sample(&m->host);
	m->ticks++;
	if (!m->self_share)
		return;
	dt = m->host.sum.dt_s;
	self = process_cpu_s();
	dself = self > m->self_prev_s ? self - m->self_prev_s : 0.0;
	m->self_prev_s = self;
	if (m->stat_ok && cs_procstat_read(&m->stat, &cur, NULL, 0, NULL) == 0) {
		uint64_t a = cs_cpu_total_ticks(&m->stat_prev), b = cs_cpu_total_ticks(&cur);

		if (b > a)
			dmach = (double)(b - a) / (double)m->hz;
		m->stat_prev = cur;
	}
	if (!(dmach > 0.0))
		dmach = dt * (double)m->ncpu;
	share = dmach > 0.0 ? dself / dmach : 0.0;
	if (share > 1.0)
		share = 1.0;
	m->self_cpu_s += dself;
	m->self_j += m->host.sum.energy_j * share;
	m->self_share_s += share * dt;
}

static void *meter_thread(void *arg)
{
	cs_meter *m = arg;
	struct timespec next;

	clock_gettime(CLOCK_MONOTONIC, &next);
	pthread_mutex_lock(&m->lock);
	while (!m->stop) {
		int rc;

		next.tv_sec += (time_t)(m->interval_ms / 1000u);
		next.tv_nsec += (long)(m->interval_ms % 1000u) * 1000000L;
		if (next.tv_nsec >= 1000000000L) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000L;
		}
		do
			rc = pthread_cond_timedwait(&m->wake, &m->lock, &next);
		while (rc == 0 && !m->stop); /* spurious wake-ups */
		if (m->stop)
			break;
		/* Sample without the lock: stop() only sets the flag. */
		pthread_mutex_unlock(&m->lock);
		meter_tick(m);
		pthread_mutex_lock(&m->lock);
	}
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

static int provider_of(const cs_meter_opts *o, cs_provider *out)
{
	*out = CS_PROVIDER_UNKNOWN;
	if (!o->provider || !o->provider[0])
		return 0;
	*out = cs_provider_parse(o->provider);
	if (*out != CS_PROVIDER_UNKNOWN)
		return 0;
	set_why(o, "provider '%s' is not known: use aws, gcp or azure", o->provider);
	return CS_EINVAL;
}

int cs_meter_start(const cs_meter_opts *opts, cs_meter **out)
{
	cs_meter_opts defaults;
	cs_host_opts ho;
	pthread_condattr_t ca;
	cs_meter *m;
	char why[512] = "";
	int rc;

	if (!out)
		return CS_EINVAL;
	*out = NULL;
	if (!opts) {
		cs_meter_opts_init(&defaults);
		opts = &defaults;
	}
	if (opts->interval_ms && (opts->interval_ms < 10 || opts->interval_ms > 3600000)) {
		set_why(opts, "interval_ms %u is out of range: use 10 to 3600000 (0 = 1000)", opts->interval_ms);
		return CS_EINVAL;
	}
	m = calloc(1, sizeof *m);
	if (!m) {
		set_why(opts, "out of memory");
		return CS_ENOMEM;
	}
	m->interval_ms = opts->interval_ms ? opts->interval_ms : 1000;
	m->self_share = opts->self_share != 0;
	cs_host_opts_init(&ho);
	rc = provider_of(opts, &ho.provider);
	if (rc) {
		free(m);
		return rc;
	}
	ho.sysfs_root = opts->sysfs_root;
	ho.procfs_root = opts->procfs_root;
	ho.region = opts->region;
	ho.country = opts->country;
	ho.instance = opts->instance;
	ho.metadata_url = opts->metadata_url;
	ho.no_metadata = opts->no_metadata != 0;
	rc = cs_host_init(&m->host, &ho, why, sizeof why);
	if (rc) {
		set_why(opts, "%s", why[0] ? why : cs_strerror(rc));
		free(m);
		return rc;
	}
	m->hz = sysconf(_SC_CLK_TCK);
	if (m->hz <= 0)
		m->hz = 100;
	m->ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (m->ncpu <= 0)
		m->ncpu = 1;
	if (m->self_share) {
		m->stat_ok = cs_procstat_open(&m->stat, &m->host.io) == 0;
		if (m->stat_ok && cs_procstat_read(&m->stat, &m->stat_prev, NULL, 0, NULL) != 0)
			m->stat_ok = false;
		m->self_prev_s = process_cpu_s();
	}
	(void)cs_host_sample(&m->host); /* prime */

	pthread_mutex_init(&m->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&m->wake, &ca);
	pthread_condattr_destroy(&ca);
	rc = pthread_create(&m->thread, NULL, meter_thread, m);
	if (rc) {
		set_why(opts, "cannot start the sampling thread: %s", cs_strerror(-rc));
		pthread_cond_destroy(&m->wake);
		pthread_mutex_destroy(&m->lock);
		cs_procstat_close(&m->stat);
		cs_host_destroy(&m->host);
		free(m);
		return -rc;
	}
	m->running = true;
	*out = m;
	return 0;
}

static void join(cs_meter *m)
{
	if (!m->running)
		return;
	pthread_mutex_lock(&m->lock);
	m->stop = true;
	pthread_cond_signal(&m->wake);
	pthread_mutex_unlock(&m->lock);
	pthread_join(m->thread, NULL);
	m->running = false;
}

int cs_meter_stop(cs_meter *m, cs_meter_report *r)
{
	const cs_host *h;
	double dur;
	bool loc, emb;

	if (!m || m->stopped)
		return CS_EINVAL;
	join(m);
	meter_tick(m); /* the last, partial interval */
	m->stopped = true;
	if (!r)
		return 0;
	h = &m->host;
	memset(r, 0, sizeof *r);
	dur = h->sum.elapsed_s;
	loc = h->carbon.intensity_g_per_kwh >= 0;
	emb = h->carbon.embodied_g_per_h >= 0;
	r->duration_s = dur;
	r->host_energy_j = h->sum.total_j;
	r->host_avg_power_w = dur > 0 ? h->sum.total_j / dur : 0.0;
	for (int c = 0; c < CS_COMP_COUNT && r->ncomponents < CS_METER_MAX_COMPONENTS; c++) {
		const cs_host_comp *hc = &h->sum.comp[c];
		cs_meter_component *mc;

		if (!hc->nchannels)
			continue;
		mc = &r->components[r->ncomponents++];
		mc->name = cs_component_name((cs_component)c);
		mc->source = hc->source ? hc->source : "";
		mc->measured = hc->measured;
		mc->in_total = hc->in_total;
		mc->energy_j = hc->total_j;
		mc->avg_power_w = dur > 0 ? hc->total_j / dur : 0.0;
	}
	r->measured = h->sum.measured;
	snprintf(r->sources, sizeof r->sources, "%s", h->sources_str);
	r->intensity_g_per_kwh = h->carbon.intensity_g_per_kwh;
	snprintf(r->intensity_source, sizeof r->intensity_source, "%s", h->carbon.intensity_source);
	snprintf(r->location, sizeof r->location, "%s", h->carbon.location);
	r->pue = h->carbon.pue;
	r->operational_g = loc ? cs_host_operational_g(h, h->sum.total_j) : -1.0;
	r->embodied_g = emb ? cs_host_embodied_g(h, dur) : -1.0;
	r->self_share = r->self_cpu_s = r->self_energy_j = r->self_operational_g = r->self_embodied_g = -1.0;
	if (m->self_share) {
		r->self_share = h->sum.total_j > 0 ? m->self_j / h->sum.total_j : 0.0;
		r->self_cpu_s = m->self_cpu_s;
		r->self_energy_j = m->self_j;
		r->self_operational_g = loc ? cs_host_operational_g(h, m->self_j) : -1.0;
		r->self_embodied_g = emb ? cs_host_embodied_g(h, m->self_share_s) : -1.0;
	}
	r->samples = m->ticks;
	if (h->notice[0] && h->carbon.why[0])
		snprintf(r->notice, sizeof r->notice, "%.300s; %.200s", h->notice, h->carbon.why);
	else
		snprintf(r->notice, sizeof r->notice, "%s", h->notice[0] ? h->notice : h->carbon.why);
	return 0;
}

void cs_meter_free(cs_meter *m)
{
	if (!m)
		return;
	join(m);
	pthread_cond_destroy(&m->wake);
	pthread_mutex_destroy(&m->lock);
	cs_procstat_close(&m->stat);
	cs_host_destroy(&m->host);
	free(m);
}

void cs_meter_report_print(const cs_meter_report *r, FILE *f)
{
	fprintf(f, "duration      %.3f s\n", r->duration_s);
	fprintf(f, "host energy   %.3f J (%.6f Wh), avg %.2f W [%s: %s]\n", r->host_energy_j, r->host_energy_j / 3600.0,
	        r->host_avg_power_w, r->measured ? "measured" : "modelled", r->sources);
	for (unsigned i = 0; i < r->ncomponents; i++)
		fprintf(f, "  %-10s  %.3f J, avg %.2f W (%s%s)\n", r->components[i].name, r->components[i].energy_j,
		        r->components[i].avg_power_w, r->components[i].source,
		        r->components[i].in_total ? "" : ", inside another component");
	if (r->self_share >= 0)
		fprintf(f, "this process  %.3f J (%.1f %% of the host, %.3f s CPU)\n", r->self_energy_j,
		        r->self_share * 100.0, r->self_cpu_s);
	if (r->intensity_g_per_kwh >= 0) {
		fprintf(f, "operational   %.6f gCO2e host", r->operational_g);
		if (r->self_operational_g >= 0)
			fprintf(f, ", %.6f gCO2e this process", r->self_operational_g);
		fprintf(f, " (%.1f gCO2e/kWh: %s; PUE %.3f)\n", r->intensity_g_per_kwh, r->intensity_source, r->pue);
	} else {
		fprintf(f, "operational   unknown: no location (set country or region)\n");
	}
	if (r->embodied_g >= 0) {
		fprintf(f, "embodied      %.6f gCO2e host", r->embodied_g);
		if (r->self_embodied_g >= 0)
			fprintf(f, ", %.6f gCO2e this process", r->self_embodied_g);
		fputc('\n', f);
	} else {
		fprintf(f, "embodied      unknown: instance type unknown\n");
	}
	if (r->notice[0])
		fprintf(f, "notice        %s\n", r->notice);
}
