/* ownership/teams.h - which team owns a workload, and carbonstat.ini's
 * [teams], [teams.namespaces] and [teams.services] sections.
 *
 * Resolution, first match wins; team_source says which rule matched:
 *
 *   Kubernetes workloads (a pod UID):
 *     1. "label"          the pod's first label among [teams] label_keys
 *                         (default: team, then app.kubernetes.io/part-of)
 *                         whose value is a valid team name
 *     2. "namespace-map"  [teams.namespaces] <namespace> = <team>
 *     3. "namespace"      the namespace name itself
 *     -  ""               namespace not known yet (no kubelet answer): team ""
 *   systemd services and user sessions (a unit):
 *     1. "service-map"    [teams.services] <unit> = <team> (exact unit, then
 *                         its template: getty@tty1.service -> getty@.service)
 *     2. "default"        [teams] default_team
 *   everything else (system, bare processes, other cgroups, containers
 *   outside Kubernetes):
 *     -  "default"        [teams] default_team ("system" unless configured)
 *
 * Why unmapped services go to default_team rather than to their own name:
 * node daemons (kubelet, containerd, journald, sshd) are the platform's
 * running cost; one team per unit would scatter that cost over dozens of
 * pseudo-teams in the P&L, and the map makes exceptions explicit.
 *
 * Pure: reads the config and the pod index (labels), writes only team and
 * team_source, allocates nothing; cheap enough to run every cycle, but the
 * result only changes when the index or the workload set does.
 */
#ifndef CS_OWNERSHIP_TEAMS_H
#define CS_OWNERSHIP_TEAMS_H

#include <stdbool.h>
#include <stddef.h>

#include "attribution/workload.h"
#include "conf/conf.h"
#include "k8s/kubelet.h"

#define CS_TEAM_MAX             64 /* team names (<= 63 chars) with the NUL */
#define CS_TEAMS_LABEL_KEYS_MAX 8  /* label keys tried, in order */

/* [teams] and its maps (teams_conf.c). */
typedef struct cs_teams_conf {
	cs_conf_list label_keys;        /* pod labels tried, in order */
	char default_team[CS_TEAM_MAX]; /* services, sessions, the rest of the node */
	cs_conf_map namespaces;         /* [teams.namespaces] namespace = team */
	cs_conf_map services;           /* [teams.services] unit = team (".service" implied) */
} cs_teams_conf;

extern const cs_conf_section cs_teams_section;

/* Resolves team and team_source of w[0..n) by t's rules (not NULL);
 * pods NULL = no kubelet (labels unknown; namespace_ as already filled).
 * Returns how many workloads are left without a team. */
size_t cs_teams_resolve(const cs_teams_conf *t, const cs_podlist *pods, cs_workload *w, size_t n);

/* The team [teams.services] gives unit: the exact name, then its template
 * ("getty@tty1.service" -> "getty@.service"); NULL when unmapped. */
const char *cs_teams_service_team(const cs_teams_conf *t, const char *unit);

/* Names: a team (1..63 of [A-Za-z0-9._-]), a namespace (RFC 1123 label),
 * a Kubernetes label key ([prefix/]name). */
bool cs_teams_valid_team(const char *s);
bool cs_teams_valid_namespace(const char *s);
bool cs_teams_valid_label_key(const char *s);

#endif
