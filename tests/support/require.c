/* tests/support/require.c - skip or fail per CS_REQUIRE; see require.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "require.h"

/* Cases skipped so far (the singleton described in require.h). */
static unsigned tf_skips;

bool tf_required(const char *cap)
{
	const char *list = getenv("CS_REQUIRE");
	size_t n = strlen(cap);

	while (list && *list) {
		const char *end = strchr(list, ',');
		size_t len = end ? (size_t)(end - list) : strlen(list);

		while (len && *list == ' ')
			list++, len--;
		while (len && list[len - 1] == ' ')
			len--;
		if ((len == 3 && !strncmp(list, "all", 3)) || (len == n && !strncmp(list, cap, n)))
			return true;
		list = end ? end + 1 : NULL;
	}
	return false;
}

void tf_skip_or_fail(const char *cap, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (tf_required(cap))
		fail_msg("%s (CS_REQUIRE requires '%s')", msg, cap);
	print_message("SKIP: %s (capability '%s')\n", msg, cap);
	tf_skips++;
	skip();
	abort(); /* skip() leaves the case; never reached */
}

int tf_exit(int rc)
{
	if (rc)
		return rc;
	return tf_skips ? 77 : 0;
}
