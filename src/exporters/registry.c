/* exporters/registry.c - the list of exporters, in publish order. Adding an
 * exporter is adding its name to CS_EXPORTER_LIST: its file defines
 * `const cs_exporter_ops cs_exporter_<name>` (with its [section] and flags in
 * ops.conf), declared and listed here. */
#include "exporters/exporter.h"

#define CS_EXPORTER_LIST(X) X(prometheus) X(statsd) X(jsonl) X(stdout)

#define CS_EXPORTER_DECLARE(name) extern const cs_exporter_ops cs_exporter_##name;
#define CS_EXPORTER_ENTRY(name)   &cs_exporter_##name,
CS_EXPORTER_LIST(CS_EXPORTER_DECLARE)

const cs_exporter_ops *const cs_exporters[] = {CS_EXPORTER_LIST(CS_EXPORTER_ENTRY)};
const size_t cs_exporters_len = sizeof(cs_exporters) / sizeof(cs_exporters[0]);
