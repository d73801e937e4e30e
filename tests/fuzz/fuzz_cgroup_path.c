/* Fuzz target: cgroup path classification (attribution/cgroup_path.c). Any
 * bytes are a path: the parser must classify it without reading past the NUL,
 * always leave NUL-terminated fields, and only report IDs of the right shape. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attribution/cgroup_path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int all_hex(const char *s)
{
	for (; *s; s++) {
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
			return 0;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cs_cgroup_ident id, again;
	char *path = malloc(size + 1);

	if (!path)
		return 0;
	memcpy(path, data, size);
	path[size] = '\0';
	memset(&id, 0x5a, sizeof(id));
	if (cs_cgroup_path_parse(path, &id) != 0)
		abort();
	if (!memchr(id.pod_uid, '\0', sizeof(id.pod_uid)) || !memchr(id.container_id, '\0', sizeof(id.container_id)) ||
	    !memchr(id.unit, '\0', sizeof(id.unit)))
		abort();
	if (strlen(id.container_id) > 64 || !all_hex(id.container_id))
		abort();
	if (id.pod_uid[0] && strlen(id.pod_uid) != 32 && strlen(id.pod_uid) != 36)
		abort();
	if (strchr(id.pod_uid, '_'))
		abort();
	if (id.kind == CS_WL_CONTAINER && id.container_id[0] == '\0')
		abort();
	/* Deterministic. */
	cs_cgroup_path_parse(path, &again);
	if (memcmp(&id, &again, sizeof(id)) != 0)
		abort();
	free(path);
	return 0;
}
