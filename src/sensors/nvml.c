/* sensors/nvml.c - NVIDIA GPU energy through NVML, dlopen()ed at run time.
 *
 * See sensors/nvml.h for what is measured and how. This file owns the NVML
 * binding (types and entry points declared here from the public NVML API, so
 * no nvml.h and no link-time dependency), the per-GPU state and the sensor.
 * Everything is allocated in init; read() makes at most three NVML calls per
 * GPU and allocates nothing.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <carbonstat/error.h>

#include "core/clock.h"
#include "sensors/nvml.h"

/* ---- the NVML API subset (public NVML API, nvml.h) ------------------------- */

typedef int nvmlReturn_t; /* enum nvmlReturn_enum */
typedef struct nvmlDevice_st *nvmlDevice_t;

#define NVML_SUCCESS                       0
#define NVML_ERROR_NOT_SUPPORTED           3
#define NVML_ERROR_NO_PERMISSION           4
#define NVML_ERROR_NOT_FOUND               6
#define NVML_ERROR_INSUFFICIENT_SIZE       7
#define NVML_ERROR_DRIVER_NOT_LOADED       9
#define NVML_ERROR_TIMEOUT                 10
#define NVML_ERROR_LIBRARY_NOT_FOUND       12
#define NVML_ERROR_FUNCTION_NOT_FOUND      13
#define NVML_ERROR_GPU_IS_LOST             15
#define NVML_ERROR_LIB_RM_VERSION_MISMATCH 18

#define NVML_DEVICE_NAME_V2_BUFFER_SIZE 96

/* nvmlProcessUtilizationSample_t */
typedef struct nvml_proc_sample {
	unsigned int pid;
	unsigned long long timeStamp; /* CPU timestamp, microseconds */
	unsigned int smUtil;
	unsigned int memUtil;
	unsigned int encUtil;
	unsigned int decUtil;
} nvml_proc_sample;

typedef nvmlReturn_t (*nvml_void_fn)(void);
typedef nvmlReturn_t (*nvml_count_fn)(unsigned int *count);
typedef nvmlReturn_t (*nvml_handle_fn)(unsigned int index, nvmlDevice_t *dev);
typedef nvmlReturn_t (*nvml_name_fn)(nvmlDevice_t dev, char *name, unsigned int len);
typedef nvmlReturn_t (*nvml_energy_fn)(nvmlDevice_t dev, unsigned long long *mj);
typedef nvmlReturn_t (*nvml_power_fn)(nvmlDevice_t dev, unsigned int *mw);
typedef nvmlReturn_t (*nvml_procutil_fn)(nvmlDevice_t dev, nvml_proc_sample *samples, unsigned int *count,
                                         unsigned long long last_seen);
typedef const char *(*nvml_errstr_fn)(nvmlReturn_t rc);

typedef struct nvml_api {
	void *dl;
	nvml_void_fn init;         /* nvmlInit_v2, else nvmlInit */
	nvml_void_fn shutdown;     /* nvmlShutdown */
	nvml_count_fn count;       /* nvmlDeviceGetCount_v2, else nvmlDeviceGetCount */
	nvml_handle_fn handle;     /* nvmlDeviceGetHandleByIndex_v2, else _ByIndex */
	nvml_name_fn name;         /* optional */
	nvml_energy_fn energy;     /* optional: nvmlDeviceGetTotalEnergyConsumption */
	nvml_power_fn power;       /* optional: nvmlDeviceGetPowerUsage */
	nvml_procutil_fn procutil; /* optional: nvmlDeviceGetProcessUtilization */
	nvml_errstr_fn errstr;     /* optional: nvmlErrorString */
} nvml_api;

/* dlsym into a function pointer without an object->function pointer cast. */
static void load_sym(void *dl, const char *name, const char *fallback, void *fnp)
{
	void *p = dlsym(dl, name);

	if (!p && fallback)
		p = dlsym(dl, fallback);
	memcpy(fnp, &p, sizeof p);
}

static const char *nvml_err(const nvml_api *api, nvmlReturn_t rc)
{
	const char *s = api->errstr ? api->errstr(rc) : NULL;

	return s ? s : "unknown NVML error";
}

/* NVML return code -> our convention (-errno / CS_E*). */
static int map_rc(nvmlReturn_t rc)
{
	switch (rc) {
	case NVML_SUCCESS: return 0;
	case NVML_ERROR_NOT_SUPPORTED: return CS_EUNAVAIL;
	case NVML_ERROR_NO_PERMISSION: return -EACCES;
	case NVML_ERROR_TIMEOUT: return -ETIMEDOUT;
	case NVML_ERROR_GPU_IS_LOST: return -ENODEV;
	default: return -EIO;
	}
}

/* ---- sensor state ---------------------------------------------------------- */

typedef struct nvml_gpu {
	nvmlDevice_t h;
	unsigned index; /* NVML index */
	char name[NVML_DEVICE_NAME_V2_BUFFER_SIZE];
	bool has_energy; /* total energy counter (Volta+) */
	bool primed;
	unsigned long long prev_mj;      /* energy path: last counter value */
	double prev_w;                   /* power path: last sample */
	double pending_s;                /* time of failed reads not yet covered */
	bool proc_ok;                    /* process utilisation supported */
	unsigned long long proc_last_us; /* newest sample timestamp seen */
	nvml_proc_sample *samples;       /* CS_NVML_PROC_SAMPLES, from init */
	unsigned nsamples;               /* samples of the last read */
	cs_proc_util *putil;             /* per process of the last read, same size */
	unsigned npids;
	int proc_status; /* status of the last fetch */
} nvml_gpu;

typedef struct nvml_sensor {
	cs_sensor base; /* first */
	nvml_api api;
	bool inited;    /* nvmlInit succeeded: nvmlShutdown on destroy */
	nvml_gpu *gpus; /* nchannels of them, same order as channels */
	cs_channel *ch;
} nvml_sensor;

static void nvml_destroy(cs_sensor *s)
{
	nvml_sensor *ns = (nvml_sensor *)s;

	if (!ns)
		return;
	if (ns->gpus)
		for (size_t i = 0; i < ns->base.nchannels; i++) {
			free(ns->gpus[i].samples);
			free(ns->gpus[i].putil);
		}
	free(ns->gpus);
	free(ns->ch);
	if (ns->inited && ns->api.shutdown)
		ns->api.shutdown();
	if (ns->api.dl)
		dlclose(ns->api.dl);
	free(ns);
}

/* One-line reason into why (which may be NULL). */
#define say(why, cap, ...)                                                                                             \
	do {                                                                                                           \
		if ((why) && (cap))                                                                                    \
			snprintf((why), (cap), __VA_ARGS__);                                                           \
	} while (0)

static int nvml_init(const cs_sensor_env *env, cs_sensor **out, char *why, size_t whycap)
{
	const char *path = env && env->nvml_path ? env->nvml_path : "libnvidia-ml.so.1";
	nvml_sensor *ns;
	nvml_api *api;
	unsigned int count = 0;
	nvmlReturn_t nrc;
	int rc;

	if (!out)
		return CS_EINVAL;
	ns = calloc(1, sizeof *ns);
	if (!ns)
		return CS_ENOMEM;
	api = &ns->api;
	api->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!api->dl) {
		const char *e = dlerror();

		if (!e || strstr(e, "No such file")) {
			say(why, whycap, "%s not found: no NVIDIA driver", path);
			rc = CS_EUNAVAIL;
		} else {
			say(why, whycap, "%s cannot be loaded (%s): reinstall the NVIDIA driver", path, e);
			rc = -ELIBBAD;
		}
		goto err;
	}
	load_sym(api->dl, "nvmlInit_v2", "nvmlInit", &api->init);
	load_sym(api->dl, "nvmlShutdown", NULL, &api->shutdown);
	load_sym(api->dl, "nvmlDeviceGetCount_v2", "nvmlDeviceGetCount", &api->count);
	load_sym(api->dl, "nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex", &api->handle);
	load_sym(api->dl, "nvmlDeviceGetName", NULL, &api->name);
	load_sym(api->dl, "nvmlDeviceGetTotalEnergyConsumption", NULL, &api->energy);
	load_sym(api->dl, "nvmlDeviceGetPowerUsage", NULL, &api->power);
	load_sym(api->dl, "nvmlDeviceGetProcessUtilization", NULL, &api->procutil);
	load_sym(api->dl, "nvmlErrorString", NULL, &api->errstr);
	if (!api->init || !api->shutdown || !api->count || !api->handle || (!api->energy && !api->power)) {
		say(why, whycap, "%s lacks the NVML functions carbonstat needs: update the NVIDIA driver", path);
		rc = -ELIBBAD;
		goto err;
	}

	nrc = api->init();
	if (nrc != NVML_SUCCESS) {
		char msg[160];

		snprintf(msg, sizeof msg, "%s", nvml_err(api, nrc));
		if (nrc == NVML_ERROR_NO_PERMISSION) {
			say(why, whycap, "NVML initialisation failed (%s): %s; run as a user allowed to use the GPUs",
			    msg, path);
			rc = -EACCES;
		} else if (nrc == NVML_ERROR_DRIVER_NOT_LOADED || nrc == NVML_ERROR_LIBRARY_NOT_FOUND) {
			say(why, whycap,
			    "NVML initialisation failed (%s): %s is installed but no NVIDIA driver is loaded", msg,
			    path);
			rc = CS_EUNAVAIL;
		} else {
			say(why, whycap,
			    "NVML initialisation failed (%s) with %s: check the NVIDIA driver (nvidia-smi)", msg, path);
			rc = nrc == NVML_ERROR_LIB_RM_VERSION_MISMATCH ? -ELIBBAD : -EIO;
		}
		goto err;
	}
	ns->inited = true;

	nrc = api->count(&count);
	if (nrc != NVML_SUCCESS) {
		say(why, whycap, "NVML could not count GPUs (%s) with %s", nvml_err(api, nrc), path);
		rc = map_rc(nrc);
		goto err;
	}
	if (count == 0) {
		say(why, whycap, "NVML (%s) found no NVIDIA GPU", path);
		rc = CS_EUNAVAIL;
		goto err;
	}
	if (count > 1024) /* nonsense from a broken library */
		count = 1024;
	ns->gpus = calloc(count, sizeof *ns->gpus);
	ns->ch = calloc(count, sizeof *ns->ch);
	if (!ns->gpus || !ns->ch) {
		rc = CS_ENOMEM;
		goto err;
	}
	ns->base.ops = &cs_nvml_ops;
	ns->base.channels = ns->ch;
	for (unsigned i = 0; i < count; i++) {
		nvml_gpu *g = &ns->gpus[ns->base.nchannels];
		cs_channel *c = &ns->ch[ns->base.nchannels];
		unsigned long long mj;
		unsigned int mw;
		bool has_power;

		memset(g, 0, sizeof *g);
		if (api->handle(i, &g->h) != NVML_SUCCESS)
			continue;
		g->index = i;
		if (!api->name || api->name(g->h, g->name, sizeof g->name) != NVML_SUCCESS)
			snprintf(g->name, sizeof g->name, "NVIDIA GPU %u", i);
		g->name[sizeof g->name - 1] = '\0';
		g->has_energy = api->energy && api->energy(g->h, &mj) == NVML_SUCCESS;
		has_power = api->power && api->power(g->h, &mw) == NVML_SUCCESS;
		if (!g->has_energy && !has_power)
			continue; /* nothing to measure on this GPU */
		if (api->procutil) {
			g->samples = calloc(CS_NVML_PROC_SAMPLES, sizeof *g->samples);
			g->putil = calloc(CS_NVML_PROC_SAMPLES, sizeof *g->putil);
			if (!g->samples || !g->putil) {
				rc = CS_ENOMEM;
				goto err;
			}
			g->proc_ok = true;
		}
		snprintf(c->name, sizeof c->name, "gpu-%u", i);
		c->comp = CS_COMP_GPU;
		c->source = "nvml";
		c->in_total = true;
		c->measured = true;
		ns->base.nchannels++;
	}
	if (ns->base.nchannels == 0) {
		say(why, whycap, "NVML (%s) reports neither energy nor power for any GPU", path);
		rc = CS_EUNAVAIL;
		goto err;
	}
	*out = &ns->base;
	return 0;
err:
	nvml_destroy(&ns->base);
	return rc;
}

/* Per process: the mean SM utilisation of its samples, 0..1 (a process
 * with samples at every NVML tick of the interval at 100 % used the whole
 * GPU). O(samples x processes), both at most CS_NVML_PROC_SAMPLES. */
static void per_process(nvml_gpu *g)
{
	unsigned cnt[CS_NVML_PROC_SAMPLES];

	g->npids = 0;
	for (unsigned i = 0; i < g->nsamples; i++) {
		const nvml_proc_sample *sm = &g->samples[i];
		unsigned k = 0;

		while (k < g->npids && g->putil[k].pid != sm->pid)
			k++;
		if (k == g->npids) {
			g->putil[k].pid = sm->pid;
			g->putil[k].util = 0;
			cnt[k] = 0;
			g->npids++;
		}
		g->putil[k].util += sm->smUtil > 100 ? 100.0 : (double)sm->smUtil;
		cnt[k]++;
	}
	for (unsigned k = 0; k < g->npids; k++)
		g->putil[k].util /= 100.0 * cnt[k];
}

/* Fetch process samples newer than the last seen into the GPU's array. */
static void read_procs(nvml_sensor *ns, nvml_gpu *g, cs_channel *c)
{
	unsigned int n = CS_NVML_PROC_SAMPLES;
	nvmlReturn_t nrc;

	g->nsamples = 0;
	g->npids = 0;
	c->procs = NULL;
	c->nprocs = 0;
	if (!g->proc_ok)
		return;
	nrc = ns->api.procutil(g->h, g->samples, &n, g->proc_last_us);
	switch (nrc) {
	case NVML_SUCCESS:
		if (n > CS_NVML_PROC_SAMPLES)
			n = CS_NVML_PROC_SAMPLES;
		g->nsamples = n;
		for (unsigned i = 0; i < n; i++)
			if (g->samples[i].timeStamp > g->proc_last_us)
				g->proc_last_us = g->samples[i].timeStamp;
		g->proc_status = 0;
		break;
	case NVML_ERROR_NOT_FOUND: /* no sample since the last one: GPU idle */ g->proc_status = 0; break;
	case NVML_ERROR_INSUFFICIENT_SIZE:
		/* More than we keep (first call after a long idle backlog, or very
		 * many processes): skip the backlog rather than fall behind. */
		g->proc_last_us = (unsigned long long)(cs_real_s() * 1e6);
		g->proc_status = CS_ENOMEM;
		break;
	case NVML_ERROR_NOT_SUPPORTED:
	case NVML_ERROR_FUNCTION_NOT_FOUND:
		g->proc_ok = false;
		g->proc_status = CS_EUNAVAIL;
		break;
	default: g->proc_status = map_rc(nrc); break;
	}
	if (!g->proc_ok)
		return;
	per_process(g);
	c->procs = g->putil;
	c->nprocs = g->npids;
}

/* The energy and mean power of span_s since the previous good reading: from
 * the energy counter (mJ) when the GPU has one, else the trapezoid of two
 * power readings (W). */
static void gpu_interval(const nvml_gpu *g, cs_channel *c, unsigned long long mj, double w, double span_s)
{
	if (g->has_energy) {
		/* Backwards = driver reloaded: 0 J, not 2^64 mJ. */
		c->energy_j = mj >= g->prev_mj ? (double)(mj - g->prev_mj) / 1000.0 : 0.0;
		c->power_w = c->energy_j / span_s;
	} else {
		c->power_w = (g->prev_w + w) / 2.0;
		c->energy_j = c->power_w * span_s;
	}
}

static int nvml_read(cs_sensor *s, double now_s, double dt_s)
{
	nvml_sensor *ns = (nvml_sensor *)s;
	bool timed = dt_s > 0 && dt_s < 1e9; /* also false for NaN */
	int first_err = 0;

	(void)now_s;
	for (size_t i = 0; i < ns->base.nchannels; i++) {
		nvml_gpu *g = &ns->gpus[i];
		cs_channel *c = &ns->ch[i];
		nvmlReturn_t nrc;

		unsigned long long mj = 0;
		unsigned int mw = 0;

		c->energy_j = 0;
		c->power_w = 0;
		nrc = g->has_energy ? ns->api.energy(g->h, &mj) : ns->api.power(g->h, &mw);
		if (nrc != NVML_SUCCESS) {
			c->status = map_rc(nrc);
			if (g->primed && timed)
				g->pending_s += dt_s; /* the next good reading spans this interval too */
		} else {
			c->status = 0;
			if (g->primed && timed)
				gpu_interval(g, c, mj, mw / 1000.0, dt_s + g->pending_s);
			if (!g->primed || timed) {
				g->prev_mj = mj;
				g->prev_w = mw / 1000.0;
				g->primed = true;
				g->pending_s = 0;
			}
		}
		if (c->status && !first_err)
			first_err = c->status;
		read_procs(ns, g, c);
	}
	return first_err;
}

int cs_nvml_process_util(cs_sensor *s, unsigned dev, cs_gpu_proc_util *out, size_t cap, size_t *n)
{
	nvml_sensor *ns = (nvml_sensor *)s;
	nvml_gpu *g;
	size_t k;

	if (!s || s->ops != &cs_nvml_ops || !n || (cap && !out) || dev >= s->nchannels)
		return CS_EINVAL;
	g = &ns->gpus[dev];
	if (!g->samples || (!g->proc_ok && g->proc_status == CS_EUNAVAIL)) {
		*n = 0;
		return CS_EUNAVAIL;
	}
	k = g->nsamples < cap ? g->nsamples : cap;
	for (size_t i = 0; i < k; i++) {
		const nvml_proc_sample *p = &g->samples[i];

		out[i].pid = p->pid;
		out[i].timestamp_us = p->timeStamp;
		out[i].sm_pct = p->smUtil;
		out[i].mem_pct = p->memUtil;
		out[i].enc_pct = p->encUtil;
		out[i].dec_pct = p->decUtil;
	}
	*n = k;
	if (g->nsamples > cap)
		return CS_ENOMEM;
	return g->proc_status;
}

const char *cs_nvml_device_name(cs_sensor *s, unsigned dev)
{
	if (!s || s->ops != &cs_nvml_ops || dev >= s->nchannels)
		return NULL;
	return ((nvml_sensor *)s)->gpus[dev].name;
}

const cs_sensor_ops cs_nvml_ops = {
    .name = "nvml",
    .init = nvml_init,
    .read = nvml_read,
    .destroy = nvml_destroy,
};
