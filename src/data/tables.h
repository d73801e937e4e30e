/* data/tables.h - the generated built-in tables (see tools/datagen/).
 *
 * The arrays are defined in gen_*.c files written by
 * tools/datagen/gen_tables.py; do not edit those by hand. Lookups live in
 * data/datasets.c; this header only declares what the generator emits.
 * Every array is sorted as stated so lookups can binary-search.
 */
#ifndef CS_DATA_TABLES_H
#define CS_DATA_TABLES_H

#include <stddef.h>
#include <carbonstat/dataset.h>

/* All source datasets; rows refer to them by index. */
extern const cs_dataset cs_dataset_table[];
extern const size_t cs_dataset_table_len;

/* Sorted by (provider, key). */
extern const cs_instance cs_instance_table[];
extern const size_t cs_instance_table_len;

/* Sorted by (provider, key). */
extern const cs_region cs_region_table[];
extern const size_t cs_region_table_len;

/* Sorted by iso2. */
extern const cs_country cs_country_table[];
extern const size_t cs_country_table_len;

/* Inline string sizes, NUL included: no pointers, so no relocations (see
 * carbonstat/dataset.h). Keys drop punctuation, hence the smaller size. */
#define CS_CPU_NAME_MAX 80
#define CS_CPU_KEY_MAX 64

/* CPU thermal design power by model name (CodeCarbon cpu_power.csv), for
 * hosts without energy counters or a known instance type. */
typedef struct cs_cpu_tdp {
	char name[CS_CPU_NAME_MAX]; /* as listed: "Intel Xeon Platinum 8375C" */
	char key[CS_CPU_KEY_MAX];   /* cs_name_key(name); sorted by key */
	double tdp_w;
} cs_cpu_tdp;

extern const cs_cpu_tdp cs_cpu_tdp_table[];
extern const size_t cs_cpu_tdp_table_len;
extern const unsigned cs_cpu_tdp_dataset; /* index into cs_dataset_table */

#endif
