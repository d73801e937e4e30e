/* exporters/jsonl.c - placeholder until the exporter lands (same commit series). */
#include "exporters/exporter.h"

static bool x_enabled(const cs_config *cfg)
{
	(void)cfg;
	return false;
}

const cs_exporter_ops cs_exporter_jsonl = {.name = "jsonl", .enabled = x_enabled};
