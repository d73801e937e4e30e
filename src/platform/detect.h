/* platform/detect.h - which cloud, instance type and region this host is.
 *
 * The model sensor needs the instance type and the carbon conversion needs the
 * region. They are found in this order, first answer per field wins:
 *
 *   1. configuration: provider / instance type / region the user gave;
 *   2. DMI (<sysfs>/class/dmi/id/): names the provider, and on AWS Nitro the
 *      instance type (product_name). Local and free;
 *   3. the cache file: what an earlier process of this boot learnt from (4);
 *   4. the cloud metadata services (platform/metadata.h), within a 1 s budget,
 *      only when DMI says "cloud" or cannot tell, and only for the providers
 *      DMI does not exclude;
 *   5. nothing: provider UNKNOWN, source "none" and a `why`; the caller falls
 *      back to the CPU's TDP.
 *
 * Detection runs once per process: the detected part (everything but the
 * configured fields, which are overlaid on every call) is kept in a named
 * singleton, keyed by the options and roots that could change it.
 * cs_cloud_forget() drops it (tests, configuration reload).
 *
 * The cache file holds only results that needed the network. Its key is a
 * hash of DMI product_uuid (root only), board_asset_tag (the EC2 instance id)
 * and the kernel boot id, plus the probed providers and URLs: a disk moved to
 * another machine, or an instance resized (which needs a stop/start, so a new
 * boot), never reads a stale answer. It is written 0600 through a temp file
 * and rename(), read with a 4 KiB cap, and ignored (never fatal) when it is
 * corrupt, stale, from another key, or not owned by us or root.
 *
 * Resolving the names against the built-in tables is the caller's step (the
 * static inline helpers at the bottom), so this module links without the
 * generated tables.
 */
#ifndef CS_PLATFORM_DETECT_H
#define CS_PLATFORM_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <carbonstat/dataset.h>

#include "platform/metadata.h"
#include "io/kfile.h"

/* What we know about this host. Strings are "" when unknown. */
typedef struct cs_cloud_info {
	cs_provider provider;
	char instance_type[CS_MD_NAME_MAX]; /* "m5.large", "e2-standard-2", "Standard_D2s_v3" */
	char region[CS_MD_NAME_MAX];        /* "eu-west-1", "europe-west1", "westeurope" */
	char zone[CS_MD_NAME_MAX];          /* "eu-west-1a", "europe-west1-b", "1" */
	char instance_id[CS_MD_ID_MAX];     /* the metadata service's (cs_md_values), "" if none */
	char instance_name[CS_MD_NAME_MAX]; /* GCP/Azure instance name, "" if none */
	/* Where the result came from (static strings): "config", "dmi", "imds-aws",
	 * "metadata-gcp", "imds-azure", "cache" or "none". The most specific step
	 * that contributed: a metadata service if one answered, "cache" if its
	 * answer was read back from the cache file, "config" only when the
	 * configuration alone settled everything. */
	const char *source;
	const char *instance_source; /* same set, for instance_type alone ("none" if "") */
	const char *region_source;   /* same set, for region and zone ("none" if "") */
	char why[512];               /* set when instance_type or region is unknown:
	                              * what was tried and how to configure it */
	double elapsed_ms;           /* wall time this detection took (0 when the
	                              * in-process result was reused) */
} cs_cloud_info;

/* When to ask the metadata services. */
typedef enum cs_cloud_md {
	CS_CLOUD_MD_AUTO = 0, /* when DMI says cloud or cannot tell (default) */
	CS_CLOUD_MD_OFF,      /* never (air-gapped, --no-metadata) */
	CS_CLOUD_MD_FORCE,    /* even when DMI names a non-cloud vendor */
} cs_cloud_md;

/* Options. A zeroed struct (or NULL) means: detect everything, metadata at
 * 169.254.169.254 when DMI allows, 1 s budget, default cache file. */
typedef struct cs_cloud_opts {
	cs_provider provider;      /* configured provider; UNKNOWN = detect */
	const char *instance_type; /* configured; NULL or "" = detect */
	const char *region;        /* configured; NULL or "" = detect */
	const char *zone;          /* configured; NULL or "" = detect */
	cs_cloud_md metadata;      /* the "allow metadata" switch, see above */
	const char *metadata_url;  /* base URL of every service; NULL = CS_MD_DEFAULT_URL */
	const char *aws_url;       /* per-provider overrides (tests serve fakes on */
	const char *gcp_url;       /* 127.0.0.1); NULL = metadata_url */
	const char *azure_url;
	unsigned budget_ms;     /* metadata time budget; 0 = 1000 */
	const char *cache_path; /* NULL = default path, "" = no cache file */
	unsigned cache_ttl_s;   /* 0 = 86400; a "nothing found" entry lives at most 1 h
	                         * unless its key holds this boot's id */
} cs_cloud_opts;

/* Detect. Returns 0 and fills *out whenever the arguments are sane, even when
 * nothing is found (provider UNKNOWN, source "none", why set). Errors are for
 * programmer or configuration mistakes only: CS_EINVAL (io or out NULL, a bad
 * URL, a configured name with control characters), CS_ERANGE (a configured
 * name of 64 chars or more); *out is untouched then. Thread-safe; concurrent
 * callers wait for the first detection. */
int cs_cloud_detect(cs_io *io, const cs_cloud_opts *opts, cs_cloud_info *out);

/* Drop the in-process result, so the next cs_cloud_detect detects again. */
void cs_cloud_forget(void);

/* Default cache file: /var/cache/carbonstat/cloud.json for root, else
 * $XDG_CACHE_HOME/carbonstat/cloud.json or ~/.cache/carbonstat/cloud.json.
 * CS_ENOTFOUND when there is no home to put it in, CS_ERANGE if too long. */
int cs_cloud_cache_default_path(char *out, size_t cap);

/* ---- DMI (exposed for tests) ---------------------------------------------- */

/* The DMI strings we look at; "" when absent or unreadable. */
typedef struct cs_dmi {
	char sys_vendor[128];
	char product_name[128];
	char product_version[128];
	char board_asset_tag[128];
	char chassis_asset_tag[128];
	char bios_vendor[128];
	char bios_version[128];
	char product_uuid[64]; /* root only: "" for other users */
	unsigned readable;     /* how many of the files above could be read */
	int uuid_err;          /* 0, or why product_uuid was not read (-EACCES...) */
} cs_dmi;

/* What DMI says. */
typedef enum cs_dmi_kind {
	CS_DMI_ABSENT = 0,   /* no DMI at all (containers w/o /sys, Firecracker, some ARM) */
	CS_DMI_CLOUD,        /* a cloud we know: provider set */
	CS_DMI_INCONCLUSIVE, /* a hypervisor or vendor that could be anything (QEMU, Xen...) */
	CS_DMI_NOT_CLOUD,    /* a hardware vendor or desktop hypervisor: no metadata service */
} cs_dmi_kind;

typedef struct cs_dmi_verdict {
	cs_dmi_kind kind;
	cs_provider provider;               /* CS_DMI_CLOUD only */
	char instance_type[CS_MD_NAME_MAX]; /* AWS Nitro product_name, validated; else "" */
	const char *evidence;               /* static: which marker decided, for messages */
} cs_dmi_verdict;

/* Read <sysfs>/class/dmi/id/ files through io. Never fails: unreadable files
 * (ENOENT, EACCES for product_uuid) are left "". */
void cs_cloud_read_dmi(cs_io *io, cs_dmi *out);

/* Classify DMI strings. Pure. */
void cs_cloud_dmi_classify(const cs_dmi *dmi, cs_dmi_verdict *out);

/* ---- cache file format (exposed for the fuzzer) ---------------------------- */

/* Parse a cache file body. Accepts it only if it is version 1, written under
 * key, no older than ttl_s (or 1 h for a "nothing found" entry not bound to this boot) and not in the
 * future, with every name valid. Fills *out with source "cache" and the
 * stored per-field sources. 0, or CS_EINVAL for anything else. Pure. */
int cs_cloud_cache_parse(const char *buf, size_t len, const char *key, time_t now, unsigned ttl_s, cs_cloud_info *out);

/* ---- resolving against the built-in tables (caller side) ------------------- */

/* The table row of the detected instance type, or NULL. Inline so that only
 * callers that use it link the tables. */
static inline const cs_instance *cs_cloud_find_instance(const cs_cloud_info *ci)
{
	return ci->instance_type[0] ? cs_instance_find(ci->provider, ci->instance_type) : NULL;
}

/* The table row of the detected region (with its grid intensity), or NULL. */
static inline const cs_region *cs_cloud_find_region(const cs_cloud_info *ci)
{
	return ci->region[0] ? cs_region_find(ci->provider, ci->region) : NULL;
}

#endif
