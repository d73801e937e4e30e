#!/usr/bin/env python3
"""Recompute the figures of the estimate/compare/regions/countries goldens.

An independent check of tests/golden/*.out: for every case in tests/cli/cases
this script knows how to recompute (estimate and compare in JSON, CSV and
text; countries and regions listings), it reads the raw public datasets in
../shared/datasets directly (cloud-carbon-footprint/, ember/,
google-region-carbon-info/; never carbonstat's generated tables nor
tools/datagen/gen_tables.py), applies the formulas of docs/model.md, and
compares every figure the golden file shows: to 1e-9 relative where the CLI
prints 10 significant digits (JSON, CSV), to half a unit of the last printed
digit where it rounds for display (text).

Python 3 standard library only. Usage:
    tests/golden/recompute.py [--datasets DIR] [--cases DIR] [--golden DIR] [-v]
Exit 0: every figure agrees. 1: a figure differs, or a case uses a rule this
script does not implement yet (add it under RULES). 77: the datasets
directory is missing (skipped), unless CS_REQUIRE lists "datasets" (or all),
then 1.

Layout: RULES (the model: what docs/model.md says, one function per rule, so
a change of method is a change here), DATASETS (reading the raw files into
instances and intensities), CASES (the CLI's options and outputs), main.
"""
import csv
import math
import glob
import json
import os
import re
import shlex
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
REL_TOL = 1e-9


class Unsupported(Exception):
    """A case needs a rule or a dataset path this script does not implement."""


# ==== RULES (docs/model.md) ====================================================
# Keep each rule one function: issue 12 changes the memory term, the
# aggregation over microarchitectures and the grid series.

HOURS_PER_YEAR = 8760.0                       # CCF's year
LIFETIME_H = 4 * HOURS_PER_YEAR               # embodied amortised over 4 years
MEM_W_PER_GB = 0.392                          # CCF: 0.000392 kWh per GB-hour
DEFAULT_PUE = {"aws": 1.135, "gcp": 1.1, "azure": 1.185}
# The year each source of CCF's grid factor files describes (the files are
# dated 2021-2023; docs/datasets.md).
GRID_BASIS = {"ember-country": "lifecycle, location-based", "ember-us-state": "lifecycle, location-based",
              "ccf-grid-aws": "direct, location-based", "google-region-carbon": "direct (operational), location-based"}
CCF_SOURCE_YEAR = {"EPA": 2019, "EEA": 2019, "carbonfootprint.com": 2018, "EMA Singapore": 2019, "Google": 2019}
CURVE_LOADS = (0.0, 0.1, 0.5, 1.0)            # Teads: idle, 10 %, 50 %, 100 %
DURATION_UNITS_H = {"y": HOURS_PER_YEAR, "mo": 730.0, "w": 168.0, "d": 24.0, "h": 1.0,
                    "m": 1.0 / 60.0, "s": 1.0 / 3600.0, "ms": 1.0 / 3600e3}


def curve_w(points, u):
    """Teads curve: linear interpolation between the two surrounding loads."""
    for k in range(len(CURVE_LOADS) - 1):
        a, b = CURVE_LOADS[k], CURVE_LOADS[k + 1]
        if a <= u <= b:
            return points[k] + (points[k + 1] - points[k]) * (u - a) / (b - a)
    raise ValueError("load %r outside 0..1" % u)


def minmax_cpu_w(vcpu, min_w, max_w, u):
    """CCF min/max: vCPU x (min + (max - min) x u)."""
    return vcpu * (min_w + (max_w - min_w) * u)


def memory_w(mem_gb):
    """CCF memory: GB x 0.392 W (no utilisation term)."""
    return mem_gb * MEM_W_PER_GB


def charged_gb_above_chip(mem_gb, largest_vcpu, largest_mem, gb_chip, family=""):
    """CCF AWS/Azure (calculateGigabyteHours): only the memory above the
    SPECpower servers' GB per chip, shared by the instance's memory share;
    a chip holds at most 96 vCPU (m5zn and z1d: always 2 chips)."""
    chips = 2 if family in ("m5zn", "z1d") else math.ceil(largest_vcpu / 96)
    delta = largest_mem / chips - gb_chip
    return delta * mem_gb / largest_mem if delta > 0 else 0.0


# GPU idle/max watts per GPU, transcribed independently of tools/datagen:
# CCF ComputeProcessorTypes.ts (cloud-carbon-footprint @ e851afc) for the
# older models; vendor maximum board power for the newer ones, idle at CCF's
# A100 ratio 46/407 (docs/model.md, "GPUs").
GPU_IDLE_RATIO = 46.0 / 407.0
GPU_W = {"A100": (46.0, 407.0), "V100": (35.0, 306.0), "T4": (8.0, 71.0), "A10G": (18.0, 153.0),
         "K80": (35.0, 306.0), "P100": (36.0, 306.0), "L4": (72.0 * GPU_IDLE_RATIO, 72.0),
         "H100": (700.0 * GPU_IDLE_RATIO, 700.0)}
# The GPU model of the accelerated families the goldens use.
GPU_FAMILY = [(r"a2-(high|mega|ultra)gpu-\d+g", "A100"), (r"a3-(high|mega|edge)gpu-\d+g", "H100"),
              (r"g2-standard-\d+", "L4"), (r"g5\..*", "A10G"), (r"p5\..*", "H100"),
              (r"Standard_NC\d+r?s_v3", "V100"), (r"Standard_NC\d+as_T4_v3", "T4")]


def gpu_model(name):
    for rx, model in GPU_FAMILY:
        if re.fullmatch(rx, name):
            return model
    return None


def gpu_w(model, units, u):
    """CCF's GPU term: per GPU, idle + (max - idle) x GPU load."""
    idle, top = GPU_W[model]
    return units * (idle + (top - idle) * u)


def arch_mean(coeffs, archs):
    """(min, max) W per vCPU over the microarchitectures a type may run on:
    the mean of their rows; an architecture without a row counts as the mean
    of the whole file (CCF's fallback)."""
    file_min = sum(c[0] for c in coeffs.values()) / len(coeffs)
    file_max = sum(c[1] for c in coeffs.values()) / len(coeffs)
    rows = [coeffs.get(a, (file_min, file_max)) for a in archs]
    if "Sandy Bridge" in archs or "Ivy Bridge" in archs:  # CCF getWattsByAverageOrMedian
        return statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows)
    return sum(r[0] for r in rows) / len(rows), sum(r[1] for r in rows) / len(rows)


# GCP shared-core types: sustained vCPU (Google's machine types page) over
# the listed vCPU scales the CPU watts and the embodied share.
SHARED_CORE_VCPU = {"e2-micro": 0.25, "e2-small": 0.5, "e2-medium": 1.0, "f1-micro": 0.2, "g1-small": 0.5}


def embodied_g_per_h(platform_kg, vcpu, platform_vcpu):
    """CCF: the host's manufacturing kgCO2e over 4 years, the instance's vCPU share."""
    return platform_kg * 1000.0 / LIFETIME_H * vcpu / platform_vcpu


def estimate(inst, intensity, u_cpu, u_mem, hours, count, pue, u_gpu=None):
    """The figures `carbonstat estimate` prints, as a dict."""
    u_gpu = u_cpu if u_gpu is None else u_gpu
    if inst["method"] == "curve":
        cpu = curve_w(inst["cpu_w"], u_cpu)
        mem = curve_w(inst["mem_w"], u_mem)
        gpu = curve_w(inst["gpu_w"], u_gpu)
        other = inst["delta_w"]
    else:
        cpu = minmax_cpu_w(inst["vcpu"] * inst.get("vcpu_share", 1.0), inst["min_w"], inst["max_w"], u_cpu)
        mem = memory_w(inst.get("mem_charged_gb", inst["mem_gb"]))
        other = 0.0
        model = gpu_model(inst["name"])
        if inst.get("gpus") and model is None:
            raise Unsupported("GPU model of %s" % inst["name"])
        gpu = gpu_w(model, inst["gpus"], u_gpu) if model else 0.0
    power = cpu + mem + gpu + other
    energy = power * hours / 1000.0 * pue * count
    oper = energy * intensity
    emb = inst["embodied_g_per_h"] * hours * count if inst["embodied_g_per_h"] is not None else 0.0
    return {"power_w": power, "cpu_w": cpu, "mem_w": mem, "gpu_w": gpu, "other_w": other, "pue": pue,
            "energy_kwh": energy, "intensity": intensity, "operational_g": oper, "embodied_g": emb,
            "total_g": oper + emb, "embodied_g_per_h": inst["embodied_g_per_h"]}


def name_key(s):
    """How every name is looked up: drop an Azure tier prefix, keep [a-z0-9]."""
    s = re.sub(r"^(standard_|basic_)", "", s, flags=re.I)
    return re.sub(r"[^a-z0-9]", "", s.lower())


def duration_h(text):
    """730h, 30d, 1h30m, 1y...; a bare number is hours."""
    if re.fullmatch(r"[0-9.]+", text):
        return float(text)
    total = 0.0
    for num, unit in re.findall(r"([0-9.]+)(ms|mo|y|w|d|h|m|s)", text):
        total += float(num) * DURATION_UNITS_H[unit]
    if re.sub(r"([0-9.]+)(ms|mo|y|w|d|h|m|s)", "", text):
        raise Unsupported("duration %r" % text)
    return total


# ==== DATASETS (read raw, never carbonstat's tables) =============================

def num(s):
    """A source figure: decimal commas are dots."""
    return float(s.strip().replace(",", "."))


def read_csv(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


# CPU name -> CCF microarchitecture, by keyword (the generator's rules are
# richer; these cover the types the goldens use, anything else is Unsupported).
ARCH_KEYWORDS = [("graviton4", "Graviton4"), ("graviton3e", "Graviton3E"), ("graviton3", "Graviton3"),
                 ("graviton2", "Graviton2"), ("sapphire rapids", "Sapphire Rapids"),
                 ("emerald rapids", "Emerald Rapids"), ("ice lake", "Ice Lake"), ("cascade lake", "Cascade Lake"),
                 ("skylake", "Skylake"), ("broadwell", "Broadwell"), ("haswell", "Haswell")]


def cpu_arch(name):
    low = name.lower()
    for kw, arch in ARCH_KEYWORDS:
        if kw in low:
            return arch
    m = re.search(r"epyc \d{2}\d(\d)", low)
    if m and m.group(1) in "123":
        return "EPYC %s Gen" % {"1": "1st", "2": "2nd", "3": "3rd"}[m.group(1)]
    raise Unsupported("CPU %r: no microarchitecture rule here" % name)


class Datasets:
    def __init__(self, root):
        self.root = root
        self.ccf = os.path.join(root, "cloud-carbon-footprint")
        self._cache = {}

    def _once(self, key, fn):
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    # ---- power coefficients ----
    def use_coeffs(self, provider):
        def load():
            return {r["Architecture"]: (float(r["Min Watts"]), float(r["Max Watts"]))
                    for r in read_csv(os.path.join(self.ccf, "coefficients-%s-use.csv" % provider))}
        return self._once(("use", provider), load)

    def gb_chip(self, provider, archs):
        """Mean GB/Chip of these architectures (unknown: the file's mean)."""
        def load():
            return {r["Architecture"]: float(r["GB/Chip"])
                    for r in read_csv(os.path.join(self.ccf, "coefficients-%s-use.csv" % provider))}
        table = self._once(("gbchip", provider), load)
        avg = sum(table.values()) / len(table)
        vals = [table.get(a, avg) for a in archs]
        return sum(vals) / len(vals)

    # ---- instances ----
    def aws_teads(self):
        def load():
            emb = {r["type"]: float(r["total"]) for r in read_csv(os.path.join(self.ccf, "coefficients-aws-embodied.csv"))}
            out = {}
            for r in read_csv(os.path.join(self.ccf, "aws-instances.csv")):
                t = r["Instance type"]
                pts = {c: [num(r["%s @ %s" % (c, lv)]) for lv in ("Idle", "10%", "50%", "100%")]
                       for c in ("PkgWatt", "RAMWatt", "GPUWatt")}
                vcpu, pv = int(r["Instance vCPU"]), int(r["Platform Total Number of vCPU"])
                out[name_key(t)] = {"provider": "aws", "name": t, "method": "curve", "vcpu": vcpu,
                                    "mem_gb": num(r["Instance Memory (in GB)"]), "cpu_w": pts["PkgWatt"],
                                    "mem_w": pts["RAMWatt"], "gpu_w": pts["GPUWatt"],
                                    "delta_w": num(r["Delta Full Machine"]),
                                    "embodied_g_per_h": embodied_g_per_h(emb[t], vcpu, pv) if t in emb else None,
                                    "power_ds": "ccf-aws-teads", "embodied_ds": "ccf-embodied-aws"}
            return out
        return self._once("aws-teads", load)

    def aws_latest(self):
        def load():
            rows = read_csv(os.path.join(self.ccf, "aws-instances-latest-2026.csv"))
            cpus = {r["CPU Name"]: int(r["Platform Total Number of vCPU"])
                    for r in read_csv(os.path.join(self.ccf, "aws-instances-cpus.csv"))}
            fam_max = {}
            largest = {}
            for r in rows:
                f = r["Instance Type"].split(".")[0]
                largest[f] = max(largest.get(f, (0, 0.0)), (int(r["vCPUs"]), num(r["Memory (GiB)"])))
            for r in rows:
                k = (r["Instance Type"].split(".")[0], r["Platform CPU Name"])
                fam_max[k] = max(fam_max.get(k, 0), int(r["vCPUs"]))
            out = {}
            for r in rows:
                t, cpu, vcpu = r["Instance Type"], r["Platform CPU Name"], int(r["vCPUs"])
                fam = fam_max[(t.split(".")[0], cpu)]
                # the platform: the CPU file's figure when listed, never smaller
                # than the family's largest size on that CPU (it fits on one host)
                pv = max(cpus.get(cpu, 0), fam)
                em = r["Platform Embedded Emissions (mtCo2eq)"].strip()
                out[name_key(t)] = {"provider": "aws", "name": t, "method": "minmax", "vcpu": vcpu,
                                    "mem_gb": num(r["Memory (GiB)"]), "cpu_name": cpu,
                                    "largest": largest[t.split(".")[0]],
                                    "embodied_g_per_h": embodied_g_per_h(num(em) * 1000.0, vcpu, pv) if em else None,
                                    "power_ds": "ccf-use-aws", "embodied_ds": "ccf-aws-latest"}
            return out
        return self._once("aws-latest", load)

    def ccf_multi_arch(self, provider):
        """GCP machine types / Azure sizes: one row per possible microarchitecture."""
        def load():
            if provider == "gcp":
                rows = read_csv(os.path.join(self.ccf, "gcp-instances.csv"))
                col_name, canon = "Machine type", (lambda s: s)
                emb = {r["type"]: float(r["total_mean"])
                       for r in read_csv(os.path.join(self.ccf, "coefficients-gcp-embodied-mean.csv"))}
            else:
                rows = read_csv(os.path.join(self.ccf, "azure-instances.csv"))
                col_name, canon = "Virtual Machine", (lambda s: "Standard_" + s.replace(" ", "_"))
                tot = {}
                for r in read_csv(os.path.join(self.ccf, "coefficients-azure-embodied.csv")):
                    tot.setdefault(r["type"], []).append(float(r["total"]))
                emb = {k: sum(v) / len(v) for k, v in tot.items()}
            by = {}
            for r in rows:
                by.setdefault(r[col_name], []).append(r)
            out = {}
            for t, rs in by.items():
                r = rs[0]
                try:
                    vcpu = int(r["Instance vCPUs"])
                except ValueError:  # Azure constrained-vCPU sizes store a share: not modelled here
                    continue
                archs = [x["Microarchitecture"] for x in rs]
                mn, mx = arch_mean(self.use_coeffs(provider), archs)
                pv = int(r["Platform vCPUs (highest vCPU possible)"])
                if provider == "azure":
                    charged = charged_gb_above_chip(num(r["Instance Memory"]), pv, num(r["Platform Memory"]),
                                                    self.gb_chip("azure", archs))
                else:
                    charged = num(r["Instance Memory"])
                share = SHARED_CORE_VCPU.get(t, vcpu) / vcpu if provider == "gcp" else 1.0
                out[name_key(canon(t))] = {
                    "provider": provider, "name": canon(t), "method": "minmax", "vcpu": vcpu, "vcpu_share": share,
                    "mem_gb": num(r["Instance Memory"]), "min_w": mn, "max_w": mx,
                    "gpus": float(r["Instance GPUs"] or 0), "mem_charged_gb": charged,
                    "embodied_g_per_h": embodied_g_per_h(emb[t], vcpu, pv) * share if t in emb else None,
                    "power_ds": "ccf-use-" + provider, "embodied_ds": "ccf-embodied-" + provider}
            return out
        return self._once(("multi", provider), load)

    def instance(self, provider, name):
        """(provider, instance) for name; provider None: the first that has it."""
        key = name_key(name)
        for p in ([provider] if provider else ["aws", "gcp", "azure"]):
            if p == "aws":
                if key in self.aws_teads():
                    return dict(self.aws_teads()[key])
                if key in self.aws_latest():
                    inst = dict(self.aws_latest()[key])
                    arch = cpu_arch(inst["cpu_name"])
                    inst["min_w"], inst["max_w"] = self.use_coeffs("aws")[arch]
                    lv, lm = inst["largest"]
                    inst["mem_charged_gb"] = charged_gb_above_chip(inst["mem_gb"], lv, lm, self.gb_chip("aws", [arch]),
                                                                   inst["name"].split(".")[0])
                    return inst
            elif key in self.ccf_multi_arch(p):
                return dict(self.ccf_multi_arch(p)[key])
        raise Unsupported("instance %s/%s is in none of the tables this script reads" % (provider, name))

    # ---- grid intensity ----
    def iso(self):
        def load():
            with open("/usr/share/iso-codes/json/iso_3166-1.json", encoding="utf-8") as f:
                rows = json.load(f)["3166-1"]
            return {r["alpha_3"]: r["alpha_2"] for r in rows}
        return self._once("iso", load)

    def ember(self):
        """iso3 -> (iso2, name, g/kWh, year): Ember's latest year per country."""
        def load():
            out = {}
            for r in read_csv(os.path.join(self.root, "ember", "ember-country-intensity-latest.csv")):
                if r["is_aggregate_region"].strip() not in ("0", ""):
                    continue
                iso3 = r["country_code"]
                iso2 = "XK" if iso3 == "XKX" else self.iso().get(iso3)
                if not iso2:
                    continue
                out[iso3] = (iso2, r["country_or_region"], float(r["emissions_intensity_gco2_per_kwh"]),
                             int(r["year"]))
            return out
        return self._once("ember", load)

    def country(self, code):
        c = code.strip()
        for iso3, v in self.ember().items():
            if c.upper() in (iso3, v[0]) or c.lower() == v[1].lower():
                return {"iso2": v[0], "iso3": iso3, "name": v[1], "intensity": v[2], "year": v[3],
                        "dataset": "ember-country"}
        raise Unsupported("country %r not in Ember" % code)

    def country_by_name(self, name):
        name = {"England": "United Kingdom"}.get(name, name)
        for iso3, v in self.ember().items():
            if v[1].lower() == name.lower():
                return v[0]
        return None

    def google_regions(self):
        """GCP region -> (g/kWh, cfe or None, year): each region's latest year."""
        def load():
            out = {}
            for path in sorted(glob.glob(os.path.join(self.root, "google-region-carbon-info", "20*.csv"))):
                year = int(os.path.basename(path)[:4])
                for r in read_csv(path):
                    vals = list(r.values())
                    cfe = r.get("Google CFE", "").strip()
                    out[r["Google Cloud Region"]] = (float(vals[-1]), float(cfe) if cfe else None, year)
            return out
        return self._once("google", load)

    def aws_grid(self):
        def load():
            return {r["Region"]: (float(r["CO2e (metric ton/kWh)"]) * 1e6, r["Country"])
                    for r in read_csv(os.path.join(self.ccf, "grid-emissions-factors-aws.csv"))}
        return self._once("aws-grid", load)

    def azure_grid(self):
        def load():
            out = {}
            with open(os.path.join(self.ccf, "grid-emissions-factors-azure.csv"), newline="", encoding="utf-8") as f:
                for r in csv.reader(f):
                    if r[0] == "Region" or len(r) < 4:
                        continue
                    v = r[3].strip()
                    if not v.startswith("0."):  # upstream lost the leading "0." (docs/datasets.md)
                        v = "0." + v
                    out[name_key(r[0])] = (float(v) * 1e6, r[1])
            return out
        return self._once("azure-grid", load)

    def region_places(self):
        """(provider, region) -> (iso2, US state or None): the hand-authored
        inputs tools/datagen/region-country.csv and region-us-state.csv (not
        the generator), GCP countries from CodeCarbon's cloud-impact file
        where region-country.csv has none."""
        def load():
            out = {}
            for r in read_csv(os.path.join(self.root, "codecarbon", "cloud-impact-gcp.csv")):
                region = "me-central1" if r["region"] == "me-cenrtal1" else r["region"]
                out[("gcp", region)] = [self.iso().get(r["countryIsoCode"]), None]
            for r in read_csv(os.path.join(REPO, "tools", "datagen", "region-country.csv")):
                out[(r["provider"], r["region"])] = [r["iso2"], None]
            for r in read_csv(os.path.join(REPO, "tools", "datagen", "region-us-state.csv")):
                out.setdefault((r["provider"], r["region"]), ["US", None])[1] = r["state"]
            return out
        return self._once("places", load)

    def ember_states(self):
        """US state -> (g/kWh, year): Ember's latest year per state."""
        def load():
            out = {}
            for r in read_csv(os.path.join(self.root, "ember", "ember-us-states-intensity-yearly.csv")):
                y = int(r["year"])
                if r["state"] not in out or y > out[r["state"]][1]:
                    out[r["state"]] = (float(r["emissions_intensity_gco2_per_kwh"]), y)
            return out
        return self._once("ember-states", load)

    def region(self, provider, name, series="ember"):
        """{intensity, dataset, year, cfe, iso2} of a provider region in a grid series.
        Default (docs/model.md, "Grid intensity"): Ember lifecycle, location-
        based, the region's US state, else its country."""
        cfe = None
        if provider == "gcp" and name in self.google_regions():
            cfe = self.google_regions()[name][1]
        if series == "ccf":
            if provider == "aws" and name in self.aws_grid():
                g, country = self.aws_grid()[name]
                return {"intensity": g, "dataset": "ccf-grid-aws", "year": CCF_SOURCE_YEAR[self.aws_source()[name]],
                        "cfe": None, "iso2": self.country_by_name(country)}
            raise Unsupported("ccf series for %s %s" % (provider, name))
        if series == "google":
            g, cfe, year = self.google_regions()[name]
            return {"intensity": g, "dataset": "google-region-carbon", "year": year, "cfe": cfe, "iso2": None}
        key = (provider, name_key(name) if provider == "azure" else name)
        if key not in self.region_places():
            raise Unsupported("%s region %r: no country in the region tables" % (provider, name))
        iso2, state = self.region_places()[key]
        if state:
            g, year = self.ember_states()[state]
            return {"intensity": g, "dataset": "ember-us-state", "year": year, "cfe": cfe, "iso2": iso2}
        for iso3, v in self.ember().items():
            if v[0] == iso2:
                return {"intensity": v[2], "dataset": "ember-country", "year": v[3], "cfe": cfe, "iso2": iso2}
        raise Unsupported("no Ember figure for %s" % iso2)

    def aws_source(self):
        return self._once("aws-src", lambda: {r["Region"]: r["Source"] for r in
                                              read_csv(os.path.join(self.ccf, "grid-emissions-factors-aws.csv"))})


# ==== CASES =====================================================================

# Text output scales figures (docs/model.md, "Output"): to the base unit.
UNIT_FACTOR = {"": 1.0, "Wh": 1e-3, "kWh": 1.0, "MWh": 1e3, "GWh": 1e6, "TWh": 1e9,
               "g": 1.0, "kg": 1e3, "t": 1e6, "kt": 1e9, "Mt": 1e12}


class Checker:
    def __init__(self, verbose):
        self.fails = []
        self.checked = 0
        self.verbose = verbose

    def near(self, case, what, got, want, tol_abs=0.0):
        """got (printed) vs want (recomputed): 1e-9 relative, or tol_abs."""
        self.checked += 1
        ok = abs(got - want) <= max(REL_TOL * abs(want), tol_abs) + 1e-300
        if not ok:
            self.fails.append("%s: %s is %r, recomputed %.12g" % (case, what, got, want))
        elif self.verbose:
            print("  ok %s %s %r ~ %.12g" % (case, what, got, want))

    def same(self, case, what, got, want):
        self.checked += 1
        if got != want:
            self.fails.append("%s: %s is %r, recomputed %r" % (case, what, got, want))

    def printed(self, case, what, text, want):
        """A figure printed with a fixed number of decimals: half a last digit.
        A unit suffix (Wh, kWh, MWh... for kWh; g, kg, t... for grams) scales
        it to the base unit, the tolerance with it."""
        m = re.fullmatch(r"(-?[\d.]+)\s*([A-Za-z]*)(?:CO2e)?", text)
        num, unit = m.group(1), m.group(2)
        factor = UNIT_FACTOR[unit]
        decimals = len(num.split(".")[1]) if "." in num else 0
        self.near(case, what, float(num) * factor, want, 0.5 * 10 ** -decimals * factor * (1 + 1e-9))


def parse_opts(argv):
    o = {"provider": None, "instance": None, "region": None, "country": None, "cpu": 50.0, "mem": None, "gpu": None,
         "duration": "1h", "count": 1, "pue": None, "intensity": None, "fmt": "text", "top": None,
         "all_regions": False, "grid_dataset": "ember"}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--json", "--csv"):
            o["fmt"] = a[2:]
        elif a == "--all-regions":
            o["all_regions"] = True
        elif a.startswith("--") and i + 1 < len(argv):
            k = a[2:].replace("-", "_")
            if k not in o:
                raise Unsupported("option %s" % a)
            o[k] = argv[i + 1]
            i += 1
        else:
            raise Unsupported("argument %r" % a)
        i += 1
    return o


def resolve(ds, o, inst_name, loc):
    """One estimate for an instance name and a location (region or country)."""
    inst = ds.instance(o["provider"], inst_name)
    p = inst["provider"]
    if o["country"] is not None:
        where = ds.country(loc)
        where["cfe"] = None
        where["is_country"] = True
    else:
        where = ds.region(p, loc, o["grid_dataset"])
        where["is_country"] = False
    u = float(o["cpu"]) / 100.0
    um = float(o["mem"]) / 100.0 if o["mem"] is not None else u
    pue = float(o["pue"]) if o["pue"] is not None else DEFAULT_PUE[p]
    hours = duration_h(o["duration"])
    ug = float(o["gpu"]) / 100.0 if o["gpu"] is not None else None
    e = estimate(inst, where["intensity"], u, um, hours, int(o["count"]), pue, ug)
    e.update(inst=inst, where=where, hours=hours, u=u, um=um, loc=loc)
    return e


def check_json_estimate(ck, case, d, e):
    n = ck.near
    n(case, "power_w", d["power_w"], e["power_w"])
    for k, w in (("cpu", "cpu_w"), ("memory", "mem_w"), ("gpu", "gpu_w"), ("other", "other_w")):
        n(case, "power_breakdown_w." + k, d["power_breakdown_w"][k], e[w])
    n(case, "pue", d["pue"], e["pue"])
    n(case, "energy_kwh", d["energy_kwh"], e["energy_kwh"])
    n(case, "intensity_gco2e_per_kwh", d["intensity_gco2e_per_kwh"], e["intensity"])
    n(case, "operational_gco2e", d["operational_gco2e"], e["operational_g"])
    if e["embodied_g_per_h"] is None:  # unknown embodied: null, and the total says it is incomplete
        ck.same(case, "embodied_gco2e", d["embodied_gco2e"], None)
        ck.same(case, "total_complete", d["total_complete"], False)
    else:
        n(case, "embodied_gco2e", d["embodied_gco2e"], e["embodied_g"])
    n(case, "total_gco2e", d["total_gco2e"], e["total_g"])
    n(case, "duration_h", d["duration_h"], e["hours"])
    ck.same(case, "vcpu", d["vcpu"], e["inst"]["vcpu"])
    n(case, "memory_gb", d["memory_gb"], e["inst"]["mem_gb"])
    ck.same(case, "method", d["method"], e["inst"]["method"])
    inst = e["inst"]
    want_mem = ("teads-curve" if inst["method"] == "curve" else
                "ccf-all-gb" if inst["provider"] == "gcp" else "ccf-above-chip-baseline")
    ck.same(case, "memory rule", d["rules"]["memory"], want_mem)
    ck.same(case, "embodied rule", d["rules"]["embodied"] == "unknown", inst["embodied_g_per_h"] is None)
    src = {s["role"]: s for s in d["sources"]}
    ck.same(case, "power source", src["power"]["id"], e["inst"]["power_ds"])
    ck.same(case, "grid source", src["grid_intensity"]["id"], e["where"]["dataset"])
    ck.same(case, "grid year", src["grid_intensity"]["year"], e["where"]["year"])
    ck.same(case, "grid basis", src["grid_intensity"].get("basis"), GRID_BASIS[e["where"]["dataset"]])
    if e["where"].get("cfe") is not None:
        n(case, "cfe_percent", d["cfe_percent"], e["where"]["cfe"] * 100.0)
    if e["where"].get("iso2"):
        ck.same(case, "country", d["country"], e["where"]["iso2"])


def check_csv_estimate(ck, case, row, e):
    n = ck.near
    for col, key in (("power_w", "power_w"), ("pue", "pue"), ("energy_kwh", "energy_kwh"),
                     ("intensity_gco2e_per_kwh", "intensity"), ("operational_gco2e", "operational_g"),
                     ("embodied_gco2e", "embodied_g"), ("total_gco2e", "total_g"), ("duration_h", "hours")):
        if key == "embodied_g" and e["embodied_g_per_h"] is None:
            ck.same(case, col, row[col], "")  # unknown: an empty field
            continue
        n(case, col, float(row[col]), e[key])
    ck.same(case, "method", row["method"], e["inst"]["method"])
    ck.same(case, "power_source", row["power_source"], e["inst"]["power_ds"])
    ck.same(case, "intensity_source", row["intensity_source"], e["where"]["dataset"])
    ck.same(case, "intensity_year", int(row["intensity_year"]), e["where"]["year"])
    if e["where"]["is_country"]:
        ck.same(case, "country", row["country"], e["where"]["iso2"])


def check_text_estimate(ck, case, text, e):
    pr = ck.printed
    m = re.search(r"power +([\d.]+) W per instance \(cpu ([\d.]+), memory ([\d.]+), gpu ([\d.]+), "
                  r"other ([\d.]+)\)", text)
    if not m:
        raise Unsupported("text layout: no power line")
    for g, k in zip(m.groups(), ("power_w", "cpu_w", "mem_w", "gpu_w", "other_w")):
        pr(case, k, g, e[k])
    for label, k in (("energy", "energy_kwh"), ("intensity", "intensity"), ("operational", "operational_g"),
                     ("embodied", "embodied_g"), ("total", "total_g"), ("pue", "pue")):
        m = re.search(r"^  %s +([\d.]+(?: (?:[kMGT]?Wh|[kM]?t|k?g)(?=CO2e|\s|$))?)" % label, text, re.M)
        if m is None and label == "embodied" and e["embodied_g_per_h"] is None:
            continue
        pr(case, label, m.group(1), e[k])
    m = re.search(r"\(([\d.]+) g/h per instance\)", text)
    if m:
        pr(case, "embodied g/h", m.group(1), e["embodied_g_per_h"])


def compare_rows(ds, o):
    insts = (o["instance"] or "m5.large").split(",")
    if o["all_regions"] or (o["region"] is None and o["country"] is None):
        p = o["provider"] or ds.instance(None, insts[0])["provider"]
        if p != "gcp":
            raise Unsupported("--all-regions for %s needs the region list" % p)
        locs = sorted(ds.google_regions())  # every GCP region has a default-series figure
    else:
        locs = (o["region"] or o["country"]).split(",")
    rows, seen = [], set()
    for i in insts:
        for l in locs:
            e = resolve(ds, o, i, l)
            # an item naming what an earlier one named is dropped (m5.large,M5.Large; DE,DEU)
            key = (e["inst"]["name"], e["where"]["iso3"] if e["where"]["is_country"] else name_key(l))
            if key not in seen:
                seen.add(key)
                rows.append(e)
    # rows with unknown embodied after every complete row (never ranked as 0)
    rows.sort(key=lambda e: (e["embodied_g_per_h"] is None, e["total_g"], e["inst"]["name"],
                             e["loc"] if not e["where"]["is_country"] else ""))
    if o["top"]:
        rows = rows[:int(o["top"])]
    return rows


def split_golden(path):
    """(exit code, stdout) of a golden file."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    m = re.match(r"exit: (\d+)\n--- stdout\n(.*)--- stderr\n", text, re.S)
    if not m:
        raise Unsupported("golden layout of %s" % path)
    return int(m.group(1)), m.group(2)


def check_case(ds, ck, case, argv, out):
    cmd, opts = argv[0], argv[1:]
    if cmd == "countries":
        if opts != ["--csv"]:
            raise Unsupported("countries %s" % opts)
        rows = list(csv.DictReader(out.splitlines()))
        ck.same(case, "number of countries", len(rows), len(ds.ember()))
        for r in rows:
            c = ds.country(r["iso3"])
            ck.same(case, r["iso3"] + " iso2", r["iso2"], c["iso2"])
            ck.near(case, r["iso3"] + " intensity", float(r["intensity_gco2e_per_kwh"]), c["intensity"])
            ck.same(case, r["iso3"] + " year", int(r["year"]), c["year"])
        return
    if cmd == "regions":
        sort = opts[opts.index("--sort") + 1] if "--sort" in opts else None
        o = parse_opts([x for i, x in enumerate(opts) if "--sort" not in opts[max(i - 1, 0):i + 1]])
        if o["fmt"] != "csv":
            raise Unsupported("regions %s" % opts)
        rows = list(csv.DictReader(out.splitlines()))
        if o["provider"] == "aws" and o["grid_dataset"] == "ccf":
            ck.same(case, "regions with a CCF factor", sorted(r["region"] for r in rows if r["intensity_gco2e_per_kwh"]),
                    sorted(ds.aws_grid()))
            for r in rows:
                if r["region"] in ds.aws_grid():
                    g = ds.region("aws", r["region"], "ccf")
                    ck.near(case, r["region"] + " intensity", float(r["intensity_gco2e_per_kwh"]), g["intensity"])
                    ck.same(case, r["region"] + " year", int(r["year"]), g["year"])
                    ck.same(case, r["region"] + " basis", r["basis"], GRID_BASIS["ccf-grid-aws"])
            if sort == "intensity":  # unknown in the series: last
                vals = [float(r["intensity_gco2e_per_kwh"] or "inf") for r in rows]
                ck.same(case, "sorted by intensity", vals, sorted(vals))
            return
        if o["provider"] != "gcp":
            raise Unsupported("regions %s" % opts)
        ck.same(case, "regions", sorted(r["region"] for r in rows), sorted(ds.google_regions()))
        for r in rows:
            g = ds.region("gcp", r["region"])
            ck.same(case, r["region"] + " source", r["source"], g["dataset"])
            ck.same(case, r["region"] + " basis", r["basis"], "lifecycle, location-based")
            ck.near(case, r["region"] + " intensity", float(r["intensity_gco2e_per_kwh"]), g["intensity"])
            ck.same(case, r["region"] + " year", int(r["year"]), g["year"])
            if g["cfe"] is not None:
                ck.near(case, r["region"] + " cfe", float(r["cfe_percent"]), g["cfe"] * 100.0)
        if sort == "intensity":
            vals = [float(r["intensity_gco2e_per_kwh"]) for r in rows]
            ck.same(case, "sorted by intensity", vals, sorted(vals))
        return
    o = parse_opts(opts)
    if cmd == "estimate":
        e = resolve(ds, o, o["instance"], o["region"] or o["country"])
        if o["fmt"] == "json":
            check_json_estimate(ck, case, json.loads(out), e)
        elif o["fmt"] == "csv":
            rows = list(csv.DictReader(out.splitlines()))
            check_csv_estimate(ck, case, rows[0], e)
        else:
            check_text_estimate(ck, case, out, e)
    elif cmd == "compare":
        want = compare_rows(ds, o)
        if o["fmt"] == "json":
            got = json.loads(out)
            ck.same(case, "rows", [(d["instance"], d.get("region") or d.get("country")) for d in got],
                    [(e["inst"]["name"], e["loc"]) for e in want])
            for d, e in zip(got, want):
                check_json_estimate(ck, "%s[%s %s]" % (case, d["instance"], d.get("region")), d, e)
        elif o["fmt"] == "text":
            lines = [ln.split() for ln in out.splitlines()[2:] if ln.strip() and "unknown embodied" not in ln]
            ck.same(case, "rows", [(ln[1], ln[2]) for ln in lines], [(e["inst"]["name"], e["loc"]) for e in want])
            for ln, e in zip(lines, want):
                c = "%s[%s %s]" % (case, ln[1], ln[2])
                for text, k in zip(ln[4:10], ("power_w", "energy_kwh", "intensity", "operational_g", "embodied_g",
                                              "total_g")):
                    if e["embodied_g_per_h"] is None and k == "embodied_g":
                        ck.same(c, k, text, "-")
                        continue
                    if e["embodied_g_per_h"] is None and k == "total_g":
                        ck.same(c, "incomplete total marked", text[-1:], "+")
                        text = text.rstrip("+")
                    if k == "intensity" or k == "power_w":
                        ck.printed(c, k, text, e[k])
                        continue
                    ck.printed(c, k, text, e[k])
        else:
            got = list(csv.DictReader(out.splitlines()))
            ck.same(case, "rows", [(r["instance"], r["region"] or r["country"]) for r in got],
                    [(e["inst"]["name"], e["where"]["iso2"] if e["where"]["is_country"] else e["loc"]) for e in want])
            for r, e in zip(got, want):
                check_csv_estimate(ck, "%s[%s %s]" % (case, r["instance"], r["region"] or r["country"]), r, e)
    else:
        raise Unsupported("command %s" % cmd)


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", default=os.path.join(REPO, "..", "shared", "datasets"))
    ap.add_argument("--cases", default=os.path.join(REPO, "tests", "cli", "cases"))
    ap.add_argument("--golden", default=os.path.join(REPO, "tests", "golden"))
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args(argv[1:])
    if not os.path.isdir(os.path.join(a.datasets, "cloud-carbon-footprint")):
        required = {x.strip() for x in os.environ.get("CS_REQUIRE", "").split(",")}
        msg = "%s not found (the raw datasets, ../shared/datasets beside the repository)" % a.datasets
        if required & {"datasets", "all"}:
            print("FAIL: %s (CS_REQUIRE requires 'datasets')" % msg)
            return 1
        print("SKIP: %s (capability 'datasets')" % msg)
        return 77
    ds = Datasets(a.datasets)
    ck = Checker(a.verbose)
    cases = 0
    for path in sorted(glob.glob(os.path.join(a.cases, "*.args"))):
        case = os.path.basename(path)[:-5]
        with open(path, encoding="utf-8") as f:
            args = shlex.split(f.read())
        if not args or args[0] not in ("estimate", "compare", "countries", "regions") or "--help" in args:
            continue
        rc, out = split_golden(os.path.join(a.golden, case + ".out"))
        if rc != 0:
            continue  # an error case: nothing to recompute
        before = len(ck.fails)
        try:
            check_case(ds, ck, case, args, out)
        except Unsupported as e:
            ck.fails.append("%s: not recomputed: %s (add the rule to tests/golden/recompute.py)" % (case, e))
        except (KeyError, ValueError, IndexError, TypeError, AttributeError) as e:
            ck.fails.append("%s: the golden output is not what was expected: %s: %s" % (case, type(e).__name__, e))
        cases += 1
        print("%s %s" % ("ok  " if len(ck.fails) == before else "FAIL", case))
    for f in ck.fails:
        print("FAIL " + f)
    print("recompute: %d cases, %d figures checked, %d differences" % (cases, ck.checked, len(ck.fails)))
    return 1 if ck.fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
