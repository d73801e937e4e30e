/* platform/metadata.c - instance metadata probes over io/http (libcurl), and their parsers.
 *
 * One io/http multi runs every enabled provider at once; each provider is
 * a tiny state machine over fixed request slots (one slot per request kind,
 * since each request is made at most once, each with its own client):
 *
 *   AWS    PUT /latest/api/token (X-aws-ec2-metadata-token-ttl-seconds: 21600)
 *            200          -> 4 GETs with X-aws-ec2-metadata-token (IMDSv2)
 *            403/404/405  -> the same 4 GETs without a token (IMDSv1 fallback)
 *          GET /latest/meta-data/{instance-type,placement/region,
 *                                 placement/availability-zone,instance-id}
 *   GCP    GET /computeMetadata/v1/instance/{machine-type,zone,id,name}
 *          with Metadata-Flavor: Google; the answer must carry it back
 *   Azure  GET /metadata/instance/compute?api-version=2021-02-01, Metadata: true
 *
 * The instance id and name (for the bill's resource id) are optional: a
 * service that does not give them still identifies the instance type.
 *
 * Every request's timeout is cut to what is left of the shared deadline when
 * it starts, and the event loop itself stops at the deadline, so the whole
 * probe never exceeds the budget (plus scheduling noise). IMDSv1 is only
 * a fallback: unauthenticated calls show up in AWS's MetadataNoToken metric,
 * which fleets watch while they migrate to IMDSv2.
 *
 * Known limit: in a container on EC2 whose IMDSv2 hop limit is 1, the token
 * PUT reply never arrives and the probe times out; DMI still gives the
 * provider and, on Nitro, the instance type (see platform/detect.c).
 */
#include "platform/metadata.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <carbonstat/error.h>

#include "core/clock.h"
#include "core/str.h"
#include "core/why.h"
#include "io/http.h"
#include "io/json.h"

/* ---- small helpers -------------------------------------------------------- */

/* ASCII only, whatever the locale. */
static bool md_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
	       c == '-';
}

static bool md_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Length of body without trailing blanks. */
static size_t md_rtrim(const char *body, size_t len)
{
	while (len > 0 && md_blank(body[len - 1]))
		len--;
	return len;
}

/* Validate p[0..n) as a name and copy it out, NUL-terminated. */
static int md_take_name(const char *p, size_t n, char *out, size_t cap)
{
	size_t i;

	if (n == 0 || n >= CS_MD_NAME_MAX)
		return CS_EINVAL;
	for (i = 0; i < n; i++)
		if (!md_name_char(p[i]))
			return CS_EINVAL;
	return cs_memcpy_str(out, cap, p, n) ? 0 : CS_ERANGE;
}

/* Last '/'-separated element of body[0..len) and, through prev/prev_len, the
 * one before it (prev = NULL if there is none). */
static void md_last_path_elems(const char *body, size_t len, const char **last, size_t *last_len, const char **prev,
                               size_t *prev_len)
{
	size_t i = len, end;

	while (i > 0 && body[i - 1] != '/')
		i--;
	*last = body + i;
	*last_len = len - i;
	*prev = NULL;
	*prev_len = 0;
	if (i == 0)
		return;
	end = i - 1; /* the '/' */
	i = end;
	while (i > 0 && body[i - 1] != '/')
		i--;
	*prev = body + i;
	*prev_len = end - i;
}

static bool md_span_eq(const char *p, size_t n, const char *lit)
{
	return p && strlen(lit) == n && memcmp(p, lit, n) == 0;
}

/* ---- pure parsers ---------------------------------------------------------- */

bool cs_md_valid_name(const char *s)
{
	return cs_str_valid(s, CS_MD_NAME_MAX, md_name_char);
}

int cs_md_parse_aws_text(const char *body, size_t len, char *out, size_t cap)
{
	if (!body || !out)
		return CS_EINVAL;
	return md_take_name(body, md_rtrim(body, len), out, cap);
}

int cs_md_parse_aws_token(const char *body, size_t len, char *out, size_t cap)
{
	size_t i, n;

	if (!body || !out)
		return CS_EINVAL;
	n = md_rtrim(body, len);
	if (n == 0 || n >= CS_MD_TOKEN_MAX)
		return CS_EINVAL;
	/* printable, no blank: it is echoed in a request header */
	for (i = 0; i < n; i++)
		if ((unsigned char)body[i] <= 0x20 || (unsigned char)body[i] >= 0x7f)
			return CS_EINVAL;
	if (n >= cap)
		return CS_ERANGE;
	memcpy(out, body, n);
	out[n] = '\0';
	return 0;
}

int cs_md_aws_region_from_zone(const char *zone, char *out, size_t cap)
{
	size_t n, i, hyphens = 0, seg1 = 0, seg1_len = 0;

	if (!zone || !out || !cs_md_valid_name(zone))
		return CS_EINVAL;
	n = strlen(zone);
	for (i = 0; i < n; i++) {
		if (zone[i] != '-')
			continue;
		hyphens++;
		if (hyphens == 1)
			seg1 = i + 1;
		else if (hyphens == 2)
			seg1_len = i - seg1;
	}
	/* "us-east-1a"; "us-gov-west-1a", "us-iso-east-1a": partitions add one part */
	if (hyphens == 3) {
		const char *s = zone + seg1;

		if (!md_span_eq(s, seg1_len, "gov") && !md_span_eq(s, seg1_len, "iso") &&
		    !md_span_eq(s, seg1_len, "isob") && !md_span_eq(s, seg1_len, "isof"))
			return CS_EINVAL;
	} else if (hyphens != 2) {
		return CS_EINVAL;
	}
	if (n < 3 || zone[n - 1] < 'a' || zone[n - 1] > 'z' || zone[n - 2] < '0' || zone[n - 2] > '9')
		return CS_EINVAL;
	return md_take_name(zone, n - 1, out, cap);
}

int cs_md_parse_gcp_machine_type(const char *body, size_t len, char *out, size_t cap)
{
	const char *last, *prev;
	size_t last_len, prev_len, n;

	if (!body || !out)
		return CS_EINVAL;
	n = md_rtrim(body, len);
	md_last_path_elems(body, n, &last, &last_len, &prev, &prev_len);
	if (last != body && !md_span_eq(prev, prev_len, "machineTypes"))
		return CS_EINVAL;
	return md_take_name(last, last_len, out, cap);
}

int cs_md_parse_gcp_zone(const char *body, size_t len, char *zone, size_t zone_cap, char *region, size_t region_cap)
{
	const char *last, *prev;
	size_t last_len, prev_len, n, dash;
	char z[CS_MD_NAME_MAX], r[CS_MD_NAME_MAX];
	int rc;

	if (!body || !zone || !region)
		return CS_EINVAL;
	n = md_rtrim(body, len);
	md_last_path_elems(body, n, &last, &last_len, &prev, &prev_len);
	if (last != body && !md_span_eq(prev, prev_len, "zones"))
		return CS_EINVAL;
	rc = md_take_name(last, last_len, z, sizeof(z));
	if (rc)
		return rc;
	/* "<region>-<suffix>", and the region itself has a '-' ("europe-west1") */
	dash = last_len;
	while (dash > 0 && z[dash - 1] != '-')
		dash--;
	if (dash < 2 || dash == last_len || !memchr(z, '-', dash - 1))
		return CS_EINVAL;
	rc = md_take_name(z, dash - 1, r, sizeof(r));
	if (rc)
		return rc;
	if (last_len >= zone_cap || dash - 1 >= region_cap)
		return CS_ERANGE;
	memcpy(zone, z, last_len + 1);
	memcpy(region, r, dash);
	return 0;
}

static bool md_id_char(char c)
{
	return md_name_char(c) || c == '/' || c == '(' || c == ')';
}

bool cs_md_valid_id(const char *s)
{
	return cs_str_valid(s, CS_MD_ID_MAX, md_id_char);
}

/* p[0..n) is n chars of digits (and lower-case hex letters when hex). */
static bool md_all_digits(const char *p, size_t n, bool hex)
{
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (hex && p[i] >= 'a' && p[i] <= 'f')))
			return false;
	return true;
}

int cs_md_parse_aws_instance_id(const char *body, size_t len, char *out, size_t cap)
{
	size_t n;

	if (!body || !out)
		return CS_EINVAL;
	n = md_rtrim(body, len);
	/* "i-" then 8 (older) or 17 hex digits */
	if ((n != 10 && n != 19) || body[0] != 'i' || body[1] != '-' || !md_all_digits(body + 2, n - 2, true))
		return CS_EINVAL;
	return md_take_name(body, n, out, cap);
}

int cs_md_parse_gcp_instance_id(const char *body, size_t len, char *out, size_t cap)
{
	size_t n;

	if (!body || !out)
		return CS_EINVAL;
	n = md_rtrim(body, len);
	if (n == 0 || n > 20 || !md_all_digits(body, n, false))
		return CS_EINVAL;
	return md_take_name(body, n, out, cap);
}

/* An Azure resource id ("/subscriptions/.../virtualMachines/NAME") or a vmId
 * (a GUID) from compute's JSON member key; "" when absent or not one. */
static void md_azure_id(json_t *obj, const char *key, bool resource, char *out, size_t cap)
{
	json_t *v = json_object_get(obj, key);
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);

	out[0] = '\0';
	if (!s || n == 0 || n >= cap || n >= CS_MD_ID_MAX || strlen(s) != n)
		return;
	if (resource ? !cs_starts_with(s, "/subscriptions/") : n != 36)
		return;
	for (size_t i = 0; i < n; i++)
		if (resource ? !md_id_char(s[i])
		             : !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		                 (s[i] >= 'A' && s[i] <= 'F') || s[i] == '-'))
			return;
	memcpy(out, s, n + 1);
}

/* Copy a JSON string member that must be a valid name (or "" if allow_empty). */
static int md_json_name(json_t *obj, const char *key, bool required, char *out, size_t cap)
{
	json_t *v = json_object_get(obj, key);

	if (!v) {
		if (required)
			return CS_EINVAL;
		out[0] = '\0';
		return 0;
	}
	if (!json_is_string(v))
		return CS_EINVAL;
	if (json_string_length(v) == 0 && !required) {
		out[0] = '\0';
		return 0;
	}
	return md_take_name(json_string_value(v), json_string_length(v), out, cap);
}

int cs_md_parse_azure_compute(const char *body, size_t len, cs_md_values *out)
{
	json_t *root;
	cs_md_values v;
	int rc = CS_EINVAL;

	if (!out || !(root = cs_json_object(body, len, CS_MD_BODY_MAX)))
		return CS_EINVAL;
	memset(&v, 0, sizeof(v));
	rc = md_json_name(root, "vmSize", true, v.instance_type, sizeof(v.instance_type));
	if (rc)
		goto out;
	rc = md_json_name(root, "location", true, v.region, sizeof(v.region));
	if (rc)
		goto out;
	rc = md_json_name(root, "zone", false, v.zone, sizeof(v.zone));
	if (rc)
		goto out;
	/* which VM: optional, an odd value is dropped rather than failing */
	md_azure_id(root, "resourceId", true, v.instance_id, sizeof(v.instance_id));
	if (!v.instance_id[0])
		md_azure_id(root, "vmId", false, v.instance_id, sizeof(v.instance_id));
	if (md_json_name(root, "name", false, v.instance_name, sizeof(v.instance_name)))
		v.instance_name[0] = '\0';
	*out = v;
out:
	json_decref(root);
	return rc;
}

/* ---- HTTP ------------------------------------------------------------------ */

/* One slot per request kind: each is made at most once per probe. */
typedef enum md_kind {
	MD_AWS_TOKEN,
	MD_AWS_TYPE,
	MD_AWS_REGION,
	MD_AWS_ZONE,
	MD_AWS_ID,
	MD_GCP_TYPE,
	MD_GCP_ZONE,
	MD_GCP_ID,
	MD_GCP_NAME,
	MD_AZURE,
	MD_KIND_COUNT
} md_kind;

typedef struct md_prov md_prov;

typedef struct md_req {
	cs_http *h; /* NULL when the slot is idle */
	md_prov *owner;
	md_kind kind;
} md_req;

struct md_prov {
	cs_provider id;
	const char *name;   /* "aws", "gcp", "azure" for messages */
	const char *source; /* cs_md_result.source on success */
	char base[256];     /* base URL, no trailing '/' */
	bool enabled;
	int inflight;  /* requests of this provider still running */
	bool finished; /* ok or failed, no more requests */
	bool ok;
	bool aws_v1;
	char token[CS_MD_TOKEN_MAX];
	cs_md_values v;
	char why[112]; /* first failure, "aws: token PUT: HTTP 500" */
};

typedef struct md_ctx {
	cs_http_multi *multi;
	md_req reqs[MD_KIND_COUNT];
	md_prov prov[CS_PROVIDER_COUNT];
	double t0_s; /* cs_mono_s() at the start */
	unsigned budget_ms;
	unsigned requests; /* started */
} md_ctx;

/* Each request: its path on the metadata service and, for messages, what it asks. */
static const struct md_request {
	const char *path, *what;
} md_requests[MD_KIND_COUNT] = {
    [MD_AWS_TOKEN] = {"/latest/api/token", "token PUT"},
    [MD_AWS_TYPE] = {"/latest/meta-data/instance-type", "instance-type"},
    [MD_AWS_REGION] = {"/latest/meta-data/placement/region", "placement/region"},
    [MD_AWS_ZONE] = {"/latest/meta-data/placement/availability-zone", "availability-zone"},
    [MD_AWS_ID] = {"/latest/meta-data/instance-id", "instance-id"},
    [MD_GCP_TYPE] = {"/computeMetadata/v1/instance/machine-type", "machine-type"},
    [MD_GCP_ZONE] = {"/computeMetadata/v1/instance/zone", "zone"},
    [MD_GCP_ID] = {"/computeMetadata/v1/instance/id", "id"},
    [MD_GCP_NAME] = {"/computeMetadata/v1/instance/name", "name"},
    [MD_AZURE] = {"/metadata/instance/compute?api-version=2021-02-01", "instance/compute"},
};

static double md_elapsed_ms(const md_ctx *c)
{
	return (cs_mono_s() - c->t0_s) * 1e3;
}

/* Frees what a slot holds (stopping its request if it runs) and makes it idle. */
static void md_req_release(md_req *r)
{
	if (!r->h)
		return;
	cs_http_close(r->h);
	r->h = NULL;
	r->owner->inflight--;
}

/* Marks p failed with "<provider>: <request>: <detail>" (first failure wins). */
static void md_fail(md_prov *p, md_kind kind, const char *detail)
{
	if (p->finished)
		return;
	p->finished = true;
	p->ok = false;
	cs_set_why(p->why, sizeof(p->why), "%s: %s%s: %s", p->name, p->aws_v1 ? "IMDSv1 " : "", md_requests[kind].what,
	           detail);
}

/* Starts request kind for provider p with extra headers (NULL-terminated). */
static int md_start(md_ctx *c, md_prov *p, md_kind kind, const char *const *headers)
{
	md_req *r = &c->reqs[kind];
	char url[sizeof(p->base) + 64];
	cs_http_opts o;
	cs_http_req req;
	int rc;

	/* metadata is host-local: never through a proxy, whatever the
	 * environment says; http only, no redirects, bodies and headers capped */
	memset(&o, 0, sizeof(o));
	o.timeout_s = c->budget_ms / 1e3;
	/* a link-local service answers a connect in well under a millisecond;
	 * waiting long for SYN-ACK only burns the budget of the other requests */
	o.connect_timeout_s = c->budget_ms / 2 > 400 ? c->budget_ms / 2e3 : 0.4;
	o.body_max = CS_MD_BODY_MAX;
	o.header_max = CS_MD_BODY_MAX;
	o.protocols = CS_HTTP_HTTP;
	o.proxy = CS_HTTP_PROXY_NEVER;
	snprintf(url, sizeof(url), "%s%s", p->base, md_requests[kind].path);
	memset(&req, 0, sizeof(req));
	req.method = kind == MD_AWS_TOKEN ? CS_HTTP_PUT : CS_HTTP_GET;
	req.url = url;
	req.headers = headers;
	req.capture_header = "Metadata-Flavor"; /* a GCP answer must carry it back */
	r->owner = p;
	r->kind = kind;
	rc = cs_http_open(&o, &r->h);
	if (rc == 0)
		rc = cs_http_multi_start(c->multi, r->h, &req);
	if (rc) {
		cs_http_close(r->h);
		r->h = NULL;
		md_fail(p, kind, rc == CS_ERANGE ? "no time left in the budget" : "could not set up the request");
		return -1;
	}
	c->requests++;
	p->inflight++;
	return 0;
}

static void md_aws_start_gets(md_ctx *c, md_prov *p, bool with_token)
{
	char hdr[sizeof(p->token) + 40];
	const char *h[] = {hdr, NULL};

	snprintf(hdr, sizeof(hdr), "X-aws-ec2-metadata-token: %s", p->token);
	if (md_start(c, p, MD_AWS_TYPE, with_token ? h : NULL) == 0) {
		md_start(c, p, MD_AWS_REGION, with_token ? h : NULL);
		md_start(c, p, MD_AWS_ZONE, with_token ? h : NULL);
		md_start(c, p, MD_AWS_ID, with_token ? h : NULL);
	}
}

/* Handles one finished transfer; may start the next requests. */
static void md_on_done(md_ctx *c, md_req *r, const cs_http_result *res)
{
	md_prov *p = r->owner;
	/* why it is unusable, or NULL for a 200 we can parse */
	const char *err = res->err != CS_HTTP_OK || res->status != 200 ? res->error : NULL;
	bool flavor_google = res->has_header && strcmp(res->header, "Google") == 0;

	switch (r->kind) {
	case MD_AWS_TOKEN:
		if (!err) {
			if (cs_md_parse_aws_token(res->body, res->len, p->token, sizeof(p->token)))
				md_fail(p, r->kind, "invalid token");
			else
				md_aws_start_gets(c, p, true);
		} else if (res->err == CS_HTTP_OK && (res->status == 403 || res->status == 404 || res->status == 405)) {
			/* no IMDSv2 here (or something in the way refuses PUT) */
			p->aws_v1 = true;
			p->token[0] = '\0';
			md_aws_start_gets(c, p, false);
		} else {
			md_fail(p, r->kind, err);
		}
		break;
	case MD_AWS_TYPE:
		if (err)
			md_fail(p, r->kind, err);
		else if (cs_md_parse_aws_text(res->body, res->len, p->v.instance_type, sizeof(p->v.instance_type)))
			md_fail(p, r->kind, "invalid value");
		break;
	case MD_AWS_REGION:
		/* optional: older IMDS versions lack it; derived from the zone below */
		if (!err && cs_md_parse_aws_text(res->body, res->len, p->v.region, sizeof(p->v.region)))
			p->v.region[0] = '\0';
		break;
	case MD_AWS_ZONE:
		if (!err && cs_md_parse_aws_text(res->body, res->len, p->v.zone, sizeof(p->v.zone)))
			p->v.zone[0] = '\0';
		break;
	case MD_AWS_ID:
		/* optional, as the GCP id and name below: the bill's resource id */
		if (err || cs_md_parse_aws_instance_id(res->body, res->len, p->v.instance_id, sizeof(p->v.instance_id)))
			p->v.instance_id[0] = '\0';
		break;
	case MD_GCP_ID:
		if (err || !flavor_google ||
		    cs_md_parse_gcp_instance_id(res->body, res->len, p->v.instance_id, sizeof(p->v.instance_id)))
			p->v.instance_id[0] = '\0';
		break;
	case MD_GCP_NAME:
		if (err || !flavor_google ||
		    cs_md_parse_aws_text(res->body, res->len, p->v.instance_name, sizeof(p->v.instance_name)))
			p->v.instance_name[0] = '\0';
		break;
	case MD_GCP_TYPE:
	case MD_GCP_ZONE:
		if (r->kind == MD_GCP_ZONE) {
			/* optional: without it we still know the machine type */
			if (err || !flavor_google ||
			    cs_md_parse_gcp_zone(res->body, res->len, p->v.zone, sizeof(p->v.zone), p->v.region,
			                         sizeof(p->v.region)))
				p->v.zone[0] = p->v.region[0] = '\0';
		} else if (err) {
			md_fail(p, r->kind, err);
		} else if (!flavor_google) {
			/* something else answers on this address: not a GCP metadata server */
			md_fail(p, r->kind, "answer lacks Metadata-Flavor: Google");
		} else if (cs_md_parse_gcp_machine_type(res->body, res->len, p->v.instance_type,
		                                        sizeof(p->v.instance_type))) {
			md_fail(p, r->kind, "invalid value");
		}
		break;
	case MD_AZURE:
		if (err)
			md_fail(p, r->kind, err);
		else if (cs_md_parse_azure_compute(res->body, res->len, &p->v))
			md_fail(p, r->kind, "not the expected JSON (vmSize, location)");
		break;
	case MD_KIND_COUNT: break;
	}
	md_req_release(r);
	if (p->inflight == 0 && !p->finished) {
		p->finished = true;
		if (p->id == CS_PROVIDER_AWS && !p->v.region[0] && p->v.zone[0] &&
		    cs_md_aws_region_from_zone(p->v.zone, p->v.region, sizeof(p->v.region)))
			p->v.region[0] = '\0';
		p->ok = p->v.instance_type[0] != '\0';
		if (!p->ok)
			cs_set_why(p->why, sizeof(p->why), "%s: no instance type in the answer", p->name);
	}
}

/* Starts the first requests of every enabled provider. */
static void md_kickoff(md_ctx *c)
{
	static const char *const aws_h[] = {"X-aws-ec2-metadata-token-ttl-seconds: 21600", NULL};
	static const char *const gcp_h[] = {"Metadata-Flavor: Google", NULL};
	static const char *const azure_h[] = {"Metadata: true", NULL};
	md_prov *p;

	p = &c->prov[CS_PROVIDER_AWS];
	if (p->enabled)
		md_start(c, p, MD_AWS_TOKEN, aws_h);
	p = &c->prov[CS_PROVIDER_GCP];
	if (p->enabled && md_start(c, p, MD_GCP_TYPE, gcp_h) == 0) {
		md_start(c, p, MD_GCP_ZONE, gcp_h);
		md_start(c, p, MD_GCP_ID, gcp_h);
		md_start(c, p, MD_GCP_NAME, gcp_h);
	}
	p = &c->prov[CS_PROVIDER_AZURE];
	if (p->enabled)
		md_start(c, p, MD_AZURE, azure_h);
}

/* True when a provider answered or every one has finished (failed ones may
 * still have requests in flight: no need to wait for them). */
static bool md_settled(const md_ctx *c)
{
	int i;
	bool all = true;

	for (i = 0; i < CS_PROVIDER_COUNT; i++) {
		if (!c->prov[i].enabled)
			continue;
		if (c->prov[i].ok)
			return true;
		all = all && c->prov[i].finished;
	}
	return all;
}

/* Runs transfers until every provider is finished, one has answered, or the
 * deadline passes. */
static void md_loop(md_ctx *c)
{
	while (cs_http_multi_running(c->multi) > 0 && !md_settled(c)) {
		cs_http_result res;
		cs_http *done;
		size_t i;

		if (cs_http_multi_next(c->multi, &done, &res) != 1)
			break;
		for (i = 0; i < MD_KIND_COUNT; i++)
			if (c->reqs[i].h == done)
				break;
		if (i < MD_KIND_COUNT)
			md_on_done(c, &c->reqs[i], &res); /* res.body is done's until it is released */
	}
}

static int md_set_base(md_prov *p, const char *url)
{
	size_t n;

	if (!url)
		url = CS_MD_DEFAULT_URL;
	if (cs_http_url_scheme(url) != CS_HTTP_HTTP)
		return CS_EINVAL;
	n = strlen(url);
	if (url[n - 1] == '/')
		n--;
	if (n >= sizeof(p->base))
		return CS_EINVAL;
	memcpy(p->base, url, n);
	p->base[n] = '\0';
	return 0;
}

bool cs_md_valid_url(const char *url)
{
	md_prov p;

	return url && md_set_base(&p, url) == 0;
}

int cs_md_probe(const cs_md_opts *opts, cs_md_result *out)
{
	static const struct {
		cs_provider id;
		const char *name, *source;
	} provs[] = {
	    {CS_PROVIDER_AWS, "aws", "imds-aws"},
	    {CS_PROVIDER_GCP, "gcp", "metadata-gcp"},
	    {CS_PROVIDER_AZURE, "azure", "imds-azure"},
	};
	/* which provider wins if two answer in the same loop turn: the stronger
	 * proof of identity first (GCP echoes a header, Azure a JSON shape) */
	static const cs_provider order[] = {CS_PROVIDER_GCP, CS_PROVIDER_AZURE, CS_PROVIDER_AWS};
	md_ctx *c;
	cs_md_result res;
	size_t i;
	int rc = 0;

	if (!opts || !out || (opts->mask & ~CS_MD_ALL))
		return CS_EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return CS_ENOMEM;
	memset(&res, 0, sizeof(res));
	res.provider = CS_PROVIDER_UNKNOWN;
	res.source = "none";
	c->budget_ms = opts->budget_ms ? opts->budget_ms : CS_MD_BUDGET_DEFAULT_MS;
	if (c->budget_ms > CS_MD_BUDGET_MAX_MS)
		c->budget_ms = CS_MD_BUDGET_MAX_MS;
	for (i = 0; i < sizeof(provs) / sizeof(provs[0]); i++) {
		md_prov *p = &c->prov[provs[i].id];

		p->id = provs[i].id;
		p->name = provs[i].name;
		p->source = provs[i].source;
		p->enabled = (opts->mask & CS_MD_BIT(p->id)) != 0;
		if (p->enabled && md_set_base(p, opts->url[p->id]) != 0) {
			free(c);
			return CS_EINVAL;
		}
	}
	c->t0_s = cs_mono_s();
	if (!opts->mask) {
		cs_set_why(res.why, sizeof(res.why), "no provider to ask");
		goto out;
	}
	rc = cs_http_multi_open(c->t0_s + c->budget_ms / 1e3, &c->multi);
	if (rc)
		goto out;
	md_kickoff(c);
	md_loop(c);

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		md_prov *p = &c->prov[order[i]];

		if (p->enabled && p->ok) {
			res.provider = p->id;
			res.source = p->source;
			res.values = p->v;
			res.aws_v1 = p->aws_v1;
			break;
		}
	}
	if (res.provider == CS_PROVIDER_UNKNOWN) {
		for (i = 0; i < sizeof(provs) / sizeof(provs[0]); i++) {
			md_prov *p = &c->prov[provs[i].id];

			if (!p->enabled)
				continue;
			if (p->finished)
				cs_why_append(res.why, sizeof(res.why), "%s", p->why);
			else
				cs_why_append(res.why, sizeof(res.why), "%s: no answer within %u ms", p->name,
				              c->budget_ms);
		}
	}
out:
	for (i = 0; i < MD_KIND_COUNT; i++)
		md_req_release(&c->reqs[i]);
	cs_http_multi_close(c->multi);
	res.requests = c->requests;
	res.elapsed_ms = md_elapsed_ms(c);
	free(c);
	if (rc == 0)
		*out = res;
	return rc;
}
