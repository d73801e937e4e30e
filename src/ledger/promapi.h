/* ledger/promapi.h - answers of the Prometheus HTTP query API, read.
 *
 * /api/v1/query and /api/v1/query_range answer the same way in Prometheus,
 * Thanos, Mimir and VictoriaMetrics:
 *   {"status":"success","data":{"resultType":"vector","result":[
 *      {"metric":{"node":"n1",...},"value":[1700000000,"12.5"]}]}}
 *   {"status":"success","data":{"resultType":"matrix","result":[
 *      {"metric":{...},"values":[[1700000000,"12.5"],[1700003600,"13"]]}]}}
 *   {"status":"error","errorType":"bad_data","error":"parse error ..."}
 * The parser calls back once per sample with the values of the labels the
 * caller asked for (absent labels are "", as PromQL's "by" makes them) and
 * the sample's time and value. Values are strings in the API; "NaN",
 * "+Inf" and anything not a finite number are not passed on (never turned
 * into a zero) but counted. Parsed with jansson; the body is untrusted.
 */
#ifndef CS_LEDGER_PROMAPI_H
#define CS_LEDGER_PROMAPI_H

#include <stddef.h>
#include <stdint.h>

#define CS_LG_PROM_MAX_LABELS 12

typedef int (*cs_lg_prom_cb)(void *ud, const char *const *labels, double t_s, double v);

typedef struct cs_lg_prom_stats {
	uint64_t series, samples, skipped; /* skipped: not a finite number */
} cs_lg_prom_stats;

/* 0; CS_EINVAL when the body is not a query answer, or an error answer
 * (why: "bad_data: parse error at char 5: ..."); the callback's own
 * non-zero return stops the parse and is returned. */
int cs_lg_prom_parse(const char *body, size_t len, const char *const *want, int nwant, cs_lg_prom_cb cb, void *ud,
                     cs_lg_prom_stats *st, char *why, size_t whycap);

#endif
