/* cli/common.c - option parsing, error lines and output helpers shared by the
 * commands. All number parsing goes through core/parse (strict, whole-string). */
#include <ctype.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/host_cli.h"
#include "cli/options.h"
#include "core/parse.h"
#include "core/str.h"

void cli_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "carbonstat %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_getopt_error(const char *cmd, int c, char **argv)
{
	const char *a = optind > 0 ? argv[optind - 1] : "";
	char name[80];
	size_t n;

	if (!strncmp(a, "--", 2)) {
		n = strcspn(a, "=");
		snprintf(name, sizeof name, "%.*s", (int)(n < 60 ? n : 60), a);
	} else if (optopt > 0 && optopt < 128 && isgraph(optopt)) {
		snprintf(name, sizeof name, "-%c", optopt);
	} else {
		snprintf(name, sizeof name, "%.60s", a);
	}
	if (c == ':')
		cli_error(cmd, "option %s needs a value; see 'carbonstat %s --help'", name, cmd);
	else
		cli_error(cmd, "unknown option '%s'; see 'carbonstat %s --help'", name, cmd);
	return CLI_USAGE;
}

int cli_no_operands(const char *cmd, char **argv)
{
	cli_error(cmd, "unexpected argument '%s'; see 'carbonstat %s --help'", argv[optind], cmd);
	return CLI_USAGE;
}

/* getopt's short options: ':' first (a missing value returns ':'), then the
 * letters of the long options that have one. */
static void short_opts(const cli_getopt_spec *sp, const struct option *opts, char *buf, size_t cap)
{
	size_t n = 0;

	if (sp->operands == CLI_COMMAND)
		buf[n++] = '+';
	buf[n++] = ':';
	for (const struct option *o = opts; o->name && n + 3 < cap; o++) {
		if (o->val > 0 && o->val < 128 && isalpha(o->val)) {
			buf[n++] = (char)o->val;
			if (o->has_arg == required_argument)
				buf[n++] = ':';
		}
	}
	buf[n] = '\0';
}

static int getopt_loop(const cli_getopt_spec *sp, const struct option *opts, int argc, char **argv)
{
	char shorts[64];
	int c, rc;

	short_opts(sp, opts, shorts, sizeof shorts);
	optind = 0; /* glibc: a full reset (also of a half-read "-hx") */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, opts, NULL)) != -1) {
		if (c == ':' || c == '?')
			return cli_getopt_error(sp->cmd, c, argv);
		if (c == 'h' && sp->help) {
			cli_help(stdout, sp->help);
			return CLI_OK;
		}
		if (sp->host && cli_host_opt(sp->cmd, c, optarg, sp->host, &rc)) {
			if (rc)
				return rc;
			continue;
		}
		rc = sp->on_opt(sp->ctx, sp->cmd, c, optarg);
		if (rc)
			return rc == CLI_DONE ? CLI_OK : rc;
	}
	if (optind < argc && sp->operands == CLI_NO_OPERANDS)
		return cli_no_operands(sp->cmd, argv);
	return -1;
}

int cli_getopt(const cli_getopt_spec *sp, int argc, char **argv)
{
	struct option *opts = cli_opt_table(sp->opts, sp->more);
	int rc;

	if (!opts) {
		cli_error(sp->cmd, "out of memory");
		return CLI_FAIL;
	}
	rc = getopt_loop(sp, opts, argc, argv);
	free(opts);
	return rc;
}

int cli_conflict(const char *cmd, bool a_given, const char *a, bool b_given, const char *b)
{
	if (!a_given || !b_given)
		return 0;
	cli_error(cmd, "give %s or %s, not both", a, b);
	return CLI_USAGE;
}

int cli_root_dir(const char *cmd, const char *opt, const char *path)
{
	struct stat st;

	if (!path || (stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
		return 0;
	cli_error(cmd, "%s '%s' is not a directory; give the directory the tree is mounted on", opt, path);
	return CLI_USAGE;
}

int cli_percent(const char *cmd, const char *opt, const char *arg, double *out)
{
	if (cs_parse_percent(arg, out) == 0)
		return 0;
	cli_error(cmd, "%s '%s' is not a percentage: give a number from 0 to 100, e.g. %s 50", opt, arg, opt);
	return CLI_USAGE;
}

int cli_duration(const char *cmd, const char *opt, const char *arg, double *out)
{
	int rc = cs_parse_duration(arg, out);

	if (rc == 0)
		return 0;
	/* In range or not is only known for a well-formed value: 0 (every digit
	 * 0) and a leading '-' are "not > 0", the rest past 100 years. */
	if (arg[0] == '-' || (rc == CS_ERANGE && !strpbrk(arg, "123456789"))) {
		cli_error(cmd, "%s '%s' must be > 0, e.g. %s 730h", opt, arg, opt);
		return CLI_USAGE;
	}
	if (rc == CS_ERANGE) {
		cli_error(cmd, "%s '%s' is too large: at most 100 years (100y)", opt, arg);
		return CLI_USAGE;
	}
	cli_error(cmd, "%s '%s' is not a duration: use a number with a unit (ms s m h d w mo y), e.g. 730h, 30d, 1h30m",
	          opt, arg);
	return CLI_USAGE;
}

int cli_number(const char *cmd, const char *opt, const char *arg, double min, double max, double *out)
{
	double v;

	if (cs_parse_double(arg, &v) == 0 && v >= min && v <= max) {
		*out = v;
		return 0;
	}
	cli_error(cmd, "%s '%s' is not a number from %g to %g", opt, arg, min, max);
	return CLI_USAGE;
}

int cli_count(const char *cmd, const char *opt, const char *arg, unsigned min, unsigned max, unsigned *out)
{
	if (cs_parse_uint_range(arg, min, max, out) == 0)
		return 0;
	cli_error(cmd, "%s '%s' is not a whole number from %u to %u", opt, arg, min, max);
	return CLI_USAGE;
}

int cli_provider(const char *cmd, const char *arg, cs_provider *out)
{
	*out = cs_provider_parse(arg);
	if (*out != CS_PROVIDER_UNKNOWN)
		return 0;
	cli_error(cmd, "--provider '%s' is not a known provider: use aws, gcp or azure", arg);
	return CLI_USAGE;
}

int cli_grid_series(const char *cmd, const char *arg, cs_grid_series *out)
{
	if (cs_grid_series_parse(arg, out) == 0)
		return 0;
	cli_error(cmd, "--grid-dataset '%s' is not a grid series: use ember (default), ccf or google", arg);
	return CLI_USAGE;
}

static void print_suggestions(const char **s, size_t n)
{
	if (n == 0)
		return;
	fputs(" (did you mean ", stderr);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s%s", i ? ", " : "", s[i]);
	fputs("?)", stderr);
}

void cli_unknown_instance(const char *cmd, cs_provider p, const char *name)
{
	const char *s[4];
	size_t n = cs_instance_suggest(p, name, s, 3);

	fprintf(stderr, "carbonstat %s: unknown %s instance type '%s'", cmd,
	        p == CS_PROVIDER_UNKNOWN ? "cloud" : cs_provider_name(p), name);
	print_suggestions(s, n);
	fprintf(stderr, "; list them with 'carbonstat instances%s%s'\n", p ? " --provider " : "",
	        p ? cs_provider_name(p) : "");
}

void cli_unknown_region(const char *cmd, cs_provider p, const char *name)
{
	const char *s[4];
	size_t n = cs_region_suggest(p, name, s, 3);

	fprintf(stderr, "carbonstat %s: unknown %s region '%s'", cmd, cs_provider_name(p), name);
	print_suggestions(s, n);
	fprintf(stderr, "; list them with 'carbonstat regions --provider %s', or use --country\n", cs_provider_name(p));
}

void cli_unknown_country(const char *cmd, const char *name)
{
	const char *s[4];
	size_t n = cs_country_suggest(name, s, 3);

	fprintf(stderr, "carbonstat %s: unknown country '%s'", cmd, name);
	print_suggestions(s, n);
	fputs("; use an ISO 3166 code such as DE or DEU, or list them with 'carbonstat countries'\n", stderr);
}

int cli_json_print(json_t *v, int compact)
{
	size_t flags = JSON_REAL_PRECISION(10) | (compact ? JSON_COMPACT : JSON_INDENT(2));
	int rc = v ? json_dumpf(v, stdout, flags) : -1;

	json_decref(v);
	if (rc == 0)
		fputc('\n', stdout);
	return rc == 0 ? 0 : CLI_FAIL;
}

json_t *cli_json_dataset(const cs_dataset *d)
{
	if (!d)
		return json_null();
	json_t *o =
	    json_pack("{s:s, s:s, s:s, s:s, s:i}", "id", cs_dataset_id(d), "title", cs_dataset_title(d), "source",
	              cs_dataset_source(d), "license", cs_dataset_license(d), "year", cs_dataset_year(d));
	if (cs_dataset_basis(d)[0]) /* grid datasets say what they count */
		json_object_set_new(o, "basis", json_string(cs_dataset_basis(d)));
	return o;
}

/* v in units[first], rescaled by 1000s into [1, 1000) within units. */
static const char *fmt_scaled(double v, const char *const *units, size_t n, size_t first, const char *sep, char *buf,
                              size_t cap)
{
	size_t i = first;
	double a;

	while (fabs(v) >= 1000.0 && i + 1 < n) {
		v /= 1000.0;
		i++;
	}
	while (v != 0 && fabs(v) < 1.0 && i > 0) {
		v *= 1000.0;
		i--;
	}
	a = fabs(v);
	snprintf(buf, cap, "%.*f%s%s", a == 0 ? 0 : a >= 100 ? 1 : a >= 10 ? 2 : 3, v, sep, units[i]);
	return buf;
}

const char *cli_fmt_kwh(double kwh, const char *sep, char *buf, size_t cap)
{
	static const char *const units[] = {"Wh", "kWh", "MWh", "GWh", "TWh"};
	return fmt_scaled(kwh, units, 5, 1, sep, buf, cap);
}

const char *cli_fmt_grams(double g, const char *sep, char *buf, size_t cap)
{
	static const char *const units[] = {"g", "kg", "t", "kt", "Mt"};
	return fmt_scaled(g, units, 5, 0, sep, buf, cap);
}

double cli_pct_shown(double fraction)
{
	double pct = fraction * 100.0;
	return fabs(pct) < 1e-4 ? 0.0 : pct;
}

const char *cli_method_name(cs_power_method m)
{
	switch (m) {
	case CS_METHOD_CURVE: return "curve";
	case CS_METHOD_MINMAX: return "minmax";
	default: return "none";
	}
}

void cli_csv_field(FILE *f, const char *s)
{
	cs_csv_field(f, s);
}

void cli_help(FILE *f, const char *text)
{
	fputs(text, f);
}
