/* cli/host_cli.c - shared set-up and output pieces of `run`, `top` and
 * `sensors` (see host_cli.h). Owns no state. */
#include "cli/host_cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

int cli_host_opt(const char *cmd, int c, const char *arg, cs_host_opts *o, int *rc)
{
	*rc = 0;
	switch (c) {
	case CLI_OPT_REGION: o->region = arg; return 1;
	case CLI_OPT_COUNTRY: o->country = arg; return 1;
	case CLI_OPT_PROVIDER: *rc = cli_provider(cmd, arg, &o->provider); return 1;
	case CLI_OPT_INSTANCE: o->instance = arg; return 1;
	case CLI_OPT_SYSFS_ROOT: o->sysfs_root = arg; return 1;
	case CLI_OPT_PROCFS_ROOT: o->procfs_root = arg; return 1;
	case CLI_OPT_CGROUP_ROOT: o->cgroup_root = arg; return 1;
	case CLI_OPT_METADATA_URL:
		if (strncmp(arg, "http://", 7) != 0) {
			cli_error(cmd, "--metadata-url '%s' must start with http:// (metadata services are plain HTTP)",
			          arg);
			*rc = CLI_USAGE;
		}
		o->metadata_url = arg;
		return 1;
	case CLI_OPT_NO_METADATA: o->no_metadata = true; return 1;
	default: return 0;
	}
}

int cli_host_setup(const char *cmd, cs_host_opts *o, cs_host *h)
{
	const cs_instance *it = NULL;
	cs_provider p = o->provider;
	char why[512] = "";
	int rc;

	if (o->region && o->country) {
		cli_error(cmd, "give either --region or --country, not both");
		return CLI_USAGE;
	}
	if (cli_conflict(cmd, o->metadata_url != NULL, "--metadata-url", o->no_metadata, "--no-metadata") ||
	    cli_root_dir(cmd, "--sysfs-root", o->sysfs_root) || cli_root_dir(cmd, "--procfs-root", o->procfs_root))
		return CLI_USAGE;
	if (o->instance) {
		it = cs_instance_find(p, o->instance);
		if (!it) {
			cli_unknown_instance(cmd, p, o->instance);
			return CLI_USAGE;
		}
		if (p == CS_PROVIDER_UNKNOWN)
			p = cs_instance_provider(it);
	}
	if (o->region && !cs_region_find(p, o->region)) {
		if (p != CS_PROVIDER_UNKNOWN)
			cli_unknown_region(cmd, p, o->region);
		else
			cli_error(cmd,
			          "unknown region '%s'; give --provider aws|gcp|azure for suggestions, list them with "
			          "'carbonstat regions', or use --country",
			          o->region);
		return CLI_USAGE;
	}
	if (o->country && !cs_country_find(o->country)) {
		cli_unknown_country(cmd, o->country);
		return CLI_USAGE;
	}
	rc = cs_host_init(h, o, why, sizeof why);
	if (rc == 0)
		return 0;
	cli_error(cmd, "%s", why[0] ? why : cs_strerror(rc));
	return (rc == CS_ENOTFOUND || rc == CS_EINVAL || rc == CS_ERANGE) ? CLI_USAGE : CLI_FAIL;
}

json_t *cli_json_real_or_null(double v)
{
	return v >= 0 ? json_real(v) : json_null();
}

static const char *status_text(int st)
{
	return st ? cs_strerror(st) : "ok";
}

json_t *cli_host_channels_json(const cs_host *h)
{
	json_t *a = json_array();
	const cs_channel *ch;

	for (size_t cur = 0; (ch = cs_host_channel_next(h, &cur)) != NULL;)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:b, s:b, s:f, s:f, s:s}", "name", ch->name,
		                                   "component", cs_component_name(ch->comp), "source",
		                                   ch->source ? ch->source : "", "measured", ch->measured, "in_total",
		                                   ch->in_total, "power_w", ch->power_w, "energy_j", ch->energy_j,
		                                   "status", status_text(ch->status)));
	return a;
}

json_t *cli_host_components_json(const cs_host *h)
{
	json_t *a = json_array();
	double el = h->sum.elapsed_s;

	for (int c = 0; c < CS_COMP_COUNT; c++) {
		const cs_host_comp *hc = &h->sum.comp[c];

		if (!hc->nchannels)
			continue;
		json_array_append_new(
		    a, json_pack("{s:s, s:s, s:s, s:b, s:b, s:f, s:f}", "name", cs_component_name((cs_component)c),
		                 "component", cs_component_name((cs_component)c), "source",
		                 hc->source ? hc->source : "", "measured", hc->measured, "in_total", hc->in_total,
		                 "energy_j", hc->total_j, "avg_power_w", el > 0 ? hc->total_j / el : 0.0));
	}
	return a;
}

static json_t *str_or_null(const char *s)
{
	return s && s[0] ? json_string(s) : json_null();
}

json_t *cli_host_location_json(const cs_carbon *c)
{
	json_t *o = json_object();

	json_object_set_new(o, "kind", json_string(c->location_kind));
	json_object_set_new(o, "provider", c->provider ? json_string(cs_provider_name(c->provider)) : json_null());
	json_object_set_new(o, "region", c->region ? json_string(cs_region_name(c->region)) : json_null());
	json_object_set_new(o, "country", c->country ? json_string(cs_country_iso2(c->country)) : json_null());
	json_object_set_new(o, "from", json_string(c->location_from));
	json_object_set_new(o, "intensity_gco2e_per_kwh", cli_json_real_or_null(c->intensity_g_per_kwh));
	json_object_set_new(o, "intensity_source", str_or_null(c->intensity_source));
	json_object_set_new(o, "dataset",
	                    c->intensity_dataset ? json_string(cs_dataset_id(c->intensity_dataset)) : json_null());
	json_object_set_new(o, "year", c->intensity_dataset ? json_integer(c->intensity_year) : json_null());
	json_object_set_new(o, "pue", json_real(c->pue));
	json_object_set_new(o, "instance", c->instance ? json_string(cs_instance_name(c->instance)) : json_null());
	json_object_set_new(o, "instance_from", json_string(c->instance_from ? c->instance_from : "none"));
	json_object_set_new(o, "embodied_g_per_h", cli_json_real_or_null(c->embodied_g_per_h));
	json_object_set_new(o, "embodied_dataset",
	                    c->embodied_dataset ? json_string(cs_dataset_id(c->embodied_dataset)) : json_null());
	return o;
}

json_t *cli_host_sources_json(const cs_host *h)
{
	json_t *a = json_array();

	for (size_t i = 0; i < h->nsources; i++)
		json_array_append_new(a, json_string(h->sources[i]));
	return a;
}

void cli_iso8601_now(char *buf, size_t cap)
{
	struct timespec ts;
	struct tm tm;
	char base[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, cap, "%s.%03ldZ", base, ts.tv_nsec / 1000000L);
}

int cli_write_atomic(const char *path, const char *data, size_t len)
{
	char tmp[4096];
	size_t off = 0;
	int fd, rc = 0;

	if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp)
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		off += (size_t)w;
	}
	/* mkstemp makes the file 0600; a report is not secret. */
	if (rc == 0 && fchmod(fd, 0644) < 0)
		rc = -errno;
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}
