/* sensors/model_sensor.c - the model sensor and the host model behind it.
 *
 * See sensors/model_sensor.h for the four models, their constants and where
 * they come from. This file owns: choosing the model at start-up
 * (cs_host_model_init), the CPU-name normaliser and TDP lookup, the pure power
 * function, and the cs_model_ops sensor that applies it every cycle.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <carbonstat/error.h>

#include "sensors/model_sensor.h"
#include "sensors/cpu_arch.h"
#include "data/tables.h"

const double cs_tdp_load_ratio[CS_CURVE_POINTS] = {0.12, 0.32, 0.75, 1.02};

#define KIB_PER_GIB (1024.0 * 1024.0)

/* ---- CPU name normalisation ---------------------------------------------- */

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Case-insensitive ASCII equality of tok[0..n) and a lower-case word. */
static bool word_is(const char *tok, size_t n, const char *w)
{
	size_t wn = strlen(w);

	if (n != wn)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(tok[i]) != w[i])
			return false;
	return true;
}

static bool ends_with_ci(const char *tok, size_t n, const char *suffix)
{
	size_t sn = strlen(suffix);

	return n > sn && word_is(tok + n - sn, sn, suffix);
}

/* Words that carry no model information. */
static bool drop_word(const char *tok, size_t n)
{
	size_t i;

	if (word_is(tok, n, "cpu") || word_is(tok, n, "processor"))
		return true;
	/* "64-Core", "Quad-Core", "12-Cores" */
	if (ends_with_ci(tok, n, "-core") || ends_with_ci(tok, n, "-cores"))
		return true;
	/* "2.90GHz", "800MHz" */
	if (ends_with_ci(tok, n, "ghz") || ends_with_ci(tok, n, "mhz")) {
		for (i = 0; i < n - 3; i++)
			if (!((tok[i] >= '0' && tok[i] <= '9') || tok[i] == '.'))
				return false;
		return true;
	}
	return false;
}

/* Length of a trademark sign at s ("(R)", "(TM)", "(C)", UTF-8 ® ™ ©), 0 if none. */
static size_t mark_len(const char *s)
{
	if (s[0] == '(') {
		if (lower(s[1]) == 'r' && s[2] == ')')
			return 3;
		if (lower(s[1]) == 'c' && s[2] == ')')
			return 3;
		if (lower(s[1]) == 't' && s[2] && lower(s[2]) == 'm' && s[3] == ')')
			return 4;
	}
	if ((unsigned char)s[0] == 0xc2 && ((unsigned char)s[1] == 0xae || (unsigned char)s[1] == 0xa9))
		return 2;
	if ((unsigned char)s[0] == 0xe2 && (unsigned char)s[1] == 0x84 && (unsigned char)s[2] == 0xa2)
		return 3;
	return 0;
}

int cs_cpu_name_normalise(const char *model, char *out, size_t cap)
{
	char tok[128];
	size_t tn = 0, on = 0;
	const char *s = model;

	if (!model || !out || cap == 0)
		return CS_EINVAL;
	for (;;) {
		unsigned char c = (unsigned char)*s;
		size_t ml = c ? mark_len(s) : 0;
		bool end = (c == '\0' || c == '@');

		if (ml) {
			s += ml;
			continue;
		}
		if (end || c <= ' ' || c == 0x7f) {
			if (tn && !drop_word(tok, tn)) {
				if (on + (on ? 1 : 0) + tn + 1 > cap)
					return CS_ERANGE;
				if (on)
					out[on++] = ' ';
				memcpy(out + on, tok, tn);
				on += tn;
			}
			tn = 0;
			if (end)
				break;
			s++;
			continue;
		}
		if (tn + 1 >= sizeof tok)
			return CS_ERANGE;
		tok[tn++] = (char)c;
		s++;
	}
	out[on] = '\0';
	return (int)on;
}

/* ---- TDP lookup ------------------------------------------------------------ */

#define NAME_KEY_MAX 128

/* Lower-case alphanumeric key of a name, with bnd[i] true where a word starts
 * or ends at key offset i. Returns the key length, or -1 if too long. */
static int name_key(const char *name, char *key, bool bnd[NAME_KEY_MAX + 1])
{
	int n = 0;

	memset(bnd, 0, (NAME_KEY_MAX + 1) * sizeof bnd[0]);
	bnd[0] = true;
	for (const char *p = name; *p; p++) {
		if (is_alnum(*p)) {
			if (n == NAME_KEY_MAX)
				return -1;
			key[n++] = lower(*p);
		} else {
			bnd[n] = true;
		}
	}
	bnd[n] = true;
	key[n] = '\0';
	return n;
}

/* Whether a row names a specific model, so that finding it inside a longer
 * name means something: at least two words, one with a digit ("AMD EPYC 7R13",
 * "Opteron 3260 HE"). CodeCarbon also lists bare model numbers ("750",
 * "1075T", "TL-52") and families; inside "Intel Core i5 750" such a row would
 * be a coincidence, so those rows only ever match exactly. */
static bool specific(const char *name)
{
	unsigned words = 0;
	bool digit_word = false;

	if (!name)
		return false;
	for (const char *p = name; *p;) {
		bool digit = false;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		for (; *p && *p != ' '; p++)
			digit |= (*p >= '0' && *p <= '9');
		words++;
		digit_word |= digit;
	}
	return words >= 2 && digit_word;
}

const cs_cpu_tdp *cs_cpu_tdp_find(const cs_cpu_tdp_list *table, const char *name)
{
	char key[NAME_KEY_MAX + 1];
	bool bnd[NAME_KEY_MAX + 1];
	const cs_cpu_tdp *best = NULL;
	size_t best_len = 0;
	int kn;

	if (!table || !name)
		return NULL;
	kn = name_key(name, key, bnd);
	if (kn <= 0)
		return NULL;
	/* One linear pass at start-up (a few thousand rows): exact match wins,
	 * else the longest contained key. Linear also keeps us correct if a
	 * table is ever not sorted. */
	for (size_t i = 0; i < table->n; i++) {
		const cs_cpu_tdp *row = &table->rows[i];
		const char *rk = cs_cpu_tdp_key(table, row);
		size_t rl;

		if (!*rk)
			continue;
		rl = strlen(rk);
		if (rl == (size_t)kn) {
			if (memcmp(rk, key, rl) == 0)
				return row;
			continue;
		}
		if (rl > (size_t)kn || rl <= best_len || !specific(cs_cpu_tdp_name(table, row)))
			continue;
		for (size_t at = 0; at + rl <= (size_t)kn; at++) {
			if (bnd[at] && bnd[at + rl] && memcmp(key + at, rk, rl) == 0) {
				best = row;
				best_len = rl;
				break;
			}
		}
	}
	return best;
}

/* ---- the host model -------------------------------------------------------- */

const char *cs_model_source_for(const cs_instance *inst)
{
	if (!inst)
		return CS_SRC_MODEL_GENERIC;
	if (cs_instance_method(inst) == CS_METHOD_CURVE)
		return cs_instance_provider(inst) == CS_PROVIDER_AWS ? CS_SRC_MODEL_AWS_TEADS : CS_SRC_MODEL_TEADS;
	switch (cs_instance_provider(inst)) {
	case CS_PROVIDER_AWS: return CS_SRC_MODEL_CCF_AWS;
	case CS_PROVIDER_GCP: return CS_SRC_MODEL_CCF_GCP;
	case CS_PROVIDER_AZURE: return CS_SRC_MODEL_CCF_AZURE;
	default: return CS_SRC_MODEL_CCF;
	}
}

static bool util_ok(double u)
{
	return isfinite(u) && u >= 0.0 && u <= 1.0;
}

int cs_host_model_power(const cs_host_model *m, double cpu_util, double mem_util, cs_power *out)
{
	cs_power p;
	double w[CS_CURVE_POINTS];

	if (!m || !out || !util_ok(cpu_util) || !(mem_util < 0 || util_ok(mem_util)))
		return CS_EINVAL;
	if (m->kind == CS_HOST_MODEL_INSTANCE) {
		cs_util u = {cpu_util, mem_util < 0 ? -1.0 : mem_util, -1.0};

		return cs_instance_power(m->inst, &u, out);
	}
	memset(&p, 0, sizeof p);
	p.method = CS_METHOD_NONE;
	if (m->kind == CS_HOST_MODEL_TDP) {
		for (int i = 0; i < CS_CURVE_POINTS; i++)
			w[i] = m->tdp_w * m->sockets * cs_tdp_load_ratio[i];
		p.cpu_w = cs_curve_interp(w, cpu_util);
	} else if (m->kind == CS_HOST_MODEL_CCF_ARCH) {
		p.cpu_w = m->ncpu * (m->min_w_per_vcpu + (m->max_w_per_vcpu - m->min_w_per_vcpu) * cpu_util);
	} else {
		p.cpu_w = m->ncpu *
		          (CS_GENERIC_MIN_W_PER_CPU + (CS_GENERIC_MAX_W_PER_CPU - CS_GENERIC_MIN_W_PER_CPU) * cpu_util);
	}
	/* TDP and generic charge every GB; only the microarchitecture model
	 * has a baseline to take off */
	p.mem_w = (m->kind == CS_HOST_MODEL_CCF_ARCH ? m->mem_charged_gb : m->mem_total_gb) * CS_MEM_W_PER_GB;
	p.total_w = p.cpu_w + p.mem_w;
	*out = p;
	return 0;
}

static const char *provider_label(cs_provider p)
{
	switch (p) {
	case CS_PROVIDER_AWS: return "AWS";
	case CS_PROVIDER_GCP: return "GCP";
	case CS_PROVIDER_AZURE: return "Azure";
	default: return "cloud";
	}
}

/* "AMD Zen 4 (Genoa), family 25 model 17" into m->cpu_id and m->arch_*. */
static void find_arch(cs_host_model *m, const cs_cpuinfo *ci)
{
	cs_cpu_arch a;

	if (ci->x86_fms)
		snprintf(m->cpu_id, sizeof m->cpu_id, "family %u model %u", ci->x86_family, ci->x86_model);
	else if (ci->arm_implementer)
		snprintf(m->cpu_id, sizeof m->cpu_id, "implementer 0x%02x part 0x%03x", ci->arm_implementer,
		         ci->arm_part);
	if (cs_cpu_arch_of(ci, &a) == 0) {
		m->arch_core = a.core;
		m->arch_ccf = a.ccf;
	}
}

/* The CCF microarchitecture model, if the design has a coefficient row:
 * the provider's file, else AWS's (model_sensor.h says why). */
static bool try_ccf_arch(cs_host_model *m, cs_provider provider, const char *note)
{
	const struct cs_ccf_use *row = NULL;
	cs_provider file = provider;
	char fallback[80] = "";
	double chips, base_gb;

	if (!m->arch_ccf)
		return false;
	if (provider != CS_PROVIDER_UNKNOWN)
		row = cs_ccf_use_find(provider, m->arch_ccf);
	if (!row) {
		file = CS_PROVIDER_AWS;
		row = cs_ccf_use_find(file, m->arch_ccf);
		snprintf(fallback, sizeof fallback,
		         provider == CS_PROVIDER_UNKNOWN ? "; provider unknown: AWS file" : "; no %s row: AWS file",
		         cs_provider_name(provider));
	}
	if (!row || !(row->max_w_per_vcpu >= row->min_w_per_vcpu) || !(row->min_w_per_vcpu >= 0))
		return false;
	m->kind = CS_HOST_MODEL_CCF_ARCH;
	m->source = CS_SRC_MODEL_CCF_ARCH;
	m->min_w_per_vcpu = row->min_w_per_vcpu;
	m->max_w_per_vcpu = row->max_w_per_vcpu;
	m->gb_per_chip = row->gb_per_chip;
	m->coef_dataset = cs_dataset_at(row->dataset);
	/* GCP's max watts exclude memory: every GB; AWS/Azure: above the chips' baseline. */
	chips = m->vm ? m->ncpu / CS_CCF_VCPU_PER_CHIP : (double)m->sockets;
	base_gb = chips * row->gb_per_chip;
	if (file == CS_PROVIDER_GCP || row->gb_per_chip < 0) {
		m->mem_rule = CS_MEM_RULE_ALL_GB;
		m->mem_charged_gb = m->mem_total_gb;
	} else {
		m->mem_rule = CS_MEM_RULE_BASELINE;
		m->mem_charged_gb = m->mem_total_gb > base_gb ? m->mem_total_gb - base_gb : 0.0;
	}
	snprintf(m->desc, sizeof m->desc,
	         "%s%s, %s: CCF %s %.3f-%.3f W per vCPU x %u vCPU (%s %u%s) + %.1f of %.1f GB x %.3f W/GB (%s", note,
	         m->arch_core, m->cpu_id, m->arch_ccf, m->min_w_per_vcpu, m->max_w_per_vcpu, m->ncpu,
	         m->coef_dataset ? cs_dataset_id(m->coef_dataset) : "?",
	         m->coef_dataset ? (unsigned)cs_dataset_year(m->coef_dataset) : 0u, fallback, m->mem_charged_gb,
	         m->mem_total_gb, CS_MEM_W_PER_GB, m->mem_rule);
	if (file != CS_PROVIDER_GCP && row->gb_per_chip >= 0) {
		size_t n = strlen(m->desc);

		if (m->vm)
			snprintf(m->desc + n, sizeof m->desc - n, ", minus %u/%.0f vCPU of a chip's %.1f GB", m->ncpu,
			         CS_CCF_VCPU_PER_CHIP, row->gb_per_chip);
		else
			snprintf(m->desc + n, sizeof m->desc - n, ", minus %.1f GB per chip x %u socket%s",
			         row->gb_per_chip, m->sockets, m->sockets == 1 ? "" : "s");
	}
	{
		size_t n = strlen(m->desc);

		snprintf(m->desc + n, sizeof m->desc - n, "; DRAM constant, not by occupancy)");
	}
	return true;
}

int cs_host_model_init_table(cs_host_model *m, cs_io *io, const cs_host_model_in *in, char *why, size_t cap)
{
	const cs_instance *inst;
	const cs_cpu_tdp_list *table;
	cs_cpuinfo ci;
	cs_meminfo mi;
	cs_procstat_reader ps;
	char note[160] = "";
	cs_power_method method;
	bool have_ci, arch_first;

	if (!m || !io || !in)
		return CS_EINVAL;
	inst = in->inst;
	table = in->tdp;
	memset(m, 0, sizeof *m);
	m->sockets = 1;
	m->ncpu = 1;

	have_ci = cs_cpuinfo_read(io, &ci) == 0;
	if (have_ci) {
		memcpy(m->cpu_model, ci.model, sizeof m->cpu_model);
		m->vm = ci.hypervisor;
		m->sockets = ci.packages ? ci.packages : 1;
		if (ci.ncpu)
			m->ncpu = ci.ncpu;
		find_arch(m, &ci);
	}
	/* /proc/stat lists online CPUs even where cpuinfo is odd (s390, some
	 * containers' lxcfs): prefer it. */
	if (cs_procstat_open(&ps, io) == 0) {
		size_t k = 0;

		if (cs_procstat_read(&ps, NULL, NULL, 0, &k) == 0 && k > 0)
			m->ncpu = (unsigned)k;
		cs_procstat_close(&ps);
	}
	if (cs_meminfo_read_once(io, &mi) == 0)
		m->mem_total_gb = (double)mi.total_kb / KIB_PER_GIB;
	if (m->cpu_model[0] && cs_cpu_name_normalise(m->cpu_model, m->cpu_name, sizeof m->cpu_name) < 0)
		m->cpu_name[0] = '\0';
	/* TDP and generic: every GB, whatever its use (CCF's coefficient) */
	m->mem_rule = CS_MEM_RULE_ALL_GB;
	m->mem_charged_gb = m->mem_total_gb;

	method = inst ? cs_instance_method(inst) : CS_METHOD_NONE;
	if (method == CS_METHOD_CURVE || method == CS_METHOD_MINMAX) {
		const char *name = cs_instance_name(inst);

		m->kind = CS_HOST_MODEL_INSTANCE;
		m->inst = inst;
		m->source = cs_model_source_for(inst);
		if (method == CS_METHOD_CURVE) {
			m->mem_rule = CS_MEM_RULE_TEADS;
			m->dram_by_occupancy = true;
			m->mem_charged_gb = 0;
			snprintf(m->desc, sizeof m->desc,
			         "%s %s: Teads power curve, %u vCPU, %.0f GB (%s); DRAM on the Teads memory curve by "
			         "occupancy (MemTotal - MemAvailable), not CPU load",
			         provider_label(cs_instance_provider(inst)), name[0] ? name : "?",
			         cs_instance_vcpu(inst), cs_instance_mem_gb(inst), m->source);
		} else {
			m->mem_rule = cs_instance_mem_rule(inst) == CS_MEM_ABOVE_BASELINE ? CS_MEM_RULE_BASELINE
			                                                                  : CS_MEM_RULE_ALL_GB;
			/* min/max W per vCPU and charged GB have no public accessor:
			 * the row layout (data/tables.h) */
			m->mem_charged_gb = inst->mem_charged_gb;
			snprintf(m->desc, sizeof m->desc,
			         "%s %s: CCF %.2f-%.2f W per vCPU x %u vCPU + %.1f of %.0f GB x %.3f W/GB (%s; DRAM "
			         "constant, not by occupancy) (%s)",
			         provider_label(cs_instance_provider(inst)), name[0] ? name : "?", inst->min_w_per_vcpu,
			         inst->max_w_per_vcpu, cs_instance_vcpu(inst), inst->mem_charged_gb,
			         cs_instance_mem_gb(inst), CS_MEM_W_PER_GB, m->mem_rule, m->source);
		}
		goto out;
	}
	if (inst)
		snprintf(note, sizeof note, "instance %s has no power model; ",
		         cs_instance_name(inst)[0] ? cs_instance_name(inst) : "?");

	if (m->arch_core && !m->arch_ccf && !in->no_microarch) {
		size_t n = strlen(note);

		snprintf(note + n, sizeof note - n, "%s (%s) has no CCF coefficients; ", m->arch_core, m->cpu_id);
	}
	/* Under a hypervisor the design's per-vCPU figures describe our slice;
	 * on bare metal a TDP row names the exact CPU. */
	arch_first = m->vm;
	if (arch_first && !in->no_microarch && try_ccf_arch(m, in->provider, note))
		goto out;
	if (m->cpu_name[0]) {
		const cs_cpu_tdp *row = table ? cs_cpu_tdp_find(table, m->cpu_name) : NULL;

		if (row && row->tdp_w > 0 && isfinite(row->tdp_w)) {
			m->kind = CS_HOST_MODEL_TDP;
			m->source = CS_SRC_MODEL_TDP;
			m->tdp_name = cs_cpu_tdp_name(table, row);
			m->tdp_w = row->tdp_w;
			snprintf(m->desc, sizeof m->desc, "%s%s, TDP %.0f W x %u socket%s (%s)%s", note,
			         m->tdp_name[0] ? m->tdp_name : m->cpu_name, row->tdp_w, m->sockets,
			         m->sockets == 1 ? "" : "s", in->tdp_label ? in->tdp_label : "TDP table",
			         m->vm ? "; under a hypervisor whole-socket TDP overstates a VM:"
			                 " configure the instance type"
			               : "");
			goto out;
		}
	}
	if (!arch_first && !in->no_microarch && try_ccf_arch(m, in->provider, note))
		goto out;
	m->kind = CS_HOST_MODEL_GENERIC;
	m->source = CS_SRC_MODEL_GENERIC;
	snprintf(m->desc, sizeof m->desc, "%s%s%s%s: generic %.2f-%.1f W per CPU x %u CPU%s (CCF AWS average)", note,
	         m->cpu_model[0] ? "CPU \"" : "unknown CPU", m->cpu_model,
	         m->cpu_model[0] ? "\" not in the TDP table" : "", CS_GENERIC_MIN_W_PER_CPU, CS_GENERIC_MAX_W_PER_CPU,
	         m->ncpu, m->ncpu == 1 ? "" : "s");
out:
	if (why && cap)
		snprintf(why, cap, "%s", m->desc);
	return 0;
}

int cs_host_model_init(cs_host_model *m, cs_io *io, const cs_instance *inst, cs_provider provider, char *why,
                       size_t cap)
{
	cs_cpu_tdp_list builtin = cs_cpu_tdp_builtin();
	cs_host_model_in in = {
	    .inst = inst, .provider = provider, .tdp = &builtin, .tdp_label = "CodeCarbon cpu_power.csv"};

	return cs_host_model_init_table(m, io, &in, why, cap);
}

/* ---- the sensor ------------------------------------------------------------ */

enum { CH_CPU, CH_DRAM, CH_GPU, CH_OTHER, CH_MAX };

typedef struct model_sensor {
	cs_sensor base; /* first: cs_sensor_ops see this */
	cs_channel ch[CH_MAX];
	int idx[CH_MAX];     /* channel index of each component, -1 if absent */
	cs_host_model model; /* copy: the caller's may go away */
	cs_procstat_reader stat;
	cs_meminfo_reader mem;
	cs_cpu_times prev; /* last good /proc/stat snapshot */
	bool primed;
	double cpu_util;  /* last utilisation (kept when no tick elapsed) */
	double mem_util;  /* < 0: unknown, same as CPU */
	double pending_s; /* time of failed reads, covered by the next good one */
} model_sensor;

static void add_channel(model_sensor *ms, int which, const char *name, cs_component comp, bool in_total)
{
	cs_channel *c = &ms->ch[ms->base.nchannels];

	memset(c, 0, sizeof *c);
	snprintf(c->name, sizeof c->name, "%s", name);
	c->comp = comp;
	c->source = ms->model.source;
	c->in_total = in_total;
	c->measured = false;
	ms->idx[which] = (int)ms->base.nchannels++;
}

static void set_all(model_sensor *ms, int status)
{
	for (size_t i = 0; i < ms->base.nchannels; i++) {
		ms->ch[i].energy_j = 0;
		ms->ch[i].power_w = 0;
		ms->ch[i].status = status;
	}
}

static void set_comp(model_sensor *ms, int which, double w, double span_s)
{
	int i = ms->idx[which];

	if (i < 0)
		return;
	ms->ch[i].power_w = w;
	ms->ch[i].energy_j = w * span_s;
	ms->ch[i].status = 0;
}

static int model_read(cs_sensor *s, double now_s, double dt_s)
{
	model_sensor *ms = (model_sensor *)s;
	cs_cpu_times cur;
	cs_meminfo mi;
	cs_power p;
	double u, span;
	int rc, mrc;

	(void)now_s;
	rc = cs_procstat_read(&ms->stat, &cur, NULL, 0, NULL);
	if (rc) {
		set_all(ms, rc);
		if (ms->primed && dt_s > 0)
			ms->pending_s += dt_s;
		return rc;
	}
	mrc = cs_meminfo_read(&ms->mem, &mi);
	if (mrc == 0)
		ms->mem_util = cs_meminfo_used_fraction(&mi);

	if (!ms->primed) {
		ms->prev = cur;
		ms->primed = true;
		ms->pending_s = 0;
		set_all(ms, 0);
		return 0;
	}
	if (!(dt_s > 0) || !isfinite(dt_s)) {
		/* No time passed: nothing to report, keep the snapshot. */
		set_all(ms, 0);
		return 0;
	}
	if (cs_cpu_util(&ms->prev, &cur, &u) == 0) {
		ms->cpu_util = u;
		ms->prev = cur;
	} /* else: within one tick, keep the last utilisation and snapshot */

	span = dt_s + ms->pending_s;
	ms->pending_s = 0;
	rc = cs_host_model_power(&ms->model, ms->cpu_util, ms->mem_util, &p);
	if (rc) {
		set_all(ms, rc);
		return rc;
	}
	set_comp(ms, CH_CPU, p.cpu_w, span);
	set_comp(ms, CH_DRAM, p.mem_w, span);
	set_comp(ms, CH_GPU, p.gpu_w, span);
	set_comp(ms, CH_OTHER, p.other_w, span);
	if (mrc && ms->idx[CH_DRAM] >= 0)
		ms->ch[ms->idx[CH_DRAM]].status = mrc;
	return 0;
}

static void model_destroy(cs_sensor *s)
{
	model_sensor *ms = (model_sensor *)s;

	if (!ms)
		return;
	cs_procstat_close(&ms->stat);
	cs_meminfo_close(&ms->mem);
	free(ms);
}

static int model_init(const cs_sensor_env *env, cs_sensor **out, char *why, size_t whycap)
{
	model_sensor *ms;
	const cs_instance *inst;
	char path[320];
	int rc;

	if (!env || !env->io || !out)
		return CS_EINVAL;
	ms = calloc(1, sizeof *ms);
	if (!ms)
		return CS_ENOMEM;
	rc = cs_procstat_open(&ms->stat, env->io);
	if (rc) {
		if (cs_io_path(env->io, CS_ROOT_PROCFS, "stat", path, sizeof path) != 0)
			snprintf(path, sizeof path, "stat");
		if (why && whycap)
			snprintf(why, whycap, "%s is unreadable (%s): the model sensor needs it; check --procfs-root",
			         path, cs_strerror(rc));
		free(ms);
		return CS_EUNAVAIL;
	}
	/* A missing /proc/meminfo only costs the instance model its memory
	 * utilisation (then taken equal to the CPU's). */
	(void)cs_meminfo_open(&ms->mem, env->io);
	ms->mem_util = -1.0;

	if (env->model)
		ms->model = *env->model;
	else
		cs_host_model_init(&ms->model, env->io, NULL, CS_PROVIDER_UNKNOWN, NULL, 0);
	if (!ms->model.source)
		ms->model.source = CS_SRC_MODEL_GENERIC;

	for (int i = 0; i < CH_MAX; i++)
		ms->idx[i] = -1;
	ms->base.ops = &cs_model_ops;
	ms->base.channels = ms->ch;
	add_channel(ms, CH_CPU, "cpu", CS_COMP_CPU, true);
	add_channel(ms, CH_DRAM, "dram", CS_COMP_DRAM, true);
	inst = ms->model.kind == CS_HOST_MODEL_INSTANCE ? ms->model.inst : NULL;
	if (inst && cs_instance_method(inst) == CS_METHOD_CURVE) {
		if (cs_instance_gpus(inst) > 0)
			add_channel(ms, CH_GPU, "gpu", CS_COMP_GPU, !ms->model.gpu_measured);
		add_channel(ms, CH_OTHER, "other", CS_COMP_OTHER, true);
	}
	*out = &ms->base;
	return 0;
}

const cs_sensor_ops cs_model_ops = {
    .name = "model",
    .init = model_init,
    .read = model_read,
    .destroy = model_destroy,
};
