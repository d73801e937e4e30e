/* sensors/sensor.c - helpers shared by every sensor: component names and the
 * energy-counter delta with wraparound and reset detection.
 *
 * Owns no state. cs_counter_delta is the one place that decides how a
 * hardware counter that went backwards is read, so RAPL, amd_energy and any
 * later counter agree: a wrap is a pass through max, a small step back is a
 * reset (reported as 0 J: losing one interval beats inventing 262 kJ).
 * cs_counter_read is the per-channel hot path built on it: one pread, no
 * allocation; cs_counter_sensor_read/_destroy are the read() and destroy()
 * of a counter-only sensor (RAPL, amd_energy), and cs_sensor_init_end the
 * one way an init() hands its sensor out or destroys it.
 */
#include "sensors/sensor.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <carbonstat/error.h>

#include "core/mem.h"
#include "core/str.h"

static const char *const component_names[CS_COMP_COUNT] = {
    [CS_COMP_PACKAGE] = "package", [CS_COMP_CORE] = "core", [CS_COMP_UNCORE] = "uncore", [CS_COMP_DRAM] = "dram",
    [CS_COMP_PSYS] = "psys",       [CS_COMP_GPU] = "gpu",   [CS_COMP_CPU] = "cpu",       [CS_COMP_OTHER] = "other",
};

const char *cs_component_name(cs_component c)
{
	return cs_name_at(component_names, CS_COMP_COUNT, (unsigned)c, "unknown");
}

uint64_t cs_counter_delta(uint64_t prev, uint64_t cur, uint64_t max, bool *wrapped)
{
	uint64_t back, wrap_delta;

	if (wrapped)
		*wrapped = false;
	if (cur >= prev)
		return cur - prev;
	/* The counter went backwards. Readings above max mean max is wrong
	 * (or the counter is not the one we think): no wrap can explain them. */
	if (max == 0 || prev > max)
		return 0;
	/* (max - prev) + cur, written so it cannot overflow: cur < prev <= max.
	 * RAPL's max is 0xffffffff raw units, so the true delta is one unit
	 * (~61 uJ) more; we stay with the values the files show, which keeps
	 * the arithmetic exact and testable, and the error is ~1e-10 of a wrap. */
	back = prev - cur;
	wrap_delta = max - back;
	if (wrap_delta > max / 2)
		return 0; /* reset, not a wrap */
	if (wrapped)
		*wrapped = true;
	return wrap_delta;
}

/* Errors after which the counter may come back from zero: the file or its
 * device went away (module unload, CPU hot-remove, hwmon re-bind). */
static bool counter_gone(int err)
{
	return err == -ENOENT || err == -ENODEV || err == -ENXIO || err == -ESTALE;
}

int cs_counter_read(cs_counter *c, cs_channel *ch, double dt_s)
{
	uint64_t cur, delta;
	bool wrapped;
	int rc = cs_kfile_read_u64(&c->file, &cur);

	ch->energy_j = 0.0;
	ch->power_w = 0.0;
	ch->status = rc;
	if (rc) {
		if (counter_gone(rc))
			c->primed = false;
		return rc;
	}
	if (!c->primed) {
		c->prev_uj = cur;
		c->primed = true;
		return 0;
	}
	delta = cs_counter_delta(c->prev_uj, cur, c->max_uj, &wrapped);
	c->prev_uj = cur;
	if (wrapped)
		ch->wraps++;
	ch->energy_j = (double)delta / 1e6; /* correctly rounded: 150000000 uJ is 150.0 J */
	if (dt_s > 0.0)
		ch->power_w = ch->energy_j / dt_s;
	return 0;
}

int cs_counter_open(cs_counter *c, cs_io *io, const char *rel, char *why, size_t whycap)
{
	uint64_t probe;
	int rc = cs_kfile_open(&c->file, io, CS_ROOT_SYSFS, rel);

	if (rc == 0)
		rc = cs_kfile_read_u64(&c->file, &probe);
	if (rc == -EACCES || rc == -EPERM) {
		cs_set_why(why, whycap,
		           "%s is readable by root only: run carbonstat as root or grant it "
		           "CAP_DAC_READ_SEARCH (setcap cap_dac_read_search+ep $(command -v carbonstat))",
		           c->file.path);
		cs_kfile_close(&c->file);
		return rc;
	}
	return c->file.fd < 0 ? rc : 0;
}

int cs_counters_read(cs_counter *ctr, cs_channel *ch, size_t n, double dt_s)
{
	int first_err = 0;
	bool any_ok = false;

	for (size_t i = 0; i < n; i++) {
		int rc = cs_counter_read(&ctr[i], &ch[i], dt_s);

		if (rc == 0)
			any_ok = true;
		else if (!first_err)
			first_err = rc;
	}
	return any_ok ? 0 : first_err;
}

int cs_sensor_init_end(cs_sensor *s, int rc, cs_sensor **out)
{
	if (rc == 0)
		*out = s;
	else if (s)
		s->ops->destroy(s);
	return rc;
}

int cs_counter_sensor_read(cs_sensor *base, double now_s, double dt_s)
{
	cs_counter_sensor *s = (cs_counter_sensor *)base;

	(void)now_s;
	return cs_counters_read(s->ctr, s->base.channels, s->base.nchannels, dt_s);
}

int cs_counter_sensor_reserve(cs_counter_sensor *s, size_t *cap, size_t want)
{
	size_t ncap;

	if (want <= *cap)
		return 0;
	ncap = want > *cap * 2 ? want : *cap * 2;
	if (cs_resize(&s->base.channels, ncap, sizeof(*s->base.channels)) || cs_resize(&s->ctr, ncap, sizeof(*s->ctr)))
		return CS_ENOMEM;
	memset(s->base.channels + *cap, 0, (ncap - *cap) * sizeof(*s->base.channels));
	memset(s->ctr + *cap, 0, (ncap - *cap) * sizeof(*s->ctr));
	*cap = ncap;
	return 0;
}

int cs_counter_sensor_new(const cs_sensor_ops *ops, size_t n, cs_counter_sensor **out)
{
	cs_counter_sensor *s = calloc(1, sizeof(*s));
	size_t cap = 0;

	*out = NULL;
	if (!s)
		return CS_ENOMEM;
	s->base.ops = ops;
	if (cs_counter_sensor_reserve(s, &cap, n ? n : 1) < 0) {
		cs_counter_sensor_destroy(&s->base);
		return CS_ENOMEM;
	}
	*out = s;
	return 0;
}

void cs_counter_sensor_destroy(cs_sensor *base)
{
	cs_counter_sensor *s = (cs_counter_sensor *)base;

	if (!s)
		return;
	for (size_t i = 0; s->ctr && i < s->base.nchannels; i++)
		cs_kfile_close(&s->ctr[i].file);
	free(s->ctr);
	free(s->base.channels);
	free(s);
}

static const char *const part_names[CS_PART_COUNT] = {"cpu", "dram", "gpu", "other"};

const char *cs_part_name(cs_part p)
{
	return cs_name_at(part_names, CS_PART_COUNT, (unsigned)p, "?");
}

cs_part cs_part_of(cs_component c)
{
	switch (c) {
	case CS_COMP_DRAM: return CS_PART_DRAM;
	case CS_COMP_GPU: return CS_PART_GPU;
	case CS_COMP_OTHER: return CS_PART_OTHER;
	default: return CS_PART_CPU; /* package, core, uncore, psys, cpu */
	}
}
