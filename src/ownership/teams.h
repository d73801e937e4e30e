/* ownership/teams.h - which team owns a workload.
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

#include <stddef.h>

#include "attribution/workload.h"
#include "conf/config.h"
#include "k8s/kubelet.h"

/* Resolves team and team_source of w[0..n). cfg NULL = built-in defaults;
 * pods NULL = no kubelet (labels unknown; namespace_ as already filled).
 * Returns how many workloads are left without a team. */
size_t cs_teams_resolve(const cs_config *cfg, const cs_podlist *pods, cs_workload *w, size_t n);

#endif
