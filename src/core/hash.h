/* core/hash.h - FNV-1a (64-bit), the one string hash of carbonstat, and
 * the splitmix64 finaliser for integer keys.
 *
 * Used by every open-addressing index (core/index.h: pod uids, container
 * ids, row label sets, roll-up groups, cgroup inodes) and by the cloud cache
 * key. Not for anything an
 * attacker could exploit by choosing keys: the tables it indexes are bounded
 * and sized from what the node itself reports.
 */
#ifndef CS_CORE_HASH_H
#define CS_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define CS_FNV_OFFSET UINT64_C(14695981039346656037)
#define CS_FNV_PRIME  UINT64_C(1099511628211)

/* Continues hash h over len bytes of p (start with CS_FNV_OFFSET). */
static inline uint64_t cs_fnv1a(uint64_t h, const void *p, size_t len)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < len; i++) {
		h ^= s[i];
		h *= CS_FNV_PRIME;
	}
	return h;
}

/* Continues h over a NUL-terminated string. */
static inline uint64_t cs_fnv1a_str(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= CS_FNV_PRIME;
	}
	return h;
}

/* Continues h over one field of a tuple: the string (NULL distinct from "")
 * then a separator byte, so ("ab","c") and ("a","bc") hash apart. */
static inline uint64_t cs_fnv1a_field(uint64_t h, const char *s)
{
	h = cs_fnv1a_str(h, s ? s : "\x01");
	h ^= 0xff;
	return h * CS_FNV_PRIME;
}

/* splitmix64's finaliser: spreads integer keys that sit close together
 * (inode numbers, pids, label-set hashes) over every bit. */
static inline uint64_t cs_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

#endif
