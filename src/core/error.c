/* core/error.c - human-readable text for carbonstat's error codes.
 *
 * Owns the message for every CS_E* code in carbonstat/error.h and maps
 * negative errno values to the C library's description. Every string returned
 * is a constant with static storage: no buffer is filled per call, so
 * cs_strerror() is safe from any thread and never returns NULL.
 */

/* strerrordesc_np() is a GNU extension (glibc >= 2.32). Defined here, in this
 * file only, because it is the one thread-safe errno-to-text call that needs
 * no caller buffer: strerror() is documented MT-Unsafe. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include "carbonstat/error.h"

#include <string.h>

/* errno values are small positive ints; Linux keeps them below 4096 (the
 * kernel's MAX_ERRNO). Anything else negative is not an errno. */
#define CS_ERRNO_MAX 4095

static const char unknown_error[] = "unknown error";

/* Text for one errno value, or NULL if the C library does not know it. */
static const char *errno_text(int errnum)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
	return strerrordesc_np(errnum);
#else
	/* Elsewhere strerror() is the portable choice; musl and the BSDs
	 * return constant strings from it. */
	return strerror(errnum);
#endif
}

const char *cs_strerror(int err)
{
	const char *text;

	/* A switch on the enum, without default, so -Wswitch flags a new
	 * CS_E* code that has no message yet. */
	switch ((enum cs_error)err) {
	case CS_OK: return "success";
	case CS_EINVAL: return "malformed input";
	case CS_ENOTFOUND: return "not found (unknown instance type, region or country)";
	case CS_ERANGE: return "value out of range";
	case CS_ENOMEM: return "out of memory or a fixed-size buffer is full";
	case CS_ENODATA: return "no figure for this item in the dataset";
	case CS_EUNAVAIL: return "sensor or service not available here";
	}
	/* Only negative errno values follow the convention; a positive code is
	 * a caller bug, and -INT_MIN would overflow. */
	if (err >= 0 || err < -CS_ERRNO_MAX)
		return unknown_error;
	text = errno_text(-err);
	return text && *text ? text : unknown_error;
}
