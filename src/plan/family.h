/* plan/family.h - instance families, and which types a group could move to.
 *
 * A family is one provider's series of sizes of the same hardware: AWS
 * m7g (m7g.large, m7g.xlarge...), GCP n2 (n2-standard-4, n2-highmem-8...),
 * Azure Das_v5 (Standard_D2as_v5...). It is read from the name:
 *   AWS    [service.]series.size[.variant]: "m5.large", "db.r5.large",
 *          "c5.large.elasticsearch"; a ".metal" size is its own kind;
 *   GCP    series-shape-N[-lssd|-metal]: "n2-standard-4", "c3-standard-4-lssd";
 *          e2-micro/small/medium, f1-micro and g1-small are shared-core;
 *   Azure  Standard_<letters><vCPUs>[-<active vCPUs>]<features>[_vN]:
 *          "Standard_D2as_v4" -> Das_v4; "-4" sizes are constrained-vCPU.
 * The kind ("", "metal", "lssd", "db", "cache", "elasticsearch",
 * "constrained", "promo", "shared") says what else a type is; a group only
 * moves to a type of its own kind, and across providers only between plain
 * ("") types.
 *
 * The candidates of a group of type A are, for each family the options
 * allow, its smallest size (fewest vCPUs, then least memory, then name) with
 * at least A's vCPUs and memory: "at least the same shape". Left out unless
 * --families names them, or A is one of them: shared-core and burstable
 * families (AWS t*, GCP e2-micro..., Azure B), accelerator types (any type
 * with GPUs, AWS inf/trn/dl/f/vt, Azure N*), Mac hosts. A group with GPUs
 * keeps its type (GPU throughput is not in the performance table) and only
 * moves region.
 */
#ifndef CS_PLAN_FAMILY_H
#define CS_PLAN_FAMILY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <carbonstat/dataset.h>

#include "core/index.h"

enum {
	PLAN_FAM_SHARED = 1u << 0, /* shared-core / burstable */
	PLAN_FAM_ACCEL = 1u << 1,  /* GPUs or other accelerators */
	PLAN_FAM_MAC = 1u << 2,    /* Apple hosts */
};

/* CPU vendors, from a type's microarchitecture(s). */
enum { PLAN_VENDOR_INTEL = 1u << 0, PLAN_VENDOR_AMD = 1u << 1, PLAN_VENDOR_ARM = 1u << 2 };

typedef struct plan_family {
	cs_provider provider;
	char name[48];             /* "m7g", "db.r5", "n2", "Das_v4" */
	char kind[16];             /* see above; "" = plain */
	uint32_t flags;            /* PLAN_FAM_* */
	const cs_instance **types; /* sorted by vCPU, memory, name (into plan_catalog.all) */
	size_t ntypes;
} plan_family;

/* Every built-in type in its family, and an index from a row to its
 * number, built once per plan. */
typedef struct plan_catalog {
	plan_family *f; /* owned: one block with all and fam_of */
	size_t n;
	const cs_instance **all; /* the families' types back to back */
	uint32_t *fam_of;        /* by instance number: its family */
	cs_index index;          /* row pointer -> instance number */
} plan_catalog;

int plan_catalog_build(plan_catalog *c);
void plan_catalog_free(plan_catalog *c); /* NULL-safe */

/* The instance's number (its cs_instance_at index); SIZE_MAX if not a row. */
size_t plan_instance_number(const plan_catalog *c, const cs_instance *it);
const plan_family *plan_family_of(const plan_catalog *c, const cs_instance *it);

/* PLAN_VENDOR_* of a type: the vendor all its microarchitectures share, 0
 * when unknown or mixed. */
unsigned plan_vendor_of(const cs_instance *it);

/* Splits a name into family name, kind and flags (exposed for tests). */
void plan_family_parse(cs_provider p, const char *name, char *family, size_t fcap, char *kind, size_t kcap,
                       uint32_t *flags);

/* --families: a comma list of family names (m7g, n2d, Das_v5 or
 * Standard_Das_v5), microarchitectures (Graviton4, "EPYC 4th Gen") and
 * vendors (arm, amd, intel). A type passes if its family is named, or its
 * microarchitecture(s) or its vendor is. A family named outright is allowed
 * even when the default rules leave it out. */
typedef struct plan_filter {
	bool set;          /* false: no --families, the default rules */
	uint8_t *fam;      /* owned, per family: 1 = named */
	unsigned vendors;  /* PLAN_VENDOR_* named */
	char arch[16][48]; /* microarchitectures named, as the tables spell them */
	size_t narch;
} plan_filter;

/* An unknown word is an error with suggestions (why). */
int plan_filter_parse(const plan_catalog *c, const char *list, plan_filter *out, char *why, size_t cap);
void plan_filter_free(plan_filter *f); /* NULL-safe */

/* The candidate types of a group of type a (a itself first), on the
 * providers in the mask (bit 1 << cs_provider). out has room for cap;
 * returns how many. */
size_t plan_candidates(const plan_catalog *c, const plan_filter *f, const cs_instance *a, unsigned providers,
                       const cs_instance **out, size_t cap);

#endif
