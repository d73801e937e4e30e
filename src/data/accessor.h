/* data/accessor.h - the one definition of each shape of the public table
 * API (include/carbonstat/dataset.h) that rows.c and plan_rows.c implement:
 * a table's count and row by index, and the one-line getters that read a
 * member of a row (data/tables.h). A file names, per table, which members
 * are read which way; the body of every such getter is written here once,
 * so a change of shape (a cast, a bounds rule) is made in one place, and a
 * getter that does more than read a member stays a hand-written function.
 *
 * row is the suffix of the public type and of the generated table:
 * cs_<row>, struct cs_<row>, cs_<row>_table and cs_<row>_table_len. Each
 * macro expands to whole function definitions (no trailing ';').
 */
#ifndef CS_DATA_ACCESSOR_H
#define CS_DATA_ACCESSOR_H

#include <stddef.h>

#include <carbonstat/dataset.h>

#include "data/tables.h"

/* size_t cs_<row>_count(void) and const cs_<row> *cs_<row>_at(size_t
 * index), NULL past the end. The table's first `skip` rows are not listed
 * (cs_gpu_table's row 0 is "no GPU"). */
#define CS_DATA_TABLE(row, skip)                                                                                       \
	size_t cs_##row##_count(void)                                                                                  \
	{                                                                                                              \
		return cs_##row##_table_len - (skip);                                                                  \
	}                                                                                                              \
	const cs_##row *cs_##row##_at(size_t index)                                                                    \
	{                                                                                                              \
		return index + (skip) < cs_##row##_table_len ? &cs_##row##_table[index + (skip)] : NULL;               \
	}

/* const char *cs_<row>_<member>(const cs_<row> *r) for each member named:
 * the string at that offset of pool (the generated file's string pool). */
#define CS_DATA_STRINGS(row, pool, ...) CS_DATA_EACH(CS_DATA_STRING_, row, pool, __VA_ARGS__)

/* type cs_<row>_<member>(const cs_<row> *r) for each member named: its
 * value as type (a number, or the enum a uint8_t member holds). */
#define CS_DATA_NUMBERS(row, type, ...) CS_DATA_EACH(CS_DATA_NUMBER_, row, type, __VA_ARGS__)

/* const cs_dataset *cs_<row>_<name>(const cs_<row> *r): the dataset whose
 * index (enum cs_dataset_index) the member holds. */
#define CS_DATA_DATASET(row, name, member)                                                                             \
	const cs_dataset *cs_##row##_##name(const cs_##row *r)                                                         \
	{                                                                                                              \
		return cs_dataset_at(r->member);                                                                       \
	}

/* ---- the getter bodies and the list walk behind them ------------------- */

#define CS_DATA_STRING_(row, pool, member)                                                                             \
	const char *cs_##row##_##member(const cs_##row *r)                                                             \
	{                                                                                                              \
		return (pool) + r->member;                                                                             \
	}
#define CS_DATA_NUMBER_(row, type, member)                                                                             \
	type cs_##row##_##member(const cs_##row *r)                                                                    \
	{                                                                                                              \
		return (type)r->member;                                                                                \
	}

/* m(row, arg, member) for each of up to five members. */
#define CS_DATA_EACH(m, row, arg, ...)                                                                                 \
	CS_DATA_EACH_PICK(__VA_ARGS__, CS_DATA_EACH5, CS_DATA_EACH4, CS_DATA_EACH3, CS_DATA_EACH2, CS_DATA_EACH1, )    \
	(m, row, arg, __VA_ARGS__)
#define CS_DATA_EACH_PICK(_1, _2, _3, _4, _5, each, ...) each
#define CS_DATA_EACH1(m, row, arg, x)                    m(row, arg, x)
#define CS_DATA_EACH2(m, row, arg, x, ...)               m(row, arg, x) CS_DATA_EACH1(m, row, arg, __VA_ARGS__)
#define CS_DATA_EACH3(m, row, arg, x, ...)               m(row, arg, x) CS_DATA_EACH2(m, row, arg, __VA_ARGS__)
#define CS_DATA_EACH4(m, row, arg, x, ...)               m(row, arg, x) CS_DATA_EACH3(m, row, arg, __VA_ARGS__)
#define CS_DATA_EACH5(m, row, arg, x, ...)               m(row, arg, x) CS_DATA_EACH4(m, row, arg, __VA_ARGS__)

#endif
