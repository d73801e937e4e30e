/* cli/host_cli.h - what `run`, `top` and `sensors` share: the options that
 * set up a cs_host (location, instance, roots, metadata), its one-time
 * set-up with user-facing errors, and the JSON/text pieces that describe a
 * host's components, sources and carbon figures (carbon/carbon.h) the same
 * way everywhere.
 */
#ifndef CS_CLI_HOST_CLI_H
#define CS_CLI_HOST_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "carbon/carbon.h"
#include "platform/host.h"

int cmd_run(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_sensors(int argc, char **argv);

/* Help text lines for the shared options. */
#define CLI_HOST_HELP                                                                                                  \
	"  --region R          grid intensity of this cloud region (eu-west-1...)\n"                                   \
	"  --country CC        grid intensity of this country (DE, DEU, Germany)\n"                                    \
	"  --provider P        aws, gcp or azure (default: detected)\n"                                                \
	"  --instance T        instance type for the power model and embodied CO2e\n"                                  \
	"                      (default: detected from DMI / the metadata service)\n"                                  \
	"  --sysfs-root D      read sensors under D instead of /sys\n"                                                 \
	"  --procfs-root D     read /proc/stat, meminfo, cpuinfo under D instead of /proc\n"                           \
	"  --cgroup-root D     cgroup mount to use instead of the one in /proc/self/mountinfo\n"                       \
	"  --metadata-url URL  base URL of the cloud metadata services (tests)\n"                                      \
	"  --no-metadata       never ask the cloud metadata services\n"

/* If c is one of the host options (CLI_HOST_OPTS), apply it to o and return 1 with *rc
 * set (0, or CLI_USAGE after printing the error); else return 0. */
int cli_host_opt(const char *cmd, int c, const char *arg, cs_host_opts *o, int *rc);

/* Check the configured names (with "did you mean" suggestions) and set up
 * the host. 0, or the exit code after a one-line error. */
int cli_host_setup(const char *cmd, cs_host_opts *o, cs_host *h);

/* Per channel of every used sensor, last interval:
 * [{"name","component","source","measured","in_total","power_w","energy_j",
 *   "status"}...]; status is "ok" or the read error. */
json_t *cli_host_channels_json(const cs_host *h);

/* Per component in use, since the first sample: [{"name","component",
 * "source","measured","in_total","energy_j","avg_power_w"}...]. */
json_t *cli_host_components_json(const cs_host *h);

/* {"kind","provider","region","country","from","intensity_gco2e_per_kwh",
 * "intensity_source","dataset","year","pue","instance","instance_from",
 * "embodied_g_per_h"} */
json_t *cli_host_location_json(const cs_carbon *c);

/* ["rapl","nvml"] */
json_t *cli_host_sources_json(const cs_host *h);

/* JSON real, or null when v is negative (unknown). */
json_t *cli_json_real_or_null(double v);

/* ISO 8601 UTC timestamp of the wall clock, "2024-05-01T12:00:00.123Z". */
void cli_iso8601_now(char *buf, size_t cap);

/* Write len bytes to path atomically: a temp file next to it, fsync, rename.
 * 0, or -errno (nothing half-written is left behind). */
int cli_write_atomic(const char *path, const char *data, size_t len);

#endif
