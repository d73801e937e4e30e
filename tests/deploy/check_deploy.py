#!/usr/bin/env python3
"""Validates the deployment files under deploy/ (Kubernetes manifests, Helm
chart, systemd unit, Grafana dashboard, Dockerfile) without a cluster.

Usage: check_deploy.py REPO_ROOT [CARBONSTAT_BINARY]

With a binary, the configuration files are also fed to
`carbonstat agent --check-config`, and the binary's shared libraries are
matched against the Dockerfile's runtime packages.

Python 3 standard library, plus PyYAML for the YAML files (Debian:
python3-yaml). When the running python3 lacks it, the script re-runs itself
with /usr/bin/python3 if that one has it; otherwise the YAML checks are
skipped. `kubectl kustomize` (Debian: kubernetes-client), `systemd-analyze`,
promtool and the capability cases (root, setpriv, setcap) run when they are
there, and are skipped otherwise. The Helm chart is checked statically (its
templates, values and schema); `helm lint`/`helm template` are not run: helm
is not a Debian package, so CI could only ever skip them.

Each check prints one line (PASS / FAIL / SKIP); the last line is
"check_deploy: N passed, N failed, N skipped". Every skip names a
capability; CS_REQUIRE=cap,cap,... (or all) makes a skip of one of them a
failure (tests/README.md). Exit status 1 if any failed, else 77 if any was
skipped (ctest: "Skipped", not "Passed"), else 0.
"""
import configparser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:  # pragma: no cover - depends on the machine
    yaml = None
    _ALT = "/usr/bin/python3"
    if (os.environ.get("CS_CHECK_DEPLOY_REEXEC") != "1" and os.access(_ALT, os.X_OK)
            and os.path.realpath(sys.executable) != os.path.realpath(_ALT)
            and subprocess.run([_ALT, "-c", "import yaml"], capture_output=True).returncode == 0):
        os.environ["CS_CHECK_DEPLOY_REEXEC"] = "1"
        os.execv(_ALT, [_ALT] + sys.argv)

# ---- the contracts these files must follow ------------------------------------------

# carbonstat.ini: the only sections and keys the (strict) parser accepts.
# None = a map section whose keys are names (namespaces, systemd units).
INI_KEYS = {
    "attribution": {"idle_policy"},
    "kubelet": {"enabled", "url", "token_file", "ca_file", "insecure_skip_verify", "refresh_s", "timeout_s"},
    "teams": {"label_keys", "default_team"},
    "teams.namespaces": None,
    "teams.services": None,
    "agent": {"interval", "node_name", "workloads", "processes", "max_series", "refresh", "memory_stat", "region",
              "provider", "instance", "country", "pue", "embodied_g_per_h"},
    "prometheus": {"enabled", "listen", "web_config"},
    "statsd": {"enabled", "address", "prefix", "tags", "mtu"},
    "jsonl": {"enabled", "path", "fsync", "max_bytes", "keep"},
    "stdout": {"enabled", "top"},
    "grid": {"live", "url", "api_key", "api_key_file", "zone", "lat", "lon", "ttl", "timeout", "max_stale"},
}

# Prometheus metric names (fixed contract).
METRICS = {
    "carbonstat_node_energy_joules_total", "carbonstat_node_power_watts", "carbonstat_node_carbon_grams_total",
    "carbonstat_grid_intensity_grams_per_kwh", "carbonstat_pue", "carbonstat_embodied_grams_per_hour",
    "carbonstat_info", "carbonstat_energy_joules_total", "carbonstat_carbon_grams_total", "carbonstat_power_watts",
    "carbonstat_agent_cycles_total", "carbonstat_agent_cycle_overruns_total",
    "carbonstat_agent_cycle_duration_seconds", "carbonstat_agent_cpu_seconds_total",
    "carbonstat_agent_resident_memory_bytes", "carbonstat_agent_open_files", "carbonstat_agent_series",
    "carbonstat_agent_rows_folded", "carbonstat_agent_read_bytes_total", "carbonstat_agent_grid_errors_total",
    "carbonstat_agent_kubelet_errors_total", "carbonstat_agent_sensor_duration_seconds",
    "carbonstat_agent_exporter_duration_seconds", "carbonstat_agent_sensor_errors_total",
    "carbonstat_agent_exporter_errors_total", "carbonstat_agent_last_cycle_timestamp_seconds",
    "carbonstat_agent_kernel_memory_bytes",
}
# What the dashboard must show (the brief's panel list).
DASHBOARD_MUST_USE = {
    "carbonstat_node_power_watts", "carbonstat_node_energy_joules_total", "carbonstat_carbon_grams_total",
    "carbonstat_energy_joules_total", "carbonstat_power_watts", "carbonstat_grid_intensity_grams_per_kwh",
    "carbonstat_pue", "carbonstat_embodied_grams_per_hour", "carbonstat_agent_cycle_duration_seconds",
    "carbonstat_agent_cpu_seconds_total", "carbonstat_agent_resident_memory_bytes", "carbonstat_agent_open_files",
    "carbonstat_agent_series", "carbonstat_agent_exporter_errors_total", "carbonstat_agent_sensor_errors_total",
}

NAMESPACE = "carbonstat"
METRICS_PORT = 9875
# deploy/README.md "Sizing" explains these; change them together.
RESOURCES = {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"memory": "128Mi"}}
HOST_MOUNTS = {"/sys": "/host/sys", "/proc": "/host/proc", "/sys/fs/cgroup": "/host/sys/fs/cgroup"}
AGENT_ARGS = {"--config": "/etc/carbonstat/carbonstat.ini", "--sysfs-root": "/host/sys",
              "--procfs-root": "/host/proc", "--cgroup-root": "/host/sys/fs/cgroup"}
# keys the Helm chart sets itself (or that must never be in a ConfigMap)
HELM_OWNED_KEYS = {("prometheus", "listen"), ("prometheus", "web_config"), ("grid", "api_key"),
                   ("agent", "node_name")}

# pkg-config module (CMakeLists.txt) -> Debian build package, runtime package
PKG_DEBIAN = {
    "jansson": ("libjansson-dev", "libjansson4"),
    "libcurl": ("libcurl4-gnutls-dev", "libcurl3-gnutls"),
    "ncursesw": ("libncurses-dev", "libncursesw6"),
    "inih": ("libinih-dev", "libinih1"),
    "libmicrohttpd": ("libmicrohttpd-dev", "libmicrohttpd12"),
    "yaml-0.1": ("libyaml-dev", "libyaml-0-2"),
    "libcrypt": ("libcrypt-dev", "libcrypt1"),
    "gnutls": ("libgnutls28-dev", "libgnutls30"),
    "zlib": ("zlib1g-dev", "zlib1g"),        # bill files: the gzip fallback; gzip'd JSON lines (ledger)
    "libisal": ("libisal-dev", "libisal2"),  # bill files: ISA-L igzip
    "sqlite3": ("libsqlite3-dev", "libsqlite3-0"),
    "libpq": ("libpq-dev", "libpq5"),  # headers at build time; dlopen()ed by `ledger` at run time
    "cmocka": (None, None),  # tests only; the image builds with CS_BUILD_TESTS=OFF
}
# packages every debian:12-slim has (Essential / Priority required)
DEBIAN_BASE = {"libc6", "libgcc-s1", "libtinfo6", "zlib1g", "libcrypt1"}


# ---- reporting -------------------------------------------------------------------------

class Results:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0

    def ok(self, name, note=""):
        self.passed += 1
        print(f"PASS {name}" + (f" ({note})" if note else ""))

    def fail(self, name, msg):
        self.failed += 1
        print(f"FAIL {name}: {msg}")

    def skip(self, name, cap, why):
        if required(cap):
            self.fail(name, f"{why} (CS_REQUIRE requires '{cap}')")
            return
        self.skipped += 1
        print(f"SKIP {name}: {why} (capability '{cap}')")


R = Results()


class Fail(Exception):
    pass


def check(name):
    """Decorator: runs the function as one named check; Fail or an assertion fails it."""
    def wrap(fn):
        def run(*a, **k):
            try:
                note = fn(*a, **k)
            except Skip as e:
                R.skip(name, e.cap, e.why)
                return None
            except (Fail, AssertionError) as e:
                R.fail(name, str(e) or "assertion failed")
                return None
            except Exception as e:  # a crash in a check is a failure, not a traceback
                R.fail(name, f"{type(e).__name__}: {e}")
                return None
            R.ok(name, note if isinstance(note, str) else "")
            return True
        return run
    return wrap


class Skip(Exception):
    """This check cannot run here: cap names what is missing (tests/README.md)."""
    def __init__(self, cap, why):
        super().__init__(why)
        self.cap, self.why = cap, why


def required(cap):
    """True if CS_REQUIRE names cap (or all)."""
    req = {x.strip() for x in os.environ.get("CS_REQUIRE", "").split(",")}
    return cap in req or "all" in req


def need(cond, msg):
    if not cond:
        raise Fail(msg)


def eq(got, want, what):
    if got != want:
        raise Fail(f"{what} is {got!r}, expected {want!r}")


def get(d, path, default=None):
    """get(d, "spec.template.spec") with dict/list steps; default when absent."""
    cur = d
    for part in path.split("."):
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            return default
    return cur


def need_yaml():
    if yaml is None:
        raise Skip("pyyaml", "PyYAML not importable (Debian: apt-get install python3-yaml)")


def load_yaml_docs(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


# ---- INI ---------------------------------------------------------------------------------

def parse_ini(text, name):
    """carbonstat.ini as configparser sees it (close to libinih: ';'/'#' comments,
    ' ;' inline comments, no interpolation, duplicate keys/sections rejected)."""
    cp = configparser.ConfigParser(interpolation=None, strict=True, comment_prefixes=(";", "#"),
                                   inline_comment_prefixes=(";",), empty_lines_in_values=False)
    cp.optionxform = str
    try:
        cp.read_string(text, source=name)
    except configparser.Error as e:
        raise Fail(f"{name} does not parse as INI: {e}".replace("\n", " "))
    return cp


def ini_keys_allowed(cp, name):
    for section in cp.sections():
        need(section in INI_KEYS, f"{name}: unknown section [{section}]; known: {', '.join(sorted(INI_KEYS))}")
        allowed = INI_KEYS[section]
        for key in cp[section]:
            need(allowed is None or key in allowed,
                 f"{name}: unknown key '{key}' in [{section}]; known: {', '.join(sorted(allowed or []))}")
            need("\n" not in cp[section][key], f"{name}: [{section}] {key} spans several lines")


def env_name_allowed(name):
    if name == "CARBONSTAT_CONFIG":
        return True
    for section, keys in INI_KEYS.items():
        for key in keys or []:
            if name == "CARBONSTAT_" + section.upper().replace(".", "_") + "_" + key.upper():
                return True
    return False


def run_check_config(binary, ini_text, name, extra_env=None):
    """carbonstat agent --check-config on ini_text."""
    if not binary:
        raise Skip("binary", "no carbonstat binary given (2nd argument)")
    if not os.access(binary, os.X_OK):
        raise Fail(f"{binary} is not executable")
    with tempfile.TemporaryDirectory(prefix="cs-deploy-") as tmp:
        path = os.path.join(tmp, "carbonstat.ini")
        with open(path, "w", encoding="utf-8") as f:
            f.write(ini_text)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CARBONSTAT_")}
        for k, v in (extra_env or {}).items():
            env[k] = v.replace("{tmp}", tmp)
        p = subprocess.run([binary, "agent", "--check-config", "--config", path], capture_output=True, text=True,
                           env=env, timeout=60, stdin=subprocess.DEVNULL)
    err = (p.stderr or "").strip()
    need(p.returncode == 0, f"`carbonstat agent --check-config` on {name} exited {p.returncode}: {err[:400]}")
    return "carbonstat agent --check-config: ok"


# ---- a small JSON-schema validator (the subset values.schema.json uses) ---------------------

SCHEMA_ANNOTATIONS = {"$schema", "$id", "title", "description", "default", "examples", "$comment"}
SCHEMA_KEYWORDS = {"type", "properties", "required", "enum", "additionalProperties", "items", "pattern",
                   "minimum", "maximum"}
JSON_TYPES = {"object", "array", "string", "number", "integer", "boolean", "null"}


def schema_lint(s, path="#"):
    """Every keyword is one this validator implements (else a rule would be silently ignored)."""
    need(isinstance(s, dict), f"{path}: a schema must be an object")
    for k, v in s.items():
        need(k in SCHEMA_KEYWORDS or k in SCHEMA_ANNOTATIONS,
             f"{path}: keyword '{k}' is not supported by check_deploy.py's validator; add it there or avoid it")
        if k == "type":
            types = v if isinstance(v, list) else [v]
            need(all(t in JSON_TYPES for t in types), f"{path}: bad type {v!r}")
        elif k == "properties":
            for pk, ps in v.items():
                schema_lint(ps, f"{path}/properties/{pk}")
        elif k in ("additionalProperties",) and isinstance(v, dict):
            schema_lint(v, f"{path}/{k}")
        elif k == "items":
            schema_lint(v, f"{path}/items")
        elif k == "pattern":
            re.compile(v)


def json_type_ok(v, t):
    if t == "object":
        return isinstance(v, dict)
    if t == "array":
        return isinstance(v, list)
    if t == "string":
        return isinstance(v, str)
    if t == "boolean":
        return isinstance(v, bool)
    if t == "null":
        return v is None
    if t == "integer":
        return not isinstance(v, bool) and (isinstance(v, int) or (isinstance(v, float) and v.is_integer()))
    if t == "number":
        return not isinstance(v, bool) and isinstance(v, (int, float))
    return False


def json_equal(a, b):
    # JSON equality: true != 1, 1 == 1.0
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def schema_validate(v, s, path="$"):
    """Returns a list of error strings (empty: valid)."""
    errs = []
    if "type" in s:
        types = s["type"] if isinstance(s["type"], list) else [s["type"]]
        if not any(json_type_ok(v, t) for t in types):
            return [f"{path}: {json.dumps(v)[:60]} is not of type {'/'.join(types)}"]
    if "enum" in s and not any(json_equal(v, e) for e in s["enum"]):
        errs.append(f"{path}: {json.dumps(v)[:60]} is not one of {json.dumps(s['enum'])}")
    if isinstance(v, str) and "pattern" in s and not re.search(s["pattern"], v):
        errs.append(f"{path}: {v!r} does not match {s['pattern']}")
    if json_type_ok(v, "number"):
        if "minimum" in s and v < s["minimum"]:
            errs.append(f"{path}: {v} < minimum {s['minimum']}")
        if "maximum" in s and v > s["maximum"]:
            errs.append(f"{path}: {v} > maximum {s['maximum']}")
    if isinstance(v, dict):
        props = s.get("properties", {})
        for r in s.get("required", []):
            if r not in v:
                errs.append(f"{path}: '{r}' is required")
        addl = s.get("additionalProperties", True)
        for k, x in v.items():
            if k in props:
                errs += schema_validate(x, props[k], f"{path}.{k}")
            elif addl is False:
                errs.append(f"{path}: '{k}' is not allowed (known: {', '.join(sorted(props))})")
            elif isinstance(addl, dict):
                errs += schema_validate(x, addl, f"{path}.{k}")
    if isinstance(v, list) and "items" in s:
        for i, x in enumerate(v):
            errs += schema_validate(x, s["items"], f"{path}[{i}]")
    return errs


# ---- the DaemonSet (plain and Helm-rendered) -------------------------------------------------

def assert_daemonset(ds, where, sa_name, cm_name, port_name="metrics"):
    """Field-by-field security and wiring of the agent's DaemonSet."""
    eq(ds.get("apiVersion"), "apps/v1", f"{where} apiVersion")
    spec = ds["spec"]
    sel = get(spec, "selector.matchLabels") or {}
    need(sel, f"{where}: spec.selector.matchLabels is empty")
    tmeta = get(spec, "template.metadata") or {}
    for k, v in sel.items():
        eq((tmeta.get("labels") or {}).get(k), v, f"{where} pod label {k} (selector)")
    eq(get(spec, "updateStrategy.type"), "RollingUpdate", f"{where} updateStrategy.type")
    eq(get(spec, "updateStrategy.rollingUpdate.maxUnavailable"), "10%", f"{where} maxUnavailable")

    pod = spec["template"]["spec"]
    eq(pod.get("hostPID"), False, f"{where} hostPID")
    eq(pod.get("hostNetwork"), False, f"{where} hostNetwork")
    eq(pod.get("hostIPC", False), False, f"{where} hostIPC")
    eq(pod.get("enableServiceLinks"), False,
       f"{where} enableServiceLinks (Service links inject CARBONSTAT_* variables the agent rejects)")
    eq(pod.get("serviceAccountName"), sa_name, f"{where} serviceAccountName")
    eq(pod.get("terminationGracePeriodSeconds"), 10, f"{where} terminationGracePeriodSeconds")
    need({"operator": "Exists"} in (pod.get("tolerations") or []),
         f"{where}: tolerations must include {{operator: Exists}} (run on every node)")
    eq(get(pod, "securityContext.seccompProfile.type"), "RuntimeDefault", f"{where} pod seccompProfile")

    ctrs = pod.get("containers") or []
    eq(len(ctrs), 1, f"{where} number of containers")
    c = ctrs[0]
    need(not pod.get("initContainers"), f"{where}: unexpected initContainers")
    sc = c.get("securityContext") or {}
    eq(sc.get("privileged"), False, f"{where} privileged")
    eq(sc.get("readOnlyRootFilesystem"), True, f"{where} readOnlyRootFilesystem")
    eq(get(sc, "capabilities.drop"), ["ALL"], f"{where} capabilities.drop")
    eq(get(sc, "capabilities.add"), ["DAC_READ_SEARCH"], f"{where} capabilities.add")
    eq(get(sc, "seccompProfile.type"), "RuntimeDefault", f"{where} container seccompProfile")
    uid = sc.get("runAsUser")
    need(uid is not None, f"{where}: runAsUser must be explicit (0 with no escalation, or non-root with file caps)")
    if uid == 0:
        eq(sc.get("allowPrivilegeEscalation"), False, f"{where} allowPrivilegeEscalation (root mode)")
        eq(sc.get("runAsNonRoot", False), False, f"{where} runAsNonRoot (root mode)")
    else:
        # a non-root process only gains the file capability when no_new_privs is off
        eq(sc.get("allowPrivilegeEscalation"), True, f"{where} allowPrivilegeEscalation (non-root file-caps mode)")
        eq(sc.get("runAsNonRoot"), True, f"{where} runAsNonRoot (non-root mode)")

    args = c.get("args") or []
    for flag, val in AGENT_ARGS.items():
        need(flag in args and args.index(flag) + 1 < len(args) and args[args.index(flag) + 1] == val,
             f"{where}: args must contain '{flag} {val}' (got {' '.join(args)})")
    need(not c.get("command"), f"{where}: command overrides the image's ENTRYPOINT [carbonstat, agent]")

    env = {e["name"]: e for e in c.get("env") or []}
    eq(get(env.get("NODE_NAME", {}), "valueFrom.fieldRef.fieldPath"), "spec.nodeName", f"{where} env NODE_NAME")
    eq(get(env.get("NODE_IP", {}), "valueFrom.fieldRef.fieldPath"), "status.hostIP", f"{where} env NODE_IP")
    key = get(env.get("CARBONSTAT_GRID_API_KEY", {}), "valueFrom.secretKeyRef")
    need(isinstance(key, dict), f"{where}: env CARBONSTAT_GRID_API_KEY must come from a secretKeyRef")
    eq(key.get("optional"), True, f"{where} CARBONSTAT_GRID_API_KEY secretKeyRef.optional")
    for name in env:
        need(not name.startswith("CARBONSTAT_") or env_name_allowed(name),
             f"{where}: env {name} is not CARBONSTAT_<SECTION>_<KEY> of a known key (the agent would exit)")

    ports = [p for p in c.get("ports") or [] if p.get("name") == port_name]
    eq(len(ports), 1, f"{where} number of ports named '{port_name}'")
    port = ports[0]
    eq(port.get("protocol", "TCP"), "TCP", f"{where} metrics port protocol")
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        hg = get(c, probe + ".httpGet") or {}
        eq(hg.get("path"), path, f"{where} {probe} path")
        need(hg.get("port") in (port_name, port["containerPort"]),
             f"{where}: {probe} port {hg.get('port')!r} is not the metrics port")
    ann = tmeta.get("annotations") or {}
    eq(ann.get("prometheus.io/scrape"), "true", f"{where} annotation prometheus.io/scrape")
    eq(ann.get("prometheus.io/port"), str(port["containerPort"]), f"{where} annotation prometheus.io/port")
    eq(ann.get("prometheus.io/path"), "/metrics", f"{where} annotation prometheus.io/path")

    res = c.get("resources") or {}
    eq(res, RESOURCES, f"{where} resources")

    vols = {v["name"]: v for v in pod.get("volumes") or []}
    mounts = {m["mountPath"]: m for m in c.get("volumeMounts") or []}
    for host, inside in HOST_MOUNTS.items():
        m = mounts.get(inside)
        need(m is not None, f"{where}: nothing mounted at {inside}")
        eq(m.get("readOnly"), True, f"{where} {inside} readOnly")
        eq(get(vols.get(m["name"], {}), "hostPath.path"), host, f"{where} volume {m['name']} hostPath")
    for m in mounts.values():
        v = vols.get(m["name"])
        need(v is not None, f"{where}: volumeMount {m['name']} has no volume")
        if "hostPath" in v:
            eq(m.get("readOnly"), True, f"{where} hostPath mount {m['mountPath']} readOnly")
    cfg_dir = os.path.dirname(AGENT_ARGS["--config"])
    cm = mounts.get(cfg_dir)
    need(cm is not None, f"{where}: nothing mounted at {cfg_dir} (--config)")
    eq(get(vols.get(cm["name"], {}), "configMap.name"), cm_name, f"{where} config volume ConfigMap")
    return port["containerPort"], c.get("image", "")


# ---- checks: Kubernetes -----------------------------------------------------------------------

class K8s:
    docs = {}  # file -> [docs]

    @staticmethod
    def one(kind):
        found = [d for docs in K8s.docs.values() for d in docs if d.get("kind") == kind]
        need(len(found) == 1, f"expected one {kind} under deploy/kubernetes, found {len(found)}")
        return found[0]


@check("k8s/parse")
def k8s_parse(root):
    need_yaml()
    d = os.path.join(root, "deploy", "kubernetes")
    files = sorted(f for f in os.listdir(d) if f.endswith((".yaml", ".yml")))
    need(files, f"no YAML in {d}")
    cluster_scoped = {"Namespace", "ClusterRole", "ClusterRoleBinding"}
    for f in files:
        try:
            docs = load_yaml_docs(os.path.join(d, f))
        except yaml.YAMLError as e:
            raise Fail(f"{f}: {e}".replace("\n", " "))
        need(docs, f"{f} is empty")
        for doc in docs:
            need(isinstance(doc, dict), f"{f}: a document is not a mapping")
            need(doc.get("apiVersion") and doc.get("kind"), f"{f}: document without apiVersion/kind")
            if doc["kind"] == "Kustomization":
                continue
            need(get(doc, "metadata.name"), f"{f}: {doc['kind']} without metadata.name")
            if doc["kind"] not in cluster_scoped:
                eq(get(doc, "metadata.namespace"), NAMESPACE, f"{f} {doc['kind']} namespace")
        K8s.docs[f] = docs
    return f"{len(files)} files"


@check("k8s/kustomization")
def k8s_kustomization(root):
    need_yaml()
    need(K8s.docs, "deploy/kubernetes did not parse")
    kz = K8s.docs.get("kustomization.yaml", [{}])[0]
    res = kz.get("resources") or []
    d = os.path.join(root, "deploy", "kubernetes")
    with open(os.path.join(d, "kustomization.yaml"), encoding="utf-8") as f:
        text = f.read()
    for r in res:
        need(os.path.exists(os.path.join(d, r)), f"kustomization.yaml lists {r}, which does not exist")
    for f in K8s.docs:
        if f != "kustomization.yaml":
            need(f in res or re.search(r"#\s*-\s*" + re.escape(f), text),
                 f"{f} is neither listed in kustomization.yaml nor mentioned there as optional")
    return f"{len(res)} resources"


@check("k8s/kubectl-kustomize")
def k8s_kubectl_kustomize(root):
    need_yaml()
    kubectl = shutil.which("kubectl")
    if not kubectl:
        raise Skip("kubectl", "kubectl not on PATH (Debian: kubernetes-client)")
    p = subprocess.run([kubectl, "kustomize", os.path.join(root, "deploy", "kubernetes")], capture_output=True,
                       text=True, timeout=120, stdin=subprocess.DEVNULL)
    need(p.returncode == 0, f"kubectl kustomize failed: {p.stderr.strip()[:300]}")
    kinds = sorted(d["kind"] for d in yaml.safe_load_all(p.stdout) if d)
    for k in ("Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "DaemonSet",
              "Service"):
        need(k in kinds, f"kubectl kustomize output has no {k}")
    return ", ".join(kinds)


@check("k8s/namespace")
def k8s_namespace(root):
    need_yaml()
    ns = K8s.one("Namespace")
    eq(get(ns, "metadata.name"), NAMESPACE, "Namespace name")
    eq(get(ns, "metadata.labels", {}).get("pod-security.kubernetes.io/enforce"), "privileged",
       "Namespace label pod-security.kubernetes.io/enforce (hostPath volumes need it)")


@check("k8s/rbac")
def k8s_rbac(root):
    need_yaml()
    sa = K8s.one("ServiceAccount")
    cr = K8s.one("ClusterRole")
    crb = K8s.one("ClusterRoleBinding")
    rules = cr.get("rules") or []
    need(rules, "ClusterRole has no rules")
    granted = set()
    for r in rules:
        eq(r.get("apiGroups"), [""], "ClusterRole rule apiGroups")
        eq(r.get("verbs"), ["get"], "ClusterRole rule verbs (the kubelet maps GET /pods to verb get)")
        need(not r.get("resourceNames") and not r.get("nonResourceURLs"), "unexpected resourceNames/nonResourceURLs")
        granted |= set(r.get("resources") or [])
    need("nodes/proxy" in granted, "ClusterRole must grant nodes/proxy get (kubelet /pods before Kubernetes 1.33)")
    extra = granted - {"nodes/proxy", "nodes/pods"}
    need(not extra, f"ClusterRole grants more than the kubelet /pods needs: {sorted(extra)}")
    eq(get(crb, "roleRef.kind"), "ClusterRole", "ClusterRoleBinding roleRef.kind")
    eq(get(crb, "roleRef.name"), get(cr, "metadata.name"), "ClusterRoleBinding roleRef.name")
    subj = crb.get("subjects") or []
    need({"kind": "ServiceAccount", "name": get(sa, "metadata.name"), "namespace": NAMESPACE} in subj,
         "ClusterRoleBinding does not bind the agent's ServiceAccount")
    eq(sa.get("automountServiceAccountToken", True), True, "ServiceAccount automountServiceAccountToken")
    return ", ".join(sorted(granted))


@check("k8s/configmap-ini")
def k8s_configmap(root):
    need_yaml()
    cm = K8s.one("ConfigMap")
    ini = get(cm, "data", {}).get("carbonstat.ini")
    need(isinstance(ini, str) and ini.strip(), "ConfigMap has no data.carbonstat.ini")
    cp = parse_ini(ini, "configmap.yaml carbonstat.ini")
    ini_keys_allowed(cp, "configmap.yaml carbonstat.ini")
    need(not cp.has_option("kubelet", "url"),
         "[kubelet] url must stay unset: the file does not expand ${NODE_IP}; the default URL uses it")
    eq(cp.get("kubelet", "enabled", fallback=None), "true", "[kubelet] enabled")
    need(not cp.has_option("grid", "api_key"), "[grid] api_key in a ConfigMap: use the Secret (env) instead")
    listen = cp.get("prometheus", "listen", fallback=":%d" % METRICS_PORT)
    eq(listen.rsplit(":", 1)[-1], str(METRICS_PORT), "[prometheus] listen port")
    need(cp.get("prometheus", "enabled", fallback="true") == "true", "[prometheus] must stay enabled (probes)")
    K8s.ini = ini
    return f"{sum(len(cp[s]) for s in cp.sections())} keys in {len(cp.sections())} sections"


@check("k8s/configmap-check-config")
def k8s_configmap_binary(root, binary):
    need_yaml()
    need(getattr(K8s, "ini", None), "ConfigMap INI not available")
    return run_check_config(binary, K8s.ini, "configmap.yaml carbonstat.ini")


@check("k8s/daemonset")
def k8s_daemonset(root, version):
    need_yaml()
    ds = K8s.one("DaemonSet")
    sa = get(K8s.one("ServiceAccount"), "metadata.name")
    cm = get(K8s.one("ConfigMap"), "metadata.name")
    port, image = assert_daemonset(ds, "daemonset.yaml", sa, cm)
    eq(port, METRICS_PORT, "daemonset.yaml containerPort")
    tag = image.rsplit(":", 1)[-1] if ":" in image.rsplit("/", 1)[-1] else ""
    eq(tag, version, "daemonset.yaml image tag (CMakeLists.txt project VERSION)")
    kz = K8s.docs.get("kustomization.yaml", [{}])[0]
    for img in kz.get("images") or []:
        if image.startswith(img.get("name", "") + ":") and "newTag" in img:
            eq(str(img["newTag"]), version, "kustomization.yaml images newTag")
    K8s.port = port
    return f"image {image}"


@check("k8s/service")
def k8s_service(root):
    need_yaml()
    svc = K8s.one("Service")
    ds = K8s.one("DaemonSet")
    eq(get(svc, "spec.clusterIP"), "None", "Service clusterIP (headless)")
    pod_labels = get(ds, "spec.template.metadata.labels") or {}
    sel = get(svc, "spec.selector") or {}
    need(sel and all(pod_labels.get(k) == v for k, v in sel.items()),
         f"Service selector {sel} does not select the agent pods {pod_labels}")
    ports = get(svc, "spec.ports") or []
    eq(len(ports), 1, "Service ports")
    eq(ports[0].get("name"), "metrics", "Service port name")
    eq(ports[0].get("port"), METRICS_PORT, "Service port")
    need(ports[0].get("targetPort") in ("metrics", METRICS_PORT), "Service targetPort is not the metrics port")
    ann = get(svc, "metadata.annotations") or {}
    need("prometheus.io/scrape" not in ann, "scrape annotations on both Service and pods: scraped twice")


@check("k8s/servicemonitor")
def k8s_servicemonitor(root):
    need_yaml()
    sm = K8s.one("ServiceMonitor")
    svc = K8s.one("Service")
    eq(sm.get("apiVersion"), "monitoring.coreos.com/v1", "ServiceMonitor apiVersion")
    sel = get(sm, "spec.selector.matchLabels") or {}
    labels = get(svc, "metadata.labels") or {}
    need(sel and all(labels.get(k) == v for k, v in sel.items()),
         f"ServiceMonitor selector {sel} does not select the Service's labels {labels}")
    need(NAMESPACE in (get(sm, "spec.namespaceSelector.matchNames") or []), "namespaceSelector misses the namespace")
    eps = get(sm, "spec.endpoints") or []
    eq(len(eps), 1, "ServiceMonitor endpoints")
    ep = eps[0]
    eq(ep.get("port"), "metrics", "ServiceMonitor endpoint port")
    eq(ep.get("path", "/metrics"), "/metrics", "ServiceMonitor endpoint path")
    eq(ep.get("honorLabels"), True, "ServiceMonitor honorLabels (workload namespace/pod labels)")
    drops = [r for r in ep.get("relabelings") or [] if r.get("action") == "labeldrop"]
    need(drops and all(re.fullmatch(drops[0]["regex"], n) for n in ("namespace", "pod", "container")),
         "ServiceMonitor must labeldrop the target's namespace/pod/container labels")


# ---- checks: Helm --------------------------------------------------------------------------------

class Helm:
    values = None
    chart = None


TPL_ACTION = re.compile(r"\{\{(-?)(.*?)(-?)\}\}", re.S)
TPL_VALUES = re.compile(r"(\$?)\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")


def tpl_actions(text, name):
    """The {{ ... }} actions of a Go template, comments dropped; Fail when unbalanced."""
    need(text.count("{{") == text.count("}}"), f"{name}: {text.count('{{')} '{{{{' but {text.count('}}')} '}}}}'")
    acts = []
    for m in TPL_ACTION.finditer(text):
        body = m.group(2).strip()
        if body.startswith("/*"):
            need(body.endswith("*/"), f"{name}: unterminated comment")
            continue
        need("{{" not in body, f"{name}: '{{{{' inside an action near {body[:40]!r}")
        acts.append((body, text.count("\n", 0, m.start()) + 1))
    return acts


def tpl_structure(acts, name):
    """if/range/with/define/block ... end nesting; returns (defined, included) template names."""
    stack, defined, included = [], set(), set()
    for body, line in acts:
        word = body.split(None, 1)[0] if body else ""
        if word in ("if", "range", "with", "define", "block"):
            stack.append((word, line))
            if word in ("define", "block"):
                m = re.match(r'(?:define|block)\s+"([^"]+)"', body)
                need(m, f"{name}:{line}: {word} without a quoted name")
                defined.add(m.group(1))
        elif word == "else":
            need(stack and stack[-1][0] in ("if", "range", "with"), f"{name}:{line}: else outside if/range/with")
        elif word == "end":
            need(stack, f"{name}:{line}: end without an opening if/range/with/define")
            stack.pop()
        for m in re.finditer(r'\b(?:include|template)\s+"([^"]+)"', body):
            included.add(m.group(1))
        # inside range/with, "." is rebound: .Values must be written $.Values
        if any(w in ("range", "with") for w, _ in stack) and word not in ("range", "with"):
            for m in TPL_VALUES.finditer(body):
                need(m.group(1) == "$", f"{name}:{line}: .Values{m.group(2)} inside range/with (write $.Values)")
    if stack:
        raise Fail(f"{name}: '{stack[-1][0]}' opened on line {stack[-1][1]} has no end")
    return defined, included


@check("helm/chart")
def helm_chart(root, version):
    need_yaml()
    d = os.path.join(root, "deploy", "helm", "carbonstat")
    with open(os.path.join(d, "Chart.yaml"), encoding="utf-8") as f:
        chart = yaml.safe_load(f)
    eq(chart.get("apiVersion"), "v2", "Chart.yaml apiVersion")
    eq(chart.get("name"), "carbonstat", "Chart.yaml name")
    need(re.fullmatch(r"\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?", str(chart.get("version", ""))),
         f"Chart.yaml version {chart.get('version')!r} is not SemVer")
    eq(str(chart.get("appVersion")), version, "Chart.yaml appVersion (CMakeLists.txt project VERSION)")
    need(os.path.exists(os.path.join(d, ".helmignore")), "no .helmignore")
    Helm.chart = chart
    return f"{chart['name']} {chart['version']} (app {chart['appVersion']})"


@check("helm/values-schema")
def helm_values_schema(root):
    need_yaml()
    d = os.path.join(root, "deploy", "helm", "carbonstat")
    with open(os.path.join(d, "values.yaml"), encoding="utf-8") as f:
        values = yaml.safe_load(f)
    with open(os.path.join(d, "values.schema.json"), encoding="utf-8") as f:
        schema = json.load(f)
    schema_lint(schema)
    errs = schema_validate(values, schema)
    need(not errs, "values.yaml does not fit values.schema.json: " + "; ".join(errs[:5]))
    # the validator must reject what Helm would: one bad value of each kind
    probes = [
        (("config", "agent", "colour"), "blue", "an unknown config key"),
        (("config", "agent", "workloads"), "everything", "a bad enum"),
        (("metrics", "port"), "9875", "a string for an integer"),
        (("securityMode",), "privileged", "an unknown security mode"),
        (("tolerations",), {"operator": "Exists"}, "an object for an array"),
        (("config", "kubelet", "enabled"), 1, "1 for a boolean enum"),
    ]
    for path, bad, what in probes:
        v = json.loads(json.dumps(values))
        cur = v
        for p in path[:-1]:
            cur = cur[p]
        cur[path[-1]] = bad
        need(schema_validate(v, schema), f"values.schema.json accepts {what} ({'.'.join(path)} = {bad!r})")
    Helm.values = values
    return f"{len(values)} top-level values"


@check("helm/values-config-keys")
def helm_values_config(root):
    need_yaml()
    need(Helm.values, "values.yaml not loaded")
    cfg = Helm.values.get("config") or {}
    for section, keys in cfg.items():
        need(section in INI_KEYS and INI_KEYS[section] is not None, f"values config.{section}: not an INI section")
        for k in keys or {}:
            need(k in INI_KEYS[section], f"values config.{section}.{k}: not a key of [{section}]")
            need((section, k) not in HELM_OWNED_KEYS, f"values config.{section}.{k}: set by the chart itself")
    # the same keys must be all the schema allows under config (no drift)
    with open(os.path.join(root, "deploy", "helm", "carbonstat", "values.schema.json"), encoding="utf-8") as f:
        schema = json.load(f)
    sprops = get(schema, "properties.config.properties") or {}
    for section, s in sprops.items():
        need(section in INI_KEYS, f"values.schema.json config.{section}: not an INI section")
        for k in s.get("properties", {}):
            need(k in (INI_KEYS[section] or ()), f"values.schema.json config.{section}.{k}: not a key")
            need((section, k) not in HELM_OWNED_KEYS, f"values.schema.json config.{section}.{k}: chart-owned")


def helm_render_ini(values):
    """What templates/_helpers.tpl "carbonstat.configIni" renders, for the parser checks."""
    def fmt(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)
    out = ["; carbonstat.ini rendered by the carbonstat Helm chart"]
    for section in sorted(values["config"]):
        out += ["", f"[{section}]"]
        for k in sorted(values["config"][section] or {}):
            v = values["config"][section][k]
            if not (isinstance(v, str) and v == ""):
                out.append(f"{k} = {fmt(v)}")
        if section == "prometheus":
            out.append(f"listen = :{values['metrics']['port']}")
            if values["metrics"]["webConfig"]["existingSecret"]:
                out.append(f"web_config = /etc/carbonstat/web/{values['metrics']['webConfig']['key']}")
    for name, section in (("namespaces", "teams.namespaces"), ("services", "teams.services")):
        m = values.get("teams", {}).get(name) or {}
        if m:
            out += ["", f"[{section}]"] + [f"{k} = {m[k]}" for k in sorted(m)]
    return "\n".join(out) + "\n"


@check("helm/values-ini")
def helm_values_ini(root, binary):
    need_yaml()
    need(Helm.values, "values.yaml not loaded")
    ini = helm_render_ini(Helm.values)
    cp = parse_ini(ini, "Helm default carbonstat.ini")
    ini_keys_allowed(cp, "Helm default carbonstat.ini")
    return run_check_config(binary, ini, "the Helm default carbonstat.ini")


@check("helm/mirrors-plain-manifests")
def helm_mirror(root):
    need_yaml()
    need(Helm.values, "values.yaml not loaded")
    need(K8s.docs, "deploy/kubernetes not loaded")
    v = Helm.values
    c = get(K8s.one("DaemonSet"), "spec.template.spec.containers.0")
    pod = get(K8s.one("DaemonSet"), "spec.template.spec")
    eq(v["resources"], c["resources"], "values resources vs daemonset.yaml")
    eq(v["tolerations"], pod["tolerations"], "values tolerations vs daemonset.yaml")
    eq(v["terminationGracePeriodSeconds"], pod["terminationGracePeriodSeconds"], "values terminationGracePeriodSeconds")
    eq(v["updateStrategy"]["maxUnavailable"],
       get(K8s.one("DaemonSet"), "spec.updateStrategy.rollingUpdate.maxUnavailable"), "values maxUnavailable")
    eq(v["metrics"]["port"], METRICS_PORT, "values metrics.port")
    for probe, key in (("livenessProbe", "liveness"), ("readinessProbe", "readiness")):
        plain = {k: x for k, x in c[probe].items() if k != "httpGet"}
        eq(v["probes"][key], plain, f"values probes.{key} vs daemonset.yaml {probe}")
    for h, path in v["hostPaths"].items():
        need(path in HOST_MOUNTS, f"values hostPaths.{h} = {path} is not one of the mounted host paths")
    eq(v["securityMode"], "root", "values securityMode (the plain manifests run as root)")


@check("helm/templates")
def helm_templates(root):
    need_yaml()
    need(Helm.values, "values.yaml not loaded")
    d = os.path.join(root, "deploy", "helm", "carbonstat", "templates")
    names = sorted(os.listdir(d))
    for want in ("_helpers.tpl", "daemonset.yaml", "serviceaccount.yaml", "rbac.yaml", "configmap.yaml",
                 "service.yaml", "servicemonitor.yaml", "secret.yaml", "NOTES.txt"):
        need(want in names, f"templates/{want} is missing")
    defined, included, used = set(), set(), set()
    texts = {}
    for n in names:
        with open(os.path.join(d, n), encoding="utf-8") as f:
            texts[n] = f.read()
        acts = tpl_actions(texts[n], n)
        dfn, inc = tpl_structure(acts, n)
        need(not dfn or n.endswith(".tpl"), f"{n}: defines templates outside a .tpl file")
        defined |= dfn
        included |= inc
        for body, line in acts:
            for m in TPL_VALUES.finditer(body):
                used.add((m.group(2)[1:], n, line))
    missing = included - defined
    need(not missing, f"include of undefined templates: {sorted(missing)}")
    for path, n, line in sorted(used):
        cur = Helm.values
        for part in path.split("."):
            need(isinstance(cur, dict) and part in cur, f"{n}:{line}: .Values.{path} is not in values.yaml")
            cur = cur[part]
    need("serviceMonitor.enabled" in {p for p, _, _ in used} and
         re.match(r"\s*\{\{-?\s*if \.Values\.serviceMonitor\.enabled", texts["servicemonitor.yaml"]),
         "servicemonitor.yaml must be wrapped in {{ if .Values.serviceMonitor.enabled }}")
    ds = texts["daemonset.yaml"]
    for needle in ("privileged: false", "readOnlyRootFilesystem: true", "- ALL", "- DAC_READ_SEARCH",
                   "type: RuntimeDefault", "hostPID: false", "hostNetwork: false", "enableServiceLinks: false",
                   "fieldPath: spec.nodeName", "fieldPath: status.hostIP", "optional: true",
                   "name: CARBONSTAT_GRID_API_KEY", "path: /healthz", "path: /readyz", "readOnly: true",
                   "type: RollingUpdate", "priorityClassName"):
        need(needle in ds, f"templates/daemonset.yaml lacks '{needle}'")
    for flag, val in AGENT_ARGS.items():
        need(re.search(re.escape(flag) + r"\s*\n\s*-\s*" + re.escape(val) + r"\s*\n", ds),
             f"templates/daemonset.yaml args lack '{flag} {val}'")
    return f"{len(names)} files, {len(defined)} helpers, {len({p for p, _, _ in used})} value paths"


# ---- checks: systemd ---------------------------------------------------------------------------

def parse_unit(text):
    """systemd unit file -> {section: [(key, value), ...]} (continuation lines joined)."""
    units, section, pending = {}, None, ""
    for raw in text.splitlines():
        line = pending + raw.strip()
        pending = ""
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            units.setdefault(section, [])
            continue
        need(section is not None and "=" in line, f"unit line outside a section or without '=': {line!r}")
        k, v = line.split("=", 1)
        units[section].append((k.strip(), v.strip()))
    return units


@check("systemd/unit")
def systemd_unit(root):
    path = os.path.join(root, "deploy", "systemd", "carbonstat-agent.service")
    with open(path, encoding="utf-8") as f:
        u = parse_unit(f.read())
    for s in ("Unit", "Service", "Install"):
        need(s in u, f"no [{s}] section")
    svc = {}
    for k, v in u["Service"]:
        svc.setdefault(k, []).append(v)

    def one(k):
        need(k in svc, f"[Service] {k}= is missing")
        return svc[k][-1]
    eq(one("Type"), "simple", "Type")
    need(re.fullmatch(r"/\S+/carbonstat agent --config /etc/carbonstat/carbonstat\.ini( .*)?", one("ExecStart")),
         f"ExecStart {one('ExecStart')!r} is not '<path>/carbonstat agent --config /etc/carbonstat/carbonstat.ini'")
    need(any(re.fullmatch(r"/(usr/)?bin/kill -HUP \$MAINPID", x) for x in svc.get("ExecReload", [])),
         "ExecReload must send SIGHUP ($MAINPID)")
    eq(one("Restart"), "on-failure", "Restart")
    need(svc.get("DynamicUser", ["no"])[-1] == "yes" or "User" in svc, "neither DynamicUser=yes nor User=")
    need(svc.get("User", ["x"])[-1] not in ("root", "0"), "User=root")
    eq(one("AmbientCapabilities"), "CAP_DAC_READ_SEARCH", "AmbientCapabilities")
    eq(one("CapabilityBoundingSet"), "CAP_DAC_READ_SEARCH", "CapabilityBoundingSet")
    for k, want in (("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("ProtectHome", "yes"),
                    ("PrivateTmp", "yes"), ("LimitNOFILE", "65536"), ("StateDirectory", "carbonstat"),
                    ("LogsDirectory", "carbonstat")):
        eq(one(k), want, k)
    need(re.fullmatch(r"\d+[KMG]", one("MemoryMax")), f"MemoryMax={one('MemoryMax')}")
    need(re.fullmatch(r"\d+%", one("CPUQuota")) and int(one("CPUQuota")[:-1]) <= 100, "CPUQuota must be <= 100%")
    need(int(one("Nice")) > 0, "Nice must be positive (yield to the workloads)")
    need(one("ProtectProc") != "invisible" if "ProtectProc" in svc else True,
         "ProtectProc=invisible hides other users' processes from the attribution")
    need(dict(u["Install"]).get("WantedBy") == "multi-user.target", "[Install] WantedBy=multi-user.target")
    return f"{sum(len(x) for x in svc.values())} [Service] directives"


def unit_for_verify(root, binary, tmp):
    """A copy of the unit whose carbonstat path is an existing executable."""
    src = os.path.join(root, "deploy", "systemd", "carbonstat-agent.service")
    with open(src, encoding="utf-8") as f:
        text = f.read()
    exe = os.path.abspath(binary) if binary and os.access(binary, os.X_OK) else shutil.which("true") or "/bin/true"
    text = re.sub(r"/usr/local/bin/carbonstat\b", exe, text)
    path = os.path.join(tmp, "carbonstat-agent.service")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


@check("systemd/analyze-verify")
def systemd_verify(root, binary):
    sa = shutil.which("systemd-analyze")
    if not sa:
        raise Skip("systemd-analyze", "systemd-analyze not on PATH (Debian: systemd)")
    with tempfile.TemporaryDirectory(prefix="cs-unit-") as tmp:
        path = unit_for_verify(root, binary, tmp)
        p = subprocess.run([sa, "verify", "--man=no", path], capture_output=True, text=True, timeout=120,
                           stdin=subprocess.DEVNULL)
    lines = [x for x in (p.stdout + p.stderr).splitlines() if x.strip()]
    # missing binaries other than ours (none expected) are the only tolerated noise
    bad = [x for x in lines if "is not executable" not in x]
    need(p.returncode == 0 or not bad, "systemd-analyze verify: " + " | ".join(bad[:5]))
    need(not bad, "systemd-analyze verify warns: " + " | ".join(bad[:5]))


@check("systemd/analyze-security")
def systemd_security(root, binary):
    sa = shutil.which("systemd-analyze")
    if not sa:
        raise Skip("systemd-analyze", "systemd-analyze not on PATH (Debian: systemd)")
    with tempfile.TemporaryDirectory(prefix="cs-unit-") as tmp:
        path = unit_for_verify(root, binary, tmp)
        p = subprocess.run([sa, "security", "--offline=yes", "--no-pager", path], capture_output=True, text=True,
                           timeout=120, stdin=subprocess.DEVNULL)
    m = re.search(r"Overall exposure level for \S+: ([0-9.]+)", p.stdout + p.stderr)
    if not m:
        raise Skip("systemd-analyze", "this systemd-analyze has no `security --offline` (systemd < 250)")
    level = float(m.group(1))
    need(level <= 3.0, f"exposure level {level} > 3.0 (0 = locked down, 10 = unprotected)")
    return f"exposure {level}"


@check("systemd/ini")
def systemd_ini(root, binary):
    path = os.path.join(root, "deploy", "systemd", "carbonstat.ini")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    cp = parse_ini(text, "deploy/systemd/carbonstat.ini")
    ini_keys_allowed(cp, "deploy/systemd/carbonstat.ini")
    need(not cp.has_option("grid", "api_key"), "[grid] api_key in an example file: use api_key_file")
    if cp.get("jsonl", "enabled", fallback="false") == "true":
        need(cp.get("jsonl", "path", fallback="").startswith("/var/log/carbonstat/"),
             "[jsonl] path must be under /var/log/carbonstat (the unit's LogsDirectory; the rest is read-only)")
    # the JSON lines file goes to a temporary directory for the check
    return run_check_config(binary, text, "deploy/systemd/carbonstat.ini",
                            {"CARBONSTAT_JSONL_PATH": "{tmp}/carbonstat.jsonl"})


# ---- checks: Grafana -------------------------------------------------------------------------------

def all_panels(panels):
    for p in panels:
        yield p
        yield from all_panels(p.get("panels") or [])


@check("grafana/dashboard")
def grafana(root):
    path = os.path.join(root, "deploy", "grafana", "carbonstat-dashboard.json")
    with open(path, encoding="utf-8") as f:
        try:
            d = json.load(f)
        except json.JSONDecodeError as e:
            raise Fail(f"not JSON: {e}")
    need(d.get("uid") and re.fullmatch(r"[A-Za-z0-9_-]{1,40}", d["uid"]), f"bad uid {d.get('uid')!r}")
    need(d.get("title"), "no title")
    need(36 <= int(d.get("schemaVersion", 0)) <= 41, f"schemaVersion {d.get('schemaVersion')} (expected ~39)")
    need(any(i.get("name") == "DS_PROMETHEUS" and i.get("pluginId") == "prometheus" for i in d.get("__inputs", [])),
         "__inputs lacks DS_PROMETHEUS")
    tvars = {v.get("name"): v for v in get(d, "templating.list", [])}
    need(get(tvars.get("DS_PROMETHEUS", {}), "type") == "datasource", "no datasource variable DS_PROMETHEUS")
    exprs = []
    for name in ("node", "namespace", "team"):
        v = tvars.get(name)
        need(v and v.get("type") == "query", f"no query variable ${name}")
        need(get(v, "datasource.uid") == "${DS_PROMETHEUS}", f"${name}: datasource is not ${{DS_PROMETHEUS}}")
        q = v.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        need(isinstance(q, str) and q.startswith("label_values("), f"${name} is not a label_values() query")
        exprs.append(q)
    ids = set()
    n = 0
    for p in all_panels(d.get("panels") or []):
        pid = p.get("id")
        need(pid not in ids, f"panel id {pid} used twice")
        ids.add(pid)
        gp = p.get("gridPos") or {}
        need(all(k in gp for k in "xywh") and gp["x"] + gp["w"] <= 24, f"panel {p.get('title')!r}: bad gridPos {gp}")
        if p.get("type") == "row":
            continue
        n += 1
        title = p.get("title")
        need(title, f"panel {pid} has no title")
        need(get(p, "datasource.uid") == "${DS_PROMETHEUS}", f"panel {title!r}: datasource is not ${{DS_PROMETHEUS}}")
        tg = p.get("targets") or []
        need(tg, f"panel {title!r} has no targets")
        for t in tg:
            need(t.get("expr"), f"panel {title!r}: a target without expr")
            need(get(t, "datasource.uid") == "${DS_PROMETHEUS}", f"panel {title!r}: target datasource")
            e = t["expr"]
            for o, c in ("()", "{}", "[]"):
                need(e.count(o) == e.count(c), f"panel {title!r}: unbalanced {o}{c} in {e}")
            exprs.append(e)
    used = set()
    for e in exprs:
        for m in re.findall(r"carbonstat_[a-z_]+", e):
            need(m in METRICS, f"metric {m} is not in the carbonstat metric contract")
            used.add(m)
    missing = DASHBOARD_MUST_USE - used
    need(not missing, f"the dashboard never shows {sorted(missing)}")
    Grafana.exprs = [e for e in exprs if not e.startswith("label_values(")]
    return f"{n} panels, {len(used)} metrics"


class Grafana:
    exprs = None  # the panels' PromQL, for grafana/promql


@check("grafana/promql")
def grafana_promql(root):
    """Every panel query is valid PromQL: promtool checks them as recording rules."""
    promtool = shutil.which("promtool")
    if not promtool:
        raise Skip("promtool", "promtool not on PATH (Debian: prometheus)")
    need(Grafana.exprs, "no dashboard queries (grafana/dashboard failed)")
    subst = {"$__rate_interval": "1m", "$__range": "1h", "$__interval": "1m", "$node": ".*", "$namespace": ".*",
             "$team": ".*"}
    rules = []
    for i, e in enumerate(Grafana.exprs):
        for k in sorted(subst, key=len, reverse=True):
            e = e.replace(k, subst[k])
        need("$" not in e.replace("${1}", ""), f"unknown Grafana variable in {e}")
        rules.append({"record": f"carbonstat:dashboard_query_{i}", "expr": e})
    with tempfile.TemporaryDirectory(prefix="cs-promql-") as tmp:
        path = os.path.join(tmp, "rules.json")  # JSON is YAML: no PyYAML needed
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"groups": [{"name": "carbonstat-dashboard", "rules": rules}]}, f)
        p = subprocess.run([promtool, "check", "rules", path], capture_output=True, text=True, timeout=60)
    need(p.returncode == 0, "promtool check rules: " + (p.stdout + p.stderr).strip().replace("\n", " | ")[:500])
    return f"{len(rules)} queries"


# ---- checks: Dockerfile ----------------------------------------------------------------------------

def dockerfile_stages(text):
    """[(from_line, [instructions...])] with line continuations joined."""
    joined = re.sub(r"\\\n", " ", text)
    stages = []
    for raw in joined.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        word = line.split(None, 1)[0].upper()
        if word == "FROM":
            stages.append((line, []))
        elif stages:
            stages[-1][1].append(line)
        else:
            need(word == "ARG", f"instruction before the first FROM: {line[:60]}")
    return stages


def apt_packages(instrs):
    pkgs = set()
    for ins in instrs:
        for m in re.finditer(r"apt-get install((?:\s+(?:-\S+|[a-z0-9][a-z0-9.+-]*))+)", ins):
            pkgs |= {w for w in m.group(1).split() if not w.startswith("-")}
    return pkgs


def cmake_pkg_modules(root):
    with open(os.path.join(root, "CMakeLists.txt"), encoding="utf-8") as f:
        text = f.read()
    mods = set()
    for m in re.finditer(r"pkg_check_modules\(\s*\w+\s+((?:[^)]*))\)", text):
        words = [w for w in m.group(1).split() if w not in ("REQUIRED", "QUIET", "IMPORTED_TARGET", "GLOBAL")]
        mods |= {re.split(r"[<>=]", w)[0] for w in words}
    return mods, text


class Docker:
    runtime_packages = None  # set by docker/dockerfile for docker/runtime-libraries


@check("docker/dockerfile")
def docker(root):
    path = os.path.join(root, "deploy", "docker", "Dockerfile")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    stages = dockerfile_stages(text)
    need(len(stages) >= 2, "not a multi-stage build")
    first, last = stages[0], stages[-1]
    need(re.match(r"FROM\s+debian:(12|bookworm)\S*\s+AS\s+\w+", first[0], re.I), f"build stage: {first[0]}")
    need(re.fullmatch(r"FROM\s+debian:(12|bookworm)-slim", last[0], re.I), f"runtime stage: {last[0]}")
    build, run = first[1], last[1]
    btext, rtext = "\n".join(build), "\n".join(run)
    need(re.search(r"\bcmake\b.*-DCS_BUILD_TESTS=OFF", btext), "the build stage must run cmake with -DCS_BUILD_TESTS=OFF")
    need(re.search(r"make\b.*\binstall\b", btext), "the build stage must `make install`")
    # every pkg-config module of CMakeLists.txt: -dev package to build, runtime package to run
    mods, cmake_text = cmake_pkg_modules(root)
    bpk, rpk = apt_packages(build), apt_packages(run)
    for mod in sorted(mods):
        need(mod in PKG_DEBIAN, f"CMakeLists.txt needs pkg-config module '{mod}': add its Debian packages to the "
                                f"Dockerfile and to PKG_DEBIAN in tests/deploy/check_deploy.py")
        dev, rt = PKG_DEBIAN[mod]
        if dev:
            need(dev in bpk, f"build stage does not install {dev} (pkg-config {mod})")
            need(rt in rpk or rt in DEBIAN_BASE, f"runtime stage does not install {rt} (pkg-config {mod})")
    need(not any(p.endswith("-dev") for p in rpk), f"runtime stage installs -dev packages: {sorted(rpk)}")
    need("--no-install-recommends" in rtext and "rm -rf /var/lib/apt/lists" in rtext,
         "runtime apt-get must use --no-install-recommends and remove /var/lib/apt/lists")
    # every top-level file/dir the top-level CMakeLists.txt names must be copied in
    copied = set()
    for ins in build:
        if ins.upper().startswith("COPY") and "--from" not in ins:
            copied |= {w.rstrip("/") for w in ins.split()[1:-1]}
    for entry in sorted(os.listdir(root)):
        if entry.startswith(".") or entry in ("CMakeLists.txt", "tests") or entry in copied:
            continue
        if re.search(r"(?<![\w/.-])" + re.escape(entry) + r"(?=[/\s)])", cmake_text):
            raise Fail(f"CMakeLists.txt uses '{entry}' but the build stage does not COPY it")
    need("CMakeLists.txt" in copied, "the build stage does not COPY CMakeLists.txt")
    # non-root USER, or a documented root
    users = [ins.split(None, 1)[1] for ins in run if ins.upper().startswith("USER ")]
    if users:
        need(users[-1].split(":")[0] not in ("0", "root"), "USER root in the runtime stage")
    else:
        need(re.search(r"#.*\broot\b.*because", text, re.I), "no USER and no comment explaining root")
    need(re.search(r"setcap\s+cap_dac_read_search\+ep\s+\S*carbonstat", rtext),
         "runtime stage must `setcap cap_dac_read_search+ep` the binary")
    # after setcap the build's own RUN steps can no longer exec the binary (EPERM)
    after = rtext.split("setcap", 1)[1]
    need(not re.search(r"(^|[\s&;])(/usr/local/bin/)?carbonstat\s+(--|agent)", after),
         "the binary runs after setcap in the build: Docker's default capability set lacks DAC_READ_SEARCH (EPERM)")
    ep = [ins for ins in run if ins.upper().startswith("ENTRYPOINT")]
    need(ep, "no ENTRYPOINT")
    eq(json.loads(ep[-1].split(None, 1)[1]), ["carbonstat", "agent"], "ENTRYPOINT")
    need(any(re.match(r"EXPOSE\s+%d\b" % METRICS_PORT, ins) for ins in run), f"EXPOSE {METRICS_PORT} missing")
    Docker.runtime_packages = rpk
    return f"{len(stages)} stages, runtime packages: {' '.join(sorted(rpk))}"


@check("docker/runtime-libraries")
def docker_libs(root, binary):
    if not binary:
        raise Skip("binary", "no carbonstat binary given (2nd argument)")
    need(Docker.runtime_packages is not None, "Dockerfile not checked")
    for tool in ("ldd", "dpkg"):
        if not shutil.which(tool):
            raise Skip(tool, f"{tool} not on PATH")
    p = subprocess.run(["ldd", binary], capture_output=True, text=True, timeout=60)
    need(p.returncode == 0, f"ldd {binary}: {p.stderr.strip()}")
    if re.search(r"lib(asan|ubsan|tsan)", p.stdout):
        raise Skip("plain-build", "sanitizer build: its runtime libraries are not what the image ships")
    # direct dependencies only: the runtime packages pull their own
    r = subprocess.run(["readelf", "-d", binary], capture_output=True, text=True, timeout=60) \
        if shutil.which("readelf") else None
    needed = set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", r.stdout)) if r else None
    missing = []
    for line in p.stdout.splitlines():
        m = re.match(r"\s*(\S+) => (/\S+)", line)
        if not m or (needed is not None and m.group(1) not in needed):
            continue
        cands = {m.group(2), os.path.realpath(m.group(2))}
        cands |= {re.sub(r"^/usr/lib/", "/lib/", c) for c in cands} | {re.sub(r"^/lib/", "/usr/lib/", c) for c in cands}
        pkg = None
        for c in sorted(cands):
            q = subprocess.run(["dpkg", "-S", c], capture_output=True, text=True)
            if q.returncode == 0:
                pkg = q.stdout.split(":", 1)[0].strip()
                break
        if pkg is None:
            missing.append(f"{m.group(1)} (not from a Debian package)")
        elif pkg not in Docker.runtime_packages and pkg not in DEBIAN_BASE:
            missing.append(f"{m.group(1)} ({pkg})")
    need(not missing, "the image would lack: " + ", ".join(missing))


# ---- checks: the capability model, with the real binary -------------------------------------------------

def rapl_readable(cmd, env):
    """Runs `carbonstat sensors --json` as cmd; True if every RAPL channel was read,
    False if RAPL was refused, None if the binary could not be executed."""
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env, stdin=subprocess.DEVNULL)
    if p.returncode == 126 or ("Operation not permitted" in p.stderr and not p.stdout):
        return None
    try:
        rapl = [s for s in json.loads(p.stdout)["sensors"] if s["name"] == "rapl"][0]
    except (ValueError, KeyError, IndexError) as e:
        raise Fail(f"`carbonstat sensors --json` output not understood ({e}): {p.stdout[:200]} {p.stderr[:200]}")
    chans = rapl.get("channels") or []
    return bool(chans) and all(c.get("readable") for c in chans)


@check("security/capabilities")
def security_caps(root, binary):
    """The table in deploy/README.md: who can read root-only RAPL files."""
    if not binary:
        raise Skip("binary", "no carbonstat binary given (2nd argument)")
    if os.geteuid() != 0:
        raise Skip("root", "needs root (to make root-only files and switch users)")
    setpriv = shutil.which("setpriv")
    if not setpriv:
        raise Skip("setpriv", "setpriv (util-linux) not on PATH")
    fixture = os.path.join(root, "tests", "fixtures", "intel-2s", "sys")
    need(os.path.isdir(fixture), f"{fixture} is missing")
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"}
    with tempfile.TemporaryDirectory(prefix="cs-caps-") as tmp:
        os.chmod(tmp, 0o755)
        sysdir = os.path.join(tmp, "sys")
        shutil.copytree(fixture, sysdir, symlinks=True)
        n = 0
        for dirpath, dirs, files in os.walk(sysdir):
            os.chmod(dirpath, 0o755)
            for f in files:
                fp = os.path.join(dirpath, f)
                if os.path.islink(fp):
                    continue
                os.chown(fp, 0, 0)
                os.chmod(fp, 0o400 if f == "energy_uj" else 0o444)  # as on Linux >= 5.10
                n += f == "energy_uj"
        need(n, "the fixture has no energy_uj")
        exe = os.path.join(tmp, "carbonstat")
        shutil.copy2(binary, exe)  # its directory may not be searchable by uid 65532
        os.chmod(exe, 0o755)
        args = ["sensors", "--json", "--no-metadata", "--sysfs-root", sysdir]
        user = ["--reuid", "65532", "--regid", "65532", "--clear-groups"]
        drs = ["--bounding-set=-all,+dac_read_search"]
        cases = [
            ("uid 65532, no capabilities", [setpriv] + user + ["--inh-caps=-all", "--bounding-set=-all", exe], False),
            ("uid 65532, ambient DAC_READ_SEARCH, no_new_privs (systemd unit)",
             [setpriv] + user + ["--inh-caps=-all,+dac_read_search", "--ambient-caps=+dac_read_search"] + drs +
             ["--no-new-privs", exe], True),
            ("uid 0, bounding {DAC_READ_SEARCH}, no_new_privs (Kubernetes root mode)",
             [setpriv, "--inh-caps=-all"] + drs + ["--no-new-privs", exe], True),
        ]
        results = []
        for what, cmd, want in cases:
            got = rapl_readable(cmd + args, env)
            need(got is not None, f"{what}: could not execute the binary")
            need(got == want, f"{what}: RAPL {'read' if got else 'refused'}, expected {'read' if want else 'refused'}")
            results.append(f"{what}: {'read' if got else 'refused'}")
        # the image's file capability (Kubernetes nonroot mode; docker run without --cap-add)
        fcap = os.path.join(tmp, "carbonstat-fcap")
        shutil.copy2(exe, fcap)
        setcap = shutil.which("setcap")
        if not setcap or subprocess.run([setcap, "cap_dac_read_search+ep", fcap], capture_output=True).returncode:
            raise Skip("setcap", "; ".join(results) + "; the file-capability cases need setcap (Debian: libcap2-bin) "
                       "and a file system that keeps capabilities")
        got = rapl_readable([setpriv] + user + ["--inh-caps=-all"] + drs + [fcap] + args, env)
        need(got is True, f"uid 65532 with the file capability: RAPL {got}")
        got = rapl_readable([setpriv] + user + ["--inh-caps=-all", "--bounding-set=-all", fcap] + args, env)
        need(got is None, "a +ep binary ran without DAC_READ_SEARCH in the bounding set (expected EPERM)")
    return f"{len(cases) + 2} cases as in deploy/README.md"


# ---- checks: README --------------------------------------------------------------------------------

@check("readme")
def readme(root):
    d = os.path.join(root, "deploy")
    with open(os.path.join(d, "README.md"), encoding="utf-8") as f:
        text = f.read()
    for dirpath, _, files in os.walk(d):
        for fn in files:
            rel = os.path.relpath(os.path.join(dirpath, fn), d)
            if rel == "README.md":
                continue
            need(fn in text or rel in text, f"deploy/README.md never mentions {rel}")
    for needle in ("DAC_READ_SEARCH", "nodes/proxy", "bench/", "Docker"):
        need(needle in text, f"deploy/README.md never mentions {needle}")


# ---- main ------------------------------------------------------------------------------------------

def project_version(root):
    with open(os.path.join(root, "CMakeLists.txt"), encoding="utf-8") as f:
        m = re.search(r"project\(\s*carbonstat\s+VERSION\s+([0-9.]+)", f.read())
    return m.group(1) if m else "?"


def main(argv):
    if len(argv) < 2 or len(argv) > 3 or argv[1] in ("-h", "--help"):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    root = os.path.abspath(argv[1])
    binary = os.path.abspath(argv[2]) if len(argv) == 3 else None
    if not os.path.isdir(os.path.join(root, "deploy")):
        print(f"check_deploy: {root} has no deploy/ directory", file=sys.stderr)
        return 2
    version = project_version(root)
    print(f"check_deploy: {root} (carbonstat {version}); python {sys.version.split()[0]} at {sys.executable}; "
          f"PyYAML {'yes' if yaml else 'NO'}")
    k8s_parse(root)
    k8s_kustomization(root)
    k8s_kubectl_kustomize(root)
    k8s_namespace(root)
    k8s_rbac(root)
    k8s_configmap(root)
    k8s_configmap_binary(root, binary)
    k8s_daemonset(root, version)
    k8s_service(root)
    k8s_servicemonitor(root)
    helm_chart(root, version)
    helm_values_schema(root)
    helm_values_config(root)
    helm_values_ini(root, binary)
    helm_mirror(root)
    helm_templates(root)
    systemd_unit(root)
    systemd_verify(root, binary)
    systemd_security(root, binary)
    systemd_ini(root, binary)
    grafana(root)
    grafana_promql(root)
    docker(root)
    docker_libs(root, binary)
    security_caps(root, binary)
    readme(root)
    print(f"check_deploy: {R.passed} passed, {R.failed} failed, {R.skipped} skipped")
    return 1 if R.failed else 77 if R.skipped else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
