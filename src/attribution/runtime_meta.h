/* attribution/runtime_meta.h - container names from the container runtime's
 * own state files, where no kubelet names them (a Docker or nerdctl host, a
 * node whose kubelet is off).
 *
 * Files read, once per container (at a refresh of the scanners, for a
 * container workload that has no name yet):
 *   - Docker: <docker_root>/containers/<id>/config.v2.json, its "Name"
 *     ("/web" -> "web");
 *   - containerd: <containerd_root>/io.containerd.runtime.v2.task/<ns>/<id>/
 *     config.json, the OCI spec the shim runs, whose annotations name it:
 *     "nerdctl/name", or the CRI plugin's "io.kubernetes.cri.container-name"
 *     with the pod's "io.kubernetes.cri.sandbox-name" and
 *     "io.kubernetes.cri.sandbox-namespace".
 * Those directories are root-only on most hosts: an unreadable or absent file
 * leaves the workload as it was (its id), never an error. The runtimes'
 * sockets are not used: no API call, no dependency on the daemon being up.
 */
#ifndef CS_ATTRIBUTION_RUNTIME_META_H
#define CS_ATTRIBUTION_RUNTIME_META_H

#include <stddef.h>

#include "attribution/workload.h"

typedef struct cs_rtmeta_opts {
	const char *docker_root;     /* NULL = "/var/lib/docker" */
	const char *containerd_root; /* containerd's state directory; NULL = "/run/containerd" */
} cs_rtmeta_opts;

/* What a runtime's state file says ("" when it does not). */
typedef struct cs_rtmeta_names {
	char container[64];
	char pod[128];
	char namespace_[64];
} cs_rtmeta_names;

/* Pure parsers (fuzzed): a Docker config.v2.json, an OCI config.json. 0 with
 * out->container set, CS_ENODATA (valid JSON, no name in it) or CS_EINVAL. */
int cs_rtmeta_parse_docker(const char *buf, size_t len, cs_rtmeta_names *out);
int cs_rtmeta_parse_oci(const char *buf, size_t len, cs_rtmeta_names *out);

/* Names every container workload of w[0..n) that has a container id and no
 * container name yet from its runtime's files (pod and namespace too where
 * the CRI annotations give them and the workload has none). Returns how many
 * it named. */
size_t cs_rtmeta_annotate(const cs_rtmeta_opts *o, cs_workload *w, size_t n);

#endif
