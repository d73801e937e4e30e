#!/usr/bin/env python3
"""node_driver.py - a fixture node for `carbonstat agent`, driven in real time.

    node_driver.py OUT [--pods N] [--containers M] [--driver systemd|cgroupfs]
                   [--runtime containerd|crio|docker] [--cgroup v1|v2] [--seed S]
                   [--watts package-0=30,package-1=20,dram-0=3,dram-1=2]
                   [--wrap-zone package-0] [--wrap-j 200] [--ncpu 8] [--busy 0.5]
                   [--tick 0.05] [--cg-tick 0.5] [--churn K] [--kubelet]
                   [--duration S] [--once]
    node_driver.py OUT --advance S      # a tree built with --once: S seconds more

Builds under OUT (which must not exist or be empty):
  OUT/sys/     a RAPL powercap tree shaped like tests/fixtures/intel-2s (a copy of
               it: class/powercap symlinks into devices/virtual/powercap, name,
               enabled, constraint_*, max_energy_range_uj, energy_uj), with
               package-0, package-1 and their dram subzones. --wrap-zone gets a
               small max_energy_range_uj (--wrap-j joules) and starts 1.5 s
               before its wrap, so the counter wraps early and then every
               wrap_j / watts seconds.
  OUT/cgroup/, OUT/proc/<pid>/, OUT/pods.json, OUT/manifest.json: from
               tests/fixtures/gen_node.py (see its docstring), plus
  OUT/proc/stat, OUT/proc/meminfo, OUT/proc/cpuinfo: a --ncpu CPU, two-socket
               Xeon with 64 GiB whose busy time always covers the containers'.
  OUT/driver.env   shell variables for the tests: SYSFS_ROOT, PROCFS_ROOT,
               CGROUP_ROOT, KUBELET_URL (empty without --kubelet), DRIVER_LOG.
  OUT/driver.log   one line per event: "t=3.217 wrap zone=package-0 n=1",
               "t=5.001 churn gone=<cgroup> new=<cgroup>".
  OUT/driver-state.json  the counters (what --advance continues from).

Counters follow the script exactly: at time t (seconds since start) zone z
holds (start_z + watts_z * t * 1e6) mod max_z (the agent's wrap arithmetic is
(max - prev) + cur, so the fixture wraps modulo max), each leaf cgroup's CPU
time is start + rate * t with rates proportional to per-leaf weights summing
to --busy x --ncpu cores, and /proc/stat's busy ticks are the containers' plus
5 % of the node (system), idle ticks the rest. Files are rewritten in place
(same inode: pwrite at offset 0, then ftruncate; the RAPL counters zero-padded
to a fixed width, which the agent's parser accepts), never renamed: the agent
keeps them open. RAPL files are rewritten every --tick seconds, cgroups and
/proc every --cg-tick seconds (0: never; the tree stays as built).

--churn K: every K seconds one container (not a pod sandbox) vanishes (its
directory removed, its fake process too) and a new one appears in the same pod
under a new id (a container restart), with the same CPU weight; pods.json
follows. --kubelet serves the current pods.json as a kubelet /pods endpoint
over plain HTTP on 127.0.0.1 (port 0: the kernel picks a free one).

When the tree is ready one line goes to stdout:
  ready sysfs=OUT/sys procfs=OUT/proc cgroup=OUT/cgroup kubelet=URL|- env=OUT/driver.env
then the driver runs until SIGTERM/SIGINT, --duration, its parent exiting, or
EOF on stdin when stdin is a pipe (a test holding the write end cannot leak
it). --once builds, prints the line and exits. --static keeps every counter
where it is (serving the kubelet, taking commands) until told otherwise.

Commands, one per line on such a stdin (each logged in driver.log):
  churn K       churn every K seconds from now on (0: stop), so a test can
                wait for its observers before containers start restarting
  churn-now     one container restart now
  advance S     (--static) S seconds more of the script, written at once:
                deterministic deltas for golden files ("advanced to T")

Python 3 standard library only.
"""
import argparse
import http.server
import json
import os
import random
import select
import shutil
import signal
import socketserver
import stat as statmod
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.normpath(os.path.join(HERE, "..", "fixtures"))
sys.path.insert(0, FIXTURES)
import gen_node  # noqa: E402  (tests/fixtures/gen_node.py)

USER_HZ = 100
POWERCAP = "devices/virtual/powercap/intel-rapl"
# zone name -> directory under POWERCAP, as in tests/fixtures/intel-2s
ZONES = {
    "package-0": "intel-rapl:0",
    "dram-0": "intel-rapl:0/intel-rapl:0:0",
    "package-1": "intel-rapl:1",
    "dram-1": "intel-rapl:1/intel-rapl:1:0",
}
DEFAULT_WATTS = "package-0=30,package-1=20,dram-0=3,dram-1=2"
MEM_TOTAL_KB = 64 * 1024 * 1024


def die(msg):
    print("node_driver.py: " + msg, file=sys.stderr)
    sys.exit(2)


def inplace(path, data):
    """Rewrites path in place (same inode): pwrite at 0, then cut the tail."""
    if isinstance(data, str):
        data = data.encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        os.pwrite(fd, data, 0)
        os.ftruncate(fd, len(data))
    finally:
        os.close(fd)


# ---- the node ---------------------------------------------------------------------

class Node:
    """Everything the driver writes, as a function of t (seconds since start)."""

    def __init__(self, out, st):
        self.out = out
        self.st = st  # the persisted state (driver-state.json)
        self.a = argparse.Namespace(**st["gen_args"])
        self.sys = os.path.join(out, "sys")
        self.proc = os.path.join(out, "proc")
        self.cg = os.path.join(out, "cgroup")
        self.logf = open(os.path.join(out, "driver.log"), "a", buffering=1)
        self.wraps = {z: 0 for z in st["zones"]}
        self.lock = threading.Lock()  # pods.json vs the kubelet thread
        self.pods_bytes = b""
        self.rng = random.Random(st["seed"] + 7)
        self.load_pods()

    def log(self, t, msg):
        self.logf.write("t=%.3f %s\n" % (t, msg))

    # -- RAPL
    def zone_uj(self, z, t):
        zs = self.st["zones"][z]
        return (zs["start_uj"] + int(zs["watts"] * t * 1e6)) % zs["max_uj"]

    def write_rapl(self, t):
        for z, zs in self.st["zones"].items():
            total = zs["start_uj"] + int(zs["watts"] * t * 1e6)
            n = total // zs["max_uj"]
            if n > self.wraps[z]:
                self.wraps[z] = n
                self.log(t, "wrap zone=%s n=%d" % (z, n))
            v = total % zs["max_uj"]
            inplace(zs["path"], "%0*d\n" % (zs["width"], v))

    # -- cgroups
    def leaf_usec(self, rel, t):
        lf = self.st["leaves"][rel]
        return lf["start_usec"] + int(lf["rate"] * (t - lf["born"]) * 1e6)

    def write_cgroups(self, t):
        a = self.a
        totals = {}
        for rel in self.st["leaves"]:
            u = self.leaf_usec(rel, t)
            self.write_cpu(rel, u)
            for anc in [""] + gen_node.ancestors(rel):
                totals[anc] = totals.get(anc, 0) + u
        for anc, u in totals.items():
            if anc == "" and a.cgroup == "v2":
                inplace(os.path.join(self.cg, "cpu.stat"), gen_node.v2_cpustat(u))
            else:
                self.write_cpu(anc, u)

    def write_cpu(self, rel, usec):
        if self.a.cgroup == "v2":
            p = os.path.join(self.cg, rel, "cpu.stat")
            if os.path.isdir(os.path.dirname(p)):
                inplace(p, gen_node.v2_cpustat(usec))
        else:
            d = os.path.join(self.cg, "cpu,cpuacct", rel)
            if os.path.isdir(d):
                inplace(os.path.join(d, "cpuacct.usage"), "%d\n" % (usec * 1000 + 417))
                inplace(os.path.join(d, "cpuacct.stat"), "user %d\nsystem %d\n" % (usec // 14285, usec // 33333))

    # -- procfs
    def write_procstat(self, t):
        ncpu = self.st["ncpu"]
        busy_cores = self.st["busy_cores"] + 0.05 * ncpu
        busy = self.st["stat_busy0"] + int(busy_cores * t * USER_HZ)
        total = self.st["stat_total0"] + int(ncpu * t * USER_HZ)
        idle = total - busy
        user, system = busy * 7 // 10, busy - busy * 7 // 10
        lines = ["cpu  %d 0 %d %d 0 0 0 0 0 0" % (user, system, idle)]
        for i in range(ncpu):
            # per-CPU shares of the aggregate (the remainder on cpu0)
            lines.append("cpu%d %d 0 %d %d 0 0 0 0 0 0" % (
                i, user // ncpu + (user % ncpu if i == 0 else 0),
                system // ncpu + (system % ncpu if i == 0 else 0),
                idle // ncpu + (idle % ncpu if i == 0 else 0)))
        boot = self.st["btime"]
        ctxt = 40000000 + int(t * 20000)
        lines += ["intr %d 0" % (ctxt // 2), "ctxt %d" % ctxt, "btime %d" % boot,
                  "processes %d" % (30000 + int(t)), "procs_running 2", "procs_blocked 0",
                  "softirq 0 0 0 0 0 0 0 0 0 0 0"]
        inplace(os.path.join(self.proc, "stat"), "\n".join(lines) + "\n")
        # memory used follows the working set a little, within fixed widths
        avail = MEM_TOTAL_KB * 3 // 4 - (int(t) % 60) * 1024
        inplace(os.path.join(self.proc, "meminfo"), meminfo(avail))

    # -- kubelet's view
    def load_pods(self):
        with open(os.path.join(self.out, "pods.json"), "rb") as f:
            self.pods_bytes = f.read()

    def save_pods(self, doc):
        data = (json.dumps(doc, indent=1) + "\n").encode()
        tmp = os.path.join(self.out, "pods.json.tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, os.path.join(self.out, "pods.json"))  # not a kernel file: rename is fine
        with self.lock:
            self.pods_bytes = data

    # -- churn: a container restarts under a new id
    def churn(self, t):
        a = self.a
        cands = sorted(rel for rel, lf in self.st["leaves"].items() if lf.get("container"))
        if not cands:
            return
        old = self.rng.choice(cands)
        lf = self.st["leaves"].pop(old)
        gen_node.remove_dir(a, self.cg, old)
        pid = lf.get("pid")
        if pid:
            shutil.rmtree(os.path.join(self.proc, str(pid)), ignore_errors=True)
        cid = gen_node.hexid(self.rng)
        new = os.path.dirname(old) + "/" + gen_node.ctr_name(a, cid)
        npid = self.st["next_pid"]
        self.st["next_pid"] += 1
        gen_node.make_dir(a, self.cg, new, pid=npid)
        gen_node.write_counters(a, self.cg, new, {"cpu": 0, "mem": 32 * 1048576, "inactive": 1048576})
        write_fake_proc(a, self.proc, npid, new)
        self.st["leaves"][new] = {"start_usec": 0, "rate": lf["rate"], "born": t, "pid": npid,
                                  "container": lf["container"], "pod_uid": lf["pod_uid"]}
        self.write_cpu(new, 0)
        with open(os.path.join(self.out, "pods.json")) as f:
            doc = json.load(f)
        for item in doc["items"]:
            if item["metadata"]["uid"] != lf["pod_uid"]:
                continue
            for cs in item["status"].get("containerStatuses", []):
                if cs["name"] == lf["container"]:
                    cs["containerID"] = cs["containerID"].split("://")[0] + "://" + cid
                    cs["restartCount"] = cs.get("restartCount", 0) + 1
        self.save_pods(doc)
        self.log(t, "churn gone=%s new=%s" % (old, new))

    def write_all(self, t):
        self.write_rapl(t)
        self.write_cgroups(t)
        self.write_procstat(t)

    def save_state(self):
        tmp = os.path.join(self.out, "driver-state.json.tmp")
        with open(tmp, "w") as f:
            json.dump(self.st, f, separators=(",", ":"))
        os.replace(tmp, os.path.join(self.out, "driver-state.json"))


def meminfo(avail_kb):
    free = avail_kb - 2 * 1024 * 1024
    rows = [("MemTotal", MEM_TOTAL_KB), ("MemFree", free), ("MemAvailable", avail_kb),
            ("Buffers", 4096), ("Cached", 2 * 1024 * 1024), ("SwapCached", 0),
            ("Active", 8 * 1024 * 1024), ("Inactive", 4 * 1024 * 1024), ("SwapTotal", 0),
            ("SwapFree", 0), ("Dirty", 216), ("Writeback", 0), ("AnonPages", 9 * 1024 * 1024),
            ("Shmem", 10604), ("Slab", 250060), ("Hugepagesize", 2048)]
    return "".join("%-16s%8d kB\n" % (k + ":", v) for k, v in rows)


def cpuinfo(ncpu):
    out = []
    per = max(1, ncpu // 2)
    for i in range(ncpu):
        out.append(
            "processor\t: %d\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\n"
            "model name\t: Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz\nstepping\t: 7\n"
            "cpu MHz\t\t: 2500.000\ncache size\t: 28160 KB\nphysical id\t: %d\nsiblings\t: %d\n"
            "core id\t\t: %d\ncpu cores\t: %d\napicid\t\t: %d\nflags\t\t: fpu vme de pse tsc msr "
            "pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ss ht "
            "syscall nx pdpe1gb rdtscp lm constant_tsc rapl avx512f\nbogomips\t: 5000.00\n\n"
            % (i, min(i // per, 1), per, i % per, per, i))
    return "".join(out)


def write_fake_proc(a, proc, pid, rel):
    d = os.path.join(proc, str(pid))
    os.makedirs(d, exist_ok=True)
    cg = "/" + rel
    if a.cgroup == "v2":
        text = "0::%s\n" % cg
    else:
        text = "12:memory:%s\n4:cpu,cpuacct:%s\n1:name=systemd:%s\n0::/\n" % (cg, cg, cg)
    gen_node.wfile(os.path.join(d, "cgroup"), text)
    gen_node.wfile(os.path.join(d, "stat"),
                   "%d (ctr%d) S 1 %d %d 0 -1 4194560 500 0 0 0 100 20 0 0 20 0 1 0 %d 1000000 100 "
                   "18446744073709551615 0 0 0 0 0 0 0 4096 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
                   % (pid, pid, pid, pid, 1000 + pid))


# ---- building ---------------------------------------------------------------------

def parse_watts(s):
    w = {}
    for part in s.split(","):
        if not part.strip():
            continue
        k, _, v = part.partition("=")
        k = k.strip()
        if k not in ZONES:
            die("--watts: unknown zone '%s'; use %s" % (k, ", ".join(ZONES)))
        try:
            w[k] = float(v)
        except ValueError:
            die("--watts: '%s' is not a number of watts" % v)
        if w[k] < 0:
            die("--watts: %s must be >= 0" % k)
    for k in ZONES:
        w.setdefault(k, 0.0)
    return w


def build(a):
    out = a.out
    if os.path.exists(out) and os.listdir(out):
        die("%s exists and is not empty; pick a new directory" % out)
    os.makedirs(out, exist_ok=True)
    gen = [sys.executable, os.path.join(FIXTURES, "gen_node.py"), out, "--pods", str(a.pods),
           "--containers", str(a.containers), "--driver", a.driver, "--runtime", a.runtime,
           "--cgroup", a.cgroup, "--seed", str(a.seed)]
    rc = subprocess.call(gen)
    if rc != 0:
        die("gen_node.py failed (exit %d)" % rc)

    # RAPL: a copy of intel-2s (symlinks kept), counters re-written below.
    shutil.copytree(os.path.join(FIXTURES, "intel-2s", "sys"), os.path.join(out, "sys"), symlinks=True)
    watts = parse_watts(a.watts)
    if a.wrap_zone and a.wrap_zone not in ZONES:
        die("--wrap-zone: unknown zone '%s'" % a.wrap_zone)
    zones = {}
    for z, d in ZONES.items():
        zd = os.path.join(out, "sys", POWERCAP, d)
        with open(os.path.join(zd, "max_energy_range_uj")) as f:
            mx = int(f.read())
        with open(os.path.join(zd, "energy_uj")) as f:
            start = int(f.read())
        if z == a.wrap_zone:
            mx = int(a.wrap_j * 1e6)
            # 1.5 s before the wrap: every test window sees one early
            start = max(0, mx - int(watts[z] * 1.5e6)) if watts[z] > 0 else mx // 2
            inplace(os.path.join(zd, "max_energy_range_uj"), "%d\n" % mx)
        zones[z] = {"path": os.path.join(zd, "energy_uj"), "watts": watts[z], "max_uj": mx,
                    "start_uj": start % mx, "width": len(str(mx))}

    # cgroup leaves: start values from gen_node's step 0, CPU weights from the seed.
    with open(os.path.join(out, "script.json")) as f:
        script = json.load(f)
    with open(os.path.join(out, "manifest.json")) as f:
        manifest = json.load(f)
    ctr_names = {}
    for p in manifest["pods"]:
        for c in p["containers"]:
            ctr_names[c["cgroup"]] = (c["name"], p["uid"])
    rng = random.Random(a.seed)
    busy_cores = a.busy * a.ncpu
    present = script["steps"][0]["present"]
    weights = {rel: rng.randint(1, 10) for rel in sorted(present)}
    wsum = float(sum(weights.values())) or 1.0
    leaves = {}
    for rel in sorted(present):
        name, uid = ctr_names.get(rel, ("", ""))
        leaves[rel] = {"start_usec": present[rel]["cpu"], "rate": busy_cores * weights[rel] / wsum,
                       "born": 0.0, "pid": script["pids"].get(rel), "container": name, "pod_uid": uid}
    usec0 = sum(v["cpu"] for v in present.values())
    busy0 = usec0 * USER_HZ // 1000000 + 10 ** 6
    total0 = busy0 * 4 + a.ncpu * 10 ** 6
    st = {"gen_args": script["args"], "seed": a.seed, "zones": zones, "leaves": leaves,
          "ncpu": a.ncpu, "busy_cores": busy_cores, "stat_busy0": busy0, "stat_total0": total0,
          "btime": 1700000000, "next_pid": 100 + len(script["pids"]) + 10, "t": 0.0}
    proc = os.path.join(out, "proc")
    gen_node.wfile(os.path.join(proc, "cpuinfo"), cpuinfo(a.ncpu))
    open(os.path.join(out, "driver.log"), "w").close()
    node = Node(out, st)
    node.write_all(0.0)
    node.save_state()
    return node


def write_env(node, kubelet_url):
    out = node.out
    with open(os.path.join(out, "driver.env"), "w") as f:
        for k, v in (("SYSFS_ROOT", node.sys), ("PROCFS_ROOT", node.proc), ("CGROUP_ROOT", node.cg),
                     ("KUBELET_URL", kubelet_url), ("DRIVER_LOG", os.path.join(out, "driver.log"))):
            f.write("%s='%s'\n" % (k, v))


# ---- the fake kubelet (plain HTTP, 127.0.0.1) ------------------------------------

def serve_kubelet(node):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            pass

        def do_GET(self):
            if self.path.split("?")[0] != "/pods":
                self.send_error(404)
                return
            with node.lock:
                body = node.pods_bytes
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True
        allow_reuse_address = True

    srv = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, "http://127.0.0.1:%d/pods" % srv.server_address[1]


# ---- running ----------------------------------------------------------------------

class Stop(Exception):
    pass


def run(node, a):
    """Real time (or, with --static, only what stdin commands say) until told to stop."""
    stop = {"flag": False}

    def on_signal(signo, frame):
        stop["flag"] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    watch_stdin = False
    try:
        mode = os.fstat(0).st_mode
        watch_stdin = statmod.S_ISFIFO(mode) or statmod.S_ISSOCK(mode)
    except OSError:
        pass
    ppid = os.getppid()
    t0 = time.monotonic()
    next_cg = a.cg_tick if a.cg_tick > 0 else None
    next_churn = a.churn if a.churn > 0 else None
    pending = ""

    def command(line):
        nonlocal next_churn
        words = line.split()
        now = time.monotonic() - t0
        try:
            if len(words) == 2 and words[0] == "churn":
                # churn every K s from now on (0: stop)
                a.churn = float(words[1])
                next_churn = now + a.churn if a.churn > 0 else None
                node.log(now, "command churn %g" % a.churn)
            elif words == ["churn-now"]:
                node.churn(node.st["t"] if a.static else now)
            elif len(words) == 2 and words[0] == "advance" and a.static:
                node.st["t"] += float(words[1])
                node.write_all(node.st["t"])
                node.save_state()
                node.log(now, "advanced to %g" % node.st["t"])
            elif words:
                node.log(now, "unknown command %r" % line)
        except ValueError:
            node.log(now, "bad command %r" % line)

    while not stop["flag"]:
        t = time.monotonic() - t0
        if a.duration and t >= a.duration:
            break
        if not a.static:
            node.write_rapl(t)
            if next_churn is not None and t >= next_churn:
                node.churn(t)
                next_churn += a.churn
            if next_cg is not None and t >= next_cg:
                node.write_cgroups(t)
                node.write_procstat(t)
                next_cg += a.cg_tick
        if os.getppid() != ppid:
            break  # the test died without cleaning up
        # sleep to the next tick; stdin may bring commands or EOF
        delay = max(0.0, (0.25 if a.static else a.tick) - ((time.monotonic() - t0) - t))
        if not watch_stdin:
            time.sleep(delay)
            continue
        try:
            r, _, _ = select.select([0], [], [], delay)
        except InterruptedError:
            continue
        if not r:
            continue
        try:
            data = os.read(0, 4096)
        except OSError:
            break
        if not data:
            break
        pending += data.decode(errors="replace")
        while "\n" in pending:
            line, pending = pending.split("\n", 1)
            command(line)
    node.log(time.monotonic() - t0, "stop")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--pods", type=int, default=3)
    ap.add_argument("--containers", type=int, default=2)
    ap.add_argument("--driver", choices=["systemd", "cgroupfs"], default="systemd")
    ap.add_argument("--runtime", choices=["containerd", "crio", "docker"], default="containerd")
    ap.add_argument("--cgroup", choices=["v1", "v2"], default="v2")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--watts", default=DEFAULT_WATTS)
    ap.add_argument("--wrap-zone", default="package-0")
    ap.add_argument("--wrap-j", type=float, default=200.0)
    ap.add_argument("--ncpu", type=int, default=8)
    ap.add_argument("--busy", type=float, default=0.5)
    ap.add_argument("--tick", type=float, default=0.05)
    ap.add_argument("--cg-tick", type=float, default=0.5)
    ap.add_argument("--churn", type=float, default=0.0)
    ap.add_argument("--kubelet", action="store_true")
    ap.add_argument("--duration", type=float, default=0.0)
    ap.add_argument("--once", action="store_true")
    ap.add_argument("--static", action="store_true")
    ap.add_argument("--advance", type=float, default=None)
    a = ap.parse_args()
    a.out = os.path.abspath(a.out)

    if a.advance is not None:
        try:
            with open(os.path.join(a.out, "driver-state.json")) as f:
                st = json.load(f)
        except (OSError, ValueError) as e:
            die("%s/driver-state.json: %s; build the node with --once first" % (a.out, e))
        node = Node(a.out, st)
        st["t"] += a.advance
        node.write_all(st["t"])
        node.save_state()
        return
    if a.ncpu < 1 or not 0 <= a.busy <= 0.9 or a.tick <= 0 or a.wrap_j <= 0:
        die("need --ncpu >= 1, 0 <= --busy <= 0.9, --tick > 0, --wrap-j > 0")
    node = build(a)
    url = ""
    if a.kubelet and not a.once:
        _, url = serve_kubelet(node)
    write_env(node, url)
    print("ready sysfs=%s procfs=%s cgroup=%s kubelet=%s env=%s" % (
        node.sys, node.proc, node.cg, url or "-", os.path.join(a.out, "driver.env")), flush=True)
    if a.once:
        return
    run(node, a)


if __name__ == "__main__":
    main()
