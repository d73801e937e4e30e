/* k8s/owner.h - a pod's workload-level owner, from what the kubelet says
 * about the pod alone (never the API server).
 *
 * Pod names churn (every rollout, every CronJob run); the controller that
 * makes them does not. A carbon P&L is kept per owner, so the agent labels
 * every row with `owner` and `owner_kind`. The pod's controller
 * ownerReference (the one with controller: true; Kubernetes allows at most
 * one) names its immediate controller, which for two kinds is itself made by
 * a longer-lived object that the kubelet does not show. The rules, in order:
 *
 *   static pod   the annotation kubernetes.io/config.source is "file" or
 *                "http" (what the kubelet's own /pods shows), or the
 *                controller reference is kind Node (the API server's mirror
 *                pod): kind "StaticPod", name = the manifest's name, i.e.
 *                the pod name without the "-<nodeName>" the kubelet appends
 *                (etcd-node1 -> etcd), so etcd on every control-plane node
 *                is one owner, as a DaemonSet's pods are. The reference
 *                itself names the node, which would lump etcd, apiserver
 *                and scheduler together.
 *   ReplicaSet   -> kind "Deployment", name without "-<hash>" when the name
 *                ends in the pod-template-hash: exactly "-" + the pod's
 *                `pod-template-hash` label when the pod has it (every pod a
 *                Deployment makes has it); without the label, when the last
 *                "-"-separated part has the shape of one: 6 to 10 characters
 *                of "bcdf456789" (the Deployment controller writes the
 *                32-bit FNV hash in decimal, then maps each digit through
 *                rand.SafeEncodeString, which only yields those ten). A
 *                `rollouts-pod-template-hash` label (Argo Rollouts) instead
 *                gives kind "Rollout". Otherwise "ReplicaSet", as given.
 *                Limit: a hand-made ReplicaSet whose name ends in such a
 *                suffix, on pods without the label, reads as a Deployment.
 *   Job          -> kind "CronJob", name without "-<minutes>" when the last
 *                part is the CronJob controller's scheduled time: exactly 8
 *                decimal digits (minutes since 1970; 8 digits until 2160)
 *                worth at least 26824320 (2021-01-01, before the controller
 *                that names Jobs in minutes became the default in Kubernetes
 *                1.21; YYYYMMDD dates are all below it, so "backup-20240101"
 *                stays a Job). Otherwise "Job", as given. Limits: a
 *                hand-made Job named "<x>-<8 digits above that>" reads as a
 *                CronJob; Jobs of the pre-1.21 controller (seconds, 10
 *                digits) stay Jobs.
 *   any other    StatefulSet, DaemonSet, ReplicationController, a custom
 *                controller (Workflow, SparkApplication...): kind and name as
 *                given.
 *   no controller (a bare pod): kind "Pod", and the pod is its own owner
 *                (its name). Not "": an empty owner would lump every bare
 *                pod of a namespace into one P&L line. Bare pods made under
 *                generated names (CI runners) thus churn like pod names do:
 *                give them a controller, or a team label, to aggregate them.
 *
 * A reference whose kind or name is not a valid Kubernetes kind (letters and
 * digits) or object name counts as absent. Pure; allocates nothing.
 */
#ifndef CS_K8S_OWNER_H
#define CS_K8S_OWNER_H

#include <stdbool.h>
#include <stddef.h>

#define CS_K8S_OWNER_KIND_MAX 64  /* a Kind: <= 63 letters and digits, + NUL */
#define CS_K8S_OWNER_NAME_MAX 254 /* an object name: DNS subdomain, <= 253, + NUL */

/* What the owner is derived from; strings may be NULL (= absent). */
typedef struct cs_k8s_owner_in {
	const char *ref_kind;      /* the controller ownerReference's kind */
	const char *ref_name;      /* ... and name */
	const char *pod_name;      /* metadata.name */
	const char *node_name;     /* spec.nodeName */
	const char *template_hash; /* label pod-template-hash */
	const char *rollouts_hash; /* label rollouts-pod-template-hash (Argo Rollouts) */
	const char *config_source; /* annotation kubernetes.io/config.source: "api", "file", "http" */
} cs_k8s_owner_in;

/* The owner of in (rules above) into kind[CS_K8S_OWNER_KIND_MAX] and
 * name[CS_K8S_OWNER_NAME_MAX]. Returns 0, or CS_EINVAL when there is no pod
 * name to fall back on (kind and name are then ""). */
int cs_k8s_owner_resolve(const cs_k8s_owner_in *in, char *kind, char *name);

/* The shape tests, exposed for the tests. n is the suffix's length. */
bool cs_k8s_is_template_hash(const char *s, size_t n);
bool cs_k8s_is_cronjob_minutes(const char *s, size_t n);

#endif
