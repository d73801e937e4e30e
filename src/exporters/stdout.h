/* exporters/stdout.h - the stdout exporter's one extra entry point.
 *
 * cs_exporter_stdout (exporter.h) writes to the process's stdout. Tests and
 * embedders hand it another stream through cs_stdout_open_stream; the
 * resulting state is driven through the same ops (publish, close). The
 * stream stays the caller's: close never fcloses it.
 */
#ifndef CS_EXPORTERS_STDOUT_H
#define CS_EXPORTERS_STDOUT_H

#include <stddef.h>
#include <stdio.h>

#include "exporters/exporter.h"

/* cs_exporter_stdout.open, writing to out instead of stdout. */
int cs_stdout_open_stream(const cs_export_env *env, FILE *out, void **state, char *why, size_t whycap);

#endif
