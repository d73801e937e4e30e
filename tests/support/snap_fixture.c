/* tests/support/snap_fixture.c - see snap_fixture.h. */
#include "snap_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const teams[] = {"team-a", "team-b", "team-c"};
static const char *const owner_kinds[] = {"Deployment", "StatefulSet", "DaemonSet"};

int cs_snapfix_build(cs_snapfix *f, size_t nw, uint64_t seq)
{
	size_t nrows = nw + 2, i;
	uint64_t node_uj[CS_PART_COUNT] = {0};
	const double dt = 5.0, intensity = 300.0, pue = 1.1, emb_g_per_h = 10.0;

	if (f->cap < nrows) {
		cs_snap_row *r = realloc(f->rows, nrows * sizeof(*r));
		char(*n)[5][72];
		if (!r)
			return -1;
		f->rows = r;
		n = realloc(f->names, nrows * sizeof(*n));
		if (!n)
			return -1;
		f->names = n;
		f->cap = nrows;
	}
	memset(&f->snap, 0, sizeof(f->snap));
	memset(f->rows, 0, nrows * sizeof(*f->rows));
	for (i = 0; i < nrows; i++) {
		cs_snap_row *r = &f->rows[i];
		char(*s)[72] = f->names[i];
		int c;

		if (i < nw) {
			snprintf(s[0], 72, "c-%zu", i);
			snprintf(s[1], 72, "ns-%zu", i % 10);
			snprintf(s[2], 72, "pod-%zu", i / 2);
			snprintf(s[3], 72, "%064zx", i + 1);
			snprintf(s[4], 72, "app-%zu", i / 4);
			r->kind = CS_ROW_WORKLOAD;
			r->wl_kind = "container";
			r->name = s[0];
			r->namespace_ = s[1];
			r->pod = s[2];
			r->container = s[0];
			r->team = teams[i % 3];
			r->owner_kind = owner_kinds[i / 4 % 3];
			r->owner = s[4];
			r->container_id = s[3];
			r->cgroup = "kubepods.slice/x";
		} else {
			r->kind = i == nw ? CS_ROW_SYSTEM : CS_ROW_IDLE;
			r->wl_kind = r->name = i == nw ? "system" : "idle";
			r->namespace_ = r->pod = r->container = r->team = r->owner_kind = r->owner = r->container_id =
			    r->cgroup = "";
		}
		for (c = 0; c < CS_PART_COUNT; c++) {
			/* cpu 1 W-ish per row, dram a tenth, no gpu, other 0.05 */
			uint64_t per = c == CS_PART_CPU     ? 5000000u + 1000u * (i % 7)
			               : c == CS_PART_DRAM  ? 500000u
			               : c == CS_PART_OTHER ? 250000u
			                                    : 0u;
			r->energy_uj[c] = per;
			r->energy_uj_total[c] = per * seq;
			node_uj[c] += per;
		}
		{
			double e_j = 0;
			for (c = 0; c < CS_PART_COUNT; c++)
				e_j += (double)r->energy_uj[c] / 1e6;
			r->power_w = e_j / dt;
			r->carbon_g[CS_SCOPE_OPERATIONAL] = e_j / 3.6e6 * intensity * pue;
			r->carbon_g[CS_SCOPE_EMBODIED] = emb_g_per_h * dt / 3600.0 / (double)nrows;
			r->carbon_g_total[CS_SCOPE_OPERATIONAL] = r->carbon_g[CS_SCOPE_OPERATIONAL] * (double)seq;
			r->carbon_g_total[CS_SCOPE_EMBODIED] = r->carbon_g[CS_SCOPE_EMBODIED] * (double)seq;
		}
	}
	f->snap.node = "node-1";
	f->snap.cluster = "";
	f->snap.version = "0.1.0";
	f->snap.seq = seq;
	f->snap.time_ms = 1790000000000LL + (int64_t)seq * 5000;
	f->snap.interval_s = dt;
	for (int c = 0; c < CS_PART_COUNT; c++) {
		cs_snap_comp *k = &f->snap.comp[c];
		k->present = c != CS_PART_GPU;
		k->measured = c == CS_PART_CPU || c == CS_PART_DRAM;
		k->source = c == CS_PART_CPU || c == CS_PART_DRAM ? "rapl" : c == CS_PART_OTHER ? "model:other" : "";
		k->energy_uj = node_uj[c];
		k->energy_uj_total = node_uj[c] * seq;
		k->power_w = (double)node_uj[c] / 1e6 / dt;
		f->snap.power_w += k->power_w;
		f->snap.carbon_g[CS_SCOPE_OPERATIONAL] += (double)node_uj[c] / 1e6 / 3.6e6 * intensity * pue;
	}
	f->snap.carbon_g[CS_SCOPE_EMBODIED] = emb_g_per_h * dt / 3600.0;
	for (int s = 0; s < CS_SCOPE_N; s++)
		f->snap.carbon_g_total[s] = f->snap.carbon_g[s] * (double)seq;
	f->snap.mode = "mixed";
	f->snap.power_model = "";
	f->snap.intensity_g_per_kwh = intensity;
	f->snap.intensity_source = "static-region";
	f->snap.intensity_zone = "aws/eu-west-1";
	f->snap.intensity_dataset = "ccf-aws-regions (Apache-2.0, 2021)";
	f->snap.pue = pue;
	f->snap.embodied_g_per_h = emb_g_per_h;
	f->snap.provider = "aws";
	f->snap.region = "eu-west-1";
	f->snap.instance = "m5.large";
	f->snap.instance_id = "i-0123456789abcdef0";
	f->snap.instance_name = "";
	/* 2 vCPUs for 5 s a cycle, busy a quarter of it */
	f->snap.cpu_busy_us_total = 2500000ull * (uint64_t)seq;
	f->snap.cpu_total_us_total = 10000000ull * (uint64_t)seq;
	f->snap.cpu_busy_us = 2500000;
	f->snap.cpu_total_us = 10000000;
	f->snap.rows = f->rows;
	f->snap.nrows = nrows;
	f->snap.self.cycles_total = seq + 1;
	f->snap.self.cycle_duration_s = 0.000250;
	f->snap.self.cpu_seconds_total = 0.01 * (double)seq;
	f->snap.self.resident_bytes = 4u << 20;
	f->snap.self.open_files = 3 * nw + 4;
	f->snap.self.kernel_memory_bytes = 4432 * (uint64_t)nw;
	f->snap.self.read_bytes_total = 1000 * seq;
	f->snap.self.series = nrows;
	f->snap.self.sensor[0] = (cs_snap_stage){"rapl", 0.000010, 0};
	f->snap.self.nsensor = 1;
	f->snap.self.exporter[0] = (cs_snap_stage){"prometheus", 0.000100, 0};
	f->snap.self.exporter[1] = (cs_snap_stage){"statsd", 0.000050, 1};
	f->snap.self.nexporter = 2;
	return 0;
}

void cs_snapfix_free(cs_snapfix *f)
{
	free(f->rows);
	free(f->names);
	memset(f, 0, sizeof(*f));
}
