/* conf/config.h - the carbonstat configuration file.
 *
 * An INI file, read with libinih (no hand-written INI parser here):
 *
 *   [attribution]
 *   idle_policy = requests            ; requests | usage | equal | none
 *
 *   [kubelet]
 *   enabled = auto                    ; auto | true | false
 *   url = https://10.0.0.5:10250/pods ; default https://${NODE_IP:-127.0.0.1}:10250/pods
 *   token_file = /var/run/secrets/kubernetes.io/serviceaccount/token
 *   ca_file = /var/run/secrets/kubernetes.io/serviceaccount/ca.crt
 *   insecure_skip_verify = false      ; kind/minikube: the kubelet's self-signed cert
 *   refresh_s = 60                    ; 5 .. 86400
 *   timeout_s = 2                     ; (0, 60]
 *
 *   [teams]
 *   label_keys = team, app.kubernetes.io/part-of   ; first label found wins
 *   default_team = system             ; services, sessions, the rest of the node
 *
 *   [teams.namespaces]                ; namespace = team
 *   payments = team-pay
 *
 *   [teams.services]                  ; systemd unit = team (".service" implied)
 *   nginx.service = web
 *
 * Strict: an unknown section or key, a key given twice, a bad value, a line
 * longer than libinih's line buffer or a NUL byte is an error naming
 * file:line and the key, in one line; nothing is half-applied (the output is
 * written only on success). Values of keys flagged secret are never echoed.
 *
 * Extending: each section is a row of a static table with its keys and their
 * setters (config.c); the agent issue adds its sections there. All state is
 * in the cs_config struct; there are no globals (libinih's tunables are left
 * at their defaults).
 */
#ifndef CS_CONF_CONFIG_H
#define CS_CONF_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CS_CFG_PATH_MAX       512        /* file paths and URLs, including the NUL */
#define CS_CFG_NAME_MAX       64         /* team names, namespaces (<= 63 chars) */
#define CS_CFG_KEY_MAX        320        /* label keys: prefix (253) '/' name (63) */
#define CS_CFG_UNIT_MAX       128        /* systemd unit names */
#define CS_CFG_LABEL_KEYS_MAX 8          /* label keys tried, in order */
#define CS_CFG_FILE_MAX       (1u << 20) /* a config file larger than this is refused */

/* How idle energy is shared (the attribution model interprets it). */
typedef enum cs_cfg_idle_policy {
	CS_CFG_IDLE_REQUESTS = 0, /* by Kubernetes requests, usage where unknown (default) */
	CS_CFG_IDLE_USAGE,        /* by CPU time / working set */
	CS_CFG_IDLE_EQUAL,        /* equally among workloads */
	CS_CFG_IDLE_NONE,         /* left in the idle-unattributed bucket */
} cs_cfg_idle_policy;

typedef enum cs_cfg_tristate {
	CS_CFG_AUTO = 0,
	CS_CFG_ON,
	CS_CFG_OFF,
} cs_cfg_tristate;

/* One map entry: namespace or unit -> team. */
typedef struct cs_cfg_map_entry {
	char key[CS_CFG_UNIT_MAX];
	char team[CS_CFG_NAME_MAX];
	unsigned line; /* where it was set, for messages */
} cs_cfg_map_entry;

typedef struct cs_cfg_map {
	cs_cfg_map_entry *v; /* owned; sorted by key after a successful load */
	size_t n, cap;
} cs_cfg_map;

/* [agent]: the sampling loop (agent/agent.h). */
typedef struct cs_cfg_agent {
	double interval_s;                  /* 5; 0.1 .. 3600; aligned to wall-clock multiples */
	char node_name[CS_CFG_PATH_MAX / 2]; /* "" = $NODE_NAME, else hostname */
	char workloads[16];                 /* series granularity: container (default) | pod |
	                                     * namespace | team | none (node only) */
	bool processes;                     /* also per-process rows (off: bounded series) */
	unsigned max_series;                /* guard on exported series (Prometheus/StatsD);
	                                     * rows beyond it fold into an "overflow" row */
	double refresh_s;                   /* cgroup tree re-walk, 10 */
	double memory_stat_s;               /* memory.stat (working set's inactive_file)
	                                     * re-read per workload, 30; 0 = every cycle */
	char region[64];                    /* static location: cloud region ("" = detect) */
	char provider[16];                  /* aws | gcp | azure ("" = detect) */
	char instance[64];                  /* instance type ("" = detect) */
	char country[64];                   /* fallback location: ISO2/ISO3/name ("" = none) */
	double pue;                         /* 0 = provider default (1.0 off-cloud); 1..3 */
	double embodied_g_per_h;            /* < 0 = from the instance type; >= 0 overrides */
} cs_cfg_agent;

/* [prometheus]: exporters/prometheus.c. */
typedef struct cs_cfg_prometheus {
	bool enabled;                     /* true */
	char listen[128];                 /* ":9875"; "host:port", "[v6]:port", ":port" */
	char web_config[CS_CFG_PATH_MAX]; /* node_exporter web-config YAML (TLS, basic auth);
	                                   * "" = plain HTTP, no auth */
} cs_cfg_prometheus;

/* [statsd]: exporters/statsd.c (DogStatsD over UDP). */
typedef struct cs_cfg_statsd {
	bool enabled;       /* false */
	char address[128];  /* "127.0.0.1:8125"; "host:port" or "[v6]:port" */
	char prefix[64];    /* "carbonstat" */
	char tags[256];     /* constant tags added to every metric: "env:prod,cluster:eu" */
	unsigned mtu;       /* max packet payload, 1432 (1500 - IP/UDP headers, Datadog's
	                     * default); 512 .. 65507 */
} cs_cfg_statsd;

typedef enum cs_cfg_fsync {
	CS_CFG_FSYNC_NONE = 0, /* leave it to the kernel */
	CS_CFG_FSYNC_CYCLE,    /* fdatasync after every cycle's lines (default) */
} cs_cfg_fsync;

/* [jsonl]: exporters/jsonl.c. */
typedef struct cs_cfg_jsonl {
	bool enabled;             /* false */
	char path[CS_CFG_PATH_MAX]; /* required when enabled */
	cs_cfg_fsync fsync;
	unsigned long long max_bytes; /* rotate when the file would grow past it; 0 = never
	                               * (logrotate + SIGHUP reopen) */
	unsigned keep;            /* rotated files kept: path.1 .. path.N; 5 */
} cs_cfg_jsonl;

/* [stdout]: exporters/stdout.c. */
typedef struct cs_cfg_stdout {
	bool enabled; /* false */
	unsigned top; /* workload lines per cycle, highest power first; 10 */
} cs_cfg_stdout;

/* [grid]: carbon/grid_live.c (Electricity Maps / CO2Signal-compatible). */
typedef struct cs_cfg_grid {
	bool live;                       /* false: static tables only */
	char base_url[CS_CFG_PATH_MAX];  /* "https://api.electricitymap.org/v3" */
	char api_key[256];               /* secret; "" = none (free tier zones need one) */
	char api_key_file[CS_CFG_PATH_MAX]; /* read the key from a file (Kubernetes Secret) */
	char zone[64];                   /* "DE", "US-CAL-CISO"; "" = the static location's country */
	double lat, lon;                 /* by coordinates when has_coords */
	bool has_coords;                 /* both lat and lon given */
	bool has_lat, has_lon;
	double ttl_s;                    /* cache per zone, 3600 */
	double timeout_s;                /* per request, 5 */
	double max_stale_s;              /* keep the last live value after failures this long,
	                                  * then the static table; 86400 */
} cs_cfg_grid;

typedef struct cs_config {
	char source[CS_CFG_PATH_MAX]; /* file it was read from; "" = built-in defaults */
	struct {
		cs_cfg_idle_policy idle_policy;
	} attribution;
	struct {
		cs_cfg_tristate enabled;   /* auto: when running in a pod (token file or
		                            * KUBERNETES_SERVICE_HOST) or url is set */
		char url[CS_CFG_PATH_MAX]; /* "" = https://${NODE_IP:-127.0.0.1}:10250/pods */
		char token_file[CS_CFG_PATH_MAX];
		char ca_file[CS_CFG_PATH_MAX];
		bool insecure_skip_verify;
		double refresh_s;
		double timeout_s;
	} kubelet;
	struct {
		char label_keys[CS_CFG_LABEL_KEYS_MAX][CS_CFG_KEY_MAX];
		size_t n_label_keys;
		char default_team[CS_CFG_NAME_MAX];
		cs_cfg_map namespaces; /* key = namespace */
		cs_cfg_map services;   /* key = unit ("nginx.service") */
	} teams;
	cs_cfg_agent agent;
	cs_cfg_prometheus prometheus;
	cs_cfg_statsd statsd;
	cs_cfg_jsonl jsonl;
	cs_cfg_stdout out; /* [stdout] */
	cs_cfg_grid grid;
} cs_config;

/* Built-in defaults; allocates nothing (cs_config_free is still fine). */
void cs_config_init(cs_config *c);

/* Reads the file at path into *out (after cs_config_free'ing nothing: out is
 * overwritten, so free a previous config first). On error returns CS_EINVAL
 * (bad content), CS_ERANGE (file too large) or a negative errno (unreadable),
 * writes one line to err ("carbonstat.ini:12: unknown key 'foo' in [kubelet];
 * known keys: ...") and leaves *out untouched. */
int cs_config_load(const char *path, cs_config *out, char *err, size_t errcap);

/* Same from a buffer (need not be NUL-terminated); name is what messages call
 * it ("<string>" if NULL). */
int cs_config_parse(const char *buf, size_t len, const char *name, cs_config *out, char *err, size_t errcap);

/* Deep copy (the maps too) into dst, which is overwritten. 0 or CS_ENOMEM
 * (dst is then as after cs_config_init). */
int cs_config_copy(cs_config *dst, const cs_config *src);

/* Frees the maps; c is left as after cs_config_init. NULL is a no-op. */
void cs_config_free(cs_config *c);

#define CS_CONFIG_ENV_PREFIX "CARBONSTAT_"

/* One key, as the file would set it (section "agent", key "interval"), for
 * the environment and command-line layers. origin names the source in the
 * one-line error ("--interval", "environment CARBONSTAT_AGENT_INTERVAL").
 * 0 or CS_EINVAL/CS_ERANGE; secrets are never echoed. */
int cs_config_set(cs_config *c, const char *section, const char *key, const char *value, const char *origin,
                  char *err, size_t errcap);

/* Applies every CARBONSTAT_<SECTION>_<KEY>=value of envp (section and key
 * upper-cased, '.' as '_'; CARBONSTAT_CONFIG is skipped: it names the file;
 * so are Kubernetes service-link variables, *_SERVICE_HOST, *_PORT_9875_TCP...).
 * An unknown CARBONSTAT_ variable is an error, like an unknown key. */
int cs_config_apply_env(cs_config *c, char *const *envp, char *err, size_t errcap);

/* Writes the effective configuration as an INI file, secrets masked. */
void cs_config_dump(const cs_config *c, FILE *f);

/* Team for a namespace / systemd unit from the maps, or NULL. The unit lookup
 * tries the exact name, then the template ("getty@tty1.service" ->
 * "getty@.service"). */
const char *cs_config_namespace_team(const cs_config *c, const char *ns);
const char *cs_config_service_team(const cs_config *c, const char *unit);

/* "requests", "usage", "equal", "none". */
const char *cs_cfg_idle_policy_name(cs_cfg_idle_policy p);

/* Validators shared with the modules that use these names. */
bool cs_cfg_valid_team(const char *s);      /* 1..63 of [A-Za-z0-9._-] */
bool cs_cfg_valid_namespace(const char *s); /* RFC 1123 label: [a-z0-9-], 1..63, alnum ends */
bool cs_cfg_valid_label_key(const char *s); /* Kubernetes label key: [prefix/]name */

#endif
