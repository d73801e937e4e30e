/* k8s/owner.c - a pod's workload-level owner (see owner.h). */
#include "k8s/owner.h"

#include <string.h>

#include <carbonstat/error.h>

/* The scheduled-time floor of a CronJob's Job name, in minutes since 1970:
 * 2021-01-01T00:00:00Z (owner.h says why). */
#define OWNER_CRONJOB_MIN_MINUTES 26824320u

/* pod-template-hash: 6..10 characters of rand.SafeEncodeString applied to a
 * decimal number, whose digits '0'..'9' (bytes 48..57) map, mod 27, into
 * "bcdfghjklmnpqrstvwxz2456789" at 21..26 and 0..3: "456789bcdf". Short
 * hashes (a 32-bit value below 100000) are 1 in 40,000: not worth a
 * hand-named "web-5" being misread. */
bool cs_k8s_is_template_hash(const char *s, size_t n)
{
	if (n < 6 || n > 10)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("456789bcdf", s[i]) || s[i] == '\0')
			return false;
	return true;
}

bool cs_k8s_is_cronjob_minutes(const char *s, size_t n)
{
	unsigned v = 0;

	if (n != 8)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	return v >= OWNER_CRONJOB_MIN_MINUTES;
}

static bool kind_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n >= CS_K8S_OWNER_KIND_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/* An object name as the kubelet client accepts pod names: letters, digits,
 * '-', '.', '_' (so a label value built from it needs no escaping). */
static bool name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n >= CS_K8S_OWNER_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		      c == '.' || c == '_'))
			return false;
	}
	return true;
}

/* kind and name[0..n) into the outputs (both fit: checked by the callers). */
static void set_owner(char *kind, const char *k, char *name, const char *s, size_t n)
{
	size_t kn = strlen(k);

	memcpy(kind, k, kn + 1);
	memcpy(name, s, n);
	name[n] = '\0';
}

/* Length of name without "-<suffix>" when it ends so and something is left
 * before it; 0 otherwise. */
static size_t strip_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), k = suffix ? strlen(suffix) : 0;

	if (k == 0 || n < k + 2 || name[n - k - 1] != '-' || memcmp(name + n - k, suffix, k) != 0)
		return 0;
	return n - k - 1;
}

/* Length of name before its last '-' when the part after it passes shape;
 * 0 otherwise. */
static size_t strip_shaped(const char *name, bool (*shape)(const char *, size_t))
{
	const char *dash = strrchr(name, '-');

	if (!dash || dash == name || !shape(dash + 1, strlen(dash + 1)))
		return 0;
	return (size_t)(dash - name);
}

static bool is_static(const cs_k8s_owner_in *in)
{
	const char *src = in->config_source;

	if (src && (strcmp(src, "file") == 0 || strcmp(src, "http") == 0))
		return true;
	return in->ref_kind && strcmp(in->ref_kind, "Node") == 0 && name_ok(in->ref_name);
}

int cs_k8s_owner_resolve(const cs_k8s_owner_in *in, char *kind, char *name)
{
	const char *pod = in ? in->pod_name : NULL;
	size_t n;

	kind[0] = name[0] = '\0';
	if (!name_ok(pod))
		return CS_EINVAL;
	if (is_static(in)) {
		const char *node = name_ok(in->node_name) ? in->node_name : in->ref_name;

		n = strip_suffix(pod, node);
		set_owner(kind, "StaticPod", name, pod, n ? n : strlen(pod));
		return 0;
	}
	if (kind_ok(in->ref_kind) && name_ok(in->ref_name)) {
		const char *rk = in->ref_kind, *rn = in->ref_name;

		if (strcmp(rk, "ReplicaSet") == 0) {
			if (in->rollouts_hash && (n = strip_suffix(rn, in->rollouts_hash)) != 0) {
				set_owner(kind, "Rollout", name, rn, n);
				return 0;
			}
			n = in->template_hash ? strip_suffix(rn, in->template_hash)
			                      : strip_shaped(rn, cs_k8s_is_template_hash);
			if (n) {
				set_owner(kind, "Deployment", name, rn, n);
				return 0;
			}
		} else if (strcmp(rk, "Job") == 0 && (n = strip_shaped(rn, cs_k8s_is_cronjob_minutes)) != 0) {
			set_owner(kind, "CronJob", name, rn, n);
			return 0;
		}
		set_owner(kind, rk, name, rn, strlen(rn));
		return 0;
	}
	/* a bare pod: its own owner */
	set_owner(kind, "Pod", name, pod, strlen(pod));
	return 0;
}
