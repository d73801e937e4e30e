/* io/json.c - a JSON document as an object (see json.h). */
#include "io/json.h"

json_t *cs_json_object(const char *text, size_t len, size_t max)
{
	json_error_t err;
	json_t *root;

	if (!text || len == 0 || (max && len > max))
		return NULL;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	if (root && !json_is_object(root)) {
		json_decref(root);
		root = NULL;
	}
	return root;
}
