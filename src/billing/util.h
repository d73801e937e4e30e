/* billing/util.h - measured CPU utilisation of the bill's machines, from the
 * ledger: what `carbonstat billing --ledger` prices instance-hours with
 * where the agents measured the machine, instead of the stated default.
 *
 * The ledger keeps, per node-hour, the cloud's instance id and name of the
 * machine and its busy and total CPU time (ledger/store.h, schema 3). This
 * table holds them summed per machine and UTC day, under every key a bill may
 * name the machine by, lower-cased (bills and metadata services disagree on
 * case: Azure's resource ids come in both):
 *   the instance id   AWS "i-0abc...", the GCP numeric id, the Azure resource
 *                     id "/subscriptions/.../virtualMachines/NAME"
 *   the instance name GCP's instance name, Azure's VM name
 * A bill line's resource id is looked up whole, then by its last path
 * element ("...virtualMachines/NAME" -> "name", "//compute.googleapis.com/
 * .../instances/123" -> "123"). A name two machines share on one day is
 * ambiguous and matches nothing.
 *
 * Built once before the bill is read (a few thousand machine-days); a lookup
 * is one hash of the resource text, folded to lower case, and a probe of a
 * core/index.h table: nothing is queried or allocated per line.
 */
#ifndef CS_BILLING_UTIL_H
#define CS_BILLING_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "billing/bill.h"
#include "ledger/store.h"

typedef struct cs_bill_util cs_bill_util;

int cs_bill_util_new(cs_bill_util **out);
void cs_bill_util_free(cs_bill_util *u); /* NULL is a no-op */

/* Adds one machine's CPU time on one UTC day (yyyymmdd): under its id and
 * under its name (either may be "" or NULL, not both). Adding the same
 * machine and day again sums. 0, CS_EINVAL (no key, total <= 0, busy out of
 * [0, total]) or CS_ENOMEM. */
int cs_bill_util_add(cs_bill_util *u, int day, const char *id, const char *name, int64_t busy_ms, int64_t total_ms);

/* Every machine-day the ledger knows (cs_lg_read_instance_days). 0, or the
 * store's error with why. */
int cs_bill_util_load(cs_bill_util *u, cs_lg_store *s, char *why, size_t cap);

/* The machine-days held (keys of one machine count once). */
size_t cs_bill_util_days(const cs_bill_util *u);

/* The mean CPU utilisation (0..1) of the machine a bill line names by
 * resource on day (yyyymmdd), or -1 when the table does not know it. */
double cs_bill_util_find(const cs_bill_util *u, int day, cs_sv resource);

#endif
