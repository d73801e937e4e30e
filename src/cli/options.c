/* cli/options.c - the option registry: one row per option of any command
 * (cli/options.h says how commands use it). */
#include <stdlib.h>

#include "cli/options.h"

static const struct option registry[] = {
    {"help", no_argument, NULL, CLI_OPT_HELP},
    {"batch", no_argument, NULL, CLI_OPT_BATCH},
    {"interval", required_argument, NULL, CLI_OPT_TOP_INTERVAL},
    {"iterations", required_argument, NULL, CLI_OPT_ITERATIONS},
    {"region", required_argument, NULL, CLI_OPT_REGION},
    {"country", required_argument, NULL, CLI_OPT_COUNTRY},
    {"provider", required_argument, NULL, CLI_OPT_PROVIDER},
    {"instance", required_argument, NULL, CLI_OPT_INSTANCE},
    {"sysfs-root", required_argument, NULL, CLI_OPT_SYSFS_ROOT},
    {"procfs-root", required_argument, NULL, CLI_OPT_PROCFS_ROOT},
    {"cgroup-root", required_argument, NULL, CLI_OPT_CGROUP_ROOT},
    {"metadata-url", required_argument, NULL, CLI_OPT_METADATA_URL},
    {"no-metadata", no_argument, NULL, CLI_OPT_NO_METADATA},
    {"json", no_argument, NULL, CLI_OPT_JSON},
    {"csv", no_argument, NULL, CLI_OPT_CSV},
    {"html", no_argument, NULL, CLI_OPT_HTML},
    {"output", required_argument, NULL, CLI_OPT_OUTPUT},
    {"out", required_argument, NULL, CLI_OPT_OUT},
    {"format", required_argument, NULL, CLI_OPT_FORMAT},
    {"by", required_argument, NULL, CLI_OPT_BY},
    {"top", required_argument, NULL, CLI_OPT_TOP},
    {"sort", required_argument, NULL, CLI_OPT_SORT},
    {"config", required_argument, NULL, CLI_OPT_CONFIG},
    {"ledger", required_argument, NULL, CLI_OPT_LEDGER},
    {"period", required_argument, NULL, CLI_OPT_PERIOD},
    {"prices", required_argument, NULL, CLI_OPT_PRICES},
    {"cpu", required_argument, NULL, CLI_OPT_CPU},
    {"mem", required_argument, NULL, CLI_OPT_MEM},
    {"gpu", required_argument, NULL, CLI_OPT_GPU},
    {"pue", required_argument, NULL, CLI_OPT_PUE},
    {"duration", required_argument, NULL, CLI_OPT_DURATION},
    {"count", required_argument, NULL, CLI_OPT_COUNT},
    {"intensity", required_argument, NULL, CLI_OPT_INTENSITY},
    {"all-regions", no_argument, NULL, CLI_OPT_ALL_REGIONS},
    {"grid-dataset", required_argument, NULL, CLI_OPT_GRID_DATASET},
    {"strict", no_argument, NULL, CLI_OPT_STRICT},
    {"unit-prices", no_argument, NULL, CLI_OPT_UNIT_PRICES},
    {"duckdb-lib", required_argument, NULL, CLI_OPT_DUCKDB_LIB},
    {"provider-carbon", required_argument, NULL, CLI_OPT_PROVIDER_CARBON},
    {"engine", required_argument, NULL, CLI_OPT_ENGINE},
    {"table", required_argument, NULL, CLI_OPT_TABLE},
    {"inventory", required_argument, NULL, CLI_OPT_INVENTORY},
    {"bill", required_argument, NULL, CLI_OPT_BILL},
    {"perf", required_argument, NULL, CLI_OPT_PERF},
    {"to-provider", required_argument, NULL, CLI_OPT_TO_PROVIDER},
    {"regions", required_argument, NULL, CLI_OPT_REGIONS},
    {"near", required_argument, NULL, CLI_OPT_NEAR},
    {"max-km", required_argument, NULL, CLI_OPT_MAX_KM},
    {"families", required_argument, NULL, CLI_OPT_FAMILIES},
    {"objective", required_argument, NULL, CLI_OPT_OBJECTIVE},
    {"max-slowdown", required_argument, NULL, CLI_OPT_MAX_SLOWDOWN},
    {"target-cpu", required_argument, NULL, CLI_OPT_TARGET_CPU},
    {"interval", required_argument, NULL, CLI_OPT_INTERVAL},
    {"kernel-threads", no_argument, NULL, CLI_OPT_KERNEL_THREADS},
    {"idle-policy", required_argument, NULL, CLI_OPT_IDLE_POLICY},
    {"kubelet-url", required_argument, NULL, CLI_OPT_KUBELET_URL},
    {"no-kubelet", no_argument, NULL, CLI_OPT_NO_KUBELET},
    {"docker-root", required_argument, NULL, CLI_OPT_DOCKER_ROOT},
    {"containerd-root", required_argument, NULL, CLI_OPT_CONTAINERD_ROOT},
    {"check-config", no_argument, NULL, CLI_OPT_CHECK_CONFIG},
    {"help-config", no_argument, NULL, CLI_OPT_HELP_CONFIG},
    {"cycles", required_argument, NULL, CLI_OPT_CYCLES},
    {"no-align", no_argument, NULL, CLI_OPT_NO_ALIGN},
    {"db", required_argument, NULL, CLI_OPT_DB},
    {"lock-timeout", required_argument, NULL, CLI_OPT_LOCK_TIMEOUT},
    {"cluster", required_argument, NULL, CLI_OPT_CLUSTER},
    {"cost-split", required_argument, NULL, CLI_OPT_COST_SPLIT},
    {"replace", no_argument, NULL, CLI_OPT_REPLACE},
    {"prometheus", required_argument, NULL, CLI_OPT_PROMETHEUS},
    {"from", required_argument, NULL, CLI_OPT_FROM},
    {"to", required_argument, NULL, CLI_OPT_TO},
    {"partial", no_argument, NULL, CLI_OPT_PARTIAL},
    {"source", required_argument, NULL, CLI_OPT_SOURCE},
    {"timeout", required_argument, NULL, CLI_OPT_TIMEOUT},
    {"projected", no_argument, NULL, CLI_OPT_PROJECTED},
    {"quiet", no_argument, NULL, CLI_OPT_QUIET},
    {"parallel", required_argument, NULL, CLI_OPT_PARALLEL},
};

static const struct option *row(int id)
{
	for (size_t i = 0; i < sizeof registry / sizeof registry[0]; i++)
		if (registry[i].val == id)
			return &registry[i];
	return NULL;
}

const char *cli_opt_name(int id)
{
	const struct option *r = row(id);

	return r ? r->name : "";
}

struct option *cli_opt_table(const int *ids, const struct option *more)
{
	size_t n = 0, m = 0, k = 0;
	struct option *t;

	while (ids[n])
		n++;
	while (more && more[m].name)
		m++;
	t = calloc(n + m + 2, sizeof *t); /* + help + the zero terminator */
	if (!t)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (row(ids[i]))
			t[k++] = *row(ids[i]);
	for (size_t i = 0; i < m; i++)
		t[k++] = more[i];
	t[k] = *row(CLI_OPT_HELP);
	return t;
}
