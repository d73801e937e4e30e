/* data/tables.h - the row layouts of the generated built-in tables.
 *
 * Inside the library only: include/carbonstat/dataset.h keeps cs_dataset,
 * cs_instance, cs_region and cs_country opaque, so this layout is no part of
 * the ABI and may change with any regeneration. src/data/ implements the
 * public accessors on it; other src/ modules read it directly only where the
 * accessors would not do (the power model reads the curve figures).
 *
 * The arrays are defined in gen_*.c, written by tools/datagen/gen_tables.py
 * (do not edit those by hand). Each generated file has one string pool, a
 * char array holding every string of its tables once, NUL-terminated, with
 * "" at offset 0; a row holds offsets into its pool (the *_off types), never
 * pointers or fixed-size char arrays. So the tables need no relocation (they
 * stay in shared, read-only .rodata) and no string has a size to outgrow.
 * The generator checks each member's width against this header
 * (_Static_assert in the generated file): change both together.
 *
 * Every array is sorted as stated, so lookups can binary-search. The symbols
 * are hidden: not exported from libcarbonstat.so, reached PC-relative.
 */
#ifndef CS_DATA_TABLES_H
#define CS_DATA_TABLES_H

#include <stddef.h>
#include <stdint.h>

#include <carbonstat/dataset.h>

#define CS_DATA_HIDDEN __attribute__((visibility("hidden")))

/* What a generated file's pool is made of (tools/datagen/gen_tables.py, "C
 * emission"): its STRINGS(S) list expanded with CS_POOL_MEMBER gives the
 * layout (one char array per string, so offsetof gives each string's
 * offset), expanded with CS_POOL_BYTES the bytes. CS_POOL_CHECK: the layout
 * has no padding and its last offset fits the pool's offset type. */
#define CS_POOL_MEMBER(id, text)   char s_##id[sizeof(text)];
#define CS_POOL_BYTES(id, text)    text "\0"
#define CS_POOL_OFFSET(layout, id) offsetof(layout, s_##id)
#define CS_POOL_CHECK(pool, layout, off_type)                                                                          \
	_Static_assert(sizeof pool == sizeof(layout) + 1 && sizeof(layout) - 1 <= (off_type)-1,                        \
	               "pool " #pool ": padding in the layout, or too large for " #off_type ": widen it")
#define CS_MEMBER_SIZE(type, member) sizeof(((const type *)0)->member)

/* Offsets into each pool. A pool outgrowing its type fails the build (a
 * _Static_assert in its gen_*.c) and the type is widened here. */
typedef uint16_t cs_dataset_off;  /* cs_dataset_pool (gen_datasets.c) */
typedef uint16_t cs_instance_off; /* cs_instance_pool (gen_instances.c) */
typedef uint16_t cs_grid_off;     /* cs_grid_pool (gen_grid.c): regions, countries, region coordinates */
typedef uint32_t cs_cpu_tdp_off;  /* cs_cpu_tdp_pool (gen_cpu_tdp.c) */
typedef uint16_t cs_perf_off;     /* cs_perf_pool (gen_perf.c) */

CS_DATA_HIDDEN extern const char cs_dataset_pool[];
CS_DATA_HIDDEN extern const char cs_instance_pool[];
CS_DATA_HIDDEN extern const char cs_grid_pool[];
CS_DATA_HIDDEN extern const char cs_cpu_tdp_pool[];
CS_DATA_HIDDEN extern const char cs_perf_pool[];

/* One source dataset; rows refer to it by index (enum cs_dataset_index). */
struct cs_dataset {
	cs_dataset_off id;      /* short stable id, e.g. "ccf-aws-teads" */
	cs_dataset_off title;   /* what the table holds */
	cs_dataset_off source;  /* upstream repository, path and commit */
	cs_dataset_off license; /* SPDX id of the upstream data */
	uint16_t year;          /* data year (latest year of the figures) */
	uint32_t rows;          /* rows carbonstat kept from it */
	cs_dataset_off basis;   /* grid datasets: "lifecycle, location-based"...; else "" */
};

/* One cloud instance type. Watts are for this instance's share of its host. */
struct cs_instance {
	cs_instance_off name;          /* canonical name: "m5.large", "e2-standard-2", "Standard_D2s_v3" */
	cs_instance_off key;           /* cs_name_key(name); sorted by (provider, key) */
	cs_instance_off arch;          /* microarchitecture(s), "/"-separated; "" if unknown */
	uint8_t provider;              /* cs_provider */
	uint8_t method;                /* cs_power_method */
	uint8_t power_dataset;         /* enum cs_dataset_index of the power figures */
	uint8_t embodied_dataset;      /* enum cs_dataset_index of the embodied figure */
	uint16_t vcpu;                 /* instance vCPUs */
	uint16_t platform_vcpu;        /* vCPUs of the whole host platform (0 = unknown) */
	uint16_t gpus;                 /* instance GPUs (whole GPUs, a fractional share rounded up) */
	uint8_t gpu;                   /* GPU model: index into cs_gpu_table, 0 = none or not modelled */
	double gpu_units;              /* GPUs of that model the instance has (0.125 = an eighth of one) */
	uint8_t mem_rule;              /* cs_mem_rule: how CS_METHOD_MINMAX charges memory */
	double mem_charged_gb;         /* CS_METHOD_MINMAX: GB charged at CS_MEM_W_PER_GB (see mem_rule) */
	double vcpu_share;             /* share of the listed vCPUs held over time (GCP shared-core < 1), else 1 */
	uint8_t instance_dataset;      /* enum cs_dataset_index of the type's row (vCPU, memory, CPU) */
	double mem_gb;                 /* instance memory, GB */
	double cpu_w[CS_CURVE_POINTS]; /* CS_METHOD_CURVE: CPU package W at cs_curve_load */
	double mem_w[CS_CURVE_POINTS]; /* CS_METHOD_CURVE: memory W */
	double gpu_w[CS_CURVE_POINTS]; /* CS_METHOD_CURVE: GPU W */
	double delta_w;                /* CS_METHOD_CURVE: rest of machine ("Delta Full Machine"), W */
	double min_w_per_vcpu;         /* CS_METHOD_MINMAX: W per vCPU at idle */
	double max_w_per_vcpu;         /* CS_METHOD_MINMAX: W per vCPU at 100 % */
	double embodied_g_per_h;       /* embodied gCO2e per hour of this instance; < 0 = unknown */
};

/* One GPU model: CCF's per-GPU idle/max watts, or a vendor TDP with an
 * idle share (tools/datagen/gpu-models.csv). Row 0 is "no GPU". */
struct cs_gpu {
	cs_instance_off name;  /* "NVIDIA A100" */
	cs_instance_off token; /* word that names it in bills and SKUs: "A100" */
	double min_w;          /* W per GPU at idle */
	double max_w;          /* W per GPU at 100 % */
	uint8_t dataset;       /* enum cs_dataset_index: ccf-gpu or vendor-gpu-tdp */
	uint16_t year;         /* year of the figure */
};

/* One row of CCF's coefficients-<provider>-use.csv: a microarchitecture's
 * mean watts per vCPU at idle and at 100 % over its SPECpower servers, and
 * their mean memory per chip. Instance rows carry their own copy of the
 * figures; the model sensor reads these for a host of unknown instance type
 * whose microarchitecture /proc/cpuinfo tells (sensors/cpu_arch.h). */
struct cs_ccf_use {
	cs_instance_off arch; /* as CCF names it: "EPYC 4th Gen", "Ice Lake" */
	cs_instance_off key;  /* cs_name_key(arch); sorted by (provider, key) */
	uint8_t provider;     /* cs_provider */
	uint8_t dataset;      /* enum cs_dataset_index: ccf-use-aws|gcp|azure */
	double min_w_per_vcpu;
	double max_w_per_vcpu; /* GCP: memory-adjusted (CCF subtracts 0.392 W/GB) */
	double gb_per_chip;    /* "GB/Chip", < 0 if the file has none */
};

/* One cloud region with its grid carbon intensity. */
struct cs_region {
	cs_grid_off name;           /* provider's id: "us-east-1", "europe-west1", "westeurope" */
	cs_grid_off key;            /* cs_name_key(name); sorted by (provider, key) */
	cs_grid_off location;       /* display name or city: "West Europe", "St. Ghislain" */
	cs_grid_off location_key;   /* Azure: cs_name_key(location), also accepted as the region; else "" */
	cs_grid_off country;        /* ISO 3166-1 alpha-2, "" if unknown */
	uint8_t provider;           /* cs_provider */
	uint8_t dataset;            /* enum cs_dataset_index of the intensity */
	uint16_t year;              /* data year of the intensity */
	double intensity_g_per_kwh; /* gCO2e/kWh, < 0 = unknown */
	double cfe;                 /* Google CFE fraction 0..1, < 0 = not published */
	cs_grid_off state;          /* US state of a US region ("Virginia"), else "" */
	/* The default series above is Ember (US state, else country); the
	 * provider tables' figures stay selectable (cs_grid_series). */
	double ccf_intensity_g_per_kwh;    /* CCF's grid factor file, < 0 = none */
	uint16_t ccf_year;                 /* year that factor describes */
	uint8_t ccf_dataset;               /* ccf-grid-aws|azure|gcp */
	double google_intensity_g_per_kwh; /* GCP: Google's latest per-region figure, < 0 = none */
	uint16_t google_year;
};

/* One country with its grid carbon intensity (Ember, latest year). */
struct cs_country {
	cs_grid_off iso2; /* ISO 3166-1 alpha-2, sorted by it */
	cs_grid_off iso3; /* ISO 3166-1 alpha-3 */
	cs_grid_off name; /* English short name */
	cs_grid_off key;  /* cs_name_key(name) */
	uint16_t year;
	uint8_t dataset;            /* enum cs_dataset_index */
	double intensity_g_per_kwh; /* gCO2e/kWh (lifecycle, generation-based) */
};

/* CPU thermal design power by model name (CodeCarbon cpu_power.csv), for
 * hosts without energy counters or a known instance type. */
struct cs_cpu_tdp {
	cs_cpu_tdp_off name; /* as listed: "Intel Xeon Platinum 8375C" */
	cs_cpu_tdp_off key;  /* cs_name_key(name); sorted by key */
	double tdp_w;
};
typedef struct cs_cpu_tdp cs_cpu_tdp;

/* CPU throughput per hardware thread of one microarchitecture, from the
 * SPECpower_ssj2008 results (tools/datagen/gen_tables.py, "CPU throughput"). */
struct cs_cpu_perf {
	cs_perf_off arch;          /* as the instance tables name it: "Cascade Lake", "Graviton2" */
	cs_perf_off key;           /* cs_name_key(arch); sorted by key */
	cs_perf_off basis;         /* "": its own results; else the core design whose results it uses */
	uint16_t results;          /* SPECpower results behind the figure */
	uint16_t year_first;       /* publication year of the oldest of them */
	uint16_t year;             /* and of the newest */
	uint8_t dataset;           /* enum cs_dataset_index */
	double ssj_ops_per_thread; /* median over the results of ssj_ops at 100 % per hardware thread */
};

/* Where a cloud region is: a separate table, keyed like cs_region_table, so
 * the grid table's layout and order stay its own. */
struct cs_region_geo {
	cs_grid_off key;   /* cs_name_key(region name); sorted by (provider, key) */
	cs_grid_off place; /* the city the coordinates are of: "Dublin", "Boardman (Oregon)" */
	uint8_t provider;  /* cs_provider */
	uint8_t dataset;   /* enum cs_dataset_index */
	double lat_deg;    /* WGS84 latitude, degrees north */
	double lon_deg;    /* WGS84 longitude, degrees east */
};

CS_DATA_HIDDEN extern const struct cs_dataset cs_dataset_table[];
CS_DATA_HIDDEN extern const size_t cs_dataset_table_len;
CS_DATA_HIDDEN extern const struct cs_instance cs_instance_table[];
CS_DATA_HIDDEN extern const size_t cs_instance_table_len;
CS_DATA_HIDDEN extern const struct cs_gpu cs_gpu_table[];
CS_DATA_HIDDEN extern const size_t cs_gpu_table_len;
CS_DATA_HIDDEN extern const struct cs_region cs_region_table[];
CS_DATA_HIDDEN extern const size_t cs_region_table_len;
CS_DATA_HIDDEN extern const struct cs_country cs_country_table[];
CS_DATA_HIDDEN extern const size_t cs_country_table_len;
CS_DATA_HIDDEN extern const cs_cpu_tdp cs_cpu_tdp_table[];
CS_DATA_HIDDEN extern const size_t cs_cpu_tdp_table_len;
CS_DATA_HIDDEN extern const unsigned cs_cpu_tdp_dataset; /* enum cs_dataset_index */
CS_DATA_HIDDEN extern const struct cs_cpu_perf cs_cpu_perf_table[];
CS_DATA_HIDDEN extern const size_t cs_cpu_perf_table_len;
CS_DATA_HIDDEN extern const struct cs_region_geo cs_region_geo_table[];
CS_DATA_HIDDEN extern const size_t cs_region_geo_table_len;

/* A TDP table and the pool its offsets point into: the built-in one
 * (cs_cpu_tdp_builtin) or a caller's (tests). Built in code, not stored, so
 * it costs no relocation. */
typedef struct cs_cpu_tdp_list {
	const cs_cpu_tdp *rows; /* sorted by key */
	size_t n;
	const char *pool;
} cs_cpu_tdp_list;

cs_cpu_tdp_list cs_cpu_tdp_builtin(void);

static inline const char *cs_cpu_tdp_name(const cs_cpu_tdp_list *l, const cs_cpu_tdp *r)
{
	return l->pool + r->name;
}

static inline const char *cs_cpu_tdp_key(const cs_cpu_tdp_list *l, const cs_cpu_tdp *r)
{
	return l->pool + r->key;
}

CS_DATA_HIDDEN extern const struct cs_ccf_use cs_ccf_use_table[];
CS_DATA_HIDDEN extern const size_t cs_ccf_use_table_len;

/* The CCF coefficient row of provider's file for a microarchitecture named
 * as CCF names it (any case and spacing: keyed by cs_name_key), NULL if that
 * file has none. */
const struct cs_ccf_use *cs_ccf_use_find(cs_provider provider, const char *arch);

/* Strings of the other tables (their pools are fixed). */
static inline const char *cs_instance_str(cs_instance_off off)
{
	return cs_instance_pool + off;
}

static inline const char *cs_grid_str(cs_grid_off off)
{
	return cs_grid_pool + off;
}

#endif
