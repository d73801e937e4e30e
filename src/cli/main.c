/* cli/main.c - `carbonstat <command> [options]`: the command table. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/host_cli.h"

static const cli_command commands[] = {
    {"estimate", cmd_estimate, "power, energy and CO2e of cloud instances from the built-in datasets"},
    {"compare", cmd_compare, "the same workload across instance types and regions, lowest CO2e first"},
    {"instances", cmd_instances, "list built-in instance types and their power model"},
    {"regions", cmd_regions, "list cloud regions with grid intensity, year, source and CFE %"},
    {"countries", cmd_countries, "list countries with grid intensity"},
    {"datasets", cmd_datasets, "list built-in tables with source, license, year and rows"},
    {"run", cmd_run, "run a command and report its energy and CO2e (like time/perf stat)"},
    {"top", cmd_top, "live host power, carbon and the processes drawing the most"},
    {"agent", cmd_agent, "the per-node daemon: sample, attribute, convert and export (Prometheus, StatsD, JSON lines)"},
    {"plan", cmd_plan, "which instance, region and provider: carbon, cost and performance together"},
    {"billing", cmd_billing, "a cloud bill's energy and CO2e beside its cost (FOCUS, AWS CUR, GCP, Azure)"},
    {"sensors", cmd_sensors, "energy sensors found, used or not and why, model and cloud detection"},
    {"ledger", cmd_ledger, "the carbon and cost P&L: import/sync agent data, monthly report, budgets"},
};

static void usage(FILE *f)
{
	fputs("Usage: carbonstat <command> [options]\n\nCommands:\n", f);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\nRun 'carbonstat <command> --help' for a command's options; 'man carbonstat' for all.\n", f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return CLI_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("carbonstat %s\n", CARBONSTAT_VERSION);
		return CLI_OK;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	}
	fprintf(stderr, "carbonstat: unknown command '%s'; run 'carbonstat --help' for the list\n", argv[1]);
	return CLI_USAGE;
}
