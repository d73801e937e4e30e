/* platform/metadata.h - ask the cloud's instance metadata service what we are.
 *
 * AWS (IMDSv2 token flow, IMDSv1 fallback), GCP and Azure all answer on the
 * link-local address 169.254.169.254. The probe runs every enabled provider
 * in parallel on one io/http multi (libcurl), under a single wall-clock deadline
 * (1 s by default) shared by every request, so a host with no metadata
 * service (bare metal, a laptop, a blackholed link-local route) costs at most
 * the budget, never budget x providers. It stops as soon as one provider has
 * answered.
 *
 * What the server sends is untrusted: bodies are capped at CS_MD_BODY_MAX,
 * redirects are not followed, proxies are never used (metadata must not leave
 * the host), only http:// is allowed, and every value goes through the pure
 * parsers below, which accept only short [A-Za-z0-9._-] names. The parsers
 * allocate nothing but jansson's DOM for Azure, never read past len, and are
 * fuzzed by tests/fuzz/fuzz_metadata.c.
 *
 * This module owns HTTP and parsing only; deciding when to probe (DMI, config,
 * cache) is platform/detect.c.
 */
#ifndef CS_PLATFORM_METADATA_H
#define CS_PLATFORM_METADATA_H

#include <stdbool.h>
#include <stddef.h>

#include <carbonstat/dataset.h>

/* Default base URL of every metadata service. */
#define CS_MD_DEFAULT_URL "http://169.254.169.254"
/* Largest response body (and header block) we accept; larger aborts. */
#define CS_MD_BODY_MAX (64u * 1024u)
/* Longest name we keep (instance type, region, zone), including the NUL. */
#define CS_MD_NAME_MAX 64
/* Longest instance id we keep, including the NUL: an Azure resource id
 * ("/subscriptions/<uuid>/resourceGroups/<rg>/providers/Microsoft.Compute/
 * virtualMachines/<name>": resource groups are up to 90 chars, VM names 64). */
#define CS_MD_ID_MAX 256
/* Default and largest total time budget of one probe. */
#define CS_MD_BUDGET_DEFAULT_MS 1000u
#define CS_MD_BUDGET_MAX_MS     30000u

/* Bit for provider p in a provider mask. */
#define CS_MD_BIT(p) (1u << (unsigned)(p))
#define CS_MD_ALL    (CS_MD_BIT(CS_PROVIDER_AWS) | CS_MD_BIT(CS_PROVIDER_GCP) | CS_MD_BIT(CS_PROVIDER_AZURE))

/* What a metadata service told us. Empty string = not given. */
typedef struct cs_md_values {
	char instance_type[CS_MD_NAME_MAX]; /* "m5.large", "e2-standard-2", "Standard_D2s_v3" */
	char region[CS_MD_NAME_MAX];        /* "eu-west-1", "europe-west1", "westeurope" */
	char zone[CS_MD_NAME_MAX];          /* "eu-west-1a", "europe-west1-b", "1" */
	/* Which machine this is, for the bill's resource id (optional: "" when
	 * the service did not say). AWS: the instance id "i-0abc..."; GCP: the
	 * numeric instance id; Azure: compute.resourceId (else compute.vmId). */
	char instance_id[CS_MD_ID_MAX];
	char instance_name[CS_MD_NAME_MAX]; /* GCP instance name, Azure compute.name; AWS "" */
} cs_md_values;

/* Probe options. A zeroed struct probes nothing (mask 0). */
typedef struct cs_md_opts {
	unsigned mask;                      /* CS_MD_BIT()s of the providers to ask */
	const char *url[CS_PROVIDER_COUNT]; /* base URL per provider (index cs_provider);
	                                     * NULL = CS_MD_DEFAULT_URL. No trailing '/'. */
	unsigned budget_ms;                 /* total wall time; 0 = CS_MD_BUDGET_DEFAULT_MS */
} cs_md_opts;

/* Result of one probe. */
typedef struct cs_md_result {
	cs_provider provider; /* who answered; CS_PROVIDER_UNKNOWN = nobody */
	const char *source;   /* "imds-aws", "metadata-gcp", "imds-azure" or "none" */
	cs_md_values values;  /* valid when provider != UNKNOWN (instance_type always set) */
	bool aws_v1;          /* AWS answered through the IMDSv1 fallback */
	unsigned requests;    /* HTTP requests started (self-metric) */
	double elapsed_ms;    /* wall time spent */
	char why[384];        /* when nobody answered: one line per provider, "; "-joined */
} cs_md_result;

/* Probe the providers in opts->mask. Returns 0 (even when nobody answers:
 * then provider is UNKNOWN and why says what each one did), CS_EINVAL for a
 * bad argument or URL (not http://, too long), CS_ENOMEM if the HTTP client
 * could not be set up (see io/http.h for libcurl's global state). */
int cs_md_probe(const cs_md_opts *opts, cs_md_result *out);

/* ---- pure parsers (fuzzed). body need not be NUL-terminated; len bytes are
 * read at most. Each returns 0 and writes its outputs only on success, else
 * CS_EINVAL (malformed or an invalid name) or CS_ERANGE (does not fit). */

/* True if url is a usable base URL: "http://", printable, no blanks, short
 * enough (< 256 chars). */
bool cs_md_valid_url(const char *url);

/* True if s is 1..CS_MD_NAME_MAX-1 chars of [A-Za-z0-9._-]. */
bool cs_md_valid_name(const char *s);

/* AWS IMDS text value ("m5.large", "eu-west-1"): one name, optional trailing
 * whitespace/newline; nothing else. */
int cs_md_parse_aws_text(const char *body, size_t len, char *out, size_t cap);

/* AWS IMDSv2 session token: 1..CS_MD_TOKEN_MAX-1 printable non-blank ASCII
 * chars (it goes into a request header: no CR/LF ever). */
#define CS_MD_TOKEN_MAX 512
int cs_md_parse_aws_token(const char *body, size_t len, char *out, size_t cap);

/* AWS availability zone -> region, only for standard zones ("us-east-1a" ->
 * "us-east-1"); local/wavelength zones are refused (CS_EINVAL). */
int cs_md_aws_region_from_zone(const char *zone, char *out, size_t cap);

/* GCP "projects/123/machineTypes/e2-standard-2" -> "e2-standard-2". A bare
 * name is accepted too. */
int cs_md_parse_gcp_machine_type(const char *body, size_t len, char *out, size_t cap);

/* GCP "projects/123/zones/europe-west1-b" -> zone "europe-west1-b",
 * region "europe-west1". */
int cs_md_parse_gcp_zone(const char *body, size_t len, char *zone, size_t zone_cap, char *region, size_t region_cap);

/* Azure /metadata/instance/compute JSON -> vmSize, location, zone (zone may be
 * "" when the VM is not zonal), and, when present and valid, resourceId (else
 * vmId) as instance_id and name as instance_name (an invalid one is left "",
 * never failing the parse). vmSize and location are required. */
int cs_md_parse_azure_compute(const char *body, size_t len, cs_md_values *out);

/* True if s is a valid instance id (what cs_md_values.instance_id may hold):
 * 1..CS_MD_ID_MAX-1 chars of [A-Za-z0-9._()/-]. */
bool cs_md_valid_id(const char *s);

/* AWS /latest/meta-data/instance-id: "i-" and 8 or 17 lower-case hex
 * digits, optional trailing whitespace. */
int cs_md_parse_aws_instance_id(const char *body, size_t len, char *out, size_t cap);

/* GCP /computeMetadata/v1/instance/id: 1..20 decimal digits. */
int cs_md_parse_gcp_instance_id(const char *body, size_t len, char *out, size_t cap);

#endif
