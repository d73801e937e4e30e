/* agent/agent_conf.c - carbonstat.ini's [agent] section: the sampling loop,
 * the series it exports and the node's location (agent.h). */
#include <carbonstat/dataset.h>
#include <carbonstat/error.h>

#include "agent/agent.h"
#include "pipeline/rows.h"

static int agent_provider_ok(const char *v, char *why, size_t cap)
{
	(void)why;
	(void)cap;
	return !v[0] || cs_provider_parse(v) != CS_PROVIDER_UNKNOWN ? 0 : CS_EINVAL;
}

static const cs_conf_key agent_keys[] = {
    {"interval", CS_CONF_DURATION, CS_CONF_AT(cs_agent_conf, interval_s), .def = "5s", .min = 0.1, .max = 3600,
     .help = "sampling interval; cycles run at wall-clock multiples of it"},
    {"node_name", CS_CONF_STRING, CS_CONF_AT(cs_agent_conf, node_name), .chars = ".-_",
     .expect = "a node name (letters, digits, '.', '-', '_')",
     .help = "node label; default $NODE_NAME, else the hostname"},
    {"cluster", CS_CONF_STRING, CS_CONF_AT(cs_agent_conf, cluster), .chars = ".-_",
     .expect = "a cluster name (letters, digits, '.', '-', '_')",
     .help = "cluster label on every series (one value per agent: no extra series); empty: none"},
    {"workloads", CS_CONF_ENUM, CS_CONF_AT(cs_agent_conf, workloads), .def = "container", .names = cs_attr_by_names,
     .nnames = CS_BY_NKEYS, .mask = CS_ROWS_BY_MASK,
     .help = "one series per container, pod, owner (Deployment, CronJob...), namespace or team, or none (the node "
             "only)"},
    {"processes", CS_CONF_BOOL, CS_CONF_AT(cs_agent_conf, processes), .def = "false",
     .help = "per-process rows too (unbounded cardinality: off)"},
    {"max_series", CS_CONF_UINT, CS_CONF_AT(cs_agent_conf, max_series), .def = "100000", .min = 100, .max = 10000000,
     .expect = "a number of series", .help = "series guard: beyond it workloads fold into one \"overflow\" row"},
    {"refresh", CS_CONF_DURATION, CS_CONF_AT(cs_agent_conf, refresh_s), .def = "10s", .min = 1, .max = 86400,
     .help = "cgroup tree re-walk when inotify is unavailable (with it:\nat once on a new or removed cgroup, and every "
             "5 min)"},
    {"memory_stat", CS_CONF_DURATION, CS_CONF_AT(cs_agent_conf, memory_stat_s), .def = "2m", .min = 0, .max = 3600,
     .help = "memory re-read per workload (0: every cycle)"},
    {"memory_stat_max", CS_CONF_DURATION, CS_CONF_AT(cs_agent_conf, memstat_max_s), .def = "8m", .min = 0, .max = 86400,
     .help = "a workload whose working set moved < 1 % and < 1 MiB between two\nmemory reads doubles its re-read "
             "interval, up to this (memory_stat\ntimes a power of two; at most memory_stat: no doubling)"},
    {"kernel_memory", CS_CONF_BYTES, CS_CONF_AT(cs_agent_conf, kernel_memory), .def = "3900K", .min = 0,
     .max = 1ull << 40, .expect = "a size (K, M, G)",
     .help = "kernel memory the kept-open cgroup files (a page each) and cgroup\ndirectories (~0.2 KiB each) may pin; "
             "files beyond it are opened per\nread, relative to their kept directory (3900K: 3.99 MB)"},
    {"kernel_memory_per_workload", CS_CONF_BYTES, CS_CONF_AT(cs_agent_conf, kernel_memory_per_workload), .def = "3900",
     .min = 0, .max = 1ull << 20, .expect = "a size (K, M)",
     .help =
         "the kernel_memory budget grows to this per workload when that\nis more (a node with more containers "
         "can spare more: 3900 is\n19.5 MB at 5,000; 4800 keeps every CPU file open, ~4.4 KB\neach); 0: kernel_memory "
         "alone"},
    {"region", CS_CONF_STRING, CS_CONF_AT(cs_agent_conf, region), .expect = "a cloud region",
     .help = "location; default: detected from cloud metadata"},
    {"provider", CS_CONF_STRING, CS_CONF_AT(cs_agent_conf, provider), .valid = agent_provider_ok,
     .expect = "aws, gcp or azure", .help = "cloud provider; default: detected"},
    {"instance", CS_CONF_STRING, CS_CONF_AT(cs_agent_conf, instance), .expect = "an instance type",
     .help = "instance type (power model, embodied); default: detected"},
    {"instance_id", CS_CONF_STRING, CS_CONF_AT(cs_agent_conf, instance_id), .chars = "._-/()",
     .expect = "an instance id (i-0abc..., a GCP instance id, an Azure resource id)",
     .help = "the cloud's id of this machine, label instance_id= on carbonstat_info\n(the bill's resource id, for "
             "billing --ledger); default: from cloud metadata"},
    {"country", CS_CONF_STRING, CS_CONF_AT(cs_agent_conf, country), .expect = "a country",
     .help = "grid used when no region is given or detected (ISO code or name)"},
    {"pue", CS_CONF_DOUBLE, CS_CONF_AT(cs_agent_conf, pue), .def = "0", .min = 1, .max = 3, .flags = CS_CONF_ZERO,
     .expect = "a PUE", .help = "power usage effectiveness; 0: the provider's (1.0 off-cloud)"},
    {"embodied_g_per_h", CS_CONF_DOUBLE, CS_CONF_AT(cs_agent_conf, embodied_g_per_h), .min = 0, .max = 1e6,
     .flags = CS_CONF_UNSET, .expect = "grams CO2e per hour",
     .help = "the node's embodied emissions; default: the instance type's, else none"},
};

static const cs_conf_flag agent_flags[] = {
    {"interval", "DUR", "interval", NULL, false, "sampling interval (5s; 100ms .. 1h), aligned to the clock"},
    {"node-name", "NAME", "node_name", NULL, false, "node label (default $NODE_NAME, else the hostname)"},
    {"cluster", "NAME", "cluster", NULL, false, "cluster label on every series (default: none)"},
    {"workloads", "G", "workloads", NULL, false,
     "series per container (default), pod, owner, namespace, team\nor none"},
    {"processes", NULL, "processes", "true", false, "also per-process series (off: bounded cardinality)"},
    {"max-series", "N", "max_series", NULL, false,
     "guard on exported series (100000); beyond it workloads\nare folded into one \"overflow\" row"},
    {"region", "R", "region", NULL, false, "cloud region (default: detected)"},
    {"provider", "P", "provider", NULL, false, "aws, gcp or azure (default: detected)"},
    {"instance", "T", "instance", NULL, false, "instance type (default: detected)"},
    {"country", "C", "country", NULL, false, "grid of country C when no region is given or detected"},
    {"pue", "X", "pue", NULL, false, "power usage effectiveness (default: the provider's, else 1)"},
};

const cs_conf_section cs_agent_section =
    CS_CONF_SECTION("agent", cs_agent_conf, agent_keys, CS_CONF_FLAGS(agent_flags));
