/* billing/jsonl.h - GCP billing export as JSON lines, read as records.
 *
 * BigQuery exports the detailed billing table as newline-delimited JSON
 * with nested records (service.description, usage.amount, location.region)
 * and repeated ones (labels, system_labels, credits). This reader flattens
 * each line into a record with fixed column names ("service.description",
 * "usage.amount", ...; "labels" and "credits" keep their raw JSON), preceded
 * by one header record, so the GCP CSV mapper reads both. Numbers keep their
 * exact text: no double conversion, so costs stay exact.
 *
 * The JSON walker is hand-written for that reason and bounded: depth 16,
 * lines up to 16 MiB; a malformed line is reported with its file:line and
 * skipped like a malformed CSV row.
 */
#ifndef CS_BILLING_JSONL_H
#define CS_BILLING_JSONL_H

#include "billing/csv.h"
#include "billing/source.h"

typedef struct cs_jsonl cs_jsonl;

int cs_jsonl_new(cs_bill_src *src, cs_jsonl **out);
/* Same contract as cs_csv_next; the first record is the header. */
int cs_jsonl_next(cs_jsonl *j, cs_csv_rec *rec, char *why, size_t cap);
void cs_jsonl_free(cs_jsonl *j);

#endif
