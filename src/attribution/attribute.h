/* attribution/attribute.h - the joule-conserving split of a node's energy
 * among its workloads (pure functions, no I/O, no allocation).
 *
 * Per interval and per attribution component (CPU, DRAM, GPU, OTHER) the
 * node's energy E is rounded once to integer microjoules and cut in two:
 *   idle   I = the idle power's share of E (clamped to 0..E); OTHER (rest of
 *              machine, constant in every model) is all idle;
 *   active A = E - I.
 * Active energy is shared by what each workload used in the interval: CPU by
 * CPU time (cpu_usec) over max(node busy CPU time, sum of workloads'); DRAM by
 * working set over max(node memory in use, sum); GPU by gpu_util over
 * max(1, sum). What no workload used (kernel, daemons outside any workload)
 * goes to the explicit `system` bucket.
 * Idle energy is shared by the idle policy (cs_idle_policy): requests,
 * usage, equal or none; what it does not give to a workload goes to `system`
 * (usage policy: the node's own share of usage) or `idle_unattributed`.
 * docs/attribution.md has the formulas and a worked example.
 *
 * Conservation invariant: for every component, every interval,
 *   sum(workload active + idle) + system (active + idle) + idle_unattributed
 *     == node energy in uJ, exactly.
 * Each share is floor(E x w / D) computed in 128-bit integers; the few
 * microjoules the floors leave over go one each to the largest remainders
 * (Hamilton's method), ties to the lower workload id, so results are
 * deterministic. Debug builds (no NDEBUG) check it after every split and
 * abort with a message; cs_attr_check_conservation() is the same check.
 *
 * Cost: O(n) per component plus an O(n) selection of the largest remainders
 * (a 256-bucket histogram of the remainders' top bits, then an introselect
 * inside the boundary bucket only; a heapsort fallback keeps the worst case
 * O(n log n)). Nothing is allocated: the caller passes the
 * output shares (n) and the scratch (n + 1), sized once.
 *
 * The idle part comes from cs_attr_idle_from_model() (model mode: the
 * curve's point at 0 % load) or a cs_idle_tracker (measured mode: the lowest
 * power seen at low utilisation, slowly re-rising; or configured watts).
 */
#ifndef CS_ATTRIBUTION_ATTRIBUTE_H
#define CS_ATTRIBUTION_ATTRIBUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attribution/workload.h"
#include "conf/conf.h"
#include "sensors/model_sensor.h"
#include "sensors/sensor.h"

/* Largest node energy per component and interval: 1e12 J (~278 MWh), far
 * above any server; keeps every uJ figure below 2^60. */
#define CS_ATTR_MAX_ENERGY_J 1e12

/* How idle energy is shared among workloads. */
typedef enum cs_idle_policy {
	CS_IDLE_REQUESTS = 0, /* by Kubernetes requests (CPU cores; memory bytes for DRAM),
	                       * unrequested capacity -> idle_unattributed; no requests
	                       * at all on the node -> usage (default) */
	CS_IDLE_USAGE,        /* by the same usage keys as active energy */
	CS_IDLE_EQUAL,        /* the same share for every workload */
	CS_IDLE_NONE,         /* all idle -> idle_unattributed (Kepler, Scaphandre) */
	CS_IDLE_NPOLICY
} cs_idle_policy;

/* "requests", "usage", "equal", "none": the one list of the names. */
extern const char *const cs_idle_policy_names[CS_IDLE_NPOLICY];
const char *cs_idle_policy_name(cs_idle_policy p);
/* Exact, case-sensitive names above. 0, or CS_EINVAL (out untouched). */
int cs_idle_policy_parse(const char *s, cs_idle_policy *out);

/* The node over one interval: what is split. */
typedef struct cs_attr_node {
	double energy_j[CS_PART_COUNT]; /* node energy per component (in-total channels), >= 0 */
	double idle_j[CS_PART_COUNT];   /* idle part of it (idle W x dt); clamped to 0..energy;
	                                 * ignored for OTHER, which is all idle */
	uint64_t cpu_busy_usec;         /* node busy CPU time in the interval, all CPUs
	                                 * (/proc/stat user+nice+system+irq+softirq+steal) */
	uint64_t cpu_total_usec;        /* busy + idle, all CPUs (ncpu x interval); 0 = unknown.
	                                 * A workload's cpu_usec above it is impossible (counter
	                                 * reset upstream) and is clamped to it */
	uint64_t mem_used_bytes;        /* node memory in use (MemTotal - MemAvailable) */
	uint64_t mem_total_bytes;       /* MemTotal; 0 = unknown. Caps working sets, and is the
	                                 * DRAM capacity for the requests policy */
	double cpu_capacity_cores;      /* CPU capacity for the requests policy (online CPUs, or
	                                 * the kubelet's allocatable); <= 0 = unknown: requests
	                                 * then share all of idle */
	cs_idle_policy policy;
} cs_attr_node;

/* Energy of one workload (or bucket) in one interval, microjoules. */
typedef struct cs_attr_share {
	uint64_t active_uj[CS_PART_COUNT];
	uint64_t idle_uj[CS_PART_COUNT];
} cs_attr_share;

/* Sum of active and idle, all components or one. */
uint64_t cs_attr_share_total_uj(const cs_attr_share *s);
static inline uint64_t cs_attr_share_comp_uj(const cs_attr_share *s, cs_part c)
{
	return s->active_uj[c] + s->idle_uj[c];
}

/* What the split did, per interval. */
typedef struct cs_attr_result {
	uint64_t node_uj[CS_PART_COUNT];              /* node energy as rounded once (the total) */
	uint64_t node_idle_uj[CS_PART_COUNT];         /* its idle part, after clamping */
	cs_attr_share system;                         /* active: usage seen in no workload;
	                                               * idle: that usage's idle share (usage policy) */
	uint64_t idle_unattributed_uj[CS_PART_COUNT]; /* idle given to nobody */
	cs_idle_policy idle_used[CS_PART_COUNT];      /* policy the idle split applied
	                                               * (requests may fall back to usage) */
	size_t clamped;                               /* workload figures clamped as impossible */
} cs_attr_result;

/* Scratch: the caller allocates CS_ATTR_SCRATCH_LEN(n) once and passes it
 * to every split. Contents are private: slot i holds workload i's weights,
 * gathered in one pass so the seven splits read 72 compact bytes per
 * workload instead of the ~1 KB cs_workload (10,000 workloads are 10 MB,
 * more than a cache); the rank part is the remainder selection's. */
typedef struct cs_attr_rank {
	uint64_t rem; /* remainder of the floor division */
	uint64_t tie; /* workload id (UINT64_MAX for the bucket) */
	uint32_t idx; /* workload index, n for the bucket */
} cs_attr_rank;
typedef struct cs_attr_slot {
	uint64_t w[5];     /* cpu, mem, gpu, cpu request, mem request weights */
	uint64_t id;       /* workload id, for ties */
	cs_attr_rank rank; /* selection entry (not workload i's) */
} cs_attr_slot;
#define CS_ATTR_SCRATCH_LEN(n) ((size_t)(n) + 1)

/* Largest n accepted (indices are 32-bit in the scratch). */
#define CS_ATTR_MAX_WORKLOADS ((size_t)UINT32_MAX - 1)

/* Split node's energy among wl[0..n) into out[0..n) and res (buckets,
 * totals). scratch has CS_ATTR_SCRATCH_LEN(n) entries (may be NULL when
 * n == 0). Workload usage is taken as given (the scanner computes deltas:
 * `gone` workloads keep their last delta), except that `fresh` workloads
 * count no CPU time (a first interval has no delta), and impossible figures
 * are clamped (see cs_attr_node). Returns 0; CS_EINVAL for NULL arguments, a
 * policy out of range, or an energy/idle that is NaN, infinite or (energy)
 * negative; CS_ERANGE for energy above CS_ATTR_MAX_ENERGY_J or n above
 * CS_ATTR_MAX_WORKLOADS. Nothing is written on error. Allocates nothing. */
int cs_attr_split(const cs_attr_node *node, const cs_workload *wl, size_t n, cs_attr_share *out, cs_attr_slot *scratch,
                  cs_attr_result *res);

/* The conservation check: 0 if, for every component, the n shares plus both
 * buckets add up to res->node_uj exactly and idle parts match
 * res->node_idle_uj (sums in 128 bits, so no overflow hides a loss); else
 * CS_ERANGE and one line in why (may be NULL), e.g. "conservation: dram:
 * workloads 10 + system 2 + idle-unattributed 0 = 12 uJ, node 13 uJ". */
int cs_attr_check_conservation(const cs_attr_result *res, const cs_attr_share *shares, size_t n, char *why,
                               size_t whycap);

/* ---- idle power --------------------------------------------------------------
 * Model mode: the model's power at 0 % CPU and 0 % memory load: the curve's
 * idle point (Teads), min watts (CCF), TDP x 0.12 (TDP model). The CCF/TDP
 * memory figure is constant, so all of it is idle. OTHER (Teads delta) is
 * constant too. idle_w gets watts per attribution component. 0, or the
 * model's error (CS_EINVAL, CS_ENODATA). */
int cs_attr_idle_from_model(const cs_host_model *m, double idle_w[CS_PART_COUNT]);

/* Measured mode: a hardware counter says how much the node drew, not how
 * much of it is idle. The tracker keeps, per component, the lowest power
 * seen in intervals where that component's utilisation was low
 * (<= low_util), and lets that minimum re-rise slowly (exponentially, by
 * rise_per_h per hour) so that a one-off low reading (a sensor glitch, a
 * cold morning) does not stay the idle figure forever. The estimate never
 * exceeds the power of the latest interval (idle cannot be more than what
 * was drawn). Configured watts (config_w >= 0) win over observation. */
typedef struct cs_idle_tracker {
	double low_util;                      /* "low utilisation" threshold, default 0.10 */
	double rise_per_h;                    /* relative re-rise per hour, default 0.01 */
	double config_w[CS_PART_COUNT];       /* configured idle watts, < 0 = none (default) */
	double est_w[CS_PART_COUNT];          /* current estimate, < 0 = none yet */
	unsigned long low_obs[CS_PART_COUNT]; /* low-utilisation intervals seen */
} cs_idle_tracker;

/* Where a tracker's figure comes from. */
typedef enum cs_idle_source {
	CS_IDLE_SRC_NONE = 0, /* nothing known yet: idle 0 W, all energy active */
	CS_IDLE_SRC_OBSERVED, /* lowest power at low utilisation */
	CS_IDLE_SRC_CONFIG,   /* configured watts */
	CS_IDLE_SRC_MODEL,    /* cs_attr_idle_from_model */
} cs_idle_source;

/* "none", "observed", "config", "model". */
const char *cs_idle_source_name(cs_idle_source s);

/* Defaults: low_util 0.10, rise 1 %/h, nothing configured or observed. */
void cs_idle_tracker_init(cs_idle_tracker *t);

/* One interval of dt_s seconds: power_w and util (0..1; for CPU, DRAM and
 * OTHER the CPU utilisation, for GPU the GPU's) per component. Non-finite or
 * negative powers, and utilisations outside 0..1, are ignored for that
 * component; dt_s <= 0 or non-finite changes nothing. */
void cs_idle_tracker_observe(cs_idle_tracker *t, const double power_w[CS_PART_COUNT], const double util[CS_PART_COUNT],
                             double dt_s);

/* Idle watts per component and their source (src may be NULL). */
void cs_idle_tracker_get(const cs_idle_tracker *t, double idle_w[CS_PART_COUNT], cs_idle_source src[CS_PART_COUNT]);

/* ---- roll-up -----------------------------------------------------------------
 * Sums of integers, so groups + buckets still add up to the node, exactly. */
typedef enum cs_attr_by {
	CS_BY_PROCESS = 0,
	CS_BY_CGROUP,
	CS_BY_CONTAINER,
	CS_BY_POD,
	CS_BY_OWNER, /* the pod's controller: Deployment, StatefulSet, CronJob... (k8s/owner.h) */
	CS_BY_NAMESPACE,
	CS_BY_TEAM,
	CS_BY_NONE, /* no grouping below the node: one group "all" */
	CS_BY_NKEYS
} cs_attr_by;

/* "process", "cgroup", "container", "pod", "owner", "namespace", "team",
 * "none": the one list of the "group by" names (top --by, [agent]
 * workloads). */
extern const char *const cs_attr_by_names[CS_BY_NKEYS];
const char *cs_attr_by_name(cs_attr_by by);
int cs_attr_by_parse(const char *s, cs_attr_by *out);

/* longest label + NUL: "ns/pod/container" 63+1+127+1+63, "ns/Kind/owner"
 * 63+1+63+1+127 */
#define CS_ATTR_LABEL_MAX 320

/* A workload's group label for `by` (falls back when metadata is missing):
 *   process:   "comm[pid]" for processes, else the cgroup path;
 *   cgroup:    the cgroup path, "pid:<pid>" for processes;
 *   container: "namespace/pod/container" when known, else the container id,
 *              else the systemd unit, else as cgroup;
 *   pod:       "namespace/pod" when known, else the pod uid, else the unit,
 *              else as cgroup;
 *   owner:     "namespace/Kind/name" of the pod's owner when known
 *              ("shop/Deployment/web"), else as pod;
 *   namespace: the namespace, else "(none)";
 *   team:      the team, else the namespace, else "(none)";
 *   none:      "all".
 * Returns the length, CS_EINVAL for bad arguments, CS_ERANGE if cap is too
 * small (buf then holds "" when cap > 0). */
int cs_attr_label(const cs_workload *w, cs_attr_by by, char *buf, size_t cap);

typedef struct cs_attr_group {
	char label[CS_ATTR_LABEL_MAX];
	uint64_t hash;       /* of label (private) */
	size_t members;      /* workloads summed */
	cs_attr_share share; /* their energy */
} cs_attr_group;

/* Group wl/shares[0..n) by `by` into groups[0..cap), in order of first
 * appearance; *ngroups gets the count. index is the caller's hash table:
 * index_len entries, a power of two greater than cap (2 x cap keeps probes
 * short); contents are private. 0; CS_EINVAL for bad arguments; CS_ENOMEM
 * when more than cap groups are needed (groups and *ngroups are then
 * unspecified). Allocates nothing. */
int cs_attr_rollup(const cs_workload *wl, const cs_attr_share *shares, size_t n, cs_attr_by by, cs_attr_group *groups,
                   size_t cap, uint32_t *index, size_t index_len, size_t *ngroups);

/* Conservation for a roll-up: the groups plus res's buckets add up to the
 * node, as cs_attr_check_conservation. */
int cs_attr_check_groups(const cs_attr_result *res, const cs_attr_group *groups, size_t ngroups, char *why,
                         size_t whycap);

/* ---- [attribution] -------------------------------------------------------------
 * carbonstat.ini's [attribution] section (attr_conf.c). */
typedef struct cs_attr_conf {
	cs_idle_policy idle_policy; /* requests (default), usage, equal, none */
} cs_attr_conf;

extern const cs_conf_section cs_attr_section;

#endif
