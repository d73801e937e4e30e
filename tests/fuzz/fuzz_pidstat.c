/* Fuzz target: /proc/<pid>/stat parsing (comm may hold spaces, parentheses
 * and any byte; the parser must find the last ')' and never over-read). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platform/host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cs_pid_stat st;

	memset(&st, 0x5a, sizeof st);
	if (cs_pid_stat_parse((const char *)data, size, &st) == 0) {
		/* comm is NUL-terminated and holds no control bytes. */
		if (!memchr(st.comm, '\0', sizeof st.comm))
			abort();
		for (const char *c = st.comm; *c; c++) {
			if ((unsigned char)*c < 0x20)
				abort();
		}
	}
	return 0;
}
