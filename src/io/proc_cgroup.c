/* io/proc_cgroup.c - /proc/<pid>/cgroup parsing (see proc_cgroup.h). */
#include "io/proc_cgroup.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "carbonstat/error.h"
#include "io/mountinfo.h"

#define PROC_CGROUP_BUF 16384 /* 13 v1 hierarchies with 1 KB paths */

/* Does line l[0..n) ("ID:list:path") belong to the hierarchy asked for? If
 * so, its path in *p, *pn. */
static bool line_matches(const char *l, size_t n, const char *ctrl, const char **p, size_t *pn)
{
	const char *c1 = memchr(l, ':', n), *c2;
	size_t idn, ln;

	if (!c1)
		return false;
	c2 = memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - l));
	if (!c2)
		return false;
	idn = (size_t)(c1 - l);
	ln = (size_t)(c2 - c1 - 1);
	if (idn == 0)
		return false;
	for (size_t i = 0; i < idn; i++)
		if (l[i] < '0' || l[i] > '9')
			return false;
	*p = c2 + 1;
	*pn = n - (size_t)(c2 + 1 - l);
	if (*pn == 0 || **p != '/')
		return false;
	if (!ctrl)
		return idn == 1 && l[0] == '0' && ln == 0;
	return ln > 0 && cs_opts_has(c1 + 1, ln, ctrl);
}

int cs_proc_cgroup_find(const char *buf, size_t len, const char *ctrl, char *path, size_t cap)
{
	size_t i = 0;

	if (!buf || !path || !cap)
		return CS_EINVAL;
	while (i < len) {
		const char *nl = memchr(buf + i, '\n', len - i), *p;
		size_t ll = nl ? (size_t)(nl - (buf + i)) : len - i, pn;

		if (line_matches(buf + i, ll, ctrl, &p, &pn)) {
			if (pn >= cap || memchr(p, '\0', pn))
				return CS_ERANGE;
			memcpy(path, p, pn);
			path[pn] = '\0';
			return 0;
		}
		i += ll + 1;
	}
	return CS_ENOTFOUND;
}

int cs_proc_cgroup_cpu(const char *buf, size_t len, char *path, size_t cap)
{
	int rc = cs_proc_cgroup_find(buf, len, "cpuacct", path, cap);

	return rc == CS_ENOTFOUND ? cs_proc_cgroup_find(buf, len, NULL, path, cap) : rc;
}

int cs_proc_cgroup_read(cs_io *io, const char *pid, const char *ctrl, int cpu, char *path, size_t cap)
{
	char rel[64], buf[PROC_CGROUP_BUF];
	size_t len = 0;
	int rc;

	if (!io || !pid || !path)
		return CS_EINVAL;
	if ((size_t)snprintf(rel, sizeof rel, "%s/cgroup", pid) >= sizeof rel)
		return CS_ERANGE;
	rc = cs_io_read_file(io, CS_ROOT_PROCFS, rel, buf, sizeof buf, &len);
	if (rc)
		return rc;
	return cpu ? cs_proc_cgroup_cpu(buf, len, path, cap) : cs_proc_cgroup_find(buf, len, ctrl, path, cap);
}
