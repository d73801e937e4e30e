/* cli/cmd_agent.c - `carbonstat agent`: flags -> configuration layers, then
 * agent/agent.h does the work. Flags that mirror a config key are kept as
 * (section, key, value) settings, so a SIGHUP reload re-applies them on top
 * of the re-read file and environment. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <carbonstat/error.h>

#include "agent/agent.h"
#include "cli/cli.h"
#include "cli/host_cli.h"

#define CMD "agent"

extern char **environ;



static const char agent_help[] =
    "usage: carbonstat agent [--config FILE] [--check-config] [options]\n"
    "\n"
    "The per-node daemon: every interval it samples the energy sensors, attributes\n"
    "the node's energy to its workloads, converts it to CO2e with the grid intensity\n"
    "and exports it (Prometheus /metrics on :9875 by default, DogStatsD, JSON lines,\n"
    "stdout). SIGTERM/SIGINT stop after a final flush; SIGHUP reloads the config.\n"
    "\n"
    "Configuration: flags > environment (CARBONSTAT_<SECTION>_<KEY>, e.g.\n"
    "CARBONSTAT_AGENT_INTERVAL=10s) > INI file (--config or CARBONSTAT_CONFIG) > defaults.\n"
    "\n"
    "  --config FILE        INI configuration file (see man carbonstat, docs/agent.md)\n"
    "  --check-config       validate, print the effective configuration (secrets\n"
    "                       masked) and exit\n"
    "  --interval DUR       sampling interval (5s; 100ms .. 1h), aligned to the clock\n"
    "  --node-name NAME     node label (default $NODE_NAME, else the hostname)\n"
    "  --workloads G        series per container (default), pod, namespace, team or none\n"
    "  --processes          also per-process series (off: bounded cardinality)\n"
    "  --max-series N       guard on exported series (100000); beyond it workloads\n"
    "                       are folded into one \"overflow\" row\n"
    "  --listen ADDR        Prometheus listen address (:9875, 127.0.0.1:9875, [::1]:9875)\n"
    "  --web-config FILE    TLS and basic auth, node_exporter's web-config format\n"
    "  --no-prometheus      no HTTP endpoint\n"
    "  --statsd ADDR        DogStatsD over UDP to ADDR (e.g. 127.0.0.1:8125)\n"
    "  --jsonl FILE         append one JSON object per workload per interval to FILE\n"
    "  --stdout             human-readable lines on stdout\n"
    "  --region R --provider P --instance T\n"
    "                       location and instance type (default: detected)\n"
    "  --country C          grid of country C when no region is given or detected\n"
    "  --pue X              power usage effectiveness (default: the provider's, else 1)\n"
    "  --grid-live          live grid intensity from Electricity Maps (key: [grid]\n"
    "                       api_key or CARBONSTAT_GRID_API_KEY)\n"
    "  --grid-url URL       Electricity Maps-compatible base URL\n"
    "  --grid-zone Z        Electricity Maps zone (default: the location's country)\n"
    "  --idle-policy P      requests (default), usage, equal or none\n"
    "  --kubelet-url URL    kubelet /pods URL; --no-kubelet: cgroup ids only\n"
    "  --sysfs-root D --procfs-root D --cgroup-root D\n"
    "                       read the trees under D (containers, tests)\n"
    "  --metadata-url URL --no-metadata\n"
    "                       cloud metadata services (tests) / never ask them\n"
    "  --cycles N           export N cycles, then exit (tests, one-shot runs)\n";

enum {
	OPT_CONFIG = 500,
	OPT_CHECK,
	OPT_INTERVAL,
	OPT_NODE,
	OPT_WORKLOADS,
	OPT_PROCESSES,
	OPT_MAX_SERIES,
	OPT_LISTEN,
	OPT_WEB_CONFIG,
	OPT_NO_PROM,
	OPT_STATSD,
	OPT_JSONL,
	OPT_STDOUT,
	OPT_REGION,
	OPT_PROVIDER,
	OPT_INSTANCE,
	OPT_COUNTRY,
	OPT_PUE,
	OPT_GRID_LIVE,
	OPT_GRID_URL,
	OPT_GRID_ZONE,
	OPT_IDLE,
	OPT_KUBELET_URL,
	OPT_NO_KUBELET,
	OPT_SYSFS,
	OPT_PROCFS,
	OPT_CGROUP,
	OPT_METADATA_URL,
	OPT_NO_METADATA,
	OPT_CYCLES,
	OPT_NO_ALIGN,
};

static const struct option agent_longopts[] = {
    {"help", no_argument, NULL, 'h'},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"check-config", no_argument, NULL, OPT_CHECK},
    {"interval", required_argument, NULL, OPT_INTERVAL},
    {"node-name", required_argument, NULL, OPT_NODE},
    {"workloads", required_argument, NULL, OPT_WORKLOADS},
    {"processes", no_argument, NULL, OPT_PROCESSES},
    {"max-series", required_argument, NULL, OPT_MAX_SERIES},
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"web-config", required_argument, NULL, OPT_WEB_CONFIG},
    {"no-prometheus", no_argument, NULL, OPT_NO_PROM},
    {"statsd", required_argument, NULL, OPT_STATSD},
    {"jsonl", required_argument, NULL, OPT_JSONL},
    {"stdout", no_argument, NULL, OPT_STDOUT},
    {"region", required_argument, NULL, OPT_REGION},
    {"provider", required_argument, NULL, OPT_PROVIDER},
    {"instance", required_argument, NULL, OPT_INSTANCE},
    {"country", required_argument, NULL, OPT_COUNTRY},
    {"pue", required_argument, NULL, OPT_PUE},
    {"grid-live", no_argument, NULL, OPT_GRID_LIVE},
    {"grid-url", required_argument, NULL, OPT_GRID_URL},
    {"grid-zone", required_argument, NULL, OPT_GRID_ZONE},
    {"idle-policy", required_argument, NULL, OPT_IDLE},
    {"kubelet-url", required_argument, NULL, OPT_KUBELET_URL},
    {"no-kubelet", no_argument, NULL, OPT_NO_KUBELET},
    {"sysfs-root", required_argument, NULL, OPT_SYSFS},
    {"procfs-root", required_argument, NULL, OPT_PROCFS},
    {"cgroup-root", required_argument, NULL, OPT_CGROUP},
    {"metadata-url", required_argument, NULL, OPT_METADATA_URL},
    {"no-metadata", no_argument, NULL, OPT_NO_METADATA},
    {"cycles", required_argument, NULL, OPT_CYCLES},
    {"no-align", no_argument, NULL, OPT_NO_ALIGN},
    {NULL, 0, NULL, 0},
};

/* Flags that are config keys: option -> (section, key, fixed value or NULL = the argument). */
static const struct {
	int opt;
	const char *section, *key, *value;
} flag_keys[] = {
    {OPT_INTERVAL, "agent", "interval", NULL},
    {OPT_NODE, "agent", "node_name", NULL},
    {OPT_WORKLOADS, "agent", "workloads", NULL},
    {OPT_PROCESSES, "agent", "processes", "true"},
    {OPT_MAX_SERIES, "agent", "max_series", NULL},
    {OPT_REGION, "agent", "region", NULL},
    {OPT_PROVIDER, "agent", "provider", NULL},
    {OPT_INSTANCE, "agent", "instance", NULL},
    {OPT_COUNTRY, "agent", "country", NULL},
    {OPT_PUE, "agent", "pue", NULL},
    {OPT_LISTEN, "prometheus", "listen", NULL},
    {OPT_WEB_CONFIG, "prometheus", "web_config", NULL},
    {OPT_NO_PROM, "prometheus", "enabled", "false"},
    {OPT_STATSD, "statsd", "address", NULL},
    {OPT_STATSD, "statsd", "enabled", "true"},
    {OPT_JSONL, "jsonl", "path", NULL},
    {OPT_JSONL, "jsonl", "enabled", "true"},
    {OPT_STDOUT, "stdout", "enabled", "true"},
    {OPT_GRID_LIVE, "grid", "live", "true"},
    {OPT_GRID_URL, "grid", "url", NULL},
    {OPT_GRID_ZONE, "grid", "zone", NULL},
};

int cmd_agent(int argc, char **argv)
{
	cs_agent_opts o;
	cs_agent_setting *settings;
	cs_agent *a = NULL;
	bool check = false;
	char err[768] = "";
	int c, rc = CLI_OK;
	size_t ns = 0;

	/* each flag adds at most two settings */
	settings = calloc((size_t)argc * 2 + 1, sizeof(*settings));
	if (!settings) {
		cli_error(CMD, "out of memory");
		return CLI_FAIL;
	}
	memset(&o, 0, sizeof(o));
	o.envp = environ;
	o.log_prefix = "carbonstat agent";
	o.config_path = getenv("CARBONSTAT_CONFIG");
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", agent_longopts, NULL)) != -1) {
		bool mapped = false;

		for (size_t i = 0; i < sizeof(flag_keys) / sizeof(flag_keys[0]); i++) {
			if (flag_keys[i].opt != c)
				continue;
			settings[ns].section = flag_keys[i].section;
			settings[ns].key = flag_keys[i].key;
			settings[ns].value = flag_keys[i].value ? flag_keys[i].value : optarg;
			settings[ns].origin = argv[optind - 1][0] == '-' ? argv[optind - 1] : argv[optind - 2];
			ns++;
			mapped = true;
		}
		if (mapped)
			continue;
		switch (c) {
		case OPT_CONFIG: o.config_path = optarg; break;
		case OPT_CHECK: check = true; break;
		case OPT_IDLE:
			if (cs_idle_policy_parse(optarg, &o.idle_policy) != 0) {
				cli_error(CMD, "--idle-policy '%s': use requests, usage, equal or none", optarg);
				rc = CLI_USAGE;
			}
			o.idle_policy_set = true;
			break;
		case OPT_KUBELET_URL:
			o.kubelet_url = optarg;
			o.kubelet = CS_NODE_KUBELET_ON;
			break;
		case OPT_NO_KUBELET: o.kubelet = CS_NODE_KUBELET_OFF; break;
		case OPT_SYSFS: o.sysfs_root = optarg; break;
		case OPT_PROCFS: o.procfs_root = optarg; break;
		case OPT_CGROUP: o.cgroup_root = optarg; break;
		case OPT_METADATA_URL: o.metadata_url = optarg; break;
		case OPT_NO_METADATA: o.no_metadata = true; break;
		case OPT_NO_ALIGN: o.no_align = true; break;
		case OPT_CYCLES: {
			unsigned n;

			rc = cli_count(CMD, "--cycles", optarg, 1, 100000000, &n);
			o.cycles = n;
			break;
		}
		case 'h': cli_help(stdout, agent_help); goto out;
		case ':':
			cli_error(CMD, "option %s needs a value; see 'carbonstat agent --help'", argv[optind - 1]);
			rc = CLI_USAGE;
			break;
		default:
			cli_error(CMD, "unknown option '%s'; see 'carbonstat agent --help'", argv[optind - 1]);
			rc = CLI_USAGE;
		}
		if (rc)
			goto out;
	}
	if (optind < argc) {
		cli_error(CMD, "unexpected argument '%s'; see 'carbonstat agent --help'", argv[optind]);
		rc = CLI_USAGE;
		goto out;
	}
	if (o.kubelet_url && o.kubelet == CS_NODE_KUBELET_OFF) {
		cli_error(CMD, "--kubelet-url and --no-kubelet contradict each other; give one");
		rc = CLI_USAGE;
		goto out;
	}
	o.settings = settings;
	o.nsettings = ns;
	if (check) {
		cs_config cfg;

		rc = cs_agent_config(&o, &cfg, err, sizeof(err));
		if (rc) {
			cli_error(CMD, "%s", err[0] ? err : cs_strerror(rc));
			rc = CLI_USAGE;
			goto out;
		}
		cs_config_dump(&cfg, stdout);
		cs_config_free(&cfg);
		rc = CLI_OK;
		goto out;
	}
	rc = cs_agent_open(&o, &a, err, sizeof(err));
	if (rc) {
		cli_error(CMD, "%s", err[0] ? err : cs_strerror(rc));
		rc = (rc == CS_EINVAL || rc == CS_ERANGE || rc == CS_ENOTFOUND) ? CLI_USAGE : CLI_FAIL;
		goto out;
	}
	rc = cs_agent_run(a) == 0 ? CLI_OK : CLI_FAIL;
out:
	cs_agent_close(a);
	free(settings);
	return rc;
}
