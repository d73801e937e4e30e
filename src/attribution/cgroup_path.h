/* attribution/cgroup_path.h - what a cgroup path says about the workload in it.
 *
 * Owns the naming rules of the kubelet (systemd and cgroupfs drivers), the
 * container runtimes (containerd, CRI-O, Docker, podman) and systemd (services,
 * user sessions), so the scanner, `carbonstat run` and the /proc/<pid>/cgroup
 * mapping all agree on one classification. Pure: no I/O, no allocation, safe
 * under fuzzing; the same path always gives the same answer.
 *
 * Shapes recognised (a leading '/' and a v1 controller prefix such as
 * "cpu,cpuacct/" are accepted; a kind-style prefix "kubelet-kubepods.slice"
 * is too):
 *   systemd driver  kubepods.slice/kubepods-<qos>.slice/kubepods-<qos>-pod<uid_>.slice/<ctr>
 *                   kubepods.slice/kubepods-pod<uid_>.slice/<ctr>      (guaranteed)
 *   cgroupfs driver kubepods/<qos>/pod<uid>/<ctr>, kubepods/pod<uid>/<ctr>
 *   <ctr>           cri-containerd-<id>.scope, crio-<id>.scope, crio-<id>,
 *                   docker-<id>.scope, libpod-<id>.scope, or a plain 64-hex id
 *                   (plain ids under a pod are containerd, per workload.h);
 *                   crio-conmon-<id>.scope is CRI-O's monitor: counted as the
 *                   pod (kind POD, unit = the scope name).
 *   docker          docker-<id>.scope anywhere, docker/<id> (cgroupfs)
 *   systemd         system.slice/[...slice/]<name>.service  -> SERVICE
 *                   user.slice/user-N.slice/session-M.scope -> SESSION
 *                   user.slice/user-N.slice/user@N.service  -> SESSION
 *   ""  or "/"      -> SYSTEM; anything else -> CGROUP.
 * A path below a container, service or session (its own sub-cgroups) is
 * classified as that container, service or session.
 */
#ifndef CS_ATTRIBUTION_CGROUP_PATH_H
#define CS_ATTRIBUTION_CGROUP_PATH_H

#include "attribution/workload.h"

/* Classify path (relative to a hierarchy root, or as /proc/<pid>/cgroup gives
 * it). Writes *out (zeroed first) and returns 0 for any string: what is not
 * recognised is CS_WL_CGROUP. CS_EINVAL only for NULL arguments. */
int cs_cgroup_path_parse(const char *path, cs_cgroup_ident *out);

/* 1 if both idents name the same pod (same non-empty pod UID), else 0. */
int cs_cgroup_ident_same_pod(const cs_cgroup_ident *a, const cs_cgroup_ident *b);

/* "system", "container", "pod", "service", "session", "process", "cgroup". */
const char *cs_wl_kind_name(cs_wl_kind k);
/* "", "containerd", "cri-o", "docker", "unknown". */
const char *cs_runtime_name(cs_runtime r);
/* "", "guaranteed", "burstable", "besteffort". */
const char *cs_qos_name(cs_qos q);

#endif
