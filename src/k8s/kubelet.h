/* k8s/kubelet.h - pod metadata from the kubelet of this node.
 *
 * The kubelet's /pods endpoint (port 10250, HTTPS, service-account bearer
 * token) lists every pod bound to this node - about 110 at most - with uid,
 * name, namespace, labels, each container's name, requests and runtime id.
 * One GET refreshes everything: never a request per namespace, pod or
 * container, and never the API server (40,000 containers per cluster would
 * make every node's agent a load on it).
 *
 * The answer becomes a cs_podlist: flat arrays (pods, containers, labels,
 * one string pool) with two core/index.h indexes, pod uid -> pod and
 * container id -> container, built once per refresh; each pod's owner
 * (k8s/owner.h: its controller's Deployment, CronJob...) is resolved then
 * too, so a cycle only copies it. This module exposes
 * lookups only: putting the names and requests on workloads is attribution's
 * (attribution/pod_meta.h), two hash lookups per workload, so it can run
 * every cycle.
 *
 * Refresh policy (cs_kubelet_maybe_refresh): on a timer (refresh_s, 60 s by
 * default) and when the scanner reports a workload whose pod UID the index
 * does not know (a pod just started) or a new container whose id it does not
 * know (a container restarted with a new id), but never more often than
 * min_interval_s (5 s), doubled after each consecutive failure up to
 * refresh_s. A UID still unknown right after a refresh (a pod being torn down
 * whose cgroup lingers, an orphan) does not trigger again until the next
 * timer refresh.
 *
 * Failures (refused, timeout, TLS, 401/403, 5xx, over the size cap, not a
 * PodList) keep the last good index and set one line naming the URL and the
 * fix, readable with cs_kubelet_last_error; attribution by cgroup id goes on.
 * The token file is re-read on every request (projected tokens rotate) and
 * never printed. Proxies are never used and redirects never followed.
 *
 * Not thread-safe: one cs_kubelet per sampling loop.
 */
#ifndef CS_K8S_KUBELET_H
#define CS_K8S_KUBELET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "core/index.h"
#include "core/mem.h"
#include "k8s/owner.h"

#define CS_KUBELET_DEFAULT_TOKEN          "/var/run/secrets/kubernetes.io/serviceaccount/token"
#define CS_KUBELET_DEFAULT_CA             "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"
#define CS_KUBELET_DEFAULT_PORT           10250
#define CS_KUBELET_DEFAULT_REFRESH_S      60.0
#define CS_KUBELET_DEFAULT_TIMEOUT_S      2.0
#define CS_KUBELET_DEFAULT_MIN_INTERVAL_S 5.0
/* Largest answer accepted: 110 pods are ~1 MB; this leaves room for nodes
 * with --max-pods raised and huge annotations. */
#define CS_KUBELET_BODY_MAX  (64u << 20)
#define CS_KUBELET_TOKEN_MAX 16384

/* ---- the pod index (pure: parse and lookups, no I/O) ------------------------ */

typedef enum cs_k8s_ctr_kind {
	CS_K8S_CTR_APP = 0,   /* spec.containers */
	CS_K8S_CTR_INIT,      /* spec.initContainers (run to completion before the app) */
	CS_K8S_CTR_SIDECAR,   /* spec.initContainers with restartPolicy: Always */
	CS_K8S_CTR_EPHEMERAL, /* spec.ephemeralContainers (kubectl debug) */
} cs_k8s_ctr_kind;

typedef struct cs_k8s_container {
	char name[64];    /* DNS label, <= 63 chars */
	char id[72];      /* runtime id without "containerd://" etc.; "" = not started */
	char runtime[16]; /* the scheme: "containerd", "cri-o", "docker"; "" */
	cs_k8s_ctr_kind kind;
	double cpu_request_cores; /* resources.requests; 0 = none */
	double mem_request_bytes;
	uint32_t pod; /* index in cs_podlist.pods */
} cs_k8s_container;

typedef struct cs_k8s_label {
	uint32_t key, value; /* offsets of NUL-terminated strings in cs_podlist.pool */
} cs_k8s_label;

typedef struct cs_k8s_pod {
	char uid[40];   /* as the kubelet gives it ('-' form; static pods: 32 hex) */
	char name[254]; /* DNS subdomain, <= 253 chars */
	char namespace_[64];
	/* The workload-level owner (k8s/owner.h): "Deployment" "web" for a pod
	 * of ReplicaSet web-7d4b9c8f6, "StaticPod", "Pod" for a bare pod... */
	char owner_kind[CS_K8S_OWNER_KIND_MAX];
	char owner[CS_K8S_OWNER_NAME_MAX];
	uint32_t first_ctr, n_ctrs;     /* slice of cs_podlist.ctrs */
	uint32_t first_label, n_labels; /* slice of cs_podlist.labels */
	/* What the pod holds on the node while it runs: app containers +
	 * sidecars + spec.overhead (plain init containers have exited). */
	double cpu_request_cores;
	double mem_request_bytes;
} cs_k8s_pod;

typedef struct cs_podlist {
	cs_k8s_pod *pods;
	size_t n_pods;
	cs_k8s_container *ctrs;
	size_t n_ctrs;
	cs_k8s_label *labels;
	size_t n_labels;
	char *pool; /* label strings */
	size_t pool_len;
	cs_index pod_ix;       /* pods by uid */
	cs_index ctr_ix;       /* containers by runtime id */
	cs_pool mem;           /* owns the arrays above, pool and the indexes' slots */
	char node_name[254];   /* spec.nodeName of the first pod that has one */
	size_t skipped_pods;   /* items without a usable uid/name/namespace, or duplicates */
	size_t bad_quantities; /* requests that were not valid quantities (taken as 0) */
} cs_podlist;

/* Parses a kubelet /pods answer (a v1 PodList; json need not be
 * NUL-terminated, at most len bytes are read) into *out, which is written
 * only on success (free it with cs_podlist_free). Returns 0, CS_EINVAL when
 * it is not a PodList JSON object with an "items" array, CS_ENOMEM. Items
 * that are not usable pods are skipped and counted, not fatal: one odd pod
 * must not blind the node. Fuzzed by tests/fuzz/fuzz_kubelet_json.c. */
int cs_kubelet_parse_pods(const char *json, size_t len, cs_podlist *out);

/* Frees what a podlist holds and zeroes it. NULL is a no-op. */
void cs_podlist_free(cs_podlist *pl);

/* Lookups; NULL when unknown. Pointers are valid until the podlist is freed
 * (for a cs_kubelet's index: until its next successful refresh). */
const cs_k8s_pod *cs_podlist_find_pod(const cs_podlist *pl, const char *uid);
const cs_k8s_container *cs_podlist_find_container(const cs_podlist *pl, const char *id);
const char *cs_podlist_pod_label(const cs_podlist *pl, const cs_k8s_pod *p, const char *key);

/* ---- the client -------------------------------------------------------------- */

typedef struct cs_kubelet cs_kubelet;

/* Options; a zeroed struct means every default. Strings are copied. */
typedef struct cs_kubelet_opts {
	const char *url;           /* NULL/"" = https://${NODE_IP:-127.0.0.1}:10250/pods.
	                            * http:// is allowed (read-only port) but then no
	                            * token is ever sent. */
	const char *token_file;    /* NULL = CS_KUBELET_DEFAULT_TOKEN; "" = send no token */
	const char *ca_file;       /* NULL = CS_KUBELET_DEFAULT_CA; "" = system CA store */
	bool insecure_skip_verify; /* no certificate or host-name check (kind, minikube) */
	double refresh_s;          /* timer; 0 = 60 */
	double timeout_s;          /* whole request; 0 = 2 */
	double min_interval_s;     /* rate limit; 0 = 5 */
	size_t body_max;           /* 0 = CS_KUBELET_BODY_MAX */
} cs_kubelet_opts;

/* carbonstat.ini's [kubelet] section (kubelet_conf.c). */
typedef struct cs_kubelet_conf {
	cs_tristate enabled;               /* auto: when in a pod (token file or KUBERNETES_SERVICE_HOST)
	                                    * or a url is set */
	char url[CS_CONF_PATH_MAX];        /* "" = https://${NODE_IP:-127.0.0.1}:10250/pods */
	char token_file[CS_CONF_PATH_MAX]; /* "" = send no token */
	char ca_file[CS_CONF_PATH_MAX];    /* "" = the system CA store */
	bool insecure_skip_verify;
	double refresh_s;
	double timeout_s;
} cs_kubelet_conf;

extern const cs_conf_section cs_kubelet_section;

/* Options from the [kubelet] section (pointers into c, which must outlive
 * the cs_kubelet_open call). c NULL = every default. */
void cs_kubelet_opts_from_conf(const cs_kubelet_conf *c, cs_kubelet_opts *o);

/* Whether to use the kubelet at all: [kubelet] enabled, or for "auto" when a
 * url is configured, KUBERNETES_SERVICE_HOST is set or the token file
 * exists (we run in a pod). */
bool cs_kubelet_wanted(const cs_kubelet_conf *c);

/* Self-metrics. */
typedef struct cs_kubelet_stats {
	uint64_t requests;   /* HTTP requests made */
	uint64_t failures;   /* of which failed */
	uint64_t unchanged;  /* of which answered the last good answer's bytes again */
	uint64_t generation; /* times the index was replaced: an unchanged answer
	                      * (above) keeps it, so the workloads' names need not
	                      * be written again (cs_kubelet_generation) */
	unsigned consecutive_failures;
	double last_attempt_s;   /* now_s of the last request; < 0 = never */
	double last_ok_s;        /* now_s of the last success; < 0 = never */
	double last_duration_ms; /* wall time of the last request */
	size_t last_bytes;       /* body size of the last answer */
	size_t pods, containers; /* in the current index */
} cs_kubelet_stats;

/* Sets up the client (no request yet). Returns 0, CS_EINVAL (bad URL or
 * option) or CS_ENOMEM. */
int cs_kubelet_open(const cs_kubelet_opts *o, cs_kubelet **out);

/* Requests /pods now if force, or if min_interval_s (backed off after
 * failures) has passed since the last request. Returns 1 when the index was
 * replaced or confirmed (an answer byte for byte the last good one keeps it,
 * unparsed: see cs_kubelet_generation), 0 when no request was allowed,
 * CS_EUNAVAIL when the request
 * failed (the old index stays; see cs_kubelet_last_error). now_s is any
 * monotonic clock in seconds, the same on every call. */
int cs_kubelet_refresh(cs_kubelet *k, double now_s, bool force);

/* The policy: refreshes when the timer is due, or when unknown_uid_seen (or
 * a new container id was annotated since the last refresh) and the rate
 * limit allows. Same returns as cs_kubelet_refresh. */
int cs_kubelet_maybe_refresh(cs_kubelet *k, double now_s, bool unknown_uid_seen);

/* Bumped each time the index is replaced (never by an unchanged answer): a
 * caller that wrote names from the index writes them again only when this
 * moved. 0 before the first good answer; 0 for NULL. */
uint64_t cs_kubelet_generation(const cs_kubelet *k);

/* The annotator (attribution/pod_meta.h) met a pod UID the index does not
 * know (ctr_id NULL), or a just-discovered container id that a known pod does
 * not list (a container restarted since the last refresh). Returns whether it
 * is worth an early refresh: an unknown UID is, unless it was already unknown
 * right after the last refresh (a pod being torn down whose cgroup lingers);
 * a new container id always is, and is kept until a refresh so that one the
 * rate limit defers still comes. Allocates nothing. */
bool cs_kubelet_note_unknown(cs_kubelet *k, const char *uid, const char *ctr_id);

/* The current index (empty before the first success). Never NULL. */
const cs_podlist *cs_kubelet_pods(const cs_kubelet *k);

/* "" after a success, else one line: "kubelet https://...: <what>; <fix>". */
const char *cs_kubelet_last_error(const cs_kubelet *k);

/* The URL in use. */
const char *cs_kubelet_url(const cs_kubelet *k);

void cs_kubelet_get_stats(const cs_kubelet *k, cs_kubelet_stats *out);

/* NULL is a no-op. */
void cs_kubelet_close(cs_kubelet *k);

#endif
