/* tests/support/pods_fixture.c - see pods_fixture.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pods_fixture.h"
#include "text.h"

void tf_pods_load(cs_podlist *pl)
{
	size_t len;
	char *json = tf_slurp(PODS_JSON, &len);

	assert_int_equal(cs_kubelet_parse_pods(json, len, pl), 0);
	free(json);
}

size_t tf_pods_annotate(cs_podlist *pl, cs_workload *w, size_t n)
{
	cs_podmeta pm = {0};
	size_t unknown = cs_podmeta_annotate(&pm, pl, w, n, NULL, NULL);

	cs_podmeta_free(&pm);
	return unknown;
}

cs_workload tf_wl_container(const char *uid, const char *id)
{
	cs_workload w;

	memset(&w, 0, sizeof(w));
	w.ident.kind = CS_WL_CONTAINER;
	w.ident.runtime = CS_RT_CONTAINERD;
	snprintf(w.ident.pod_uid, sizeof(w.ident.pod_uid), "%s", uid);
	snprintf(w.ident.container_id, sizeof(w.ident.container_id), "%s", id);
	return w;
}

cs_workload tf_wl_pod(const char *uid)
{
	cs_workload w;

	memset(&w, 0, sizeof(w));
	w.ident.kind = CS_WL_POD;
	snprintf(w.ident.pod_uid, sizeof(w.ident.pod_uid), "%s", uid);
	return w;
}

cs_workload tf_wl_unit(cs_wl_kind kind, const char *unit)
{
	cs_workload w;

	memset(&w, 0, sizeof(w));
	w.ident.kind = kind;
	snprintf(w.ident.unit, sizeof(w.ident.unit), "%s", unit);
	return w;
}
