/* io/json.h - a JSON document read from a service or a file, as an object.
 *
 * Every JSON input carbonstat reads (kubelet pod lists, cloud metadata, the
 * live grid API, the cloud-detection cache) must be one object, within a
 * size cap, and must not repeat a key: a document with two "zone" keys says
 * two things at once, and jansson would silently keep the last. This is that
 * check, written once.
 */
#ifndef CS_IO_JSON_H
#define CS_IO_JSON_H

#include <stddef.h>

#include <jansson.h>

/* The object in text[0..len) (the caller json_decref()s it), or NULL when
 * text is NULL, empty, longer than max bytes (max 0: no cap), not JSON,
 * repeats a key or is not an object. */
json_t *cs_json_object(const char *text, size_t len, size_t max);

#endif
