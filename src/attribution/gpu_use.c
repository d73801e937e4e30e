/* attribution/gpu_use.c - per-process GPU utilisation -> workloads (see
 * gpu_use.h). */
#include "attribution/gpu_use.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "io/proc_cgroup.h"

/* The workload holding pid: a process workload with that pid, else the
 * cgroup workload at or above its cgroup; NULL when none. */
static cs_workload *holder(cs_io *io, int cgroup_version, uint32_t pid, cs_workload *wl, size_t n)
{
	char name[16], path[512];
	const char *rel;
	size_t best = 0;
	cs_workload *found = NULL;

	for (size_t i = 0; i < n; i++)
		if (wl[i].ident.kind == CS_WL_PROCESS && (uint32_t)wl[i].pid == pid && !wl[i].gone)
			return &wl[i];
	if (!cgroup_version)
		return NULL;
	snprintf(name, sizeof name, "%u", pid);
	if (cs_proc_cgroup_read(io, name, cgroup_version == 1 ? "cpuacct" : NULL, 0, path, sizeof path) != 0)
		return NULL; /* exited, or not in that hierarchy */
	for (rel = path; *rel == '/'; rel++)
		;
	/* Leaves are never nested, but a path may stop at a parent that is a
	 * workload itself (a pod-level cgroup): the longest match wins. */
	for (size_t i = 0; i < n; i++) {
		const char *cg = wl[i].cgroup;
		size_t len = strlen(cg);

		if (wl[i].ident.kind == CS_WL_PROCESS || !cg[0] || len < best || strncmp(rel, cg, len) != 0 ||
		    (rel[len] != '\0' && rel[len] != '/'))
			continue;
		best = len;
		found = &wl[i];
	}
	return found;
}

size_t cs_gpu_use_assign(cs_host *h, int cgroup_version, cs_workload *wl, size_t n)
{
	const cs_channel *ch;
	double total_j = 0;
	size_t ngpu = 0, charged = 0;

	for (size_t i = 0; i < n; i++)
		wl[i].gpu_util = 0;
	if (!h)
		return 0;
	for (size_t cur = 0; (ch = cs_host_channel_next(h, &cur)) != NULL;) {
		if (ch->comp == CS_COMP_GPU && ch->in_total) {
			ngpu++;
			total_j += ch->energy_j > 0 ? ch->energy_j : 0;
		}
	}
	for (size_t cur = 0; (ch = cs_host_channel_next(h, &cur)) != NULL;) {
		double share;

		if (ch->comp != CS_COMP_GPU || !ch->in_total || !ch->nprocs)
			continue;
		share = total_j > 0 ? (ch->energy_j > 0 ? ch->energy_j : 0) / total_j : 1.0 / (double)ngpu;
		for (size_t j = 0; j < ch->nprocs; j++) {
			cs_workload *w;
			double u = ch->procs[j].util;

			if (!(u > 0))
				continue;
			w = holder(&h->io, cgroup_version, ch->procs[j].pid, wl, n);
			if (!w)
				continue;
			w->gpu_util += share * (u > 1 ? 1 : u);
			if (w->gpu_util > 1)
				w->gpu_util = 1;
			charged++;
		}
	}
	return charged;
}
