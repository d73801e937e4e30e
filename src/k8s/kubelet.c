/* k8s/kubelet.c - kubelet /pods client, PodList parser and pod index.
 *
 * Parsing is two passes over jansson's DOM: the first counts pods,
 * containers, labels and label bytes so that the second fills arrays of
 * exactly the right size (six blocks of one cs_pool per refresh, none per
 * pod).
 * Identity strings are fixed-size fields validated on the way in; labels go
 * to one string pool. Hash indexes are open addressing with linear probing
 * (core/index.h) at load <= 1/2, FNV-1a on the key.
 *
 * HTTP is one io/http client kept for the client's life, so the TLS
 * session and the connection to the kubelet are reused across refreshes.
 */
#include "k8s/kubelet.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include <carbonstat/error.h>

#include "core/clock.h"
#include "core/hash.h"
#include "core/mem.h"
#include "core/str.h"
#include "core/why.h"
#include "io/http.h"
#include "io/json.h"
#include "k8s/quantity.h"

/* ---- small helpers ------------------------------------------------------------- */

static bool kl_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Copies JSON string member key of obj into out[cap] if it is a string that
 * fits and whose chars all pass ok (NULL = any printable ASCII). Returns 0,
 * or CS_EINVAL (absent, not a string, empty, too long, bad char). */
static int kl_json_str(json_t *obj, const char *key, char *out, size_t cap, bool (*ok)(char))
{
	json_t *v = json_object_get(obj, key);
	const char *s;
	size_t n, i;

	if (!json_is_string(v))
		return CS_EINVAL;
	s = json_string_value(v);
	n = json_string_length(v);
	if (n == 0 || n >= cap)
		return CS_EINVAL;
	for (i = 0; i < n; i++) {
		if (ok ? !ok(s[i]) : ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e))
			return CS_EINVAL;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

static bool kl_uid_char(char c)
{
	return kl_alnum(c) || c == '-' || c == '_';
}

static bool kl_name_char(char c)
{
	return kl_alnum(c) || c == '-' || c == '.' || c == '_';
}

/* ---- parse ----------------------------------------------------------------------- */

/* The three container lists of a pod spec, with the status list matching each. */
static const struct {
	const char *spec, *status;
	cs_k8s_ctr_kind kind;
} kl_lists[] = {
    {"containers", "containerStatuses", CS_K8S_CTR_APP},
    {"initContainers", "initContainerStatuses", CS_K8S_CTR_INIT},
    {"ephemeralContainers", "ephemeralContainerStatuses", CS_K8S_CTR_EPHEMERAL},
};
#define KL_NLISTS (sizeof(kl_lists) / sizeof(kl_lists[0]))

static size_t kl_array_size(json_t *obj, const char *key)
{
	json_t *a = json_object_get(obj, key);

	return json_is_array(a) ? json_array_size(a) : 0;
}

/* A requests map member ("cpu"/"memory") as a quantity; 0 when absent. */
static double kl_request(json_t *requests, const char *key, size_t *bad)
{
	json_t *v = json_object_get(requests, key);
	double d;

	if (!v)
		return 0;
	if (!json_is_string(v) || cs_qty_parse(json_string_value(v), json_string_length(v), &d) != 0) {
		(*bad)++;
		return 0;
	}
	return d;
}

/* "containerd://abc" -> runtime "containerd", id "abc". 0, or CS_EINVAL. */
static int kl_split_container_id(const char *s, size_t n, cs_k8s_container *c)
{
	const char *sep = NULL;
	size_t i, rt_len, id_len;

	for (i = 0; i + 2 < n; i++) {
		if (s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/') {
			sep = s + i;
			break;
		}
	}
	if (!sep)
		return CS_EINVAL;
	rt_len = (size_t)(sep - s);
	id_len = n - rt_len - 3;
	if (rt_len == 0 || rt_len >= sizeof(c->runtime) || id_len == 0 || id_len >= sizeof(c->id))
		return CS_EINVAL;
	for (i = 0; i < rt_len; i++)
		if (!(kl_alnum(s[i]) || s[i] == '-' || s[i] == '.'))
			return CS_EINVAL;
	for (i = 0; i < id_len; i++)
		if (!kl_alnum(sep[3 + i]))
			return CS_EINVAL;
	memcpy(c->runtime, s, rt_len);
	c->runtime[rt_len] = '\0';
	memcpy(c->id, sep + 3, id_len);
	c->id[id_len] = '\0';
	return 0;
}

/* Fills c from a spec container and, if any, the status of the same name. */
static int kl_fill_container(json_t *spec_c, json_t *statuses, cs_k8s_ctr_kind kind, cs_k8s_container *c, size_t *bad)
{
	json_t *res, *req, *st;
	size_t i;

	memset(c, 0, sizeof(*c));
	if (!json_is_object(spec_c) || kl_json_str(spec_c, "name", c->name, sizeof(c->name), kl_name_char))
		return CS_EINVAL;
	c->kind = kind;
	if (kind == CS_K8S_CTR_INIT) {
		json_t *rp = json_object_get(spec_c, "restartPolicy");

		if (json_is_string(rp) && strcmp(json_string_value(rp), "Always") == 0)
			c->kind = CS_K8S_CTR_SIDECAR;
	}
	res = json_object_get(spec_c, "resources");
	req = json_is_object(res) ? json_object_get(res, "requests") : NULL;
	if (json_is_object(req)) {
		c->cpu_request_cores = kl_request(req, "cpu", bad);
		c->mem_request_bytes = kl_request(req, "memory", bad);
	}
	json_array_foreach(statuses, i, st)
	{
		json_t *nm = json_is_object(st) ? json_object_get(st, "name") : NULL;
		json_t *id;

		if (!json_is_string(nm) || strcmp(json_string_value(nm), c->name) != 0)
			continue;
		id = json_object_get(st, "containerID");
		if (json_is_string(id) && json_string_length(id) > 0 &&
		    kl_split_container_id(json_string_value(id), json_string_length(id), c) != 0) {
			c->id[0] = c->runtime[0] = '\0';
		}
		break;
	}
	return 0;
}

/* Slot table of 2^k >= 2n entries (at least 16). */
static bool kl_pod_has(const void *ctx, uint32_t i, const void *uid)
{
	return strcmp(((const cs_podlist *)ctx)->pods[i].uid, uid) == 0;
}

static bool kl_ctr_has(const void *ctx, uint32_t i, const void *id)
{
	return strcmp(((const cs_podlist *)ctx)->ctrs[i].id, id) == 0;
}

/* Indexes item under key unless the key is already there; false then. */
static bool kl_index_put(cs_index *ix, cs_index_eq_fn eq, const cs_podlist *pl, const char *key, uint32_t item)
{
	uint32_t found;
	size_t pos = cs_index_probe(ix, cs_fnv1a_str(CS_FNV_OFFSET, key), eq, pl, key, &found);

	if (found != CS_INDEX_NONE)
		return false;
	cs_index_set(ix, pos, item);
	return true;
}

/* A string member of an object member of obj (labels, annotations); NULL
 * when any of it is absent or not a string. */
static const char *kl_str_in(json_t *obj, const char *map, const char *key)
{
	json_t *m = json_object_get(obj, map);
	json_t *v = json_is_object(m) ? json_object_get(m, key) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The pod's owner (k8s/owner.h) from metadata: its controller reference
 * (the first with controller: true), the template-hash labels, the
 * config.source annotation; and spec.nodeName. */
static void kl_fill_owner(json_t *meta, json_t *spec, cs_k8s_pod *p)
{
	json_t *refs = json_object_get(meta, "ownerReferences"), *ref;
	cs_k8s_owner_in in = {.pod_name = p->name};
	size_t i;

	json_array_foreach(refs, i, ref)
	{
		json_t *k = json_object_get(ref, "kind"), *n = json_object_get(ref, "name");

		if (!json_is_true(json_object_get(ref, "controller")))
			continue;
		if (json_is_string(k) && json_is_string(n)) {
			in.ref_kind = json_string_value(k);
			in.ref_name = json_string_value(n);
		}
		break;
	}
	in.template_hash = kl_str_in(meta, "labels", "pod-template-hash");
	in.rollouts_hash = kl_str_in(meta, "labels", "rollouts-pod-template-hash");
	in.config_source = kl_str_in(meta, "annotations", "kubernetes.io/config.source");
	if (json_is_object(spec)) {
		json_t *nn = json_object_get(spec, "nodeName");

		in.node_name = json_is_string(nn) ? json_string_value(nn) : NULL;
	}
	(void)cs_k8s_owner_resolve(&in, p->owner_kind, p->owner); /* the name was checked */
}

/* Fills one pod (and its containers and labels) at the ends of pl's arrays.
 * Returns 0, or CS_EINVAL when the item is not a usable pod (nothing kept). */
static int kl_fill_pod(json_t *item, cs_podlist *pl)
{
	json_t *meta, *spec, *status, *labels, *v, *ov;
	cs_k8s_pod *p = &pl->pods[pl->n_pods];
	size_t i, first_ctr = pl->n_ctrs, first_label = pl->n_labels, l;
	const char *key;

	if (!json_is_object(item))
		return CS_EINVAL;
	meta = json_object_get(item, "metadata");
	spec = json_object_get(item, "spec");
	status = json_object_get(item, "status");
	if (!json_is_object(meta))
		return CS_EINVAL;
	memset(p, 0, sizeof(*p));
	if (kl_json_str(meta, "uid", p->uid, sizeof(p->uid), kl_uid_char) ||
	    kl_json_str(meta, "name", p->name, sizeof(p->name), kl_name_char) ||
	    kl_json_str(meta, "namespace", p->namespace_, sizeof(p->namespace_), kl_name_char))
		return CS_EINVAL;
	/* the cgroup scanner canonicalises systemd's '_' to '-'; so do we */
	for (i = 0; p->uid[i]; i++)
		if (p->uid[i] == '_')
			p->uid[i] = '-';
	if (!kl_index_put(&pl->pod_ix, kl_pod_has, pl, p->uid, (uint32_t)pl->n_pods))
		return CS_EINVAL; /* duplicate uid: keep the first */
	kl_fill_owner(meta, spec, p);
	if (json_is_object(spec) && !pl->node_name[0])
		if (kl_json_str(spec, "nodeName", pl->node_name, sizeof(pl->node_name), kl_name_char))
			pl->node_name[0] = '\0';
	/* containers */
	for (l = 0; l < KL_NLISTS && json_is_object(spec); l++) {
		json_t *arr = json_object_get(spec, kl_lists[l].spec);
		json_t *st = json_is_object(status) ? json_object_get(status, kl_lists[l].status) : NULL;
		json_t *c;

		if (!json_is_array(arr))
			continue;
		if (!json_is_array(st))
			st = NULL;
		json_array_foreach(arr, i, c)
		{
			cs_k8s_container *k = &pl->ctrs[pl->n_ctrs];

			if (kl_fill_container(c, st, kl_lists[l].kind, k, &pl->bad_quantities))
				continue;
			k->pod = (uint32_t)pl->n_pods;
			if (k->kind == CS_K8S_CTR_APP || k->kind == CS_K8S_CTR_SIDECAR) {
				p->cpu_request_cores += k->cpu_request_cores;
				p->mem_request_bytes += k->mem_request_bytes;
			}
			if (k->id[0] && !kl_index_put(&pl->ctr_ix, kl_ctr_has, pl, k->id, (uint32_t)pl->n_ctrs))
				k->id[0] = '\0'; /* an id twice: the first keeps it */
			pl->n_ctrs++;
		}
	}
	/* RuntimeClass overhead is reserved on the node for the pod too */
	ov = json_is_object(spec) ? json_object_get(spec, "overhead") : NULL;
	if (json_is_object(ov)) {
		p->cpu_request_cores += kl_request(ov, "cpu", &pl->bad_quantities);
		p->mem_request_bytes += kl_request(ov, "memory", &pl->bad_quantities);
	}
	/* labels */
	labels = json_object_get(meta, "labels");
	if (json_is_object(labels)) {
		json_object_foreach(labels, key, v)
		{
			size_t kn = strlen(key), vn;

			if (!json_is_string(v) || kn == 0)
				continue;
			vn = json_string_length(v);
			if (memchr(json_string_value(v), '\0', vn))
				continue;
			pl->labels[pl->n_labels].key = (uint32_t)pl->pool_len;
			memcpy(pl->pool + pl->pool_len, key, kn + 1);
			pl->pool_len += kn + 1;
			pl->labels[pl->n_labels].value = (uint32_t)pl->pool_len;
			memcpy(pl->pool + pl->pool_len, json_string_value(v), vn);
			pl->pool[pl->pool_len + vn] = '\0';
			pl->pool_len += vn + 1;
			pl->n_labels++;
		}
	}
	p->first_ctr = (uint32_t)first_ctr;
	p->n_ctrs = (uint32_t)(pl->n_ctrs - first_ctr);
	p->first_label = (uint32_t)first_label;
	p->n_labels = (uint32_t)(pl->n_labels - first_label);
	pl->n_pods++;
	return 0;
}

/* Gives ix slots for items from the podlist's pool (it is built once, so
 * its slots live and go with the podlist's other arrays). */
static bool kl_index_lend(cs_pool *mem, cs_index *ix, size_t items)
{
	ix->n = cs_index_slots_for(items);
	ix->slot = cs_pool_calloc(mem, ix->n, sizeof(*ix->slot));
	return ix->slot != NULL;
}

int cs_kubelet_parse_pods(const char *json, size_t len, cs_podlist *out)
{
	json_t *root, *items, *item, *kind;
	cs_podlist pl;
	size_t n_items, n_ctrs = 0, n_labels = 0, pool = 0, i, l;
	int rc = CS_EINVAL;

	if (!out || !(root = cs_json_object(json, len, 0)))
		return CS_EINVAL;
	memset(&pl, 0, sizeof(pl));
	kind = json_object_get(root, "kind");
	if (kind && (!json_is_string(kind) || strcmp(json_string_value(kind), "PodList") != 0))
		goto out;
	items = json_object_get(root, "items");
	if (json_is_null(items)) {
		items = NULL; /* an empty node may answer "items": null */
	} else if (!json_is_array(items)) {
		goto out;
	}
	n_items = items ? json_array_size(items) : 0;
	if (n_items >= UINT32_MAX / 4)
		goto out;
	/* pass 1: sizes */
	for (i = 0; i < n_items; i++) {
		json_t *meta, *spec, *labels, *v;
		const char *key;

		item = json_array_get(items, i);
		if (!json_is_object(item))
			continue;
		spec = json_object_get(item, "spec");
		for (l = 0; l < KL_NLISTS && json_is_object(spec); l++)
			n_ctrs += kl_array_size(spec, kl_lists[l].spec);
		meta = json_object_get(item, "metadata");
		labels = json_is_object(meta) ? json_object_get(meta, "labels") : NULL;
		if (json_is_object(labels)) {
			json_object_foreach(labels, key, v)
			{
				if (!json_is_string(v))
					continue;
				n_labels++;
				pool += strlen(key) + 1 + json_string_length(v) + 1;
			}
		}
	}
	if (n_ctrs >= UINT32_MAX / 4 || n_labels >= UINT32_MAX / 4 || pool >= UINT32_MAX)
		goto out;
	rc = CS_ENOMEM;
	pl.pods = cs_pool_calloc(&pl.mem, n_items, sizeof(*pl.pods));
	pl.ctrs = cs_pool_calloc(&pl.mem, n_ctrs, sizeof(*pl.ctrs));
	pl.labels = cs_pool_calloc(&pl.mem, n_labels, sizeof(*pl.labels));
	pl.pool = cs_pool_calloc(&pl.mem, pool, 1);
	if (!pl.pods || !pl.ctrs || !pl.labels || !pl.pool || !kl_index_lend(&pl.mem, &pl.pod_ix, n_items) ||
	    !kl_index_lend(&pl.mem, &pl.ctr_ix, n_ctrs))
		goto out;
	/* pass 2: fill */
	for (i = 0; i < n_items; i++) {
		size_t c0 = pl.n_ctrs, l0 = pl.n_labels, p0 = pl.pool_len;

		if (kl_fill_pod(json_array_get(items, i), &pl) != 0) {
			/* roll back whatever a rejected item wrote (it was rejected
			 * before any container was indexed) */
			pl.n_ctrs = c0;
			pl.n_labels = l0;
			pl.pool_len = p0;
			pl.skipped_pods++;
		}
	}
	*out = pl;
	memset(&pl, 0, sizeof(pl));
	rc = 0;
out:
	cs_podlist_free(&pl);
	json_decref(root);
	return rc;
}

void cs_podlist_free(cs_podlist *pl)
{
	if (!pl)
		return;
	cs_pool_free(&pl->mem);
	*pl = (cs_podlist){0};
}

/* The item of key in ix (a podlist's), or CS_INDEX_NONE. */
static uint32_t kl_find(const cs_index *ix, cs_index_eq_fn eq, const cs_podlist *pl, const char *key)
{
	if (!key || !key[0])
		return CS_INDEX_NONE;
	return cs_index_find(ix, cs_fnv1a_str(CS_FNV_OFFSET, key), eq, pl, key);
}

const cs_k8s_pod *cs_podlist_find_pod(const cs_podlist *pl, const char *uid)
{
	uint32_t i = pl ? kl_find(&pl->pod_ix, kl_pod_has, pl, uid) : CS_INDEX_NONE;

	return i != CS_INDEX_NONE ? &pl->pods[i] : NULL;
}

const cs_k8s_container *cs_podlist_find_container(const cs_podlist *pl, const char *id)
{
	uint32_t i = pl ? kl_find(&pl->ctr_ix, kl_ctr_has, pl, id) : CS_INDEX_NONE;

	return i != CS_INDEX_NONE ? &pl->ctrs[i] : NULL;
}

const char *cs_podlist_pod_label(const cs_podlist *pl, const cs_k8s_pod *p, const char *key)
{
	uint32_t i;

	if (!pl || !p || !key)
		return NULL;
	for (i = 0; i < p->n_labels; i++) {
		const cs_k8s_label *l = &pl->labels[p->first_label + i];

		if (strcmp(pl->pool + l->key, key) == 0)
			return pl->pool + l->value;
	}
	return NULL;
}

/* Copies src into a fixed field, truncating (pod names can be 253 chars). */
static void kl_set(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* ---- client ---------------------------------------------------------------------- */

/* Pod UIDs noted unknown since the last refresh, and those still unknown
 * right after it. Small fixed sets: past their size, every unknown UID
 * counts (the rate limit still holds). */
#define KL_UIDSET 64

typedef struct kl_uidset {
	char uid[KL_UIDSET][40];
	size_t n;
} kl_uidset;

struct cs_kubelet {
	char url[CS_CONF_PATH_MAX];
	char token_file[CS_CONF_PATH_MAX];
	char ca_file[CS_CONF_PATH_MAX];
	bool send_token; /* https:// and a token file */
	bool insecure;
	bool ctr_pending; /* a new container id seen, not refreshed since */
	double refresh_s, timeout_s, min_interval_s;
	char shown[CS_CONF_PATH_MAX]; /* url for messages, without user:password@ */
	cs_http *http;                /* kept: connection and TLS session reuse */
	size_t body_max;
	cs_podlist index;   /* last good answer */
	uint64_t body_hash; /* of that answer's bytes (FNV-1a), with its length */
	size_t body_len;
	cs_kubelet_stats st;
	kl_uidset pending; /* unknown since the last refresh */
	kl_uidset missing; /* still unknown after the last refresh */
	char err[512];
};

static bool kl_uidset_has(const kl_uidset *s, const char *uid)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->uid[i], uid) == 0)
			return true;
	return false;
}

static void kl_uidset_add(kl_uidset *s, const char *uid)
{
	if (s->n < KL_UIDSET && !kl_uidset_has(s, uid))
		kl_set(s->uid[s->n++], sizeof(s->uid[0]), uid);
}

int cs_kubelet_open(const cs_kubelet_opts *o, cs_kubelet **out)
{
	cs_kubelet_opts def;
	cs_http_opts ho;
	cs_kubelet *k;
	const char *ip;
	unsigned scheme;
	int rc;

	if (!out)
		return CS_EINVAL;
	if (!o) {
		memset(&def, 0, sizeof(def));
		o = &def;
	}
	if (o->refresh_s < 0 || o->timeout_s < 0 || o->min_interval_s < 0 || o->timeout_s > 600)
		return CS_EINVAL;
	k = calloc(1, sizeof(*k));
	if (!k)
		return CS_ENOMEM;
	if (o->url && o->url[0]) {
		if (!cs_http_url_scheme(o->url) || !cs_strcpy_fit(k->url, sizeof(k->url), o->url)) {
			free(k);
			return CS_EINVAL;
		}
	} else {
		/* NODE_IP from the downward API (status.hostIP); an IPv6 address
		 * needs brackets in a URL */
		ip = getenv("NODE_IP");
		if (!ip || !ip[0] || strlen(ip) > 64 || strspn(ip, "0123456789abcdefABCDEF.:") != strlen(ip))
			ip = "127.0.0.1";
		snprintf(k->url, sizeof(k->url), strchr(ip, ':') ? "https://[%s]:%d/pods" : "https://%s:%d/pods", ip,
		         CS_KUBELET_DEFAULT_PORT);
	}
	scheme = cs_http_url_scheme(k->url);
	cs_http_url_shown(k->url, k->shown, sizeof(k->shown));
	(void)cs_strcpy_fit(k->token_file, sizeof(k->token_file),
	                    o->token_file ? o->token_file : CS_KUBELET_DEFAULT_TOKEN);
	(void)cs_strcpy_fit(k->ca_file, sizeof(k->ca_file), o->ca_file ? o->ca_file : CS_KUBELET_DEFAULT_CA);
	k->send_token = scheme == CS_HTTP_HTTPS && k->token_file[0];
	k->insecure = o->insecure_skip_verify;
	k->refresh_s = o->refresh_s > 0 ? o->refresh_s : CS_KUBELET_DEFAULT_REFRESH_S;
	k->timeout_s = o->timeout_s > 0 ? o->timeout_s : CS_KUBELET_DEFAULT_TIMEOUT_S;
	k->min_interval_s = o->min_interval_s > 0 ? o->min_interval_s : CS_KUBELET_DEFAULT_MIN_INTERVAL_S;
	if (k->min_interval_s > k->refresh_s)
		k->min_interval_s = k->refresh_s;
	k->body_max = o->body_max ? o->body_max : CS_KUBELET_BODY_MAX;
	k->st.last_attempt_s = k->st.last_ok_s = -1;
	/* the kubelet is on this node: never through a proxy, no redirects,
	 * only the URL's own scheme */
	memset(&ho, 0, sizeof(ho));
	ho.url = k->url;
	ho.timeout_s = k->timeout_s;
	ho.body_max = k->body_max;
	ho.protocols = scheme;
	ho.proxy = CS_HTTP_PROXY_NEVER;
	ho.ca_file = scheme == CS_HTTP_HTTPS ? k->ca_file : NULL;
	ho.insecure_skip_verify = k->insecure;
	ho.decompress = true; /* gzip if the kubelet offers it */
	rc = cs_http_open(&ho, &k->http);
	if (rc) {
		free(k);
		return rc == CS_EINVAL ? CS_EINVAL : CS_ENOMEM;
	}
	*out = k;
	return 0;
}

void cs_kubelet_close(cs_kubelet *k)
{
	if (!k)
		return;
	cs_http_close(k->http);
	cs_podlist_free(&k->index);
	/* the token never stayed in memory past a request; nothing to wipe */
	free(k);
}

/* Reads the token (re-read per request: projected tokens rotate hourly).
 * Returns 0, or fills k->err. */
static int kl_read_token(cs_kubelet *k, char *tok, size_t cap)
{
	int rc = cs_http_read_secret(k->token_file, tok, cap);

	if (rc == CS_EINVAL)
		cs_set_why(k->err, sizeof(k->err),
		           "kubelet %s: the token file %s does not hold a bearer token (empty, too long or "
		           "not printable); check [kubelet] token_file",
		           k->shown, k->token_file);
	else if (rc)
		cs_set_why(k->err, sizeof(k->err),
		           "kubelet %s: cannot read the service-account token %s: %s; run in a pod with a "
		           "service-account token mounted or set [kubelet] token_file",
		           k->shown, k->token_file, cs_strerror(rc));
	return rc ? CS_EUNAVAIL : 0;
}

/* One-line diagnosis of a request that did not give a 200. */
static void kl_explain(cs_kubelet *k, const cs_http_result *r)
{
	const char *u = k->shown;

	switch (r->err) {
	case CS_HTTP_OK: break;
	case CS_HTTP_E_TOO_BIG:
		cs_set_why(k->err, sizeof(k->err), "kubelet %s: answer larger than %zu bytes; refused", u, k->body_max);
		return;
	case CS_HTTP_E_TIMEOUT:
		cs_set_why(k->err, sizeof(k->err),
		           "kubelet %s: no answer within %g s; check the kubelet, or raise [kubelet] timeout_s", u,
		           k->timeout_s);
		return;
	case CS_HTTP_E_CONNECT:
		cs_set_why(k->err, sizeof(k->err),
		           "kubelet %s: %s; is the kubelet reachable from here (hostNetwork, NODE_IP from "
		           "status.hostIP, or [kubelet] url)?",
		           u, r->error);
		return;
	case CS_HTTP_E_TLS_VERIFY:
		cs_set_why(k->err, sizeof(k->err),
		           "kubelet %s: TLS certificate not verified with %s (%s); kubelet serving certificates "
		           "are often self-signed: enable serverTLSBootstrap, set [kubelet] ca_file, or "
		           "insecure_skip_verify = true on kind/minikube",
		           u, k->ca_file[0] ? k->ca_file : "the system CA store", r->error);
		return;
	default: cs_set_why(k->err, sizeof(k->err), "kubelet %s: %s", u, r->error); return;
	}
	if (r->status == 401)
		cs_set_why(k->err, sizeof(k->err),
		           "kubelet %s: HTTP 401: the token in %s was refused; it must be a valid service-account "
		           "token and the kubelet must run with --authentication-token-webhook",
		           u, k->token_file);
	else if (r->status == 403)
		cs_set_why(k->err, sizeof(k->err),
		           "kubelet %s: HTTP 403: the service account may not read the kubelet's pods; grant it "
		           "get on nodes/proxy (ClusterRole rule: apiGroups [\"\"], resources [\"nodes/proxy\"], "
		           "verbs [\"get\"])",
		           u);
	else
		cs_set_why(k->err, sizeof(k->err), "kubelet %s: HTTP %ld", u, r->status);
}

static int kl_fetch(cs_kubelet *k, double now_s)
{
	char tok[CS_KUBELET_TOKEN_MAX + 1];
	char auth[sizeof(tok) + 32];
	const char *hdrs[] = {auth, NULL};
	cs_http_req req = {.accept = "application/json"};
	cs_http_result res;
	cs_podlist pl;
	double t0 = cs_mono_s();
	uint64_t hash;
	int ret = CS_EUNAVAIL;

	k->st.requests++;
	k->st.last_attempt_s = now_s;
	k->err[0] = '\0';
	if (k->send_token) {
		if (kl_read_token(k, tok, sizeof(tok)) != 0)
			goto done;
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tok);
		memset(tok, 0, sizeof(tok));
		req.headers = hdrs;
	}
	/* the client wipes its own copy of the headers when the request ends */
	cs_http_do(k->http, &req, &res);
	memset(auth, 0, sizeof(auth));
	k->st.last_bytes = res.len;
	if (res.err != CS_HTTP_OK || res.status != 200) {
		kl_explain(k, &res);
		goto done;
	}
	/* A node's pods seldom change between two polls: the same bytes are
	 * the same index, and the workloads need not be annotated again (a
	 * re-parse and re-annotation cost ~1 ms per 1,000 containers) */
	hash = cs_fnv1a(CS_FNV_OFFSET, res.body, res.len);
	if (k->st.last_ok_s >= 0 && res.len == k->body_len && hash == k->body_hash) {
		k->st.unchanged++;
		k->st.last_ok_s = now_s;
		ret = 1;
		goto done;
	}
	if (res.len == 0 || cs_kubelet_parse_pods(res.body, res.len, &pl) != 0) {
		cs_set_why(k->err, sizeof(k->err),
		           "kubelet %s: the answer (%zu bytes) is not a PodList JSON; is this URL the kubelet's "
		           "/pods endpoint?",
		           k->shown, res.len);
		goto done;
	}
	cs_podlist_free(&k->index);
	k->index = pl;
	k->body_hash = hash;
	k->body_len = res.len;
	k->st.generation++;
	k->st.pods = pl.n_pods;
	k->st.containers = pl.n_ctrs;
	k->st.last_ok_s = now_s;
	ret = 1;
done:
	k->st.last_duration_ms = (cs_mono_s() - t0) * 1e3;
	if (ret == 1) {
		size_t i;

		k->st.consecutive_failures = 0;
		k->ctr_pending = false;
		/* what was unknown and still is: not worth another early refresh */
		k->missing.n = 0;
		for (i = 0; i < k->pending.n; i++)
			if (!cs_podlist_find_pod(&k->index, k->pending.uid[i]))
				kl_uidset_add(&k->missing, k->pending.uid[i]);
		k->pending.n = 0;
	} else {
		k->st.failures++;
		k->st.consecutive_failures++;
	}
	return ret;
}

/* Rate limit: min_interval_s, doubled per consecutive failure, at most refresh_s. */
static double kl_min_gap(const cs_kubelet *k)
{
	double g = k->min_interval_s;
	unsigned i;

	for (i = 1; i < k->st.consecutive_failures && g < k->refresh_s; i++)
		g *= 2;
	return g < k->refresh_s ? g : k->refresh_s;
}

int cs_kubelet_refresh(cs_kubelet *k, double now_s, bool force)
{
	if (!k)
		return CS_EINVAL;
	if (!force && k->st.last_attempt_s >= 0 && now_s - k->st.last_attempt_s < kl_min_gap(k))
		return 0;
	return kl_fetch(k, now_s);
}

int cs_kubelet_maybe_refresh(cs_kubelet *k, double now_s, bool unknown_uid_seen)
{
	double since;

	if (!k)
		return CS_EINVAL;
	if (k->st.last_attempt_s < 0)
		return kl_fetch(k, now_s);
	since = now_s - k->st.last_attempt_s;
	if (since >= k->refresh_s || ((unknown_uid_seen || k->ctr_pending) && since >= kl_min_gap(k)))
		return kl_fetch(k, now_s);
	return 0;
}

uint64_t cs_kubelet_generation(const cs_kubelet *k)
{
	return k ? k->st.generation : 0;
}

bool cs_kubelet_note_unknown(cs_kubelet *k, const char *uid, const char *ctr_id)
{
	if (!k || !uid)
		return false;
	if (ctr_id) {
		/* kept until a refresh: the one the rate limit defers still comes */
		k->ctr_pending = true;
		return true;
	}
	if (kl_uidset_has(&k->missing, uid))
		return false;
	kl_uidset_add(&k->pending, uid);
	return true;
}

const cs_podlist *cs_kubelet_pods(const cs_kubelet *k)
{
	return &k->index;
}

const char *cs_kubelet_last_error(const cs_kubelet *k)
{
	return k ? k->err : "";
}

const char *cs_kubelet_url(const cs_kubelet *k)
{
	return k ? k->url : "";
}

void cs_kubelet_get_stats(const cs_kubelet *k, cs_kubelet_stats *out)
{
	if (k && out)
		*out = k->st;
}
