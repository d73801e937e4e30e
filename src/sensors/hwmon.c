/* sensors/hwmon.c - finding hwmon devices by name (see hwmon.h).
 *
 * Owns no state: directory listings into sorted arrays, and the match of
 * each class/hwmon/hwmonN on its `name` file, for the hwmon sensors' init.
 */
#include "sensors/hwmon.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carbonstat/error.h"
#include "core/parse.h"
#include "sensors/sensor.h"

static int uint_cmp(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

/* Appends v to a growing array. */
static int push_uint(unsigned **arr, size_t *n, size_t *cap, unsigned v)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		unsigned *grown = realloc(*arr, ncap * sizeof(**arr));

		if (!grown)
			return CS_ENOMEM;
		*arr = grown;
		*cap = ncap;
	}
	(*arr)[(*n)++] = v;
	return 0;
}

/* See hwmon.h. */
int cs_hwmon_list_numbered(const char *dir, const char *prefix, const char *suffix, unsigned **out, size_t *nout)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned *arr = NULL;
	size_t n = 0, cap = 0, np = strlen(prefix), ns = strlen(suffix);

	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		char num[16];
		unsigned v;

		if (len <= np + ns || len - np - ns >= sizeof(num) || strncmp(de->d_name, prefix, np) != 0 ||
		    strcmp(de->d_name + len - ns, suffix) != 0)
			continue;
		memcpy(num, de->d_name + np, len - np - ns);
		num[len - np - ns] = '\0';
		if (cs_parse_uint_range(num, 0, 1000000, &v) != 0)
			continue;
		if (push_uint(&arr, &n, &cap, v) != 0) {
			free(arr);
			closedir(d);
			return CS_ENOMEM;
		}
	}
	closedir(d);
	if (n > 0)
		qsort(arr, n, sizeof(*arr), uint_cmp);
	*out = arr;
	*nout = n;
	return 0;
}

int cs_hwmon_find(cs_io *io, const char *name, char *dir, size_t dircap, unsigned **out, size_t *nout, char *why,
                  size_t whycap)
{
	unsigned *hw = NULL;
	size_t nhw = 0, n = 0;
	int rc;

	rc = cs_io_path(io, CS_ROOT_SYSFS, CS_HWMON_DIR, dir, dircap);
	if (rc == 0)
		rc = cs_hwmon_list_numbered(dir, "hwmon", "", &hw, &nhw);
	if (rc == -ENOENT || rc == -ENOTDIR) {
		cs_set_why(why, whycap, "no %s: no hwmon devices here", dir);
		return CS_EUNAVAIL;
	}
	if (rc) {
		cs_set_why(why, whycap, "cannot list %s: %s", dir, cs_strerror(rc));
		return rc;
	}
	/* Keep the matches in place, in order. */
	for (size_t i = 0; i < nhw; i++) {
		char rel[128], got[64];

		snprintf(rel, sizeof(rel), CS_HWMON_DIR "/hwmon%u/name", hw[i]);
		if (cs_io_read_line(io, CS_ROOT_SYSFS, rel, got, sizeof(got)) != 0 || strcmp(got, name) != 0)
			continue;
		hw[n++] = hw[i];
	}
	*out = hw;
	*nout = n;
	return 0;
}
