/* platform/host.h - the host energy meter: every sensor of this machine behind
 * one cs_host_sample() call, and the carbon figures that go with it.
 *
 * Sensor policy (the order is cs_sensor_registry's, see sensors/registry.h):
 *  - CPU hardware counters (rapl, amd_energy): the first one that initialises
 *    is used; a second one would measure the same packages again, so it is
 *    closed and marked "not used" with the reason;
 *  - GPU counters (amdgpu, nvml): always added when they initialise;
 *  - the model sensor: used only when no CPU hardware counter initialised,
 *    because the counters are absent (VMs) OR present but unreadable (RAPL is
 *    root-only since Linux 5.10). Each unavailable sensor keeps its one-line
 *    `why`, and cs_host_notice() turns them into the line `run` and `top`
 *    print, e.g. "rapl present but unusable: ... run as root ...; using
 *    model:tdp (modelled)".
 *
 * cs_host_sample() reads every used sensor once (monotonic clock, dt since
 * the last sample; the first call only primes the counters) and fills the
 * fixed summary in h->sum: per-component power/energy, the host total (only
 * channels with in_total, so nothing is counted twice), cumulative joules
 * since the first sample, and the sources used. It allocates nothing.
 *
 * Where the host is, decided once at init and kept in h->site (carbon/
 * turns it into grid intensity, PUE and embodied figures):
 *  - location: an explicit --region (with the provider given or detected)
 *    or --country wins; else the region cloud detection found; else the
 *    country given as a fallback (the agent's [agent] country); else none,
 *    and site.why says how to fix it;
 *  - instance type and provider: configured, else detected.
 *
 * All state lives in one cs_host; there are no globals (cloud detection keeps
 * its own named singleton, see platform/detect.h). Not thread-safe: one thread
 * samples at a time.
 */
#ifndef CS_PLATFORM_HOST_H
#define CS_PLATFORM_HOST_H

#include <stdbool.h>
#include <stddef.h>

#include <carbonstat/dataset.h>

#include "sensors/sensor.h"
#include "platform/detect.h"
#include "io/kfile.h"
#include "sensors/model_sensor.h"
#include "sensors/sensor.h"

#define CS_HOST_MAX_SENSORS 8 /* registry entries tracked (the registry has 5) */
#define CS_HOST_MAX_SOURCES 8 /* distinct source strings kept per host */

typedef struct cs_host_opts {
	const char *sysfs_root;               /* NULL = "/sys" */
	const char *procfs_root;              /* NULL = "/proc" */
	const char *cgroup_root;              /* NULL = "/sys/fs/cgroup" */
	const cs_io_ops *io_ops;              /* NULL = cs_io_posix; tests inject EACCES... */
	cs_provider provider;                 /* --provider; UNKNOWN = detect */
	const char *instance;                 /* --instance; NULL = detect */
	const char *region;                   /* --region; NULL = detect */
	const char *country;                  /* --country (ISO2/ISO3/name); NULL = none */
	bool country_fallback;                /* country only when no region is given or
	                                       * detected (the agent's [agent] country) */
	bool no_metadata;                     /* never ask the cloud metadata services */
	bool no_detect;                       /* no cloud detection at all (DMI, cache, metadata) */
	const char *metadata_url;             /* base URL of the metadata services; NULL = default */
	unsigned metadata_budget_ms;          /* 0 = detect's default (1 s) */
	const char *cache_path;               /* cloud cache file; NULL = default, "" = none */
	const char *nvml_path;                /* NULL = "libnvidia-ml.so.1" */
	bool keep_all;                        /* keep every sensor that initialises, the model
	                                       * too, so `carbonstat sensors` can show them;
	                                       * only the policy's sensors are sampled */
	const cs_sensor_ops *const *registry; /* NULL = cs_sensor_registry (tests) */
	size_t registry_len;
} cs_host_opts;

/* What a registry sensor is for, by its ops name. */
typedef enum cs_host_role {
	CS_HOST_ROLE_CPU = 0, /* rapl, amd_energy */
	CS_HOST_ROLE_GPU,     /* amdgpu, nvml */
	CS_HOST_ROLE_MODEL,   /* model */
} cs_host_role;

/* One registry entry and what became of it. */
typedef struct cs_host_probe {
	const cs_sensor_ops *ops;
	cs_host_role role;
	bool probed;          /* init was called */
	int status;           /* init's result: 0, CS_EUNAVAIL (absent) or another
	                       * negative code (present but unusable) */
	bool used;            /* sampled and counted in the summary */
	cs_sensor *sensor;    /* open instance (used, or kept by keep_all), else NULL */
	char why[384];        /* why it is unavailable or not used; "" when used */
	double read_s;        /* wall time of its last read (self-metrics) */
	uint64_t read_errors; /* reads with at least one failed channel, since init */
} cs_host_probe;

/* One component (cs_component) in the last sample. */
typedef struct cs_host_comp {
	unsigned nchannels; /* used channels of this component; 0 = not present */
	bool in_total;      /* at least one of them counts in the host total */
	bool measured;      /* its in-total channels (or, if none counts, all of
	                     * them) are hardware counters */
	const char *source; /* source of its first in-total channel (else first) */
	double power_w;     /* last interval */
	double energy_j;    /* last interval */
	double total_j;     /* since the first sample */
} cs_host_comp;

/* The per-sample summary; refreshed in place by cs_host_sample(). */
typedef struct cs_host_sum {
	unsigned samples;    /* cs_host_sample calls, the priming one included */
	double now_s;        /* monotonic time of the last sample */
	double dt_s;         /* interval covered by the last sample (0 first) */
	double elapsed_s;    /* since the first (priming) sample */
	double power_w;      /* host total (in_total channels), last interval */
	double energy_j;     /* host total, last interval */
	double total_j;      /* host total since the first sample */
	double cpu_power_w;  /* in-total CPU-side channels (package, core, uncore,
	                      * psys, cpu): what process CPU shares split */
	double cpu_energy_j; /* same, energy of the last interval */
	cs_host_comp comp[CS_COMP_COUNT];
	/* The host total of the last interval by attribution component
	 * (cs_part_of: package/core/uncore/psys/cpu -> CPU, dram -> DRAM,
	 * gpu -> GPU, other -> OTHER), in-total channels only, so the four add
	 * up to energy_j (comp[].energy_j also counts channels that are inside
	 * another one, e.g. core inside package). What attribution splits. */
	double attr_energy_j[CS_PART_COUNT];
	bool measured;   /* every in-total channel is a hardware counter */
	bool modelled;   /* at least one in-total channel is modelled */
	unsigned errors; /* channels whose last read failed */
	int last_error;  /* first channel error of the last sample, or 0 */
} cs_host_sum;

/* Which instance and location this host is, fixed at init. */
typedef struct cs_host_site {
	cs_provider provider;        /* configured or detected; UNKNOWN if neither */
	const cs_instance *instance; /* configured or detected type, or NULL */
	const char *instance_from;   /* "option", detect's source, or "none" */
	const cs_region *region;     /* the location when it is a region (given or
	                              * detected), else NULL */
	const cs_country *country;   /* the location when it is a country (given),
	                              * else NULL */
	const char *location_from;   /* "option", detect's source ("imds-aws", "dmi",
	                              * "cache"...), "option (no region known)", "none" */
	char why[256];               /* why there is no location, "" otherwise */
} cs_host_site;

typedef struct cs_host {
	cs_io io;              /* roots + syscall table (sensors point at it) */
	cs_host_model model;   /* what the model sensor models */
	cs_sensor_env env;     /* what every sensor's init saw */
	cs_cloud_info cloud;   /* detection result (zeroed, source "none", when skipped) */
	bool cloud_detected;   /* cs_cloud_detect ran */
	bool country_fallback; /* opts.country_fallback */
	cs_host_probe probes[CS_HOST_MAX_SENSORS];
	size_t nprobes;
	const char *sources[CS_HOST_MAX_SOURCES]; /* distinct channel sources in use */
	size_t nsources;
	char sources_str[128]; /* "rapl+nvml", "model:tdp" */
	char notice[512];      /* one line for run/top, "" when nothing to say */
	cs_host_site site;
	cs_host_sum sum;
	bool primed; /* a first sample was taken */
	double t0_s; /* time of the priming sample */
} cs_host;

/* Zero the options (every default). */
void cs_host_opts_init(cs_host_opts *o);

/* Detect the cloud (unless told not to, or every figure was given), choose
 * the model, probe every registry sensor and apply the policy above. Returns
 * 0, CS_ENOTFOUND for a configured instance type, region or country that is
 * not in the tables, CS_EUNAVAIL if no sensor at all could be used, CS_ERANGE
 * for a root path too long, CS_EINVAL for bad arguments. On failure `why`
 * (may be NULL) gets one line naming the input and the fix, and h is left
 * destroyed (cs_host_destroy is still safe). */
int cs_host_init(cs_host *h, const cs_host_opts *opts, char *why, size_t whycap);

/* Read every used sensor once at the current monotonic time. 0 when at least
 * one in-total channel was read (failed channels are counted in sum.errors),
 * else the first error. The first call primes and reports 0 J. */
int cs_host_sample(cs_host *h);
/* Same with a given monotonic timestamp (tests, replay). */
int cs_host_sample_at(cs_host *h, double now_s);

/* Close every sensor. Safe on a zeroed or already destroyed host. */
void cs_host_destroy(cs_host *h);

/* The channels of every used sensor, one by one: start with *cursor = 0,
 * NULL after the last. */
const cs_channel *cs_host_channel_next(const cs_host *h, size_t *cursor);

/* "package", "dram"... for a summary component that is present, for loops:
 * true if component c has channels in use. */
static inline bool cs_host_has_comp(const cs_host *h, cs_component c)
{
	return (unsigned)c < CS_COMP_COUNT && h->sum.comp[c].nchannels > 0;
}

/* Name of a probe's state: "used", "not used", "absent", "unusable",
 * "not probed". */
const char *cs_host_probe_state(const cs_host_probe *p);

#endif
