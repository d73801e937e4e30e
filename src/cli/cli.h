/* cli/cli.h - what every `carbonstat <command>` shares.
 *
 * Exit codes: 0 success, 1 runtime failure (I/O, sensor), 2 bad usage or bad
 * input (unknown name, malformed number). Errors are one line on stderr that
 * names the input and says how to fix it.
 */
#ifndef CS_CLI_CLI_H
#define CS_CLI_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include <carbonstat/carbonstat.h>

#include "cli/options.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

typedef struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} cli_command;

/* One line "carbonstat CMD: message" on stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The error line for getopt_long's ':' (option without its value) and '?'
 * (unknown option) returns, naming the option as it was typed ("-x" of
 * "-bx", "--bogus" of "--bogus=1"), and where the help is; returns
 * CLI_USAGE. */
int cli_getopt_error(const char *cmd, int c, char **argv);

/* After the options, argv[optind] is an argument the command does not take:
 * says so; returns CLI_USAGE. */
int cli_no_operands(const char *cmd, char **argv);

/* A cli_getopt handler's "what was asked is printed (a help), exit 0". */
enum { CLI_DONE = -2 };

/* How a command reads its options: getopt_long over the options it lists
 * (ids of the registry, cli/options.h; -h/--help is always one), with the
 * error lines above for a missing value, an unknown option and an operand
 * the command does not take. on_opt gets each option in order (cmd: the
 * spec's, for its error lines; id: the option's; arg: its value, NULL for a
 * switch) and returns 0 to go on, an exit code to stop (the handler has
 * printed why), or CLI_DONE. */
typedef struct cli_getopt_spec {
	const char *cmd;           /* "estimate": names the command in errors */
	const int *opts;           /* its option ids, 0-terminated */
	const struct option *more; /* options made at run time (the agent's keys), NULL-terminated; or NULL */
	const char *help;          /* -h/--help prints it on stdout; NULL: 'h' goes to on_opt */
	enum {
		CLI_NO_OPERANDS, /* an argument after the options is an error */
		CLI_OPERANDS,    /* files...: options and operands in any order */
		CLI_COMMAND,     /* run's command line: the options end at its first word */
	} operands;
	struct cs_host_opts *host; /* the host options (host_cli.h) go here, not to on_opt; or NULL */
	int (*on_opt)(void *ctx, const char *cmd, int id, const char *arg);
	void *ctx;
} cli_getopt_spec;

/* -1 when every option was taken (the operands start at argv[optind]), or
 * the exit code: CLI_OK after a help, CLI_USAGE after an error line. Resets
 * getopt fully first, so a command can run twice in one process. */
int cli_getopt(const cli_getopt_spec *sp, int argc, char **argv);

/* "give A or B, not both" (CLI_USAGE) when both options were given. */
int cli_conflict(const char *cmd, bool a_given, const char *a, bool b_given, const char *b);

/* A --sysfs-root/--procfs-root/--cgroup-root value (NULL = not given) must
 * be a directory: 0, or CLI_USAGE after saying so. */
int cli_root_dir(const char *cmd, const char *opt, const char *path);

/* Option value parsers: on failure print an error naming `opt` and return
 * CLI_USAGE; 0 on success. */
int cli_percent(const char *cmd, const char *opt, const char *arg, double *out_fraction);
int cli_duration(const char *cmd, const char *opt, const char *arg, double *out_s);
int cli_number(const char *cmd, const char *opt, const char *arg, double min, double max, double *out);
int cli_count(const char *cmd, const char *opt, const char *arg, unsigned min, unsigned max, unsigned *out);
int cli_provider(const char *cmd, const char *arg, cs_provider *out);
int cli_grid_series(const char *cmd, const char *arg, cs_grid_series *out);

/* "unknown aws instance type 'x' (did you mean a, b?); list them with ..." */
void cli_unknown_instance(const char *cmd, cs_provider p, const char *name);
void cli_unknown_region(const char *cmd, cs_provider p, const char *name);
void cli_unknown_country(const char *cmd, const char *name);

/* Print a JSON value on stdout with a trailing newline; steals the reference. */
int cli_json_print(json_t *v, int compact);

/* {id, title, source, license, year} of a dataset, or null. */
json_t *cli_json_dataset(const cs_dataset *d);

/* estimate --json's object for one estimate: `plan` reports every option
 * with it, so the two commands print the same figures under the same keys.
 * brief_sources: each source as its id and year only (plan lists every
 * dataset once, at the top level). */
json_t *cli_estimate_json(const cs_estimate_req *req, const cs_estimate *e, bool brief_sources);

/* "model:aws-teads"-style method names. */
const char *cli_method_name(cs_power_method m);

/* Human-readable figures at any scale, the unit shown (JSON and CSV keep
 * base units): energy from kWh to Wh/kWh/MWh/GWh/TWh, mass from grams to
 * g/kg/t/kt/Mt, 4 significant digits; a percentage below 0.0001 % as 0
 * (never "9.881e-321 %"). sep goes between number and unit (" " or ""). */
const char *cli_fmt_kwh(double kwh, const char *sep, char *buf, size_t cap);
const char *cli_fmt_grams(double g, const char *sep, char *buf, size_t cap);
double cli_pct_shown(double fraction);

/* Write a CSV field, quoting when needed (RFC 4180). */
void cli_csv_field(FILE *f, const char *s);

/* Print "Usage: ..." help text for a command on stdout (for --help) or
 * stderr (usage errors). */
void cli_help(FILE *f, const char *text);

int cmd_agent(int argc, char **argv);
int cmd_billing(int argc, char **argv);
int cmd_estimate(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_instances(int argc, char **argv);
int cmd_regions(int argc, char **argv);
int cmd_countries(int argc, char **argv);
int cmd_datasets(int argc, char **argv);
int cmd_ledger(int argc, char **argv);

#endif
