/* attribution/cgroup_path.c - classify a cgroup path: container, pod, service,
 * session or plain cgroup, with runtime, QoS class, pod UID and container ID.
 *
 * One left-to-right pass over the path's components with a small state
 * machine (outside Kubernetes -> in kubepods -> in a pod -> in a container);
 * the first component that names a container, a service or a session ends the
 * walk, so the sub-cgroups of a container belong to it. Every name is matched
 * by exact prefix/suffix and its ID validated (hex, length), so a directory
 * that merely looks similar ("docker-.scope", "pod-not-a-uid") stays a plain
 * cgroup rather than a made-up container. Nothing allocates; nothing reads
 * past a component; overlong names simply do not match.
 */
#include "attribution/cgroup_path.h"

#include <string.h>

#include "carbonstat/error.h"
#include "core/str.h"

/* A path component: not NUL-terminated. */
typedef struct comp {
	const char *s;
	size_t n;
} comp;

static int comp_eq(comp c, const char *lit)
{
	size_t n = strlen(lit);

	return c.n == n && memcmp(c.s, lit, n) == 0;
}

static int has_prefix(comp c, const char *p)
{
	size_t n = strlen(p);

	return c.n >= n && memcmp(c.s, p, n) == 0;
}

static int has_suffix(comp c, const char *sfx)
{
	size_t n = strlen(sfx);

	return c.n >= n && memcmp(c.s + c.n - n, sfx, n) == 0;
}

/* The part of c between prefix p and suffix sfx ("" suffix allowed); 0 if c
 * does not have both or nothing is left between them. */
static int strip(comp c, const char *p, const char *sfx, comp *mid)
{
	size_t np = strlen(p), ns = strlen(sfx);

	if (c.n <= np + ns || !has_prefix(c, p) || !has_suffix(c, sfx))
		return 0;
	mid->s = c.s + np;
	mid->n = c.n - np - ns;
	return 1;
}

static int is_hex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* Container IDs: containerd, CRI-O, Docker and podman all use 64 hex digits;
 * shorter hex IDs are accepted after an explicit runtime prefix (test rigs,
 * truncated IDs), never bare. */
static int valid_id(comp id, size_t min_n)
{
	if (id.n < min_n || id.n > 64)
		return 0;
	for (size_t i = 0; i < id.n; i++) {
		if (!is_hex(id.s[i]))
			return 0;
	}
	return 1;
}

/* Pod UID: an RFC 4122 UUID (8-4-4-4-12 hex; systemd slice names use '_'
 * for '-', since '-' is the slice hierarchy separator) or, for static pods,
 * the kubelet's 32-hex config hash. Copied canonical ('-') into out[40]. */
static int parse_uid(comp u, char out[40])
{
	if (u.n == 32) {
		if (!valid_id(u, 32))
			return 0;
	} else if (u.n == 36) {
		for (size_t i = 0; i < 36; i++) {
			int sep = (i == 8 || i == 13 || i == 18 || i == 23);

			if (sep ? (u.s[i] != '-' && u.s[i] != '_') : !is_hex(u.s[i]))
				return 0;
		}
	} else {
		return 0;
	}
	for (size_t i = 0; i < u.n; i++)
		out[i] = u.s[i] == '_' ? '-' : u.s[i];
	out[u.n] = '\0';
	return 1;
}

static void copy_comp(char *dst, size_t cap, comp c)
{
	/* Callers check c.n < cap first. */
	memcpy(dst, c.s, c.n);
	dst[c.n] = '\0';
	(void)cap;
}

/* Runtime-prefixed container scope names, valid anywhere. */
static const struct ctr_shape {
	const char *prefix;
	const char *suffix;
	cs_runtime rt;
} ctr_shapes[] = {
    {"cri-containerd-", ".scope", CS_RT_CONTAINERD},
    {"crio-", ".scope", CS_RT_CRIO},
    {"docker-", ".scope", CS_RT_DOCKER},
    {"libpod-", ".scope", CS_RT_UNKNOWN}, /* podman */
};

/* A container component: fills runtime and id. in_pod allows the cgroupfs
 * driver's shapes (plain 64-hex id, "crio-<id>" without ".scope"). */
static int match_container(comp c, int in_pod, cs_cgroup_ident *out)
{
	comp id;

	/* conmon is checked by the caller first: "crio-conmon-..." would
	 * otherwise fail here only because "conmon-" is not hex. */
	for (size_t i = 0; i < sizeof(ctr_shapes) / sizeof(ctr_shapes[0]); i++) {
		if (strip(c, ctr_shapes[i].prefix, ctr_shapes[i].suffix, &id) && valid_id(id, 1)) {
			out->runtime = ctr_shapes[i].rt;
			copy_comp(out->container_id, sizeof(out->container_id), id);
			return 1;
		}
	}
	if (in_pod && strip(c, "crio-", "", &id) && valid_id(id, 1)) {
		out->runtime = CS_RT_CRIO;
		copy_comp(out->container_id, sizeof(out->container_id), id);
		return 1;
	}
	if (in_pod && valid_id(c, 64)) {
		/* cgroupfs driver: the runtime is not in the name; workload.h
		 * calls it containerd (the kubelet's containerID tells). */
		out->runtime = CS_RT_CONTAINERD;
		copy_comp(out->container_id, sizeof(out->container_id), c);
		return 1;
	}
	return 0;
}

/* A kubelet pod cgroup: "pod<uid>" (cgroupfs) or "[prefix-]kubepods[-qos]-pod<uid_>.slice". */
static int match_pod(comp c, cs_cgroup_ident *out)
{
	static const struct {
		const char *tag;
		cs_qos qos;
	} tags[] = {
	    {"kubepods-burstable-pod", CS_QOS_BURSTABLE},
	    {"kubepods-besteffort-pod", CS_QOS_BESTEFFORT},
	    {"kubepods-pod", CS_QOS_GUARANTEED},
	};
	comp u;

	if (strip(c, "pod", "", &u))
		return parse_uid(u, out->pod_uid);
	if (!has_suffix(c, ".slice"))
		return 0;
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		size_t nt = strlen(tags[i].tag);

		/* The tag ends right before the UID: search it from the end so a
		 * kind-style "kubelet-kubepods-..." prefix is allowed. */
		if (c.n < nt + 6 + 32)
			continue;
		for (size_t off = 0; off + nt + 6 < c.n; off++) {
			if (memcmp(c.s + off, tags[i].tag, nt) != 0)
				continue;
			if (off > 0 && c.s[off - 1] != '-')
				continue;
			u.s = c.s + off + nt;
			u.n = c.n - off - nt - 6;
			if (parse_uid(u, out->pod_uid)) {
				out->qos = tags[i].qos;
				return 1;
			}
		}
	}
	return 0;
}

/* The kubepods root: "kubepods", "kubepods.slice" or "<prefix>-kubepods.slice" (kind). */
static int is_kubepods_root(comp c)
{
	return comp_eq(c, "kubepods") || comp_eq(c, "kubepods.slice") || has_suffix(c, "-kubepods.slice");
}

/* A QoS-class parent: "burstable"/"besteffort" (cgroupfs) or "[prefix-]kubepods-<qos>.slice". */
static cs_qos match_qos_dir(comp c)
{
	if (comp_eq(c, "burstable") || comp_eq(c, "kubepods-burstable.slice") ||
	    has_suffix(c, "-kubepods-burstable.slice"))
		return CS_QOS_BURSTABLE;
	if (comp_eq(c, "besteffort") || comp_eq(c, "kubepods-besteffort.slice") ||
	    has_suffix(c, "-kubepods-besteffort.slice"))
		return CS_QOS_BESTEFFORT;
	return CS_QOS_NONE;
}

int cs_cgroup_path_parse(const char *path, cs_cgroup_ident *out)
{
	enum { OUTSIDE, KUBEPODS, POD } state = OUTSIDE;
	int in_system = 0, in_user = 0, any = 0;
	comp prev = {"", 0};
	const char *p;

	if (!path || !out)
		return CS_EINVAL;
	memset(out, 0, sizeof(*out));
	out->kind = CS_WL_CGROUP;

	for (p = path;;) {
		comp c;

		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		c.s = p;
		while (*p && *p != '/')
			p++;
		c.n = (size_t)(p - c.s);
		any = 1;

		if (state == POD) {
			comp id;

			if (strip(c, "crio-conmon-", ".scope", &id) && valid_id(id, 1) && c.n < sizeof(out->unit)) {
				/* CRI-O's monitor process: runtime overhead of the pod. */
				out->runtime = CS_RT_CRIO;
				copy_comp(out->unit, sizeof(out->unit), c);
				return 0;
			}
			if (match_container(c, 1, out))
				out->kind = CS_WL_CONTAINER;
			/* Either way the rest belongs to this pod/container. */
			return 0;
		}
		if (state == KUBEPODS) {
			cs_qos q = match_qos_dir(c);

			if (q != CS_QOS_NONE) {
				out->qos = q;
				prev = c;
				continue;
			}
			if (match_pod(c, out)) {
				out->kind = CS_WL_POD;
				state = POD;
				continue;
			}
			/* Unknown directory inside kubepods: a plain cgroup. */
			out->qos = CS_QOS_NONE;
			return 0;
		}

		/* OUTSIDE Kubernetes. */
		if (is_kubepods_root(c)) {
			state = KUBEPODS;
			/* Guaranteed pods sit directly under the root. */
			out->qos = CS_QOS_GUARANTEED;
			prev = c;
			continue;
		}
		if (match_container(c, 0, out)) {
			out->kind = CS_WL_CONTAINER;
			return 0;
		}
		if (comp_eq(prev, "docker") && valid_id(c, 64)) {
			/* Docker's cgroupfs driver: /docker/<id>. */
			out->kind = CS_WL_CONTAINER;
			out->runtime = CS_RT_DOCKER;
			copy_comp(out->container_id, sizeof(out->container_id), c);
			return 0;
		}
		if (comp_eq(c, "system.slice")) {
			in_system = 1;
		} else if (comp_eq(c, "user.slice")) {
			in_user = 1;
		} else if (in_user && c.n < sizeof(out->unit) &&
		           ((has_prefix(c, "session-") && has_suffix(c, ".scope") && c.n > 14) ||
		            (has_prefix(c, "user@") && has_suffix(c, ".service") && c.n > 13))) {
			out->kind = CS_WL_SESSION;
			copy_comp(out->unit, sizeof(out->unit), c);
			return 0;
		} else if (in_system && !in_user && has_suffix(c, ".service") && c.n > 8 && c.n < sizeof(out->unit)) {
			out->kind = CS_WL_SERVICE;
			copy_comp(out->unit, sizeof(out->unit), c);
			return 0;
		}
		prev = c;
	}
	if (state == OUTSIDE && !any)
		out->kind = CS_WL_SYSTEM;
	return 0;
}

int cs_cgroup_ident_same_pod(const cs_cgroup_ident *a, const cs_cgroup_ident *b)
{
	if (!a || !b || a->pod_uid[0] == '\0')
		return 0;
	return strcmp(a->pod_uid, b->pod_uid) == 0;
}

/* Names by enum value (designated, so the table follows the enum's order);
 * a value that is not one of the enum's gets the catch-all name. */
static const char *const wl_kind_names[] = {
    [CS_WL_SYSTEM] = "system",   [CS_WL_CONTAINER] = "container", [CS_WL_POD] = "pod",
    [CS_WL_SERVICE] = "service", [CS_WL_SESSION] = "session",     [CS_WL_PROCESS] = "process",
    [CS_WL_CGROUP] = "cgroup",
};
static const char *const runtime_names[] = {
    [CS_RT_NONE] = "",         [CS_RT_CONTAINERD] = "containerd", [CS_RT_CRIO] = "cri-o",
    [CS_RT_DOCKER] = "docker", [CS_RT_UNKNOWN] = "unknown",
};
static const char *const qos_names[] = {
    [CS_QOS_NONE] = "",
    [CS_QOS_GUARANTEED] = "guaranteed",
    [CS_QOS_BURSTABLE] = "burstable",
    [CS_QOS_BESTEFFORT] = "besteffort",
};

#define NAMES_N(a) (sizeof(a) / sizeof((a)[0]))

const char *cs_wl_kind_name(cs_wl_kind k)
{
	return cs_name_at(wl_kind_names, NAMES_N(wl_kind_names), (unsigned)k, "cgroup");
}

const char *cs_runtime_name(cs_runtime r)
{
	return cs_name_at(runtime_names, NAMES_N(runtime_names), (unsigned)r, "unknown");
}

const char *cs_qos_name(cs_qos q)
{
	return cs_name_at(qos_names, NAMES_N(qos_names), (unsigned)q, "");
}
