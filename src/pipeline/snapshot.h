/* pipeline/snapshot.h - what one cycle of the agent hands its exporters: the
 * contract between the pipeline (which fills it) and every exporter (which
 * renders it).
 *
 * The agent (agent/agent.c) samples, attributes and converts to carbon, then
 * fills one cs_snapshot and calls publish() on every enabled exporter, in
 * the sampling thread, one after the other. A snapshot and everything it
 * points to is valid only during that call: an exporter that serves the data
 * later (Prometheus) renders its own bytes from it before returning.
 *
 * Counters (the *_total fields) are cumulative since the agent started, per
 * row, and never decrease: the agent keeps them across SIGHUP reloads and
 * sensor counter wraps. A row is one label set; while no workload has it,
 * its series end; if it comes back (a restarted container) it goes on from
 * its total (pipeline/rows.h).
 *
 * Conservation: for every component,
 *   sum over rows (workloads + system + idle + overflow) of energy_uj ==
 *   node.comp[c].energy_uj every interval; for the _total counters, the rows
 *   plus the rows that ended (their series' last values) == the node's; the
 * carbon figures are derived from those energies (operational) and from the
 * embodied rate split like idle energy, so they add up too (to rounding).
 *
 * It lives here, below the exporters, because the pipeline builds it
 * (pipeline/rows.c writes the rows) and must not include the exporters.
 */
#ifndef CS_PIPELINE_SNAPSHOT_H
#define CS_PIPELINE_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "carbon/carbon.h"  /* cs_scope */
#include "sensors/sensor.h" /* cs_part */

typedef enum cs_row_kind {
	CS_ROW_WORKLOAD = 0, /* a workload or a roll-up group of them */
	CS_ROW_SYSTEM,       /* usage no workload accounts for */
	CS_ROW_IDLE,         /* idle energy no workload was given (idle policy) */
	CS_ROW_OVERFLOW,     /* workloads beyond the series guard, folded together */
} cs_row_kind;

/* One exported row: a workload (container by default), a roll-up group, or
 * one of the buckets. Strings are never NULL ("" when not applicable). */
typedef struct cs_snap_row {
	cs_row_kind kind;
	const char *wl_kind;                     /* "container", "pod", "service", "session", "process",
	                                          * "cgroup", "owner", "namespace", "team"; "system", "idle",
	                                          * "overflow" */
	const char *name;                        /* the workload's name: container name, unit, cgroup path,
	                                          * "comm[pid]", or the group key; "system"... for buckets */
	const char *namespace_;                  /* Kubernetes namespace */
	const char *pod;                         /* pod name */
	const char *container;                   /* container name */
	const char *team;                        /* team (label, namespace map, service map, namespace) */
	const char *owner_kind;                  /* the pod's owner (k8s/owner.h): "Deployment", "CronJob",
	                                          * "StaticPod", "Pod"...; "" outside pods */
	const char *owner;                       /* its name: "web" for ReplicaSet web-7d4b9c8f6 */
	const char *container_id;                /* runtime id (JSON lines only) */
	const char *cgroup;                      /* cgroup path relative to the root (JSON lines only) */
	uint64_t energy_uj[CS_PART_COUNT];       /* this interval */
	uint64_t energy_uj_total[CS_PART_COUNT]; /* since the agent started */
	double carbon_g[CS_SCOPE_N];             /* this interval */
	double carbon_g_total[CS_SCOPE_N];       /* since the agent started */
	double power_w;                          /* this interval's average, all components */
} cs_snap_row;

/* One node component (cpu, dram, gpu, other). */
typedef struct cs_snap_comp {
	bool present;             /* the node has a channel for it */
	bool measured;            /* hardware counter (else modelled) */
	const char *source;       /* "rapl", "amd_energy", "nvml", "model:aws-teads"... */
	double power_w;           /* this interval's average */
	uint64_t energy_uj;       /* this interval */
	uint64_t energy_uj_total; /* since the agent started */
} cs_snap_comp;

#define CS_SNAP_MAX_STAGES 12

/* Duration and error count of one sensor or exporter. */
typedef struct cs_snap_stage {
	const char *name;      /* sensor ("rapl", "model"...) or exporter ("prometheus"...) */
	double duration_s;     /* last cycle */
	uint64_t errors_total; /* since start */
} cs_snap_stage;

/* The agent's own cost. */
typedef struct cs_snap_self {
	uint64_t cycles_total;         /* sampling cycles run */
	uint64_t overruns_total;       /* cycles that took longer than the interval */
	double cycle_duration_s;       /* wall time of the last cycle (sample..publish) */
	double cpu_seconds_total;      /* process CPU time (user + system) */
	uint64_t resident_bytes;       /* RSS */
	uint64_t open_files;           /* kept-open files (sensors + cgroup stats + procfs) */
	uint64_t kernel_memory_bytes;  /* estimated kernel memory its kept-open cgroup files
	                                * and directories pin (what [agent] kernel_memory bounds) */
	uint64_t read_bytes_total;     /* bytes read from sysfs/procfs/cgroupfs */
	uint64_t series;               /* rows exported this cycle */
	uint64_t rows_folded;          /* rows folded into "overflow" by max_series */
	uint64_t grid_errors_total;    /* live intensity requests that failed */
	uint64_t kubelet_errors_total; /* kubelet refreshes that failed */
	cs_snap_stage sensor[CS_SNAP_MAX_STAGES];
	size_t nsensor;
	cs_snap_stage exporter[CS_SNAP_MAX_STAGES]; /* durations of the previous publish */
	size_t nexporter;
} cs_snap_self;

typedef struct cs_snapshot {
	const char *node;    /* node name (label node=) */
	const char *cluster; /* [agent] cluster, on every series (label cluster=); "" = none */
	const char *version; /* carbonstat version */
	uint64_t seq;        /* 1, 2, ...: cycles exported (the priming sample is not) */
	int64_t time_ms;     /* wall clock at the end of the interval, unix ms */
	double interval_s;   /* measured length of the interval */

	/* Node energy. */
	cs_snap_comp comp[CS_PART_COUNT];
	double power_w;          /* all components */
	const char *mode;        /* "measured", "modelled" or "mixed" */
	const char *power_model; /* e.g. "ccf-aws-teads (CC BY 4.0, 2021)"; "" if measured */

	/* Carbon. */
	double intensity_g_per_kwh;        /* this interval's figure; < 0 = no location known */
	const char *intensity_source;      /* label source=: "electricitymaps", "electricitymaps-last",
	                                    * "static-region", "static-country", "none" */
	const char *intensity_zone;        /* "DE", "aws/eu-west-1", "" */
	const char *intensity_dataset;     /* provenance, e.g. "ember-country (CC-BY-4.0, 2024)" or
	                                    * "Electricity Maps 2026-11-22T10:00:00Z" */
	double pue;                        /* applied to operational carbon */
	double embodied_g_per_h;           /* node rate; < 0 = unknown (no embodied) */
	double carbon_g[CS_SCOPE_N];       /* node, this interval */
	double carbon_g_total[CS_SCOPE_N]; /* node, since start */
	const char *provider;              /* "aws", "gcp", "azure", "" */
	const char *region;                /* "eu-west-1", "" */
	const char *instance;              /* "m5.large", "" */
	const char *instance_id;           /* the cloud's id: "i-0abc...", a GCP id, an Azure resource id; "" */
	const char *instance_name;         /* GCP/Azure instance name; "" */
	/* The node's CPU time since the agent started, and in this interval,
	 * all CPUs (/proc/stat): busy, and busy + idle (the capacity); total 0
	 * = unknown. */
	uint64_t cpu_busy_us_total, cpu_total_us_total;
	uint64_t cpu_busy_us, cpu_total_us;

	/* Rows: workloads (or groups) in a stable order, then system, idle and,
	 * when the guard folded any, overflow. */
	const cs_snap_row *rows;
	size_t nrows;

	cs_snap_self self;
} cs_snapshot;

/* The cluster label's value: "" when none is configured (or not set). */
static inline const char *cs_snap_cluster(const cs_snapshot *s)
{
	return s->cluster ? s->cluster : "";
}

#endif
