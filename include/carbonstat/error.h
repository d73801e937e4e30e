/* carbonstat/error.h - error codes shared by every libcarbonstat function.
 *
 * Convention (see STYLE.md): functions return int, 0 on success, a negative
 * errno value for system errors or a negative CS_E* code below. Outputs are
 * the last parameters and are only written on success.
 */
#ifndef CARBONSTAT_ERROR_H
#define CARBONSTAT_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

enum cs_error {
	CS_OK = 0,
	CS_EINVAL = -10001,    /* malformed input (number, duration, name) */
	CS_ENOTFOUND = -10002, /* unknown instance type, region or country */
	CS_ERANGE = -10003,    /* value out of its allowed range */
	CS_ENOMEM = -10004,    /* allocation failed or a fixed buffer is full */
	CS_ENODATA = -10005,   /* the dataset has no figure for this item */
	CS_EUNAVAIL = -10006,  /* sensor or service not available here */
};

/* Human-readable text for any code above or a negative errno. Never NULL. */
const char *cs_strerror(int err);

#ifdef __cplusplus
}
#endif
#endif
