/* attribution/runtime_meta.c - container names from Docker's and
 * containerd's state files (see runtime_meta.h for the contract). */
#include "attribution/runtime_meta.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "carbonstat/error.h"
#include "core/str.h"
#include "io/fdio.h"

#define RT_FILE_CAP (1u << 20) /* a config.v2.json with a large environment is ~30 KiB */
#define RT_TASK_DIR "io.containerd.runtime.v2.task"

/* A printable name that fits: names become label values and screen text. */
static bool name_ok(const char *s, size_t cap)
{
	size_t n = strlen(s);

	if (n == 0 || n >= cap)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static void take(char *dst, size_t cap, json_t *v)
{
	const char *s = json_string_value(v);

	if (s && name_ok(s, cap))
		(void)cs_strcpy_fit(dst, cap, s);
}

static json_t *load(const char *buf, size_t len)
{
	json_error_t e;

	return json_loadb(buf, len, JSON_REJECT_DUPLICATES, &e);
}

int cs_rtmeta_parse_docker(const char *buf, size_t len, cs_rtmeta_names *out)
{
	json_t *root;
	const char *name;

	memset(out, 0, sizeof *out);
	root = buf ? load(buf, len) : NULL;
	if (!json_is_object(root)) {
		json_decref(root);
		return CS_EINVAL;
	}
	name = json_string_value(json_object_get(root, "Name"));
	if (name && name[0] == '/')
		name++; /* Docker keeps the name with its leading '/' */
	if (name && name_ok(name, sizeof out->container))
		(void)cs_strcpy_fit(out->container, sizeof out->container, name);
	json_decref(root);
	return out->container[0] ? 0 : CS_ENODATA;
}

int cs_rtmeta_parse_oci(const char *buf, size_t len, cs_rtmeta_names *out)
{
	json_t *root, *ann;

	memset(out, 0, sizeof *out);
	root = buf ? load(buf, len) : NULL;
	if (!json_is_object(root)) {
		json_decref(root);
		return CS_EINVAL;
	}
	ann = json_object_get(root, "annotations");
	if (json_is_object(ann)) {
		take(out->container, sizeof out->container, json_object_get(ann, "io.kubernetes.cri.container-name"));
		if (out->container[0]) {
			take(out->pod, sizeof out->pod, json_object_get(ann, "io.kubernetes.cri.sandbox-name"));
			take(out->namespace_, sizeof out->namespace_,
			     json_object_get(ann, "io.kubernetes.cri.sandbox-namespace"));
		} else {
			take(out->container, sizeof out->container, json_object_get(ann, "nerdctl/name"));
		}
	}
	json_decref(root);
	return out->container[0] ? 0 : CS_ENODATA;
}

/* The file at path through parse; 0 or a negative code (absent, unreadable,
 * too large, no name). */
static int parse_file(const char *path, int (*parse)(const char *, size_t, cs_rtmeta_names *), cs_rtmeta_names *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), rc;
	char *buf;
	size_t len = 0;

	if (fd < 0)
		return -errno;
	buf = malloc(RT_FILE_CAP);
	if (!buf) {
		close(fd);
		return CS_ENOMEM;
	}
	rc = cs_fd_read_all(fd, buf, RT_FILE_CAP, &len);
	close(fd);
	if (rc == 0 && len == RT_FILE_CAP)
		rc = CS_ERANGE;
	if (rc == 0)
		rc = parse(buf, len, out);
	free(buf);
	return rc;
}

static int docker_names(const char *root, const char *id, cs_rtmeta_names *out)
{
	char path[1024];

	if ((size_t)snprintf(path, sizeof path, "%s/containers/%s/config.v2.json", root, id) >= sizeof path)
		return CS_ERANGE;
	return parse_file(path, cs_rtmeta_parse_docker, out);
}

/* containerd keeps a task per namespace ("default", "k8s.io", "moby"...):
 * the id is looked for in each. */
static int containerd_names(const char *root, const char *id, cs_rtmeta_names *out)
{
	char dir[1024], path[1400];
	struct dirent *e;
	DIR *d;
	int rc = -ENOENT;

	if ((size_t)snprintf(dir, sizeof dir, "%s/" RT_TASK_DIR, root) >= sizeof dir)
		return CS_ERANGE;
	d = opendir(dir);
	if (!d)
		return -errno;
	while (rc != 0 && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof path, "%s/%s/%s/config.json", dir, e->d_name, id) < sizeof path)
			rc = parse_file(path, cs_rtmeta_parse_oci, out);
	}
	closedir(d);
	return rc;
}

/* A container id is a file name here: hex and dashes only, never "..". */
static bool id_ok(const char *id)
{
	if (!id[0])
		return false;
	for (; *id; id++)
		if (!((*id >= '0' && *id <= '9') || (*id >= 'a' && *id <= 'f') || (*id >= 'A' && *id <= 'F') ||
		      *id == '-'))
			return false;
	return true;
}

size_t cs_rtmeta_annotate(const cs_rtmeta_opts *o, cs_workload *w, size_t n)
{
	const char *docker = o && o->docker_root ? o->docker_root : "/var/lib/docker";
	const char *ctrd = o && o->containerd_root ? o->containerd_root : "/run/containerd";
	size_t named = 0;

	for (size_t i = 0; i < n; i++) {
		cs_workload *x = &w[i];
		cs_runtime rt = x->ident.runtime;
		cs_rtmeta_names nm;
		int rc = -ENOENT;

		if (x->container_name[0] || x->gone || !id_ok(x->ident.container_id))
			continue;
		if (rt == CS_RT_DOCKER || rt == CS_RT_UNKNOWN)
			rc = docker_names(docker, x->ident.container_id, &nm);
		if (rc != 0 && (rt == CS_RT_CONTAINERD || rt == CS_RT_UNKNOWN || rt == CS_RT_DOCKER))
			rc = containerd_names(ctrd, x->ident.container_id, &nm); /* Docker >= 23 runs on it too */
		if (rc != 0)
			continue;
		(void)cs_strcpy_fit(x->container_name, sizeof x->container_name, nm.container);
		if (!x->pod_name[0] && nm.pod[0])
			(void)cs_strcpy_fit(x->pod_name, sizeof x->pod_name, nm.pod);
		if (!x->namespace_[0] && nm.namespace_[0])
			(void)cs_strcpy_fit(x->namespace_, sizeof x->namespace_, nm.namespace_);
		named++;
	}
	return named;
}
