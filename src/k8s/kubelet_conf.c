/* k8s/kubelet_conf.c - carbonstat.ini's [kubelet] section and what the
 * client takes from it (kubelet.h). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "k8s/kubelet.h"

static const cs_conf_key kubelet_keys[] = {
    {"enabled", CS_CONF_TRISTATE, CS_CONF_AT(cs_kubelet_conf, enabled), .def = "auto",
     .help = "use the kubelet for pod names, labels and requests; auto: when running in a pod or url is set"},
    {"url", CS_CONF_URL, CS_CONF_AT(cs_kubelet_conf, url), .flags = CS_CONF_SECRET,
     .help = "the kubelet's /pods URL; default https://${NODE_IP:-127.0.0.1}:10250/pods"},
    {"token_file", CS_CONF_PATH, CS_CONF_AT(cs_kubelet_conf, token_file), .def = CS_KUBELET_DEFAULT_TOKEN,
     .help = "service-account token sent to the kubelet (re-read on every request); empty: none"},
    {"ca_file", CS_CONF_PATH, CS_CONF_AT(cs_kubelet_conf, ca_file), .def = CS_KUBELET_DEFAULT_CA,
     .help = "CA that signed the kubelet's certificate; empty: the system store"},
    {"insecure_skip_verify", CS_CONF_BOOL, CS_CONF_AT(cs_kubelet_conf, insecure_skip_verify), .def = "false",
     .help = "no certificate check (kind, minikube: the kubelet's self-signed certificate)"},
    {"refresh_s", CS_CONF_DURATION, CS_CONF_AT(cs_kubelet_conf, refresh_s), .def = "60s", .min = 5, .max = 86400,
     .help = "pod list re-read period (also as soon as an unknown pod or container appears)"},
    {"timeout_s", CS_CONF_DURATION, CS_CONF_AT(cs_kubelet_conf, timeout_s), .def = "2s", .min = 0.1, .max = 60,
     .help = "whole request timeout"},
};

static const cs_conf_flag kubelet_flags[] = {
    {"kubelet-url", "URL", "url", NULL, true, "kubelet /pods URL (default https://$NODE_IP:10250/pods)"},
    {"no-kubelet", NULL, "enabled", "false", false, "no kubelet: workloads named by cgroup id only"},
};

const cs_conf_section cs_kubelet_section =
    CS_CONF_SECTION("kubelet", cs_kubelet_conf, kubelet_keys, .enabled = "enabled", CS_CONF_FLAGS(kubelet_flags));

void cs_kubelet_opts_from_conf(const cs_kubelet_conf *c, cs_kubelet_opts *o)
{
	memset(o, 0, sizeof(*o));
	if (c)
		*o = (cs_kubelet_opts){.url = c->url,
		                       .token_file = c->token_file,
		                       .ca_file = c->ca_file,
		                       .insecure_skip_verify = c->insecure_skip_verify,
		                       .refresh_s = c->refresh_s,
		                       .timeout_s = c->timeout_s};
}

bool cs_kubelet_wanted(const cs_kubelet_conf *c)
{
	const char *tf = c && c->token_file[0] ? c->token_file : CS_KUBELET_DEFAULT_TOKEN;

	if (c && c->enabled != CS_AUTO)
		return c->enabled == CS_ON;
	if (c && c->url[0])
		return true;
	return getenv("KUBERNETES_SERVICE_HOST") != NULL || access(tf, F_OK) == 0;
}
