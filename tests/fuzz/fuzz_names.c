/* Fuzz target: name normalisation and every table lookup/suggestion, i.e.
 * everything a user-typed or metadata-supplied name goes through. Invariants:
 * a found row's name has the key that found it, and every suggestion names a
 * row the same lookup finds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <carbonstat/carbonstat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[256], key[128], found[128];
	const char *s[4];
	size_t k;

	if (size >= sizeof name)
		size = sizeof name - 1;
	memcpy(name, data, size);
	name[size] = '\0';

	int n = cs_name_key(name, key, sizeof key);
	if (n >= 0 && (size_t)n != strlen(key))
		abort();
	for (int p = CS_PROVIDER_UNKNOWN; p <= CS_PROVIDER_AZURE; p++) {
		const cs_instance *it = cs_instance_find((cs_provider)p, name);
		if (it && n >= 0 && (cs_name_key(cs_instance_name(it), found, sizeof found) < 0 || strcmp(found, key)))
			abort();
		(void)cs_region_find((cs_provider)p, name);
		k = cs_instance_suggest((cs_provider)p, name, s, 3);
		if (k > 3)
			abort();
		for (size_t i = 0; i < k; i++) {
			if (!cs_instance_find((cs_provider)p, s[i]))
				abort();
		}
		k = cs_region_suggest((cs_provider)p, name, s, 3);
		if (k > 3)
			abort();
		for (size_t i = 0; i < k; i++) {
			if (!cs_region_find((cs_provider)p, s[i]))
				abort();
		}
	}
	(void)cs_country_find(name);
	k = cs_country_suggest(name, s, 3);
	if (k > 3)
		abort();
	for (size_t i = 0; i < k; i++) {
		if (!cs_country_find(s[i]))
			abort();
	}
	(void)cs_provider_parse(name);
	return 0;
}
