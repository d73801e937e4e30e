/* attribution/workload.h - what runs on a node, as attribution sees it.
 *
 * A workload is one accountable unit: a container, a pod-level cgroup, a
 * systemd service, a user session, a bare process, or another cgroup. The
 * cgroup scanner (attribution/cgroup_scan.c) discovers workloads and fills
 * their usage for each interval; the pod annotator (attribution/pod_meta.c,
 * from the kubelet client's index) and the team resolver
 * (ownership/teams.c) fill their metadata; the attribution model
 * (attribution/attribute.c) splits the node's energy among them.
 *
 * Fixed-size fields: a workload never allocates after discovery, so a
 * sampling cycle over 10,000 containers allocates nothing.
 */
#ifndef CS_ATTRIBUTION_WORKLOAD_H
#define CS_ATTRIBUTION_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/index.h"
#include "sensors/sensor.h" /* cs_part: the parts a workload's energy is split by */

typedef enum cs_wl_kind {
	CS_WL_SYSTEM = 0, /* everything not otherwise identified */
	CS_WL_CONTAINER,  /* a container of a pod (or a plain docker container) */
	CS_WL_POD,        /* pod-level cgroup (pause/infra, or no container cgroups seen) */
	CS_WL_SERVICE,    /* systemd system.slice/<name>.service */
	CS_WL_SESSION,    /* user.slice/.../session-N.scope or user@UID.service */
	CS_WL_PROCESS,    /* a process outside any container (by pid) */
	CS_WL_CGROUP,     /* any other cgroup */
} cs_wl_kind;

typedef enum cs_runtime {
	CS_RT_NONE = 0,
	CS_RT_CONTAINERD, /* cri-containerd-<id>.scope or cgroupfs <id> under a pod */
	CS_RT_CRIO,       /* crio-<id>.scope */
	CS_RT_DOCKER,     /* docker-<id>.scope, /docker/<id> */
	CS_RT_UNKNOWN,    /* a container id without a runtime prefix */
} cs_runtime;

typedef enum cs_qos {
	CS_QOS_NONE = 0,
	CS_QOS_GUARANTEED,
	CS_QOS_BURSTABLE,
	CS_QOS_BESTEFFORT,
} cs_qos;

/* What a cgroup path says about itself (pure parse, no I/O). */
typedef struct cs_cgroup_ident {
	cs_wl_kind kind;
	cs_runtime runtime;
	cs_qos qos;
	char pod_uid[40];      /* canonical with '-' (systemd paths use '_'), "" if none */
	char container_id[72]; /* 64-hex id (or what the runtime gave), "" if none */
	char unit[128];        /* systemd unit ("nginx.service", "session-3.scope"), "" if none */
} cs_cgroup_ident;

typedef struct cs_workload {
	uint64_t id; /* stable for the workload's life: cgroup inode, or pid<<32|starttime */
	cs_cgroup_ident ident;
	char cgroup[256]; /* path relative to the cgroup root ("" for processes) */
	int pid;          /* CS_WL_PROCESS only */
	char comm[32];    /* CS_WL_PROCESS only */
	bool kthread;     /* CS_WL_PROCESS: a kernel thread (kthreadd, pid 2, or its child) */

	/* Metadata (kubelet + teams); "" when unknown. */
	char pod_name[128];
	char namespace_[64];
	char container_name[64];
	/* the pod's workload-level owner (k8s/owner.h): "Deployment" "web" (not
	 * ReplicaSet "web-7d4b9c8f6"); "" outside pods */
	char owner_kind[64];
	char owner[128];
	char team[64];
	char team_source[16];     /* "label", "namespace-map", "service-map", "namespace", "" */
	double cpu_request_cores; /* Kubernetes requests; 0 = none known */
	double mem_request_bytes;

	/* Usage over the last interval (filled by the scanner each sample). */
	uint64_t cpu_usec;  /* CPU time delta; 0 for a new workload's first interval */
	uint64_t mem_bytes; /* working set at the end of the interval */
	double gpu_util;    /* 0..1 share of the GPUs' busy time, where NVML gives it */

	/* Life cycle, set by the scanner. */
	bool fresh;                   /* first interval seen: counters primed, delta 0 */
	bool gone;                    /* disappeared this interval: last delta kept, dropped next */
	uint64_t cpu_usec_total_prev; /* previous raw counter, for deltas */
} cs_workload;

/* A scanner drops the workloads it reported gone at its next sample: this
 * removes them from wl[0..n) and from priv, the scanner's own records kept
 * parallel to wl (elem bytes each), keeping the others' order, and rebuilds
 * ix, the scanner's index of wl by id, when any went. Returns how many are
 * left. */
size_t cs_wl_drop_gone(cs_workload *wl, void *priv, size_t elem, size_t n, cs_index *ix);

#endif
