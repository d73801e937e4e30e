/* platform/host.c - the host energy meter (see host.h for the policy).
 *
 * Owns the probe of the sensor registry, the per-sample aggregation into a
 * fixed per-component summary, and which instance type and location this
 * host is (carbon/carbon.c turns those into intensity, PUE and embodied).
 * Everything is decided at init; a sample only calls each used sensor's
 * read() once and adds numbers into fields that already exist, so the hot
 * path allocates nothing and opens nothing.
 */
#include "platform/host.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <carbonstat/error.h>

#include "core/clock.h"
#include "core/why.h"
#include "sensors/sensor.h"

void cs_host_opts_init(cs_host_opts *o)
{
	memset(o, 0, sizeof *o);
}

static cs_host_role role_of(const cs_sensor_ops *ops)
{
	if (!strcmp(ops->name, "model"))
		return CS_HOST_ROLE_MODEL;
	if (!strcmp(ops->name, "amdgpu") || !strcmp(ops->name, "nvml"))
		return CS_HOST_ROLE_GPU;
	return CS_HOST_ROLE_CPU;
}

const char *cs_host_probe_state(const cs_host_probe *p)
{
	if (!p->probed)
		return "not probed";
	if (p->used)
		return "used";
	if (p->status == 0)
		return "not used";
	return p->status == CS_EUNAVAIL ? "absent" : "unusable";
}

/* CPU-side components: what a process's CPU time can be charged against. */
static bool cpu_side(cs_component c)
{
	return c == CS_COMP_PACKAGE || c == CS_COMP_CORE || c == CS_COMP_UNCORE || c == CS_COMP_PSYS ||
	       c == CS_COMP_CPU;
}

/* ---- location ----------------------------------------------------------------- */

/* Which location this host is (carbon/ turns it into figures). */
static void choose_location(cs_host *h, const cs_region *given_region, const cs_country *given_country)
{
	cs_host_site *st = &h->site;
	const cs_region *detected = h->cloud_detected && h->cloud.region[0] ? cs_cloud_find_region(&h->cloud) : NULL;

	st->location_from = "none";
	if (given_region) {
		st->region = given_region;
		st->location_from = "option";
	} else if (given_country && !h->country_fallback) {
		st->country = given_country;
		st->location_from = "option";
	} else if (detected) {
		st->region = detected;
		st->location_from = h->cloud.region_source ? h->cloud.region_source : "detection";
	} else if (given_country) {
		st->country = given_country;
		st->location_from = "option (no region known)";
	} else if (h->cloud_detected && h->cloud.region[0]) {
		cs_set_why(st->why, sizeof st->why,
		           "no location: detected region '%s' is not in the tables; pass --country or --region to get "
		           "gCO2e",
		           h->cloud.region);
	} else {
		cs_set_why(st->why, sizeof st->why, "no location: pass --country or --region to get gCO2e");
	}
}

/* ---- sensors ---------------------------------------------------------------- */

static void probe_one(cs_host *h, cs_host_probe *p)
{
	cs_sensor *s = NULL;

	p->probed = true;
	p->why[0] = '\0';
	p->status = p->ops->init(&h->env, &s, p->why, sizeof p->why);
	if (p->status == 0 && (!s || s->nchannels == 0)) {
		/* A sensor that "succeeds" with nothing to read is absent. */
		if (s)
			p->ops->destroy(s);
		s = NULL;
		p->status = CS_EUNAVAIL;
		cs_set_why(p->why, sizeof p->why, "%s initialised without any channel", p->ops->name);
	}
	if (p->status == 0) {
		p->sensor = s;
	} else if (!p->why[0]) {
		cs_set_why(p->why, sizeof p->why, "%s: %s", p->ops->name, cs_strerror(p->status));
	}
}

static void drop_sensor(cs_host_probe *p)
{
	if (p->sensor)
		p->ops->destroy(p->sensor);
	p->sensor = NULL;
}

static void add_source(cs_host *h, const char *src)
{
	size_t n;

	if (!src)
		return;
	for (size_t i = 0; i < h->nsources; i++)
		if (!strcmp(h->sources[i], src))
			return;
	if (h->nsources == CS_HOST_MAX_SOURCES)
		return;
	h->sources[h->nsources++] = src;
	n = strlen(h->sources_str);
	snprintf(h->sources_str + n, sizeof h->sources_str - n, "%s%s", n ? "+" : "", src);
}

const cs_channel *cs_host_channel_next(const cs_host *h, size_t *cursor)
{
	/* cursor = probe index x 2^16 + channel index */
	for (size_t i = *cursor >> 16, k = *cursor & 0xffff; i < h->nprobes; i++, k = 0) {
		const cs_host_probe *p = &h->probes[i];

		if (p->used && k < p->sensor->nchannels) {
			*cursor = i << 16 | (k + 1);
			return &p->sensor->channels[k];
		}
	}
	*cursor = h->nprobes << 16;
	return NULL;
}

/* Build the static part of the summary: which components exist, whether they
 * count and are measured, and the list of sources. */
static void plan_summary(cs_host *h)
{
	bool any_total = false, all_measured = true, any_modelled = false;
	bool all_meas[CS_COMP_COUNT], total_meas[CS_COMP_COUNT];

	for (int c = 0; c < CS_COMP_COUNT; c++)
		all_meas[c] = total_meas[c] = true;
	for (size_t cur = 0;;) {
		const cs_channel *ch = cs_host_channel_next(h, &cur);
		cs_host_comp *c;

		if (!ch)
			break;
		if ((unsigned)ch->comp >= CS_COMP_COUNT)
			continue;
		c = &h->sum.comp[ch->comp];
		/* The counted channel names the component: a measured GPU
		 * beats the model's uncounted "gpu" estimate. */
		if (c->nchannels++ == 0 || (ch->in_total && !c->in_total))
			c->source = ch->source;
		all_meas[ch->comp] = all_meas[ch->comp] && ch->measured;
		if (ch->in_total) {
			c->in_total = true;
			total_meas[ch->comp] = total_meas[ch->comp] && ch->measured;
			any_total = true;
			all_measured = all_measured && ch->measured;
			any_modelled = any_modelled || !ch->measured;
		}
		add_source(h, ch->source);
	}
	/* A component is "measured" when what it adds to the total is. */
	for (int c = 0; c < CS_COMP_COUNT; c++)
		h->sum.comp[c].measured = h->sum.comp[c].in_total ? total_meas[c] : all_meas[c];
	h->sum.measured = any_total && all_measured;
	h->sum.modelled = any_modelled;
}

static void build_notice(cs_host *h, const cs_host_probe *model)
{
	char absent[96] = "";
	bool unusable = false;

	if (model && model->used) {
		for (size_t i = 0; i < h->nprobes; i++) {
			const cs_host_probe *p = &h->probes[i];

			if (p->role != CS_HOST_ROLE_CPU || !p->probed)
				continue;
			if (p->status != 0 && p->status != CS_EUNAVAIL) {
				cs_why_append(h->notice, sizeof h->notice, "%s present but unusable: %s", p->ops->name,
				              p->why);
				unusable = true;
			} else if (p->status == CS_EUNAVAIL) {
				size_t n = strlen(absent);

				snprintf(absent + n, sizeof absent - n, "%s%s", n ? ", " : "", p->ops->name);
			}
		}
		if (!unusable)
			cs_why_append(h->notice, sizeof h->notice, "no CPU energy counter (%s absent)",
			              absent[0] ? absent : "none in the registry");
		{
			size_t n = strlen(h->notice);

			snprintf(h->notice + n, sizeof h->notice - n, "; using %s (modelled: %s)",
			         h->model.source ? h->model.source : "model", h->model.desc);
		}
	}
	for (size_t i = 0; i < h->nprobes; i++) {
		const cs_host_probe *p = &h->probes[i];

		if (p->role == CS_HOST_ROLE_GPU && p->probed && p->status != 0 && p->status != CS_EUNAVAIL)
			cs_why_append(h->notice, sizeof h->notice, "%s present but unusable: %s", p->ops->name, p->why);
	}
}

/* Run detection (when something is left to detect) and resolve the
 * configured names. */
static int resolve(cs_host *h, const cs_host_opts *o, const cs_instance **inst, const cs_region **reg,
                   const cs_country **ctry, char *why, size_t whycap)
{
	cs_provider prov = o->provider;
	bool all_given;

	*inst = NULL;
	*reg = NULL;
	*ctry = NULL;
	if (o->region && o->country && !o->country_fallback) {
		cs_set_why(why, whycap, "give either --region or --country, not both");
		return CS_EINVAL;
	}
	if (o->instance && o->instance[0]) {
		*inst = cs_instance_find(prov, o->instance);
		if (!*inst) {
			cs_set_why(why, whycap, "unknown %s instance type '%s'; list them with 'carbonstat instances'",
			           prov ? cs_provider_name(prov) : "cloud", o->instance);
			return CS_ENOTFOUND;
		}
	}
	if (o->country && o->country[0]) {
		*ctry = cs_country_find(o->country);
		if (!*ctry) {
			cs_set_why(why, whycap,
			           "unknown country '%s'; use an ISO 3166 code such as DE or DEU, or list them with "
			           "'carbonstat countries'",
			           o->country);
			return CS_ENOTFOUND;
		}
	}

	all_given = *inst && ((o->region && o->region[0]) || *ctry);
	h->cloud.provider = CS_PROVIDER_UNKNOWN;
	h->cloud.source = h->cloud.instance_source = h->cloud.region_source = "none";
	if (!o->no_detect && !all_given) {
		cs_cloud_opts co;
		cs_cloud_info ci;
		int rc;

		memset(&co, 0, sizeof co);
		co.provider = prov ? prov : (*inst ? cs_instance_provider(*inst) : CS_PROVIDER_UNKNOWN);
		co.instance_type = *inst ? cs_instance_name(*inst) : NULL;
		co.metadata = o->no_metadata ? CS_CLOUD_MD_OFF : CS_CLOUD_MD_AUTO;
		co.metadata_url = o->metadata_url;
		co.budget_ms = o->metadata_budget_ms;
		co.cache_path = o->cache_path;
		rc = cs_cloud_detect(&h->io, &co, &ci);
		if (rc == 0) {
			h->cloud = ci;
			h->cloud_detected = true;
		} else {
			snprintf(h->cloud.why, sizeof h->cloud.why, "cloud detection failed: %s", cs_strerror(rc));
		}
	}
	if (prov == CS_PROVIDER_UNKNOWN && *inst)
		prov = cs_instance_provider(*inst);
	if (prov == CS_PROVIDER_UNKNOWN && h->cloud_detected)
		prov = h->cloud.provider;
	if (!*inst && h->cloud_detected) {
		*inst = cs_cloud_find_instance(&h->cloud);
		h->site.instance_from = h->cloud.instance_source ? h->cloud.instance_source : "detection";
	} else if (*inst) {
		h->site.instance_from = "option";
	}
	if (!*inst)
		h->site.instance_from = "none";
	h->site.instance = *inst;
	h->site.provider = prov;

	if (o->region && o->region[0]) {
		*reg = cs_region_find(prov, o->region);
		if (!*reg) {
			cs_set_why(why, whycap,
			           "unknown %s region '%s'; list them with 'carbonstat regions%s%s', or use --country",
			           prov ? cs_provider_name(prov) : "cloud", o->region, prov ? " --provider " : "",
			           prov ? cs_provider_name(prov) : "");
			return CS_ENOTFOUND;
		}
		if (prov == CS_PROVIDER_UNKNOWN)
			h->site.provider = cs_region_provider(*reg);
	}
	return 0;
}

int cs_host_init(cs_host *h, const cs_host_opts *opts, char *why, size_t whycap)
{
	const cs_sensor_ops *const *reg;
	const cs_instance *inst;
	const cs_region *given_region;
	const cs_country *given_country;
	cs_host_opts defaults;
	cs_host_probe *model = NULL, *cpu_used = NULL;
	bool any_used = false, gpu_used = false;
	size_t nreg;
	char mwhy[256];
	int rc;

	if (!h)
		return CS_EINVAL;
	memset(h, 0, sizeof *h);
	if (!opts) {
		cs_host_opts_init(&defaults);
		opts = &defaults;
	}
	reg = opts->registry ? opts->registry : cs_sensor_registry;
	nreg = opts->registry ? opts->registry_len : cs_sensor_registry_len;
	if (nreg > CS_HOST_MAX_SENSORS) {
		cs_set_why(why, whycap, "sensor registry has %zu entries, more than %d", nreg, CS_HOST_MAX_SENSORS);
		return CS_EINVAL;
	}
	rc = cs_io_init(&h->io, opts->io_ops, opts->sysfs_root, opts->procfs_root, opts->cgroup_root);
	if (rc) {
		cs_set_why(why, whycap,
		           "a --sysfs-root, --procfs-root or --cgroup-root path is too long (max %zu bytes)",
		           sizeof h->io.sysfs_root - 1);
		return rc;
	}
	rc = resolve(h, opts, &inst, &given_region, &given_country, why, whycap);
	if (rc)
		goto err;

	h->env.io = &h->io;
	h->env.model = &h->model;
	h->env.nvml_path = opts->nvml_path;
	h->nprobes = nreg;
	for (size_t i = 0; i < nreg; i++) {
		h->probes[i].ops = reg[i];
		h->probes[i].role = role_of(reg[i]);
	}

	/* Pass 1: hardware, in registry order. */
	for (size_t i = 0; i < nreg; i++) {
		cs_host_probe *p = &h->probes[i];

		if (p->role == CS_HOST_ROLE_MODEL)
			continue;
		probe_one(h, p);
		if (p->status != 0)
			continue;
		if (p->role == CS_HOST_ROLE_CPU && cpu_used) {
			cs_set_why(p->why, sizeof p->why,
			           "not used: %s already measures the CPU packages (both would count them twice)",
			           cpu_used->ops->name);
			if (!opts->keep_all)
				drop_sensor(p);
			continue;
		}
		p->used = true;
		any_used = true;
		if (p->role == CS_HOST_ROLE_CPU)
			cpu_used = p;
		else
			gpu_used = true;
	}

	/* Pass 2: the model, after the GPUs so it knows not to count theirs. */
	mwhy[0] = '\0';
	cs_host_model_init(&h->model, &h->io, inst, h->site.provider, mwhy, sizeof mwhy);
	h->model.gpu_measured = gpu_used;
	for (size_t i = 0; i < nreg; i++) {
		cs_host_probe *p = &h->probes[i];

		if (p->role != CS_HOST_ROLE_MODEL)
			continue;
		if (!model)
			model = p;
		if (cpu_used && !opts->keep_all) {
			cs_set_why(p->why, sizeof p->why, "not needed: %s measures the CPU", cpu_used->ops->name);
			continue;
		}
		probe_one(h, p);
		if (p->status != 0)
			continue;
		if (cpu_used || p != model) {
			cs_set_why(p->why, sizeof p->why, "not used: %s measures the CPU",
			           cpu_used ? cpu_used->ops->name : model->ops->name);
			if (!opts->keep_all)
				drop_sensor(p);
			continue;
		}
		p->used = true;
		any_used = true;
	}
	if (!any_used) {
		cs_set_why(why, whycap, "no energy source usable: %s",
		           model && model->why[0] ? model->why : "every sensor is absent or unreadable");
		rc = CS_EUNAVAIL;
		goto err;
	}
	plan_summary(h);
	build_notice(h, model);
	h->country_fallback = opts->country_fallback;
	choose_location(h, given_region, given_country);
	return 0;
err:
	cs_host_destroy(h);
	return rc;
}

void cs_host_destroy(cs_host *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->nprobes && i < CS_HOST_MAX_SENSORS; i++) {
		cs_host_probe *p = &h->probes[i];

		if (p->sensor && p->ops)
			p->ops->destroy(p->sensor);
		p->sensor = NULL;
		p->used = false;
	}
}

int cs_host_sample_at(cs_host *h, double now_s)
{
	cs_host_sum *s = &h->sum;
	double dt = 0.0, e_total = 0.0, e_cpu = 0.0;
	int first_err = 0;
	bool any_ok = false;

	if (h->primed) {
		dt = now_s - s->now_s;
		if (!(dt > 0.0) || !isfinite(dt))
			dt = 0.0;
	}
	for (int c = 0; c < CS_COMP_COUNT; c++) {
		s->comp[c].energy_j = 0.0;
		s->comp[c].power_w = 0.0;
	}
	for (int c = 0; c < CS_PART_COUNT; c++)
		s->attr_energy_j[c] = 0.0;
	s->errors = 0;
	s->last_error = 0;
	for (size_t i = 0; i < h->nprobes; i++) {
		cs_host_probe *p = &h->probes[i];

		if (!p->used)
			continue;
		double t0 = cs_mono_s();
		bool failed = false;

		(void)p->ops->read(p->sensor, now_s, dt);
		p->read_s = cs_mono_s() - t0;
		for (size_t k = 0; k < p->sensor->nchannels; k++) {
			const cs_channel *ch = &p->sensor->channels[k];
			double e = isfinite(ch->energy_j) && ch->energy_j > 0 ? ch->energy_j : 0.0;

			if (ch->status) {
				failed = true;
				s->errors++;
				if (!first_err)
					first_err = ch->status;
			} else if (ch->in_total) {
				any_ok = true;
			}
			if ((unsigned)ch->comp >= CS_COMP_COUNT)
				continue;
			s->comp[ch->comp].energy_j += e;
			if (ch->in_total) {
				s->attr_energy_j[cs_part_of(ch->comp)] += e;
				if (cpu_side(ch->comp))
					e_cpu += e;
			}
		}
		if (failed)
			p->read_errors++;
	}
	/* The total is the sum of the attribution components, added in one
	 * fixed order, so the four figures add up to it bit for bit. */
	for (int c = 0; c < CS_PART_COUNT; c++)
		e_total += s->attr_energy_j[c];
	if (!h->primed) {
		h->primed = true;
		h->t0_s = now_s;
	}
	s->samples++;
	s->now_s = now_s;
	s->dt_s = dt;
	s->elapsed_s = now_s - h->t0_s;
	s->energy_j = e_total;
	s->total_j += e_total;
	s->cpu_energy_j = e_cpu;
	s->power_w = dt > 0 ? e_total / dt : 0.0;
	s->cpu_power_w = dt > 0 ? e_cpu / dt : 0.0;
	for (int c = 0; c < CS_COMP_COUNT; c++) {
		s->comp[c].total_j += s->comp[c].energy_j;
		s->comp[c].power_w = dt > 0 ? s->comp[c].energy_j / dt : 0.0;
	}
	s->last_error = first_err;
	return any_ok ? 0 : (first_err ? first_err : CS_EUNAVAIL);
}

int cs_host_sample(cs_host *h)
{
	return cs_host_sample_at(h, cs_mono_s());
}
