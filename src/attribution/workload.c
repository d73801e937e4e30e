/* attribution/workload.c - what the cgroup and process scanners do alike to
 * their workload arrays (see workload.h). */
#include "attribution/workload.h"

#include <stddef.h>
#include <string.h>

size_t cs_wl_drop_gone(cs_workload *wl, void *priv, size_t elem, size_t n, cs_index *ix)
{
	char *pv = priv;
	size_t j = 0;

	for (size_t i = 0; i < n; i++) {
		if (wl[i].gone)
			continue;
		if (j != i) {
			wl[j] = wl[i];
			memcpy(pv + j * elem, pv + i * elem, elem);
		}
		j++;
	}
	if (j != n)
		cs_index_rebuild_u64(ix, wl, j, sizeof(*wl), offsetof(cs_workload, id));
	return j;
}
