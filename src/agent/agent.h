/* agent/agent.h - `carbonstat agent`: the per-node daemon.
 *
 * Owns the sampling loop and everything it drives: the host meter (sensors),
 * the node attributor (cgroups, kubelet, teams), the grid intensity (static
 * tables, optionally live from Electricity Maps), the per-series
 * accumulators (pipeline/rows.h) and the exporters (exporters/exporter.h).
 *
 * The loop: one cycle per interval, at wall-clock multiples of it (5 s ->
 * :00, :05, ...); every wait is computed from the clock again, so cycles do
 * not drift, and an overrun skips the missed ticks (counted) instead of
 * bursting. A cycle is sample -> attribute -> carbon -> publish to every
 * exporter in turn, all in this thread; exporters that serve data later
 * (Prometheus) render before publish() returns, so a scrape never samples.
 *
 * Signals (blocked in every thread, read from a signalfd in the loop, so no
 * async handler runs): SIGTERM/SIGINT run a last partial cycle, publish it
 * and close the exporters (final flush); SIGHUP rebuilds the configuration
 * (defaults < file < environment < flags) and applies what can change live:
 * interval, series granularity and guard, team maps and idle policy,
 * exporters (reopened; a section that did not change just reopens its files,
 * for logrotate) and the live grid client. Counters are kept. A broken file
 * on SIGHUP keeps the running configuration (one line on stderr).
 *
 * No global state: everything is in cs_agent.
 */
#ifndef CS_AGENT_AGENT_H
#define CS_AGENT_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "pipeline/node.h"

#define CS_AGENT_CLUSTER_MAX 128 /* [agent] cluster + NUL */

/* carbonstat.ini's [agent] section (agent_conf.c). */
/* Kernel memory a kept-open cgroup file pins besides its seq_file buffer
 * (a page): struct file, kernfs_open_file, seq_file (6.x, measured). */
#define CS_AGENT_FILE_OVERHEAD_BYTES 336
/* Kernel memory an O_PATH descriptor on a cgroup directory pins: a struct
 * file and its slot in the descriptor table (213 bytes measured, 6.x). */
#define CS_AGENT_DIR_FD_BYTES 256

/* The kernel memory kept-open cgroup files and directory descriptors pin:
 * a page plus CS_AGENT_FILE_OVERHEAD_BYTES per file, CS_AGENT_DIR_FD_BYTES
 * per directory (what [agent] kernel_memory bounds). */
uint64_t cs_agent_kernel_bytes(uint64_t files, uint64_t dirs);

typedef struct cs_agent_conf {
	double interval_s;   /* aligned to wall-clock multiples */
	char node_name[256]; /* "" = $NODE_NAME, else the hostname */
	/* label cluster= on every series; "" = none */
	char cluster[CS_AGENT_CLUSTER_MAX];
	cs_attr_by workloads;                /* series granularity: container, pod, owner, namespace, team, none */
	bool processes;                      /* also per-process rows (off: bounded series) */
	unsigned max_series;                 /* guard on exported series; beyond it rows fold into "overflow" */
	double refresh_s;                    /* cgroup tree re-walk */
	double memory_stat_s;                /* memory (usage, memory.stat) re-read per workload; 0 = every cycle */
	double memstat_max_s;                /* [agent] memory_stat_max: a workload whose working set holds
	                                      * still doubles its memory interval up to this (cAdvisor's
	                                      * max_housekeeping_interval) */
	uint64_t kernel_memory;              /* budget of the kept-open cgroup files' kernel memory */
	uint64_t kernel_memory_per_workload; /* ... raised to this per workload when more */
	char region[64];                     /* static location: cloud region ("" = detect) */
	char provider[16];                   /* aws | gcp | azure ("" = detect) */
	char instance[64];                   /* instance type ("" = detect) */
	char instance_id[256];               /* the cloud's id of this machine ("" = from metadata) */
	char country[64];                    /* fallback location: ISO2/ISO3/name ("" = none) */
	double pue;                          /* 0 = the provider's default (1.0 off-cloud) */
	double embodied_g_per_h;             /* NaN = from the instance type */
} cs_agent_conf;

extern const cs_conf_section cs_agent_section;

#define CS_AGENT_SECTIONS_MAX 16

/* Every section of carbonstat.ini, in file order: the modules' (one line
 * each in registry.c), then each exporter's. Writes up to cap, returns how
 * many there are. */
size_t cs_agent_sections(const cs_conf_section **out, size_t cap);

typedef struct cs_agent_opts {
	const char *config_path; /* INI file; NULL = none */
	char *const *envp;       /* environment layer (CARBONSTAT_*) */
	const cs_conf_arg *args; /* flags layer, in order (re-applied on reload) */
	size_t nargs;

	/* Not configuration-file settings (machine-specific or test-only). */
	const char *sysfs_root, *procfs_root, *cgroup_root;
	const char *metadata_url;
	bool no_metadata;
	uint64_t cycles;        /* export this many cycles, then stop (0 = until a signal) */
	bool no_align;          /* start the first cycle one interval after start instead of
	                         * at a wall-clock multiple (tests) */
	const char *log_prefix; /* "carbonstat agent" */
} cs_agent_opts;

typedef struct cs_agent cs_agent;

/* Builds the layered configuration (defaults < file < env < flags) of every
 * section. 0, or an error with one line in err (file:line, variable or flag
 * named). */
int cs_agent_config(const cs_agent_opts *o, cs_conf **out, char *err, size_t errcap);

/* Blocks SIGTERM/SIGINT/SIGHUP (before any thread starts), sets up the
 * host, node, grid and exporters. 0, or an error with one line in why. */
int cs_agent_open(const cs_agent_opts *o, cs_agent **out, char *why, size_t whycap);

/* Runs until a stop signal or opts.cycles. 0 on a clean stop. */
int cs_agent_run(cs_agent *a);

/* Closes exporters (final flush) and frees everything. */
void cs_agent_close(cs_agent *a);

#endif
