/* tests/support/snap_fixture.h - synthetic agent snapshots for exporter tests.
 *
 * cs_snapfix_build() fills a cs_snapshot with `nworkloads` container rows
 * (namespaces ns-0..ns-9, pods pod-<i/2>, containers c-<i>, teams team-<i%3>,
 * owners app-<i/4> of kind Deployment, StatefulSet, DaemonSet in turn; no
 * cluster)
 * plus the system and idle buckets, with deterministic figures that depend
 * on `seq` only (so a golden output is stable) and that conserve: the rows'
 * energies add up to the node's for every component. Counters grow with seq.
 */
#ifndef CS_TEST_SNAP_FIXTURE_H
#define CS_TEST_SNAP_FIXTURE_H

#include "exporters/exporter.h"

typedef struct cs_snapfix {
	cs_snapshot snap;
	cs_snap_row *rows;    /* owned */
	char (*names)[5][72]; /* owned: name, namespace, pod, container id, owner strings per row */
	size_t cap;
} cs_snapfix;

/* 0, or -1 on allocation failure. Call again with another seq to advance
 * (same nworkloads); cs_snapfix_free at the end. */
int cs_snapfix_build(cs_snapfix *f, size_t nworkloads, uint64_t seq);
void cs_snapfix_free(cs_snapfix *f);

#endif
