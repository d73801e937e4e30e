/* fuzz_cli.c - libFuzzer target for the command line of estimate, compare,
 * instances, regions, countries and datasets.
 *
 * The first byte picks the command; the rest is split on NUL into its
 * arguments (each one an exact-size heap string, so ASan sees a read past
 * it), at most CLI_FUZZ_MAX_ARGS of them. The command runs in-process as
 * `carbonstat <command> ARGS...` would, its output going to /dev/null (the
 * stdout and stderr FILE pointers are swapped for the call; the descriptors,
 * which libFuzzer and ASan report on, are left alone). Invariants, checked
 * with abort() so they hold in release builds too:
 *   - the exit code is 0, 1 or 2 (cli/cli.h), never anything else;
 *   - the same arguments give the same exit code a second time (nothing
 *     carries over between runs, getopt's position included).
 * The commands that run things (run, top, agent, sensors) are not driven.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CLI_FUZZ_MAX_ARGS 64

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} cli_fuzz_cmds[] = {
    {"estimate", cmd_estimate}, {"compare", cmd_compare},     {"instances", cmd_instances},
    {"regions", cmd_regions},   {"countries", cmd_countries}, {"datasets", cmd_datasets},
};

/* Runs the command with output to /dev/null; its exit code. */
static int run_quiet(int (*run)(int, char **), int argc, char **argv)
{
	static FILE *null_f;
	FILE *out = stdout, *err = stderr;
	int rc;

	if (!null_f && !(null_f = fopen("/dev/null", "w")))
		abort();
	stdout = null_f;
	stderr = null_f;
	rc = run(argc, argv);
	fflush(null_f);
	stdout = out;
	stderr = err;
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[CLI_FUZZ_MAX_ARGS + 2], *copy[CLI_FUZZ_MAX_ARGS + 2];
	int argc = 0, rc1, rc2;
	size_t ncmd = sizeof cli_fuzz_cmds / sizeof cli_fuzz_cmds[0], i = 1;

	if (size < 1)
		return 0;
	argv[argc++] = (char *)cli_fuzz_cmds[data[0] % ncmd].name;
	while (i < size && argc <= CLI_FUZZ_MAX_ARGS) {
		const uint8_t *end = memchr(data + i, '\0', size - i);
		size_t len = end ? (size_t)(end - (data + i)) : size - i;
		char *a = malloc(len + 1);

		if (!a)
			abort();
		memcpy(a, data + i, len);
		a[len] = '\0';
		argv[argc++] = a;
		i += len + 1;
	}
	argv[argc] = NULL;
	/* getopt_long permutes argv: run the second time on the original order */
	memcpy(copy, argv, sizeof(argv[0]) * (size_t)(argc + 1));
	rc1 = run_quiet(cli_fuzz_cmds[data[0] % ncmd].run, argc, argv);
	memcpy(argv, copy, sizeof(argv[0]) * (size_t)(argc + 1));
	rc2 = run_quiet(cli_fuzz_cmds[data[0] % ncmd].run, argc, argv);
	if (rc1 != CLI_OK && rc1 != CLI_FAIL && rc1 != CLI_USAGE)
		abort();
	if (rc1 != rc2)
		abort();
	for (int k = 1; k < argc; k++)
		free(copy[k]);
	return 0;
}
