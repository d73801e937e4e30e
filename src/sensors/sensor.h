/* sensors/sensor.h - the common interface of every energy source.
 *
 * A sensor is one file in src/sensors/ exporting a cs_sensor_ops method table
 * {name, init, read, destroy}; registry.c lists them in a static table. Each
 * sensor instance owns a fixed array of channels (one per RAPL zone, hwmon
 * energy input, GPU...), allocated once in init. read() is the hot path: it
 * reads every counter exactly once, corrects wraparound, fills each channel's
 * energy for the interval, and allocates nothing.
 *
 * Double counting is decided by the sensor that knows the topology: a channel
 * with in_total = 0 is reported (e.g. RAPL "core" inside "package", or
 * package+dram when "psys" covers them) but not added to the host total.
 *
 * Every channel carries a source string ("rapl", "rapl-mmio", "amd_energy", "nvml",
 * "amdgpu", "model:aws-teads", "model:tdp", "model:generic") so every later
 * output can say whether a number was measured or modelled.
 */
#ifndef CS_SENSORS_SENSOR_H
#define CS_SENSORS_SENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/why.h"
#include "io/kfile.h"

typedef enum cs_component {
	CS_COMP_PACKAGE = 0, /* CPU package (socket) */
	CS_COMP_CORE,        /* CPU cores, inside package */
	CS_COMP_UNCORE,      /* uncore / integrated GPU, inside package */
	CS_COMP_DRAM,        /* memory */
	CS_COMP_PSYS,        /* whole SoC/platform (laptops) */
	CS_COMP_GPU,         /* discrete GPU */
	CS_COMP_CPU,         /* modelled CPU (no counter) */
	CS_COMP_OTHER,       /* modelled rest of machine */
	CS_COMP_COUNT
} cs_component;

/* "package", "core", "uncore", "dram", "psys", "gpu", "cpu", "other". */
const char *cs_component_name(cs_component c);

/* The four parts of a machine that attribution splits and carbon converts:
 * every channel's component maps to exactly one (cs_part_of), so the in-total
 * channels summed per part add up to the host total. */
typedef enum cs_part {
	CS_PART_CPU = 0, /* package, core, uncore, psys, modelled cpu: shared by CPU time */
	CS_PART_DRAM,    /* memory: shared by working set */
	CS_PART_GPU,     /* GPUs: shared by per-process GPU utilisation where known */
	CS_PART_OTHER,   /* rest of machine (model delta): shared like idle */
	CS_PART_COUNT
} cs_part;

/* "cpu", "dram", "gpu", "other". */
const char *cs_part_name(cs_part p);
/* package, core, uncore, psys, cpu -> CPU; dram -> DRAM; gpu -> GPU; other -> OTHER. */
cs_part cs_part_of(cs_component c);

/* One process's use of a channel's device over the last interval, for the
 * devices that say who used them (NVML's per-process utilisation). The
 * sensor only reports it; attribution maps pids to workloads. */
typedef struct cs_proc_util {
	uint32_t pid; /* host pid */
	double util;  /* 0..1: its mean share of the device's busy time */
} cs_proc_util;

typedef struct cs_channel {
	char name[40]; /* "package-0", "dram-1", "gpu-0", "cpu" */
	cs_component comp;
	const char *source; /* static string, see header comment */
	bool in_total;      /* counted in the host total */
	bool measured;      /* hardware counter (true) or model (false) */
	/* Filled by read(): */
	double energy_j; /* energy over the last interval */
	double power_w;  /* energy_j / interval */
	int status;      /* 0 ok, else -errno or CS_E* of the last read */
	uint64_t wraps;  /* counter wraparounds seen */
	/* Filled by read() where the device reports per-process use: the
	 * processes that used it in the interval (sensor-owned, valid until the
	 * next read); NULL and 0 when unknown. */
	const cs_proc_util *procs;
	size_t nprocs;
} cs_channel;

/* What a sensor may look at when it initialises. */
struct cs_host_model; /* model sensor input, see sensors/model_sensor.h */
typedef struct cs_sensor_env {
	cs_io *io;                         /* roots + syscall table */
	const struct cs_host_model *model; /* for the model sensor; may be NULL */
	const char *nvml_path;             /* NULL = "libnvidia-ml.so.1" */
} cs_sensor_env;

typedef struct cs_sensor cs_sensor;

typedef struct cs_sensor_ops {
	const char *name; /* "rapl", "amd_energy", "amdgpu", "nvml", "model" */
	/* Probe and open. 0 with *out set (>= 1 channel); CS_EUNAVAIL when the
	 * hardware is absent (not an error); another negative code when present
	 * but unusable. In both failure cases `why` gets a one-line reason that
	 * names the file and the fix, e.g. "/sys/class/powercap/intel-rapl:0/energy_uj
	 * is readable by root only: run as root or grant CAP_DAC_READ_SEARCH". */
	int (*init)(const cs_sensor_env *env, cs_sensor **out, char *why, size_t whycap);
	/* Read every channel once; now_s is a monotonic timestamp, dt_s the time
	 * since the previous read (0 on the first call, which only primes the
	 * counters and reports zero energy). No allocation, no open() (except
	 * to retry a file that vanished). Returns 0 if at least one channel
	 * was read; a failed channel has status != 0 and energy 0 while the
	 * others carry on. If every channel failed, returns the first error. */
	int (*read)(cs_sensor *s, double now_s, double dt_s);
	void (*destroy)(cs_sensor *s);
} cs_sensor_ops;

/* How an init() ends, on every path: rc == 0 hands s out (*out = s); else
 * s, if any, is destroyed through its ops. Returns rc. */
int cs_sensor_init_end(cs_sensor *s, int rc, cs_sensor **out);

/* Common head of every sensor instance; implementations embed it first. */
struct cs_sensor {
	const cs_sensor_ops *ops;
	cs_channel *channels;
	size_t nchannels;
};

/* Energy-counter wraparound: delta between two readings of a counter that
 * counts 0..max and then wraps to 0 (max = max_energy_range_uj). A reading
 * below the previous one is a wrap, giving (max - prev) + cur, unless that
 * wrapped delta is implausible (more than half the range, i.e. a small step
 * backwards rather than a pass through max): then the counter was reset
 * (driver reload, CPU hotplug) and the delta is 0, never a huge value. With
 * max == 0 (range unknown) every drop is a reset. A forward step is always
 * cur - prev. *wrapped (may be NULL) is set to whether a wrap was counted. */
uint64_t cs_counter_delta(uint64_t prev, uint64_t cur, uint64_t max, bool *wrapped);

/* One hardware energy counter behind a kept-open file (RAPL energy_uj, hwmon
 * energyN_input): what read() keeps between cycles for one channel. */
typedef struct cs_counter {
	cs_kfile file;
	uint64_t max_uj;  /* wrap point (max_energy_range_uj); 0 = unknown */
	uint64_t prev_uj; /* last good reading */
	bool primed;      /* prev_uj holds a reading */
} cs_counter;

/* Read the counter once (one pread) and fill ch->energy_j, power_w, status
 * and wraps. The first good reading only primes (0 J). Garbage gives
 * CS_EINVAL and 0 J but keeps prev_uj, so the next good reading still
 * accounts for the whole time; a vanished file (-ENOENT/-ENODEV) gives 0 J
 * and re-primes when it comes back, since the counter may have restarted.
 * Returns ch->status. */
int cs_counter_read(cs_counter *c, cs_channel *ch, double dt_s);

/* Opens counter c on the sysfs file rel and reads it once: sysfs checks
 * permission at open, but some file systems (FUSE, LSMs) refuse at read.
 * Returns 0 when the file is open (garbage or EIO now is not fatal: read()
 * reports it per channel); -EACCES/-EPERM with why saying how to grant
 * access (the file closed again); else the open's error (c->file.fd < 0:
 * the counter is not there). */
int cs_counter_open(cs_counter *c, cs_io *io, const char *rel, char *why, size_t whycap);

/* cs_counter_read over n counters and their channels, for a sensor's read():
 * 0 if any counter read, else the first error (so a sensor fails a cycle
 * only when every channel did). */
int cs_counters_read(cs_counter *ctr, cs_channel *ch, size_t n, double dt_s);

/* A sensor made of energy counters only (RAPL, amd_energy): one counter per
 * channel. Such a sensor's state is this struct; its read() and destroy()
 * are the two functions below. */
typedef struct cs_counter_sensor {
	cs_sensor base;  /* must be first */
	cs_counter *ctr; /* [base.nchannels] */
} cs_counter_sensor;

/* A counter sensor with ops and room for n channels and counters (at least
 * one), zeroed: 0, or CS_ENOMEM. destroy() frees it. */
int cs_counter_sensor_new(const cs_sensor_ops *ops, size_t n, cs_counter_sensor **out);
/* Room for want channels and counters, the new ones zeroed; *cap is the room
 * there is, updated. 0, or CS_ENOMEM (what is there kept). */
int cs_counter_sensor_reserve(cs_counter_sensor *s, size_t *cap, size_t want);

/* read(): cs_counters_read over every channel. Allocates nothing. */
int cs_counter_sensor_read(cs_sensor *s, double now_s, double dt_s);
/* destroy(): closes the counters' files, frees the arrays. NULL is a no-op. */
void cs_counter_sensor_destroy(cs_sensor *s);

/* The method table of a counter sensor called nm: its own init(), and the
 * read() and destroy() above. */
#define CS_COUNTER_SENSOR_OPS(nm, init_fn)                                                                             \
	{                                                                                                              \
		.name = (nm), .init = (init_fn), .read = cs_counter_sensor_read, .destroy = cs_counter_sensor_destroy  \
	}

/* Static registry of every sensor, in probe order (see sensors/registry.h). */
extern const cs_sensor_ops *const cs_sensor_registry[];
extern const size_t cs_sensor_registry_len;

#endif
