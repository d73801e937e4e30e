/* cli/cmd_ledger.c - `carbonstat ledger import|sync|report|check|migrate|verify`:
 * options, the default database, output files and exit codes; the work is
 * in src/ledger/.
 *
 * Exit codes: 0 done; 1 the input or the database failed (one line naming
 * it, nothing half-written); 2 bad usage. `check`: 0 every budget holds, 1
 * a budget is exceeded, 2 it cannot tell (usage, no ledger, database error).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/conf_file.h"
#include "core/clock.h"
#include "core/parse.h"
#include "core/str.h"
#include "core/why.h"
#include "ledger/cost.h"
#include "ledger/import.h"
#include "ledger/lconf.h"
#include "ledger/period.h"
#include "ledger/render.h"
#include "ledger/report.h"
#include "ledger/store.h"
#include "ledger/sync.h"

static const char ledger_help[] =
    "Usage: carbonstat ledger <command> [options]\n"
    "\n"
    "The carbon P&L: energy, carbon and cost per team, hour by hour, in SQLite or\n"
    "PostgreSQL, and the monthly report.\n"
    "\n"
    "  import FILE...        the agent's JSON lines (plain or .gz, - for stdin)\n"
    "  sync                  hourly increases from Prometheus / VictoriaMetrics / Thanos / Mimir\n"
    "  report                the monthly P&L (table, csv, json, html)\n"
    "  check                 exit 1 when a team's [budget] is exceeded (for CI and cron)\n"
    "  migrate               bring the database's schema up to this carbonstat's\n"
    "  verify                check that the daily rollups equal the facts (exit 1 if not)\n"
    "\n"
    "Common options:\n"
    "  --db URL              sqlite:PATH (default: $XDG_DATA_HOME/carbonstat/ledger.db,\n"
    "                        /var/lib/carbonstat/ledger.db as root) or postgresql://...\n"
    "  --config FILE         carbonstat.ini: [ledger], [sci], [sci.team], [sci.owner],\n"
    "                        [budget.team] (default $CARBONSTAT_CONFIG); CARBONSTAT_LEDGER_DB...\n"
    "  --lock-timeout DUR    wait this long for another import or sync (default 60s)\n"
    "\n"
    "import / sync:\n"
    "  --cluster NAME        cluster of data that does not name one\n"
    "  --prices FILE         CSV: provider,instance_type,region,currency,price_per_hour\n"
    "  --cost-split MODE     energy (default) or cpu-memory (OpenCost-style)\n"
    "  --replace             import: replace the hours the files hold (default: add\n"
    "                        only cycles the ledger does not have yet)\n"
    "  --prometheus URL      sync: the Prometheus HTTP API base (http://host:9090)\n"
    "  --from T --to T       sync: hours [from, to) (default: from the watermark, or\n"
    "                        the last 24 h, to the last complete hour); T is\n"
    "                        2026-11-05, 2026-11-05T13, RFC 3339 or now\n"
    "  --partial             sync: also the hour in progress (re-synced next time)\n"
    "  --source NAME         sync: the source name (default prometheus:URL)\n"
    "  --timeout DUR         sync: per HTTP request (default 60s)\n"
    "  --parallel N          sync: queries in flight at once (default 3)\n"
    "\n"
    "report / check:\n"
    "  --period YYYY-MM      the month (default: this month, UTC)\n"
    "  --by KEY              team (default), namespace, owner, node or region\n"
    "  --format F            table (default), csv, json or html\n"
    "  --out FILE            write there (atomically) instead of stdout\n"
    "  --projected           check: also fail when the month-end projection exceeds\n";

typedef struct lopts {
	const char *sub;
	const char *db, *config, *cluster, *prices, *split, *prom, *from, *to, *source, *period, *by, *format, *out;
	double lock_timeout_s, timeout_s;
	unsigned parallel;
	bool replace, partial, projected, quiet;
	char **files;
	int nfiles;
	cs_lg_conf conf;
	char dbbuf[1100];
	char cmd[32];
} lopts;

/* The options, one row each: its id (cli/options.h), what its value is and
 * where it goes in lopts. */
enum opt_kind {
	OPT_TEXT,     /* const char *: the value as given */
	OPT_SWITCH,   /* bool: set */
	OPT_DURATION, /* double seconds: cli_duration */
	OPT_PARALLEL, /* unsigned 1..12: cli_count */
};

static const struct lopt {
	int id;
	enum opt_kind kind;
	size_t off;
} ledger_opts[] = {
    {CLI_OPT_DB, OPT_TEXT, offsetof(lopts, db)},
    {CLI_OPT_CONFIG, OPT_TEXT, offsetof(lopts, config)},
    {CLI_OPT_LOCK_TIMEOUT, OPT_DURATION, offsetof(lopts, lock_timeout_s)},
    {CLI_OPT_CLUSTER, OPT_TEXT, offsetof(lopts, cluster)},
    {CLI_OPT_PRICES, OPT_TEXT, offsetof(lopts, prices)},
    {CLI_OPT_COST_SPLIT, OPT_TEXT, offsetof(lopts, split)},
    {CLI_OPT_REPLACE, OPT_SWITCH, offsetof(lopts, replace)},
    {CLI_OPT_PROMETHEUS, OPT_TEXT, offsetof(lopts, prom)},
    {CLI_OPT_FROM, OPT_TEXT, offsetof(lopts, from)},
    {CLI_OPT_TO, OPT_TEXT, offsetof(lopts, to)},
    {CLI_OPT_PARTIAL, OPT_SWITCH, offsetof(lopts, partial)},
    {CLI_OPT_SOURCE, OPT_TEXT, offsetof(lopts, source)},
    {CLI_OPT_TIMEOUT, OPT_DURATION, offsetof(lopts, timeout_s)},
    {CLI_OPT_PERIOD, OPT_TEXT, offsetof(lopts, period)},
    {CLI_OPT_BY, OPT_TEXT, offsetof(lopts, by)},
    {CLI_OPT_FORMAT, OPT_TEXT, offsetof(lopts, format)},
    {CLI_OPT_OUT, OPT_TEXT, offsetof(lopts, out)},
    {CLI_OPT_PROJECTED, OPT_SWITCH, offsetof(lopts, projected)},
    {CLI_OPT_QUIET, OPT_SWITCH, offsetof(lopts, quiet)},
    {CLI_OPT_PARALLEL, OPT_PARALLEL, offsetof(lopts, parallel)},
};
#define N_LEDGER_OPTS (sizeof(ledger_opts) / sizeof(ledger_opts[0]))

/* An option's value into o: 0, or CLI_USAGE (the line is printed). */
static int set_opt(lopts *o, const struct lopt *d, const char *arg)
{
	void *field = (char *)o + d->off;
	char flag[40];

	snprintf(flag, sizeof flag, "--%s", cli_opt_name(d->id));
	switch (d->kind) {
	case OPT_TEXT: *(const char **)field = arg; return 0;
	case OPT_SWITCH: *(bool *)field = true; return 0;
	case OPT_DURATION: return cli_duration(o->cmd, flag, arg, field) ? CLI_USAGE : 0;
	case OPT_PARALLEL: return cli_count(o->cmd, flag, arg, 1, 12, field) ? CLI_USAGE : 0;
	}
	return CLI_USAGE;
}

static int ledger_opt(void *ctx, const char *cmd, int id, const char *arg)
{
	size_t i = 0;

	(void)cmd; /* "ledger SUB": set_opt names it from lopts */
	while (ledger_opts[i].id != id)
		i++;
	return set_opt(ctx, &ledger_opts[i], arg);
}

/* One line from src/ledger: those that already name the command ("ledger
 * import: ...", "ledger: sqlite:... is read-only") get only "carbonstat ". */
static void say(const lopts *o, const char *why)
{
	if (cs_starts_with(why, "ledger"))
		fprintf(stderr, "carbonstat %s\n", why);
	else
		cli_error(o->cmd, "%s", why);
}

/* The default database: root keeps it with the system, users in their
 * XDG data directory. Creates the directory for writers. */
static int default_db(lopts *o, bool create)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	char dir[900];

	if (geteuid() == 0)
		snprintf(dir, sizeof(dir), "/var/lib/carbonstat");
	else if (xdg && *xdg)
		snprintf(dir, sizeof(dir), "%s/carbonstat", xdg);
	else if (home && *home)
		snprintf(dir, sizeof(dir), "%s/.local/share/carbonstat", home);
	else {
		cli_error(o->cmd, "no default database: $HOME is unset; pass --db sqlite:PATH");
		return CLI_USAGE;
	}
	if (create) {
		/* mkdir -p, one level below an existing parent is the usual case */
		char tmp[900];

		cs_strcpy_fit(tmp, sizeof(tmp), dir);
		for (char *p = tmp + 1; *p; p++)
			if (*p == '/') {
				*p = '\0';
				(void)mkdir(tmp, 0755);
				*p = '/';
			}
		if (mkdir(tmp, 0750) != 0 && errno != EEXIST) {
			cli_error(o->cmd, "cannot create %s: %s; pass --db sqlite:PATH", dir, strerror(errno));
			return CLI_FAIL;
		}
	}
	snprintf(o->dbbuf, sizeof(o->dbbuf), "sqlite:%s/ledger.db", dir);
	o->db = o->dbbuf;
	return 0;
}

/* The configuration: one carbonstat.ini for the agent and the ledger
 * (cli/conf_file.h); the ledger's own flags go on top below. */
static int load_conf(lopts *o, char *why, size_t whycap)
{
	cs_conf *conf;
	int rc;

	if ((rc = cli_conf_load(o->config, &conf, why, whycap)) != 0)
		return rc;
	rc = cs_lg_conf_from(conf, &o->conf);
	cs_conf_free(conf);
	if (rc)
		cs_set_why(why, whycap, "out of memory");
	return rc;
}

static int parse_opts(int argc, char **argv, lopts *o)
{
	int ids[N_LEDGER_OPTS + 1] = {0}; /* below */
	cli_getopt_spec sp = {
	    .cmd = o->cmd, .opts = ids, .help = ledger_help, .operands = CLI_OPERANDS, .on_opt = ledger_opt, .ctx = o};
	char why[600];
	int rc;

	for (size_t i = 0; i < N_LEDGER_OPTS; i++)
		ids[i] = ledger_opts[i].id;
	o->lock_timeout_s = NAN; /* not given: [ledger] lock_timeout below */
	/* after a help: -1, which the caller turns into exit 0 */
	if ((rc = cli_getopt(&sp, argc, argv)) >= 0)
		return rc == CLI_OK ? -1 : rc;
	o->files = argv + optind;
	o->nfiles = argc - optind;
	if (!o->config)
		o->config = getenv("CARBONSTAT_CONFIG");
	if (load_conf(o, why, sizeof(why)) != 0) {
		cli_error(o->cmd, "%s", why);
		return CLI_USAGE;
	}
	if (!o->db && o->conf.db[0])
		o->db = o->conf.db;
	if (!o->cluster)
		o->cluster = o->conf.cluster;
	if (!o->prices && o->conf.prices[0])
		o->prices = o->conf.prices;
	if (!o->split)
		o->split = o->conf.cost_split;
	if (!o->prom && o->conf.prometheus[0])
		o->prom = o->conf.prometheus;
	if (isnan(o->lock_timeout_s))
		o->lock_timeout_s = o->conf.lock_timeout_s;
	if (strcmp(o->split, "energy") && strcmp(o->split, "cpu-memory")) {
		cli_error(o->cmd, "--cost-split '%s' is not energy or cpu-memory", o->split);
		return CLI_USAGE;
	}
	return 0;
}

static int open_store(lopts *o, int mode, cs_lg_store **s)
{
	char why[CS_LDB_WHY_MAX + 64];
	int rc;

	if (!o->db && (rc = default_db(o, mode == CS_LG_WRITE)) != 0)
		return rc;
	if (cs_lg_open(o->db, mode, o->lock_timeout_s, s, why, sizeof(why)) != 0) {
		say(o, why);
		return CLI_FAIL;
	}
	return 0;
}

static int load_prices(lopts *o, cs_lg_prices *p)
{
	char why[600];

	memset(p, 0, sizeof(*p));
	if (!o->prices || !*o->prices)
		return 0;
	if (cs_lg_prices_load(o->prices, p, why, sizeof(why)) != 0) {
		say(o, why);
		return CLI_FAIL;
	}
	return 0;
}

/* What import and sync write with: the store, and the prices that cost
 * its node-hours. */
typedef struct writer {
	cs_lg_store *s;
	cs_lg_prices prices;
	cs_lg_pricer pricer;
} writer;

static int open_writer(lopts *o, writer *w)
{
	int rc;

	w->s = NULL;
	if ((rc = load_prices(o, &w->prices)) != 0)
		return rc;
	if ((rc = open_store(o, CS_LG_WRITE, &w->s)) != 0) {
		cs_lg_prices_free(&w->prices);
		return rc;
	}
	cs_lg_pricer_init(&w->pricer, o->prices ? &w->prices : NULL, w->s);
	return 0;
}

static void close_writer(writer *w)
{
	cs_lg_pricer_free(&w->pricer);
	cs_lg_prices_free(&w->prices);
	cs_lg_close(w->s);
}

static cs_lg_split_mode split_of(const lopts *o)
{
	return !strcmp(o->split, "cpu-memory") ? CS_LG_SPLIT_CPU_MEMORY : CS_LG_SPLIT_ENERGY;
}

static int run_import(lopts *o)
{
	writer w;
	cs_lg_import_opts io;
	cs_lg_import_stats st;
	char why[1200];
	int rc;

	if (o->nfiles == 0) {
		cli_error(o->cmd, "no file given; usage: carbonstat ledger import FILE... (- for stdin)");
		return CLI_USAGE;
	}
	if ((rc = open_writer(o, &w)) != 0)
		return rc;
	memset(&io, 0, sizeof(io));
	io.files = (const char *const *)o->files;
	io.nfiles = (size_t)o->nfiles;
	io.cluster = o->cluster;
	io.replace = o->replace;
	io.pricer = &w.pricer;
	io.split = split_of(o);
	rc = cs_lg_import(w.s, &io, &st, why, sizeof(why));
	if (rc) {
		say(o, why);
		rc = CLI_FAIL;
	} else if (!o->quiet) {
		printf("imported %llu cycles (%llu already in the ledger, %llu incomplete left for next time) from "
		       "%llu lines of %d file%s: %llu sources, node-hours %llu new, %llu completed, %llu replaced; "
		       "%llu ledger rows, %llu gaps; %llu node-hours priced, %llu without a price; read %.2f s, "
		       "write %.2f s\n",
		       (unsigned long long)st.cycles, (unsigned long long)st.cycles_known,
		       (unsigned long long)st.cycles_incomplete, (unsigned long long)st.lines, o->nfiles,
		       o->nfiles == 1 ? "" : "s", (unsigned long long)st.sources, (unsigned long long)st.node_hours_new,
		       (unsigned long long)st.node_hours_added, (unsigned long long)st.node_hours_replaced,
		       (unsigned long long)st.facts, (unsigned long long)st.gaps, (unsigned long long)st.priced,
		       (unsigned long long)st.unpriced, st.read_s, st.write_s);
	}
	close_writer(&w);
	return rc;
}

static int run_sync(lopts *o)
{
	writer w;
	cs_lg_sync_opts so;
	cs_lg_sync_stats st;
	double now = cs_real_s();
	char why[1200];
	int rc;

	if (!o->prom || !*o->prom) {
		cli_error(o->cmd, "no Prometheus given; pass --prometheus http://HOST:9090 or set [ledger] prometheus");
		return CLI_USAGE;
	}
	memset(&so, 0, sizeof(so));
	so.from_s = so.to_s = INT64_MIN;
	if (o->from && cs_lg_parse_time(o->from, now, &so.from_s) != 0) {
		cli_error(o->cmd, "--from '%s' is not a time: use 2026-11-05, 2026-11-05T13, RFC 3339 or now", o->from);
		return CLI_USAGE;
	}
	if (o->to && cs_lg_parse_time(o->to, now, &so.to_s) != 0) {
		cli_error(o->cmd, "--to '%s' is not a time: use 2026-11-05, 2026-11-05T13, RFC 3339 or now", o->to);
		return CLI_USAGE;
	}
	if ((rc = open_writer(o, &w)) != 0)
		return rc;
	so.url = o->prom;
	so.source = o->source;
	so.cluster = o->cluster;
	so.partial = o->partial;
	so.now_s = now;
	so.timeout_s = o->timeout_s > 0 ? o->timeout_s : 60;
	so.parallel = (int)o->parallel;
	so.pricer = &w.pricer;
	so.split = split_of(o);
	so.conf = &o->conf;
	rc = cs_lg_sync(w.s, &so, &st, why, sizeof(why));
	if (rc) {
		say(o, why);
		rc = CLI_FAIL;
	} else if (!o->quiet) {
		char a[32], b[32];

		cs_lg_fmt_hour(st.from_hour, a, sizeof(a));
		cs_lg_fmt_hour(st.to_hour, b, sizeof(b));
		printf("synced %lld hours [%s, %s) from %s: %llu node-hours, %llu ledger rows, %llu series in %llu "
		       "queries (%.2f MB); gaps: %llu missing, %llu partial, %llu resets; %llu node-hours priced, %llu "
		       "without a price; %.2f s (queries %.2f s)\n",
		       (long long)((st.to_hour - st.from_hour) / CS_LG_HOUR_S), a, b, st.source,
		       (unsigned long long)st.node_hours, (unsigned long long)st.facts, (unsigned long long)st.series,
		       (unsigned long long)st.queries, (double)st.bytes / 1e6, (unsigned long long)st.missing,
		       (unsigned long long)st.partial, (unsigned long long)st.resets, (unsigned long long)st.priced,
		       (unsigned long long)st.unpriced, st.total_s, st.query_s);
	}
	close_writer(&w);
	return rc;
}

static int this_month(lopts *o, cs_lg_period *p)
{
	char label[16];
	int64_t y;
	unsigned m, d;

	if (o->period) {
		if (cs_lg_parse_period(o->period, p) != 0) {
			cli_error(o->cmd, "--period '%s' is not a month: use YYYY-MM, e.g. 2026-11", o->period);
			return CLI_USAGE;
		}
		return 0;
	}
	cs_lg_civil_from_days(cs_lg_day_of((int64_t)cs_real_s()) / 86400, &y, &m, &d);
	snprintf(label, sizeof(label), "%04lld-%02u", (long long)y, m);
	return cs_lg_parse_period(label, p) == 0 ? 0 : CLI_FAIL;
}

/* Writes to o->out atomically (a temp file renamed over it), or stdout. */
static int emit(lopts *o, const cs_lg_report *r, cs_lg_fmt fmt)
{
	char tmp[1100];
	FILE *f = stdout;
	int rc;

	if (o->out && strcmp(o->out, "-")) {
		int fd;

		snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", o->out);
		fd = mkstemp(tmp);
		if (fd < 0 || !(f = fdopen(fd, "w"))) {
			cli_error(o->cmd, "cannot write %s: %s; check --out", o->out, strerror(errno));
			if (fd >= 0)
				close(fd);
			return CLI_FAIL;
		}
		(void)fchmod(fd, 0644);
	}
	rc = cs_lg_render(r, fmt, f);
	if (f != stdout) {
		if (fclose(f) != 0 && !rc)
			rc = -errno;
		if (rc || rename(tmp, o->out) != 0) {
			if (!rc)
				rc = -errno;
			unlink(tmp);
		}
	}
	if (rc) {
		cli_error(o->cmd, "cannot write the report to %s: %s", o->out ? o->out : "stdout", strerror(-rc));
		return CLI_FAIL;
	}
	return 0;
}

static int run_report(lopts *o, bool check)
{
	cs_lg_store *s = NULL;
	cs_lg_period p;
	cs_lg_by by = CS_LG_BY_TEAM;
	cs_lg_fmt fmt = CS_LG_FMT_TABLE;
	cs_lg_report r;
	int rc;

	if (o->nfiles) {
		cli_error(o->cmd, "unexpected argument '%s'; see carbonstat ledger --help", o->files[0]);
		return CLI_USAGE;
	}
	if ((rc = this_month(o, &p)) != 0)
		return rc;
	if (o->by && cs_lg_by_parse(o->by, &by) != 0) {
		cli_error(o->cmd, "--by '%s' is not team, namespace, owner, node or region", o->by);
		return CLI_USAGE;
	}
	if (o->format && cs_lg_fmt_parse(o->format, &fmt) != 0) {
		cli_error(o->cmd, "--format '%s' is not table, csv, json or html", o->format);
		return CLI_USAGE;
	}
	if ((rc = open_store(o, CS_LG_READ, &s)) != 0)
		return check ? CLI_USAGE : rc;
	if (cs_lg_report_build(s, &p, by, &o->conf, (int64_t)cs_real_s(), &r) != 0) {
		say(o, cs_lg_why(s));
		cs_lg_close(s);
		return check ? CLI_USAGE : CLI_FAIL;
	}
	cs_lg_close(s);
	if (check) {
		size_t over = cs_lg_report_over_budget(&r, o->projected);

		if (o->conf.nbudgets == 0)
			fprintf(stderr,
			        "carbonstat ledger check: no [budget] in the configuration; nothing to check\n");
		for (size_t i = 0; i < r.nbudgets; i++) {
			const cs_lg_budget_row *b = &r.budgets[i];
			bool bad = b->exceeded || (o->projected && b->projected_over);

			if (!o->quiet || bad)
				printf("%s %s: %.3f of %.3f kgCO2e in %s (%.1f %%), projected %.3f at month end%s\n",
				       bad ? "OVER" : "ok  ", b->team, b->burn_kg, b->budget_kg, r.period.label,
				       b->budget_kg > 0 ? b->burn_kg / b->budget_kg * 100 : 0.0, b->projected_kg,
				       b->exceeded         ? ""
				       : b->projected_over ? " (on course to exceed)"
				                           : "");
		}
		rc = over ? CLI_FAIL : CLI_OK;
	} else {
		rc = emit(o, &r, fmt);
	}
	cs_lg_report_free(&r);
	return rc;
}

static int run_verify(lopts *o)
{
	cs_lg_store *s = NULL;
	int64_t bad = 0;
	int rc;

	if ((rc = open_store(o, CS_LG_READ, &s)) != 0)
		return rc;
	if (cs_lg_begin_read(s) != 0 || cs_lg_verify_daily(s, &bad) != 0) {
		say(o, cs_lg_why(s));
		cs_lg_close(s);
		return CLI_FAIL;
	}
	cs_lg_end_read(s);
	cs_lg_close(s);
	if (bad) {
		cli_error(o->cmd, "%s: %lld daily rollup rows differ from the facts", o->db, (long long)bad);
		return CLI_FAIL;
	}
	if (!o->quiet)
		printf("%s: daily rollups equal the facts\n", o->db);
	return CLI_OK;
}

static int run_migrate(lopts *o)
{
	cs_lg_store *s = NULL;
	int rc, v = 0;

	if ((rc = open_store(o, CS_LG_WRITE, &s)) != 0)
		return rc;
	if (cs_lg_begin(s) != 0 || cs_lg_schema_version(s, &v) != 0 || cs_lg_commit(s) != 0) {
		say(o, cs_lg_why(s));
		cs_lg_close(s);
		return CLI_FAIL;
	}
	if (!o->quiet)
		printf("%s: schema version %d\n", o->db, v);
	cs_lg_close(s);
	return CLI_OK;
}

static int run_report_only(lopts *o)
{
	return run_report(o, false);
}

static int run_check(lopts *o)
{
	return run_report(o, true);
}

static const struct ledger_cmd {
	const char *name;
	int (*run)(lopts *o);
} ledger_cmds[] = {
    {"import", run_import}, {"sync", run_sync},       {"report", run_report_only},
    {"check", run_check},   {"migrate", run_migrate}, {"verify", run_verify},
    {NULL, NULL},
};

int cmd_ledger(int argc, char **argv)
{
	const struct ledger_cmd *cmd;
	lopts o;
	int rc;

	memset(&o, 0, sizeof(o));
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		cli_help(argc < 2 ? stderr : stdout, ledger_help);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	o.sub = argv[1];
	snprintf(o.cmd, sizeof(o.cmd), "ledger %s", o.sub);
	for (cmd = ledger_cmds; cmd->name && strcmp(o.sub, cmd->name); cmd++)
		;
	if (!cmd->name) {
		cli_error("ledger", "unknown command '%s'; use import, sync, report, check, migrate or verify", o.sub);
		return CLI_USAGE;
	}
	rc = parse_opts(argc - 1, argv + 1, &o);
	if (rc) {
		cs_lg_conf_free(&o.conf);
		return rc < 0 ? CLI_OK : (!strcmp(o.sub, "check") ? CLI_USAGE : rc);
	}
	rc = cmd->run(&o);
	cs_lg_conf_free(&o.conf);
	return rc;
}
