/* cli/cmd_sensors.c - `carbonstat sensors`: what this host can measure.
 *
 * Probes every registry sensor the way run/top do (cs_host_init, with
 * keep_all so that sensors the policy does not use are still shown), reads
 * each open sensor once to tell readable channels from unreadable ones, and
 * prints, per sensor: used / not used / absent / unusable, the exact reason
 * and fix when it is not used, and each channel's component, source,
 * in-total flag and readability. Then the model sensor's choice and the
 * cloud detection result, so a user can see why a number is modelled.
 */
#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/host_cli.h"
#include "core/clock.h"

#define CMD "sensors"

static const char sensors_help[] =
    "Usage: carbonstat sensors [--json] [options]\n"
    "\n"
    "List every energy sensor carbonstat knows (rapl, amd_energy, amdgpu, nvml,\n"
    "model): whether it is present and used, why not (with the fix), and its\n"
    "channels; then the power model chosen for this host and the cloud\n"
    "detection result.\n"
    "\n"
    "  --json              machine-readable output\n" CLI_HOST_HELP "  -h, --help          this help\n";

static const int sensors_ids[] = {CLI_OPT_JSON, CLI_HOST_OPTS, 0};

static const char *model_kind_name(cs_host_model_kind k)
{
	switch (k) {
	case CS_HOST_MODEL_INSTANCE: return "instance";
	case CS_HOST_MODEL_TDP: return "tdp";
	case CS_HOST_MODEL_CCF_ARCH: return "ccf-microarch";
	default: return "generic";
	}
}

static const char *in_total_text(const cs_channel *ch)
{
	return ch->in_total ? "in total" : "not added (inside another channel)";
}

/* Read every open sensor once, so each channel's status says whether it
 * can be read now (a first read only primes: no energy is reported). */
static void read_once(cs_host *h)
{
	double now = cs_mono_s();

	for (size_t i = 0; i < h->nprobes; i++) {
		cs_host_probe *p = &h->probes[i];

		if (p->sensor)
			(void)p->ops->read(p->sensor, now, 0.0);
	}
}

/* Which rules the host model applied: the microarchitecture and its CCF
 * coefficient file, the memory rule, whether DRAM follows occupancy. */
static json_t *model_rules_json(const cs_host_model *m)
{
	json_t *arch = json_null();

	if (m->arch_core || m->kind == CS_HOST_MODEL_CCF_ARCH)
		arch = json_pack("{s:s, s:s, s:o, s:b}", "core", m->arch_core ? m->arch_core : "", "cpu_id", m->cpu_id,
		                 "ccf", m->arch_ccf ? json_string(m->arch_ccf) : json_null(), "used",
		                 m->kind == CS_HOST_MODEL_CCF_ARCH);
	return json_pack(
	    "{s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:f, s:b}", "microarch", arch, "coefficients",
	    m->coef_dataset ? json_string(cs_dataset_id(m->coef_dataset)) : json_null(), "coefficients_year",
	    m->coef_dataset ? json_integer(cs_dataset_year(m->coef_dataset)) : json_null(), "min_w_per_vcpu",
	    m->kind == CS_HOST_MODEL_CCF_ARCH ? json_real(m->min_w_per_vcpu) : json_null(), "max_w_per_vcpu",
	    m->kind == CS_HOST_MODEL_CCF_ARCH ? json_real(m->max_w_per_vcpu) : json_null(), "gb_per_chip",
	    m->kind == CS_HOST_MODEL_CCF_ARCH && m->gb_per_chip >= 0 ? json_real(m->gb_per_chip) : json_null(),
	    "memory_rule", m->mem_rule ? m->mem_rule : "", "mem_charged_gb", m->mem_charged_gb, "dram_by_occupancy",
	    m->dram_by_occupancy);
}

static json_t *sensors_json(const cs_host *h, const cs_carbon *cb)
{
	const cs_cloud_info *ci = &h->cloud;
	const cs_host_model *m = &h->model;
	json_t *o = json_object(), *arr = json_array();

	for (size_t i = 0; i < h->nprobes; i++) {
		const cs_host_probe *p = &h->probes[i];
		json_t *s = json_object(), *chs = json_array();

		json_object_set_new(s, "name", json_string(p->ops->name));
		json_object_set_new(s, "state", json_string(cs_host_probe_state(p)));
		json_object_set_new(s, "detected", json_boolean(p->probed && p->status == 0));
		json_object_set_new(s, "used", json_boolean(p->used));
		json_object_set_new(
		    s, "status", json_string(p->probed ? (p->status ? cs_strerror(p->status) : "ok") : "not probed"));
		json_object_set_new(s, "why", p->why[0] ? json_string(p->why) : json_null());
		for (size_t k = 0; p->sensor && k < p->sensor->nchannels; k++) {
			const cs_channel *ch = &p->sensor->channels[k];

			json_array_append_new(chs, json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:s}", "name", ch->name,
			                                     "component", cs_component_name(ch->comp), "source",
			                                     ch->source ? ch->source : "", "measured", ch->measured,
			                                     "in_total", ch->in_total, "readable", ch->status == 0,
			                                     "error", ch->status ? cs_strerror(ch->status) : ""));
		}
		json_object_set_new(s, "channels", chs);
		json_array_append_new(arr, s);
	}
	json_object_set_new(o, "sensors", arr);
	json_object_set_new(o, "sources", cli_host_sources_json(h));
	json_object_set_new(o, "measured", json_boolean(h->sum.measured));
	json_object_set_new(o, "notice", h->notice[0] ? json_string(h->notice) : json_null());
	json_object_set_new(
	    o, "model",
	    json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:i, s:i, s:f, s:o, s:o}", "kind", model_kind_name(m->kind),
	              "source", m->source ? m->source : "", "description", m->desc, "cpu_model", m->cpu_model,
	              "tdp_row", m->tdp_name ? json_string(m->tdp_name) : json_null(), "tdp_w",
	              m->kind == CS_HOST_MODEL_TDP ? json_real(m->tdp_w) : json_null(), "sockets", (int)m->sockets,
	              "ncpu", (int)m->ncpu, "mem_total_gb", m->mem_total_gb, "instance",
	              m->inst ? json_string(cs_instance_name(m->inst)) : json_null(), "instance_method",
	              m->inst ? json_string(cli_method_name(cs_instance_method(m->inst))) : json_null()));
	json_object_set_new(o, "model_rules", model_rules_json(m));
	json_object_set_new(o, "cloud",
	                    json_pack("{s:b, s:s, s:o, s:o, s:o, s:s, s:s, s:s, s:o, s:f}", "detected",
	                              h->cloud_detected, "provider", cs_provider_name(ci->provider), "instance_type",
	                              ci->instance_type[0] ? json_string(ci->instance_type) : json_null(), "region",
	                              ci->region[0] ? json_string(ci->region) : json_null(), "zone",
	                              ci->zone[0] ? json_string(ci->zone) : json_null(), "source",
	                              ci->source ? ci->source : "none", "instance_source",
	                              ci->instance_source ? ci->instance_source : "none", "region_source",
	                              ci->region_source ? ci->region_source : "none", "why",
	                              ci->why[0] ? json_string(ci->why) : json_null(), "elapsed_ms", ci->elapsed_ms));
	json_object_set_new(o, "location", cli_host_location_json(cb));
	json_object_set_new(o, "location_notice", cb->why[0] ? json_string(cb->why) : json_null());
	return o;
}

static void sensors_text(const cs_host *h, const cs_carbon *cb)
{
	const cs_cloud_info *ci = &h->cloud;
	const cs_host_model *m = &h->model;

	printf("Sensors (probe order):\n");
	for (size_t i = 0; i < h->nprobes; i++) {
		const cs_host_probe *p = &h->probes[i];

		printf("  %-11s %-10s %s\n", p->ops->name, cs_host_probe_state(p), p->why);
		for (size_t k = 0; p->sensor && k < p->sensor->nchannels; k++) {
			const cs_channel *ch = &p->sensor->channels[k];

			printf("    %-16s %-8s %-16s %-10s %s%s\n", ch->name, cs_component_name(ch->comp),
			       ch->source ? ch->source : "", ch->measured ? "measured" : "modelled",
			       ch->status ? "unreadable: " : "readable, ",
			       ch->status ? cs_strerror(ch->status) : in_total_text(ch));
		}
	}
	printf("\nHost total from: %s (%s)\n", h->sources_str,
	       h->sum.measured ? "measured" : (h->sum.modelled ? "modelled" : "-"));
	printf("Model:    %s (%s): %s\n", model_kind_name(m->kind), m->source ? m->source : "-", m->desc);
	printf("Cloud:    provider %s, instance %s (%s), region %s (%s), zone %s; detection %s%s\n",
	       cs_provider_name(ci->provider), ci->instance_type[0] ? ci->instance_type : "-",
	       ci->instance_source ? ci->instance_source : "none", ci->region[0] ? ci->region : "-",
	       ci->region_source ? ci->region_source : "none", ci->zone[0] ? ci->zone : "-",
	       h->cloud_detected ? "ran, source " : "skipped", h->cloud_detected ? ci->source : "");
	if (ci->why[0])
		printf("          %s\n", ci->why);
	if (cb->intensity_g_per_kwh >= 0)
		printf("Location: %s, %.2f gCO2e/kWh (%s), PUE %.3f\n", cb->location, cb->intensity_g_per_kwh,
		       cb->intensity_source, cb->pue);
	else
		printf("Location: none\n");
	if (cb->instance)
		printf("Instance: %s (from %s)%s\n", cs_instance_name(cb->instance), cb->instance_from,
		       cb->embodied_g_per_h >= 0 ? "" : ", no embodied figure");
	if (h->notice[0])
		printf("Notice:   %s\n", h->notice);
	if (cb->why[0])
		printf("Notice:   %s\n", cb->why);
}

static int sensors_opt(void *ctx, const char *cmd, int id, const char *arg)
{
	(void)cmd, (void)arg;
	if (id == CLI_OPT_JSON)
		*(bool *)ctx = true;
	return 0;
}

int cmd_sensors(int argc, char **argv)
{
	cs_host_opts ho;
	bool json = false;
	cli_getopt_spec sp = {
	    .cmd = CMD, .opts = sensors_ids, .help = sensors_help, .host = &ho, .on_opt = sensors_opt, .ctx = &json};
	cs_host h;
	cs_carbon cb;
	int rc;

	cs_host_opts_init(&ho);
	ho.keep_all = true;
	if ((rc = cli_getopt(&sp, argc, argv)) >= 0)
		return rc;
	rc = cli_host_setup(CMD, &ho, &h);
	if (rc)
		return rc;
	read_once(&h);
	cs_carbon_resolve(&h.site, &cb);
	if (json)
		rc = cli_json_print(sensors_json(&h, &cb), 0);
	else
		sensors_text(&h, &cb);
	cs_host_destroy(&h);
	return rc;
}
