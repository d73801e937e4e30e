/* platform/detect.c - configuration, DMI, cache and metadata, in that order.
 *
 * See detect.h for the order and the cache rules. This file owns the policy
 * (what to ask, when to stop) and the cache file; HTTP and response parsing
 * live in platform/metadata.c.
 *
 * DMI rules, from what the clouds actually expose:
 *   AWS Nitro  sys_vendor/bios_vendor "Amazon EC2", product_name = instance
 *              type ("m5.large"), board_asset_tag = instance id
 *   AWS Xen    bios_version "4.11.amazon", product_name "HVM domU",
 *              product_uuid "ec2..." (root only)
 *   GCP        sys_vendor "Google", product_name "Google Compute Engine"
 *   Azure      chassis_asset_tag "7783-7084-3265-9085-8269-3286-77" (the
 *              documented marker; "Microsoft Corporation"/"Virtual Machine"
 *              alone is any Hyper-V guest)
 * A known hardware vendor (Dell, Lenovo, HP, Supermicro...) or desktop
 * hypervisor means no metadata service: we do not spend the budget asking.
 * Anything else (QEMU, KVM, Xen, VMware, OpenStack, no DMI at all) cannot
 * tell, so every provider is asked.
 */
#include "platform/detect.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include <carbonstat/error.h>

#include "core/clock.h"
#include "core/hash.h"
#include "core/str.h"
#include "core/why.h"
#include "io/fdio.h"
#include "io/json.h"

#define CLOUD_AZURE_ASSET_TAG      "7783-7084-3265-9085-8269-3286-77"
#define CLOUD_CACHE_VERSION        1
#define CLOUD_CACHE_MAX            4096u /* bytes; a real entry is ~400 */
#define CLOUD_CACHE_TTL_DEFAULT_S  86400u
#define CLOUD_CACHE_NEGATIVE_TTL_S 3600u /* "nothing found" is retried sooner */

/* The in-process detection result: this module's one named singleton. It
 * holds the detected part only; configured fields are overlaid per call. */
static struct {
	pthread_mutex_t lock;
	bool valid;
	uint64_t key; /* hash of everything that could change the result */
	cs_cloud_info info;
} cs_cloud_once = {PTHREAD_MUTEX_INITIALIZER, false, 0, {0}};

/* ---- small helpers ---------------------------------------------------------- */

static char cl_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool cl_eq_ci(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (cl_lower(*a) != cl_lower(*b))
			return false;
	return *a == *b;
}

static bool cl_prefix_ci(const char *s, const char *prefix)
{
	for (; *prefix; s++, prefix++)
		if (!*s || cl_lower(*s) != cl_lower(*prefix))
			return false;
	return true;
}

static bool cl_contains_ci(const char *s, const char *needle)
{
	for (; *s; s++)
		if (cl_prefix_ci(s, needle))
			return true;
	return false;
}

/* FNV-1a over a number's decimal digits, as one field of the key. */
static uint64_t cl_hash_u(uint64_t h, unsigned long long v)
{
	char b[24];

	snprintf(b, sizeof(b), "%llu", v);
	return cs_fnv1a_field(h, b);
}

static const char *const cl_provider_names[CS_PROVIDER_COUNT] = {
    [CS_PROVIDER_UNKNOWN] = "unknown",
    [CS_PROVIDER_AWS] = "aws",
    [CS_PROVIDER_GCP] = "gcp",
    [CS_PROVIDER_AZURE] = "azure",
};

/* Every source string a result may carry; the cache maps back onto these. */
static const char *const cl_sources[] = {"config", "dmi", "imds-aws", "metadata-gcp", "imds-azure", "cache", "none"};

static const char *cl_source_lookup(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(cl_sources) / sizeof(cl_sources[0]); i++)
		if (strcmp(s, cl_sources[i]) == 0)
			return cl_sources[i];
	return NULL;
}

static void cl_info_init(cs_cloud_info *ci)
{
	memset(ci, 0, sizeof(*ci));
	ci->provider = CS_PROVIDER_UNKNOWN;
	ci->source = ci->instance_source = ci->region_source = "none";
}

/* A configured name: NULL/"" = not set (0, *set false); else must fit and
 * hold no control characters (users may write "D2s v3": blanks are fine). */
static int cl_config_name(const char *s, bool *set)
{
	size_t n = 0;

	*set = false;
	if (!s || !*s)
		return 0;
	for (; s[n]; n++) {
		if ((unsigned char)s[n] < 0x20 || s[n] == 0x7f)
			return CS_EINVAL;
		if (n + 1 >= CS_MD_NAME_MAX)
			return CS_ERANGE;
	}
	*set = true;
	return 0;
}

/* ---- DMI ----------------------------------------------------------------------- */

void cs_cloud_read_dmi(cs_io *io, cs_dmi *out)
{
	static const struct {
		const char *file;
		size_t off, cap;
	} files[] = {
#define CL_F(name) {"class/dmi/id/" #name, offsetof(cs_dmi, name), sizeof(((cs_dmi *)0)->name)}
	    CL_F(sys_vendor),        CL_F(product_name), CL_F(product_version), CL_F(board_asset_tag),
	    CL_F(chassis_asset_tag), CL_F(bios_vendor),  CL_F(bios_version),    CL_F(product_uuid),
#undef CL_F
	};
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *buf = (char *)out + files[i].off;
		int rc = cs_io_read_line(io, CS_ROOT_SYSFS, files[i].file, buf, files[i].cap);

		if (rc != 0) {
			/* absent, or root only (product_uuid is 0400): not an error */
			buf[0] = '\0';
			if (files[i].off == offsetof(cs_dmi, product_uuid))
				out->uuid_err = rc;
			continue;
		}
		out->readable++;
	}
}

/* Hardware vendors and desktop hypervisors: no cloud metadata service here.
 * Matched as a case-insensitive prefix of sys_vendor. */
static const char *const cl_not_cloud_vendors[] = {
    "Dell",
    "LENOVO",
    "HP",
    "Hewlett",
    "Supermicro",
    "ASUS",
    "ASRock",
    "Gigabyte",
    "Micro-Star",
    "Apple",
    "Intel Corporation",
    "Framework",
    "System76",
    "Acer",
    "Fujitsu",
    "Cisco",
    "Quanta",
    "Inspur",
    "TOSHIBA",
    "Dynabook",
    "SAMSUNG",
    "Sony",
    "Razer",
    "Wiwynn",
    "Tyan",
    "Penguin",
    "Purism",
    "Raspberry",
    "innotek",
    "Parallels",
};

void cs_cloud_dmi_classify(const cs_dmi *d, cs_dmi_verdict *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	out->provider = CS_PROVIDER_UNKNOWN;
	if (d->readable == 0) {
		out->kind = CS_DMI_ABSENT;
		out->evidence = "no DMI data";
		return;
	}
	out->kind = CS_DMI_CLOUD;
	if (cl_eq_ci(d->sys_vendor, "Amazon EC2") || cl_eq_ci(d->bios_vendor, "Amazon EC2")) {
		out->provider = CS_PROVIDER_AWS;
		out->evidence = "DMI sys_vendor \"Amazon EC2\" (Nitro)";
		/* Nitro puts the instance type in product_name: "m5.large" */
		if (cs_md_valid_name(d->product_name) && strchr(d->product_name, '.'))
			(void)cs_strcpy_fit(out->instance_type, sizeof(out->instance_type), d->product_name);
		return;
	}
	if (cl_contains_ci(d->bios_version, "amazon")) {
		out->provider = CS_PROVIDER_AWS;
		out->evidence = "DMI bios_version \"*amazon\" (EC2 Xen)";
		return;
	}
	if (cl_prefix_ci(d->sys_vendor, "Xen") && cl_prefix_ci(d->product_uuid, "ec2")) {
		out->provider = CS_PROVIDER_AWS;
		out->evidence = "DMI product_uuid \"ec2...\" on Xen (EC2 Xen)";
		return;
	}
	if (cl_eq_ci(d->sys_vendor, "Google") || cl_eq_ci(d->product_name, "Google Compute Engine") ||
	    cl_eq_ci(d->bios_vendor, "Google")) {
		out->provider = CS_PROVIDER_GCP;
		out->evidence = "DMI sys_vendor \"Google\"";
		return;
	}
	if (strcmp(d->chassis_asset_tag, CLOUD_AZURE_ASSET_TAG) == 0) {
		out->provider = CS_PROVIDER_AZURE;
		out->evidence = "DMI chassis_asset_tag " CLOUD_AZURE_ASSET_TAG " (Azure)";
		return;
	}
	out->kind = CS_DMI_NOT_CLOUD;
	/* Microsoft hardware (Surface) is not a VM; its Hyper-V guests could be Azure */
	if (cl_prefix_ci(d->sys_vendor, "Microsoft") && !cl_eq_ci(d->product_name, "Virtual Machine")) {
		out->evidence = "DMI sys_vendor is a hardware vendor";
		return;
	}
	for (i = 0; i < sizeof(cl_not_cloud_vendors) / sizeof(cl_not_cloud_vendors[0]); i++) {
		if (cl_prefix_ci(d->sys_vendor, cl_not_cloud_vendors[i])) {
			out->evidence = "DMI sys_vendor is a hardware vendor";
			return;
		}
	}
	out->kind = CS_DMI_INCONCLUSIVE;
	out->evidence = "DMI does not name a cloud";
}

/* ---- cache file ---------------------------------------------------------------- */

int cs_cloud_cache_default_path(char *out, size_t cap)
{
	const char *base;
	int n;

	if (!out || cap == 0)
		return CS_EINVAL;
	if (geteuid() == 0) {
		n = snprintf(out, cap, "/var/cache/carbonstat/cloud.json");
	} else if ((base = getenv("XDG_CACHE_HOME")) != NULL && base[0] == '/') {
		n = snprintf(out, cap, "%s/carbonstat/cloud.json", base);
	} else if ((base = getenv("HOME")) != NULL && base[0] == '/') {
		n = snprintf(out, cap, "%s/.cache/carbonstat/cloud.json", base);
	} else {
		return CS_ENOTFOUND;
	}
	if (n < 0 || (size_t)n >= cap)
		return CS_ERANGE;
	return 0;
}

/* The cache key: who this machine is, in this boot, and what we asked. */
static void cl_cache_key(const cs_dmi *d, const char *boot_id, unsigned mask, const char *const urls[CS_PROVIDER_COUNT],
                         char *out, size_t cap)
{
	uint64_t h = CS_FNV_OFFSET;
	int p;

	out[0] = '\0';
	if (!d->product_uuid[0] && !d->board_asset_tag[0] && !boot_id[0])
		return; /* nothing identifies this machine: do not trust any cache */
	h = cs_fnv1a_field(h, "carbonstat-cloud-v1");
	h = cs_fnv1a_field(h, d->product_uuid);
	h = cs_fnv1a_field(h, d->board_asset_tag);
	h = cs_fnv1a_field(h, boot_id);
	h = cl_hash_u(h, mask);
	for (p = 1; p < CS_PROVIDER_COUNT; p++)
		h = cs_fnv1a_field(h, (mask & CS_MD_BIT(p)) ? urls[p] : "");
	snprintf(out, cap, "%016llx", (unsigned long long)h);
}

static bool cl_printable(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

/* An optional instance id or name member (caches written before they were
 * kept have none): absent, "" or valid (valid(s)); anything else refuses
 * the file. */
static int cl_json_opt(json_t *o, const char *k, bool (*valid)(const char *), char *out, size_t cap)
{
	json_t *v = json_object_get(o, k);
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);

	out[0] = '\0';
	if (!v)
		return 0;
	if (!s || n >= cap || strlen(s) != n || (n && !valid(s)))
		return CS_EINVAL;
	memcpy(out, s, n + 1);
	return 0;
}

/* A name member: "" or a valid name. */
static int cl_json_name(json_t *o, const char *k, char *out, size_t cap)
{
	json_t *v = json_object_get(o, k);
	size_t n;

	if (!json_is_string(v))
		return CS_EINVAL;
	n = json_string_length(v);
	if (n == 0) {
		out[0] = '\0';
		return 0;
	}
	if (n >= cap || !cs_md_valid_name(json_string_value(v)) || strlen(json_string_value(v)) != n)
		return CS_EINVAL;
	memcpy(out, json_string_value(v), n + 1);
	return 0;
}

static const char *cl_json_source(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	const char *src = s ? cl_source_lookup(s) : NULL;

	/* "cache" is never stored: a cached answer is not re-cached */
	return (src && strcmp(src, "cache") != 0) ? src : NULL;
}

int cs_cloud_cache_parse(const char *buf, size_t len, const char *key, time_t now, unsigned ttl_s, cs_cloud_info *out)
{
	json_t *root, *v;
	cs_cloud_info ci;
	const char *s;
	json_int_t written;
	size_t n;
	int p, rc = CS_EINVAL;

	if (!key || !out || !(root = cs_json_object(buf, len, CLOUD_CACHE_MAX)))
		return CS_EINVAL;
	if (ttl_s == 0)
		ttl_s = CLOUD_CACHE_TTL_DEFAULT_S;
	cl_info_init(&ci);
	v = json_object_get(root, "version");
	if (!json_is_integer(v) || json_integer_value(v) != CLOUD_CACHE_VERSION)
		goto out;
	s = json_string_value(json_object_get(root, "key"));
	if (!s || !key[0] || strcmp(s, key) != 0)
		goto out;
	s = json_string_value(json_object_get(root, "provider"));
	if (!s)
		goto out;
	for (p = 0; p < CS_PROVIDER_COUNT; p++)
		if (strcmp(s, cl_provider_names[p]) == 0)
			break;
	if (p == CS_PROVIDER_COUNT)
		goto out;
	ci.provider = (cs_provider)p;
	if (cl_json_name(root, "instance_type", ci.instance_type, sizeof(ci.instance_type)) ||
	    cl_json_name(root, "region", ci.region, sizeof(ci.region)) ||
	    cl_json_name(root, "zone", ci.zone, sizeof(ci.zone)) ||
	    cl_json_opt(root, "instance_id", cs_md_valid_id, ci.instance_id, sizeof(ci.instance_id)) ||
	    cl_json_opt(root, "instance_name", cs_md_valid_name, ci.instance_name, sizeof(ci.instance_name)))
		goto out;
	ci.instance_source = cl_json_source(root, "instance_source");
	ci.region_source = cl_json_source(root, "region_source");
	if (!ci.instance_source || !ci.region_source)
		goto out;
	v = json_object_get(root, "why");
	if (!json_is_string(v))
		goto out;
	n = json_string_length(v);
	if (n >= sizeof(ci.why) || !cl_printable(json_string_value(v), n))
		goto out;
	memcpy(ci.why, json_string_value(v), n + 1);
	v = json_object_get(root, "written");
	if (!json_is_integer(v))
		goto out;
	written = json_integer_value(v);
	/* "nothing found" may have been a hiccup: ask again sooner, unless the
	 * entry is this boot's (the key holds the boot id): a machine that
	 * has no metadata service now will not get one before it reboots */
	if (!ci.instance_type[0] && ttl_s > CLOUD_CACHE_NEGATIVE_TTL_S && !json_is_true(json_object_get(root, "boot")))
		ttl_s = CLOUD_CACHE_NEGATIVE_TTL_S;
	if (written < 0 || written > (json_int_t)now || (json_int_t)now - written > (json_int_t)ttl_s)
		goto out;
	ci.source = "cache";
	*out = ci;
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* Reads and checks the cache file; 0 and *out filled on a hit. */
static int cl_cache_read(const char *path, const char *key, unsigned ttl_s, cs_cloud_info *out)
{
	char buf[CLOUD_CACHE_MAX];
	struct stat st;
	size_t len = 0;
	int fd, rc;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	/* someone else's file could lie about the instance type */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_uid != geteuid() && st.st_uid != 0) ||
	    (st.st_mode & 022) || st.st_size <= 0 || st.st_size > (off_t)CLOUD_CACHE_MAX) {
		close(fd);
		return CS_EINVAL;
	}
	(void)cs_fd_read_all(fd, buf, sizeof(buf), &len); /* a short read fails the parse */
	close(fd);
	rc = cs_cloud_cache_parse(buf, len, key, time(NULL), ttl_s, out);
	return rc;
}

/* mkdir -p of path's parent directories. */
static int cl_mkdirs(const char *path)
{
	char tmp[512];
	size_t i, n = strlen(path);

	if (n >= sizeof(tmp))
		return CS_ERANGE;
	memcpy(tmp, path, n + 1);
	for (i = 1; i < n; i++) {
		if (tmp[i] != '/')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
			return -errno;
		tmp[i] = '/';
	}
	return 0;
}

/* Writes the entry atomically: temp file in the same directory, fsync, rename.
 * A reader sees the old file or the new one, never half of one. */
static int cl_cache_write(const char *path, const char *key, const cs_cloud_info *ci, bool boot_bound)
{
	char tmp[560];
	json_t *o;
	char *text = NULL;
	size_t len;
	int fd = -1, rc;

	rc = cl_mkdirs(path);
	if (rc)
		return rc;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return CS_ERANGE;
	o = json_pack("{s:i, s:s, s:I, s:b, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "version",
	              CLOUD_CACHE_VERSION, "key", key, "written", (json_int_t)time(NULL), "boot", (int)boot_bound,
	              "provider", cl_provider_names[ci->provider], "instance_type", ci->instance_type, "region",
	              ci->region, "zone", ci->zone, "instance_id", ci->instance_id, "instance_name", ci->instance_name,
	              "source", ci->source, "instance_source", ci->instance_source, "region_source", ci->region_source,
	              "why", ci->why);
	if (o)
		text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!text)
		return CS_ENOMEM;
	len = strlen(text);
	text[len++] = '\n'; /* json_dumps' NUL becomes the newline; not a string anymore */
	unlink(tmp);        /* a leftover of a crashed writer with our pid */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	rc = cs_fd_write_all(fd, text, len, NULL);
	if (rc)
		goto out;
	if (fsync(fd) != 0) {
		rc = -errno;
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = -errno;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		rc = -errno;
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc)
		unlink(tmp);
	free(text);
	return rc;
}

/* ---- orchestration --------------------------------------------------------------- */

/* Resolved options, with defaults applied. */
typedef struct cl_plan {
	const cs_cloud_opts *o;
	bool cfg_instance, cfg_region;
	const char *urls[CS_PROVIDER_COUNT];
	unsigned budget_ms;
	unsigned ttl_s;
	char cache_path[512]; /* "" = no cache file */
} cl_plan;

/* Detection proper: DMI, then the cache file, then metadata. Always fills
 * det; det->why says what was tried when something is missing. */
static void cl_detect_uncached(cs_io *io, const cl_plan *pl, cs_cloud_info *det)
{
	const cs_cloud_opts *o = pl->o;
	double t0 = cs_mono_s();
	cs_dmi dmi;
	cs_dmi_verdict vd;
	cs_provider want;
	char boot_id[64] = "", key[32] = "", dmi_note[200];
	unsigned mask;
	cs_md_opts mo;
	cs_md_result mr;

	cl_info_init(det);
	cs_cloud_read_dmi(io, &dmi);
	cs_cloud_dmi_classify(&dmi, &vd);
	if (vd.kind == CS_DMI_NOT_CLOUD)
		cs_set_why(dmi_note, sizeof(dmi_note), "DMI sys_vendor \"%s\" is not a cloud", dmi.sys_vendor);
	else if (vd.kind == CS_DMI_INCONCLUSIVE)
		cs_set_why(dmi_note, sizeof(dmi_note), "DMI sys_vendor \"%s\" does not name a cloud", dmi.sys_vendor);
	else
		cs_set_why(dmi_note, sizeof(dmi_note), "%s", vd.evidence);
	if (vd.kind == CS_DMI_CLOUD) {
		det->provider = vd.provider;
		det->source = "dmi";
		if (vd.instance_type[0]) {
			memcpy(det->instance_type, vd.instance_type, sizeof(det->instance_type));
			det->instance_source = "dmi";
		}
	}

	/* what is still missing after configuration and DMI? */
	if ((pl->cfg_instance || det->instance_type[0]) && pl->cfg_region)
		goto done;
	want = o->provider != CS_PROVIDER_UNKNOWN ? o->provider : det->provider;
	if (o->metadata == CS_CLOUD_MD_OFF) {
		cs_set_why(det->why, sizeof(det->why), "%s; metadata services disabled by configuration", dmi_note);
		goto done;
	}
	if (want != CS_PROVIDER_UNKNOWN)
		mask = CS_MD_BIT(want);
	else if (vd.kind == CS_DMI_NOT_CLOUD && o->metadata != CS_CLOUD_MD_FORCE)
		mask = 0;
	else
		mask = CS_MD_ALL;
	if (!mask) {
		cs_set_why(det->why, sizeof(det->why), "not a cloud VM (%s), so the metadata services were not asked",
		           dmi_note);
		goto done;
	}

	/* an earlier process of this boot may already have asked */
	cs_io_read_line(io, CS_ROOT_PROCFS, "sys/kernel/random/boot_id", boot_id, sizeof(boot_id));
	cl_cache_key(&dmi, boot_id, mask, pl->urls, key, sizeof(key));
	if (pl->cache_path[0] && key[0] && cl_cache_read(pl->cache_path, key, pl->ttl_s, det) == 0)
		goto done;

	memset(&mo, 0, sizeof(mo));
	mo.mask = mask;
	mo.budget_ms = pl->budget_ms;
	memcpy(mo.url, pl->urls, sizeof(mo.url));
	if (cs_md_probe(&mo, &mr) != 0) {
		cs_set_why(det->why, sizeof(det->why), "%s; metadata probe could not start (out of memory)", dmi_note);
		goto done;
	}
	if (mr.provider != CS_PROVIDER_UNKNOWN) {
		det->provider = mr.provider;
		det->source = mr.source;
		/* the metadata API is authoritative over DMI's product_name */
		memcpy(det->instance_type, mr.values.instance_type, sizeof(det->instance_type));
		memcpy(det->instance_id, mr.values.instance_id, sizeof(det->instance_id));
		memcpy(det->instance_name, mr.values.instance_name, sizeof(det->instance_name));
		det->instance_source = mr.source;
		if (mr.values.region[0]) {
			memcpy(det->region, mr.values.region, sizeof(det->region));
			memcpy(det->zone, mr.values.zone, sizeof(det->zone));
			det->region_source = mr.source;
		} else {
			cs_set_why(det->why, sizeof(det->why), "%s metadata gave no region", mr.source);
		}
	} else {
		const char *url = pl->urls[want != CS_PROVIDER_UNKNOWN ? want : CS_PROVIDER_AWS];

		cs_set_why(det->why, sizeof(det->why),
		           "%s; nothing usable from the metadata service at %s within %u ms (%s)", dmi_note, url,
		           pl->budget_ms, mr.why);
	}
	if (pl->cache_path[0] && key[0])
		cl_cache_write(pl->cache_path, key, det, boot_id[0] != '\0'); /* best effort: a miss costs one probe */
done:
	if (!det->why[0] && det->provider == CS_PROVIDER_UNKNOWN)
		cs_set_why(det->why, sizeof(det->why), "%s", dmi_note);
	det->elapsed_ms = (cs_mono_s() - t0) * 1e3;
}

/* Everything that could change what cl_detect_uncached finds. */
static uint64_t cl_plan_key(const cs_io *io, const cl_plan *pl)
{
	uint64_t h = CS_FNV_OFFSET;
	int p;

	h = cs_fnv1a_field(h, io->sysfs_root);
	h = cs_fnv1a_field(h, io->procfs_root);
	h = cl_hash_u(h, (unsigned)pl->o->provider);
	h = cl_hash_u(h, (unsigned)pl->o->metadata);
	h = cl_hash_u(h, (pl->cfg_instance ? 1u : 0u) | (pl->cfg_region ? 2u : 0u));
	for (p = 1; p < CS_PROVIDER_COUNT; p++)
		h = cs_fnv1a_field(h, pl->urls[p]);
	h = cl_hash_u(h, pl->budget_ms);
	h = cl_hash_u(h, pl->ttl_s);
	h = cs_fnv1a_field(h, pl->cache_path);
	return h;
}

int cs_cloud_detect(cs_io *io, const cs_cloud_opts *opts, cs_cloud_info *out)
{
	static const cs_cloud_opts defaults; /* zero: see cs_cloud_opts */
	cl_plan pl;
	cs_cloud_info det, res;
	bool cfg_zone;
	const char *missing;
	int rc, p;

	if (!io || !out)
		return CS_EINVAL;
	if (!opts)
		opts = &defaults;
	if ((unsigned)opts->provider >= CS_PROVIDER_COUNT || (unsigned)opts->metadata > CS_CLOUD_MD_FORCE)
		return CS_EINVAL;
	memset(&pl, 0, sizeof(pl));
	pl.o = opts;
	if ((rc = cl_config_name(opts->instance_type, &pl.cfg_instance)) != 0 ||
	    (rc = cl_config_name(opts->region, &pl.cfg_region)) != 0 ||
	    (rc = cl_config_name(opts->zone, &cfg_zone)) != 0)
		return rc;
	if (opts->metadata_url && !cs_md_valid_url(opts->metadata_url))
		return CS_EINVAL;
	pl.urls[CS_PROVIDER_UNKNOWN] = NULL;
	pl.urls[CS_PROVIDER_AWS] = opts->aws_url ? opts->aws_url : opts->metadata_url;
	pl.urls[CS_PROVIDER_GCP] = opts->gcp_url ? opts->gcp_url : opts->metadata_url;
	pl.urls[CS_PROVIDER_AZURE] = opts->azure_url ? opts->azure_url : opts->metadata_url;
	for (p = 1; p < CS_PROVIDER_COUNT; p++) {
		if (!pl.urls[p])
			pl.urls[p] = CS_MD_DEFAULT_URL;
		else if (!cs_md_valid_url(pl.urls[p]))
			return CS_EINVAL;
	}
	pl.budget_ms = opts->budget_ms ? opts->budget_ms : CS_MD_BUDGET_DEFAULT_MS;
	if (pl.budget_ms > CS_MD_BUDGET_MAX_MS)
		pl.budget_ms = CS_MD_BUDGET_MAX_MS;
	pl.ttl_s = opts->cache_ttl_s ? opts->cache_ttl_s : CLOUD_CACHE_TTL_DEFAULT_S;
	if (!opts->cache_path) {
		if (cs_cloud_cache_default_path(pl.cache_path, sizeof(pl.cache_path)) != 0)
			pl.cache_path[0] = '\0';
	} else if (strlen(opts->cache_path) >= sizeof(pl.cache_path)) {
		return CS_ERANGE;
	} else {
		(void)cs_strcpy_fit(pl.cache_path, sizeof(pl.cache_path), opts->cache_path);
	}

	cl_info_init(&det);
	if (!(pl.cfg_instance && pl.cfg_region)) {
		uint64_t key = cl_plan_key(io, &pl);

		pthread_mutex_lock(&cs_cloud_once.lock);
		if (cs_cloud_once.valid && cs_cloud_once.key == key) {
			det = cs_cloud_once.info;
			det.elapsed_ms = 0;
		} else {
			cl_detect_uncached(io, &pl, &det);
			cs_cloud_once.info = det;
			cs_cloud_once.key = key;
			cs_cloud_once.valid = true;
		}
		pthread_mutex_unlock(&cs_cloud_once.lock);
	}

	/* configuration wins, field by field */
	res = det;
	if (opts->provider != CS_PROVIDER_UNKNOWN)
		res.provider = opts->provider;
	if (pl.cfg_instance) {
		(void)cs_strcpy_fit(res.instance_type, sizeof(res.instance_type), opts->instance_type);
		res.instance_source = "config";
	}
	if (pl.cfg_region) {
		(void)cs_strcpy_fit(res.region, sizeof(res.region), opts->region);
		res.zone[0] = '\0';
		res.region_source = "config";
	}
	if (cfg_zone)
		(void)cs_strcpy_fit(res.zone, sizeof(res.zone), opts->zone);
	if ((pl.cfg_instance && pl.cfg_region) || strcmp(res.source, "none") == 0) {
		if (pl.cfg_instance || pl.cfg_region || opts->provider != CS_PROVIDER_UNKNOWN)
			res.source = "config";
	}
	if (res.instance_type[0] && res.region[0]) {
		res.why[0] = '\0';
	} else {
		char tail[sizeof(res.why)];

		missing = !res.instance_type[0] && !res.region[0] ? "instance type and region"
		          : !res.instance_type[0]                 ? "instance type"
		                                                  : "region";
		(void)cs_strcpy_fit(tail, sizeof(tail), det.why[0] ? det.why : "nothing found");
		cs_set_why(res.why, sizeof(res.why), "%s unknown: %s; %s", missing, tail,
		           res.provider != CS_PROVIDER_UNKNOWN
		               ? "set them in the configuration"
		               : "if this is a cloud VM, set provider, instance type and region in the configuration");
	}
	*out = res;
	return 0;
}

void cs_cloud_forget(void)
{
	pthread_mutex_lock(&cs_cloud_once.lock);
	cs_cloud_once.valid = false;
	pthread_mutex_unlock(&cs_cloud_once.lock);
}
