/* cli/options.h - every option of every command, one row each (options.c):
 * its name, whether it takes a value, and its id (the value getopt_long
 * returns and a command's handler switches on). An option several commands
 * take under one name with one meaning is one row; a command lists the ids
 * it takes (cli_getopt_spec.opts) and cli_getopt makes getopt_long's table
 * from them.
 */
#ifndef CS_CLI_OPTIONS_H
#define CS_CLI_OPTIONS_H

#include <getopt.h>

/* Option ids. A letter is that short option too; the rest are above any
 * letter and below the agent's configuration keys (cmd_agent.c, 1000 on). */
enum cli_opt {
	CLI_OPT_HELP = 'h', /* every command: cli_getopt adds it */
	CLI_OPT_BATCH = 'b',
	CLI_OPT_TOP_INTERVAL = 'd', /* top's -d/--interval: seconds (run's is CLI_OPT_INTERVAL) */
	CLI_OPT_ITERATIONS = 'n',
	/* the host options: run, top and sensors (cli_host_opt) */
	CLI_OPT_REGION = 256,
	CLI_OPT_COUNTRY,
	CLI_OPT_PROVIDER,
	CLI_OPT_INSTANCE,
	CLI_OPT_SYSFS_ROOT,
	CLI_OPT_PROCFS_ROOT,
	CLI_OPT_CGROUP_ROOT,
	CLI_OPT_METADATA_URL,
	CLI_OPT_NO_METADATA,
	/* output */
	CLI_OPT_JSON,
	CLI_OPT_CSV,
	CLI_OPT_HTML,
	CLI_OPT_OUTPUT,
	CLI_OPT_OUT,
	CLI_OPT_FORMAT,
	CLI_OPT_BY,
	CLI_OPT_TOP,
	CLI_OPT_SORT,
	/* inputs and figures */
	CLI_OPT_CONFIG,
	CLI_OPT_LEDGER,
	CLI_OPT_PERIOD,
	CLI_OPT_PRICES,
	CLI_OPT_CPU,
	CLI_OPT_MEM,
	CLI_OPT_GPU,
	CLI_OPT_PUE,
	CLI_OPT_DURATION,
	CLI_OPT_COUNT,
	CLI_OPT_INTENSITY,
	CLI_OPT_ALL_REGIONS,
	CLI_OPT_GRID_DATASET,
	/* billing */
	CLI_OPT_STRICT,
	CLI_OPT_UNIT_PRICES,
	CLI_OPT_DUCKDB_LIB,
	CLI_OPT_PROVIDER_CARBON,
	CLI_OPT_ENGINE,
	CLI_OPT_TABLE,
	/* plan */
	CLI_OPT_INVENTORY,
	CLI_OPT_BILL,
	CLI_OPT_PERF,
	CLI_OPT_TO_PROVIDER,
	CLI_OPT_REGIONS,
	CLI_OPT_NEAR,
	CLI_OPT_MAX_KM,
	CLI_OPT_FAMILIES,
	CLI_OPT_OBJECTIVE,
	CLI_OPT_MAX_SLOWDOWN,
	CLI_OPT_TARGET_CPU,
	/* run, top */
	CLI_OPT_INTERVAL,
	CLI_OPT_KERNEL_THREADS,
	CLI_OPT_IDLE_POLICY,
	CLI_OPT_KUBELET_URL,
	CLI_OPT_NO_KUBELET,
	CLI_OPT_DOCKER_ROOT,
	CLI_OPT_CONTAINERD_ROOT,
	/* agent */
	CLI_OPT_CHECK_CONFIG,
	CLI_OPT_HELP_CONFIG,
	CLI_OPT_CYCLES,
	CLI_OPT_NO_ALIGN,
	/* ledger */
	CLI_OPT_DB,
	CLI_OPT_LOCK_TIMEOUT,
	CLI_OPT_CLUSTER,
	CLI_OPT_COST_SPLIT,
	CLI_OPT_REPLACE,
	CLI_OPT_PROMETHEUS,
	CLI_OPT_FROM,
	CLI_OPT_TO,
	CLI_OPT_PARTIAL,
	CLI_OPT_SOURCE,
	CLI_OPT_TIMEOUT,
	CLI_OPT_PROJECTED,
	CLI_OPT_QUIET,
	CLI_OPT_PARALLEL,
};

/* Id lists several commands name: the host options (run, top, sensors) and
 * their part the agent takes too (the trees and the metadata services). */
#define CLI_HOST_OPTS CLI_OPT_REGION, CLI_OPT_COUNTRY, CLI_OPT_PROVIDER, CLI_OPT_INSTANCE, CLI_ROOT_OPTS
#define CLI_ROOT_OPTS                                                                                                  \
	CLI_OPT_SYSFS_ROOT, CLI_OPT_PROCFS_ROOT, CLI_OPT_CGROUP_ROOT, CLI_OPT_METADATA_URL, CLI_OPT_NO_METADATA

/* The option's name as getopt_long knows it ("lock-timeout"); "" for an id
 * the registry has no row for. */
const char *cli_opt_name(int id);

/* getopt_long's table: the rows of `ids` (0-terminated), then `more` (rows
 * made at run time, NULL-terminated; may be NULL), then -h/--help and the
 * terminator. NULL when out of memory; free() it. */
struct option *cli_opt_table(const int *ids, const struct option *more);

#endif
