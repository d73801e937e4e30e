/* exporters/registry.c - the list of exporters, in publish order, and the
 * small shared names. Adding an exporter is adding its ops here. */
#include "exporters/exporter.h"

const cs_exporter_ops *const cs_exporters[] = {
	&cs_exporter_prometheus,
	&cs_exporter_statsd,
	&cs_exporter_jsonl,
	&cs_exporter_stdout,
};
const size_t cs_exporters_len = sizeof(cs_exporters) / sizeof(cs_exporters[0]);

const char *cs_scope_name(cs_scope s)
{
	switch (s) {
	case CS_SCOPE_OPERATIONAL:
		return "operational";
	case CS_SCOPE_EMBODIED:
		return "embodied";
	default:
		return "unknown";
	}
}
