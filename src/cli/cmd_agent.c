/* cli/cmd_agent.c - `carbonstat agent`: flags -> configuration layers, then
 * agent/agent.h does the work. The flags of configuration keys are the
 * sections' own (conf/conf.h: cs_conf_flag), listed here from the registry,
 * never by hand; they are kept in order so a SIGHUP reload re-applies them
 * on top of the re-read file and environment. */
#include <errno.h>
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

static const char agent_help_head[] =
    "usage: carbonstat agent [--config FILE] [--check-config] [options]\n"
    "\n"
    "The per-node daemon: every interval it samples the energy sensors, attributes\n"
    "the node's energy to its workloads, converts it to CO2e with the grid intensity\n"
    "and exports it (Prometheus /metrics on :9875 by default, DogStatsD, JSON lines,\n"
    "stdout). SIGTERM/SIGINT stop after a final flush; SIGHUP reloads the config.\n"
    "\n"
    "Configuration: flags > environment (CARBONSTAT_<SECTION>_<KEY>, e.g.\n"
    "CARBONSTAT_AGENT_INTERVAL=10s) > INI file (--config or CARBONSTAT_CONFIG) > defaults.\n"
    "A relative path is relative to the INI file for a key in it, else to the\n"
    "working directory.\n"
    "\n"
    "  --config FILE        INI configuration file (see man carbonstat, docs/agent.md)\n"
    "  --check-config       validate, print the effective configuration (secrets\n"
    "                       masked) and exit\n"
    "  --help-config        every configuration key: type, default, flag (Markdown)\n";

static const char agent_help_tail[] = "  --sysfs-root D --procfs-root D --cgroup-root D\n"
                                      "                       read the trees under D (containers, tests)\n"
                                      "  --metadata-url URL --no-metadata\n"
                                      "                       cloud metadata services (tests) / never ask them\n"
                                      "  --cycles N           export N cycles, then exit (tests, one-shot runs)\n";

/* Options that are not configuration keys; the keys' flags come from the
 * sections' tables (cs_agent_sections), as options made at run time. */
static const int agent_ids[] = {
    CLI_OPT_CONFIG, CLI_OPT_CHECK_CONFIG, CLI_OPT_HELP_CONFIG, CLI_ROOT_OPTS, CLI_OPT_CYCLES, CLI_OPT_NO_ALIGN, 0};
enum { OPT_KEY = 1000 /* + the index of a section flag */ };

/* The command line: every section's flags. */
typedef struct agent_cli {
	const cs_conf_section *secs[CS_AGENT_SECTIONS_MAX];
	size_t nsecs;
	struct option *opts; /* the flags' getopt_long rows, NULL-terminated */
	cs_conf_arg *flags;  /* opts[i] is flags[i] (value unset) */
	size_t nflags;
} agent_cli;

static int agent_cli_build(agent_cli *c)
{
	size_t k = 0;

	memset(c, 0, sizeof(*c));
	c->nsecs = cs_agent_sections(c->secs, CS_AGENT_SECTIONS_MAX);
	if (c->nsecs > CS_AGENT_SECTIONS_MAX)
		return CS_ERANGE;
	for (size_t i = 0; i < c->nsecs; i++)
		c->nflags += c->secs[i]->nflags;
	c->opts = calloc(c->nflags + 1, sizeof(*c->opts));
	c->flags = calloc(c->nflags + 1, sizeof(*c->flags));
	if (!c->opts || !c->flags)
		return CS_ENOMEM;
	for (size_t i = 0; i < c->nsecs; i++) {
		for (size_t j = 0; j < c->secs[i]->nflags; j++, k++) {
			const cs_conf_flag *f = &c->secs[i]->flags[j];

			c->flags[k] = (cs_conf_arg){c->secs[i], f, NULL};
			c->opts[k] =
			    (struct option){f->name, f->arg ? required_argument : no_argument, NULL, OPT_KEY + (int)k};
		}
	}
	return 0;
}

static void agent_cli_free(agent_cli *c)
{
	free(c->opts);
	free(c->flags);
}

static void agent_help(const agent_cli *c)
{
	cli_help(stdout, agent_help_head);
	cs_conf_help(c->secs, c->nsecs, stdout);
	cli_help(stdout, agent_help_tail);
}

/* What the options loop fills. */
typedef struct agent_args {
	const agent_cli *cl;
	cs_agent_opts *o;
	cs_conf_arg *args; /* the configuration keys given, in order */
	size_t nargs;
	bool check; /* --check-config */
} agent_args;

static int agent_opt(void *ctx, const char *cmd, int id, const char *arg)
{
	agent_args *a = ctx;
	int rc = 0;

	if (id >= OPT_KEY && (size_t)(id - OPT_KEY) < a->cl->nflags) {
		/* a configuration key: applied in order, again on every reload */
		a->args[a->nargs] = a->cl->flags[id - OPT_KEY];
		a->args[a->nargs++].value = arg;
		return 0;
	}
	switch (id) {
	case CLI_OPT_CONFIG: a->o->config_path = arg; break;
	case CLI_OPT_CHECK_CONFIG: a->check = true; break;
	case CLI_OPT_HELP_CONFIG: cs_conf_reference(a->cl->secs, a->cl->nsecs, stdout); return CLI_DONE;
	case CLI_OPT_SYSFS_ROOT: a->o->sysfs_root = arg; break;
	case CLI_OPT_PROCFS_ROOT: a->o->procfs_root = arg; break;
	case CLI_OPT_CGROUP_ROOT: a->o->cgroup_root = arg; break;
	case CLI_OPT_METADATA_URL: a->o->metadata_url = arg; break;
	case CLI_OPT_NO_METADATA: a->o->no_metadata = true; break;
	case CLI_OPT_NO_ALIGN: a->o->no_align = true; break;
	case CLI_OPT_CYCLES: {
		unsigned n;

		rc = cli_count(cmd, "--cycles", arg, 1, 100000000, &n);
		a->o->cycles = n;
		break;
	}
	case 'h': agent_help(a->cl); return CLI_DONE;
	}
	return rc;
}

int cmd_agent(int argc, char **argv)
{
	cs_agent_opts o;
	cs_conf_arg *args = NULL;
	cs_agent *a = NULL;
	agent_cli cl;
	agent_args in = {.cl = &cl, .o = &o};
	cli_getopt_spec sp = {.cmd = CMD, .opts = agent_ids, .on_opt = agent_opt, .ctx = &in};
	char err[768] = "";
	int rc = CLI_OK;

	if (agent_cli_build(&cl) != 0 || !(args = calloc((size_t)argc + 1, sizeof(*args)))) {
		cli_error(CMD, "out of memory");
		agent_cli_free(&cl);
		return CLI_FAIL;
	}
	memset(&o, 0, sizeof(o));
	o.envp = environ;
	o.log_prefix = "carbonstat agent";
	o.config_path = getenv("CARBONSTAT_CONFIG");
	in.args = args;
	sp.more = cl.opts;
	if ((rc = cli_getopt(&sp, argc, argv)) >= 0)
		goto out;
	rc = CLI_OK;
	if (cli_conflict(CMD, o.metadata_url != NULL, "--metadata-url", o.no_metadata, "--no-metadata") ||
	    cli_root_dir(CMD, "--sysfs-root", o.sysfs_root) || cli_root_dir(CMD, "--procfs-root", o.procfs_root) ||
	    cli_root_dir(CMD, "--cgroup-root", o.cgroup_root)) {
		rc = CLI_USAGE;
		goto out;
	}
	o.args = args;
	o.nargs = in.nargs;
	if (in.check) {
		cs_conf *cfg;

		rc = cs_agent_config(&o, &cfg, err, sizeof(err));
		if (rc) {
			cli_error(CMD, "%s", err[0] ? err : cs_strerror(rc));
			rc = CLI_USAGE;
			goto out;
		}
		cs_conf_dump(cfg, stdout);
		cs_conf_free(cfg);
		rc = CLI_OK;
		goto out;
	}
	rc = cs_agent_open(&o, &a, err, sizeof(err));
	if (rc) {
		cli_error(CMD, "%s", err[0] ? err : cs_strerror(rc));
		/* a file or directory the configuration names that is not there
		 * (web config, JSON lines directory) is an input error too */
		rc = (rc == CS_EINVAL || rc == CS_ERANGE || rc == CS_ENOTFOUND || rc == -ENOENT || rc == -ENOTDIR)
		         ? CLI_USAGE
		         : CLI_FAIL;
		goto out;
	}
	rc = cs_agent_run(a) == 0 ? CLI_OK : CLI_FAIL;
out:
	cs_agent_close(a);
	free(args);
	agent_cli_free(&cl);
	return rc;
}
