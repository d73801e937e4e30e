/* attribution/attr_conf.c - carbonstat.ini's [attribution] section: how idle
 * energy is shared (attribute.h, cs_idle_policy). */
#include "attribution/attribute.h"

static const cs_conf_key attr_keys[] = {
    {"idle_policy", CS_CONF_ENUM, CS_CONF_AT(cs_attr_conf, idle_policy), .def = "requests",
     .names = cs_idle_policy_names, .nnames = CS_IDLE_NPOLICY,
     .help = "how idle energy is shared: by Kubernetes requests (usage where none), by usage, equally, or "
             "not at all (idle_unattributed)"},
};

static const cs_conf_flag attr_flags[] = {
    {"idle-policy", "P", "idle_policy", NULL, false, "idle energy shared by requests (default), usage, equal or none"},
};

const cs_conf_section cs_attr_section =
    CS_CONF_SECTION("attribution", cs_attr_conf, attr_keys, CS_CONF_FLAGS(attr_flags));
