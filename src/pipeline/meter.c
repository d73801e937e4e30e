/* pipeline/meter.c - the public start/stop meter (carbonstat/meter.h).
 *
 * A cs_meter is one cs_host, the node sampler over this process (scope
 * SELF: <procfs>/self, so --procfs-root is honoured) and a sampling thread.
 * The thread owns host and node between start and stop: it sleeps on a
 * condition variable (monotonic clock) until the next tick or the stop
 * request, samples, and adds this process's attributed share of the
 * interval: the same engine and the same figure the agent, `run` and `top`
 * give the same process (pipeline/node.h). cs_meter_stop() wakes it, joins
 * it, and only then samples again for the last, partial interval, so no lock
 * is held while sampling. Nothing is allocated per tick.
 */
#include <carbonstat/meter.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <carbonstat/dataset.h>
#include <carbonstat/error.h>

#include "carbon/carbon.h"
#include "core/clock.h"
#include "core/why.h"
#include "pipeline/node.h"
#include "platform/host.h"

struct cs_meter {
	cs_host host;
	cs_node *node; /* scope SELF over host */
	unsigned interval_ms;
	bool self_share;
	/* thread */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool running; /* thread started and not joined */
	bool stop;    /* under lock: the thread must return */
	bool stopped; /* cs_meter_stop done */
	/* self share, since start */
	uint64_t self_cpu_us; /* CPU time of this process */
	uint64_t self_uj;     /* energy attributed to it */
	double self_share_s;  /* integral of share dt (embodied) */
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

	if (!o)
		return;
	va_start(ap, fmt);
	cs_vset_why(o->why, o->why_cap, fmt, ap);
	va_end(ap);
}

/* One interval: host and this process's attributed share of it. */
static void meter_tick(cs_meter *m)
{
	const cs_attr_share *sh;
	const cs_workload *wl;
	uint64_t uj = 0;
	size_t n;

	(void)cs_node_sample(m->node);
	m->ticks++;
	if (!m->self_share)
		return;
	wl = cs_node_workloads(m->node, &n);
	sh = cs_node_shares(m->node, &n);
	for (size_t i = 0; i < n; i++) {
		uj += cs_attr_share_total_uj(&sh[i]);
		m->self_cpu_us += wl[i].fresh ? 0 : wl[i].cpu_usec;
	}
	m->self_uj += uj;
	if (m->host.sum.energy_j > 0)
		m->self_share_s += (double)uj / 1e6 / m->host.sum.energy_j * m->host.sum.dt_s;
}

static void *meter_thread(void *arg)
{
	cs_meter *m = arg;
	double next_s = cs_mono_s();
	struct timespec next;

	pthread_mutex_lock(&m->lock);
	while (!m->stop) {
		int rc;

		next_s += m->interval_ms / 1000.0;
		next = cs_timespec_of(next_s);
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
	{
		cs_node_opts no;

		memset(&no, 0, sizeof no);
		no.host = &m->host;
		no.scope = CS_NODE_SELF;
		no.kubelet = CS_NODE_KUBELET_OFF;
		rc = cs_node_open(&no, &m->node, why, sizeof why);
		if (rc) {
			set_why(opts, "%s", why[0] ? why : cs_strerror(rc));
			cs_host_destroy(&m->host);
			free(m);
			return rc;
		}
	}
	(void)cs_node_sample(m->node); /* prime */

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
		cs_node_close(m->node);
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
	const cs_carbon *cb;
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
	cb = cs_node_carbon(m->node);
	memset(r, 0, sizeof *r);
	dur = h->sum.elapsed_s;
	loc = cb->intensity_g_per_kwh >= 0;
	emb = cb->embodied_g_per_h >= 0;
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
	r->intensity_g_per_kwh = cb->intensity_g_per_kwh;
	snprintf(r->intensity_source, sizeof r->intensity_source, "%s", cb->intensity_source);
	snprintf(r->location, sizeof r->location, "%s", cb->location);
	r->pue = cb->pue;
	r->operational_g = loc ? cs_carbon_operational_g(h->sum.total_j * 1e6, cb->intensity_g_per_kwh, cb->pue) : -1.0;
	r->embodied_g = emb ? cs_carbon_embodied_g(cb->embodied_g_per_h, dur) : -1.0;
	r->self_share = r->self_cpu_s = r->self_energy_j = r->self_operational_g = r->self_embodied_g = -1.0;
	if (m->self_share) {
		r->self_energy_j = (double)m->self_uj / 1e6;
		r->self_share = h->sum.total_j > 0 ? r->self_energy_j / h->sum.total_j : 0.0;
		r->self_cpu_s = (double)m->self_cpu_us / 1e6;
		r->self_operational_g =
		    loc ? cs_carbon_operational_g((double)m->self_uj, cb->intensity_g_per_kwh, cb->pue) : -1.0;
		r->self_embodied_g = emb ? cs_carbon_embodied_g(cb->embodied_g_per_h, m->self_share_s) : -1.0;
	}
	r->samples = m->ticks;
	if (h->notice[0] && cb->why[0])
		snprintf(r->notice, sizeof r->notice, "%.300s; %.200s", h->notice, cb->why);
	else
		snprintf(r->notice, sizeof r->notice, "%s", h->notice[0] ? h->notice : cb->why);
	return 0;
}

void cs_meter_free(cs_meter *m)
{
	if (!m)
		return;
	join(m);
	pthread_cond_destroy(&m->wake);
	pthread_mutex_destroy(&m->lock);
	cs_node_close(m->node);
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
