"""The result manifest of a full run, and the comparison of two manifests.

Plain functions (no Dagster): the `manifest/result_manifest` asset writes a manifest after every
full run (BUILD/results/manifest.json); `bicentennial reproduce TAG` compares the manifest of a
fresh run of a tag with the one published for that tag.

What a manifest records (manifest_version 1):

- ``code``: the tag (when HEAD is exactly a tag), the full commit, its tree (``git rev-parse HEAD^{tree}``,
  which `reproduce` checks in a clone that has the commit but not the tag) and whether the tree was dirty;
- ``environment``: the SHA-256 of the hashed lock ``requirements.lock`` (what was installed), and,
  for information only, the Python version (major.minor) and the platform;
- ``inputs``: every landing file the run ingested, by path under the data folder: SHA-256, bytes,
  rows parsed and the raw table it fed (from ``raw._landing_files``);
- ``tables``: every relation of the ``marts`` schema: row count, columns and types, and an
  order-independent content hash (below);
- ``estimates``: every published estimate of every result JSON (any object with a numeric
  ``estimate``), with its standard error, CI and p-value when present, and the seed of its
  inference when it was seeded (bootstrap, permutations); ids are ``<result file>#<path>``;
- ``values``: every other number (and boolean) of the result JSONs (sample sizes, summaries, …);
- ``seeds``: where a seed is recorded in the results, and its value;
- ``quality``: every expectation's outcome (passed, unexpected count);
- ``artifacts``: SHA-256 of every file under results/ (CSV, PNG, HTML, JSON) — for information.

Nothing in it depends on the wall clock or on where the run happened: no timestamps, no absolute
paths, keys sorted. The copy that `bicentennial release` commits as releases/<tag>/manifest.json adds one
block about the release run itself, ``release`` (date, machine, stage durations: what `reproduce --list` and
the estimate of the time left read); it is never compared.

Table hash ("md5-sum-v1"): for each row, the MD5 digest of DuckDB's ``to_json(row)`` text (column
names and values; doubles in shortest round-trip form); bytes 0–7 and bytes 8–15 of each digest,
read as little-endian unsigned integers, are summed separately over all rows modulo 2^64, and the
two sums are written as 16 + 16 hex digits. A sum (not a XOR) so that duplicated rows count;
independent of row order, so parallel dbt builds that insert rows in a different order hash the
same. (DuckDB's ``md5_number_upper``/``md5_number_lower`` are those two halves.)

Comparison rules (`compare_manifests`): code commit (and tree, when the published manifest records
it), lock hash, input hashes, table hashes, row counts and expectation outcomes must be equal;
estimates and other numbers agree within 1e-10 relative (integers and booleans exactly). In a
random-inference result (an object with a ``bootstrap`` object carrying a seed, or with a ``seed``
beside a number of draws or permutations) the seed must be equal and the numbers keep the same
1e-10 tolerance: they were compared exactly until a run with two BLAS threads gave the multiplier
bootstrap's SEs, CIs and p-values of the Callaway–Sant'Anna results up to 5.3e-14 relative away from a
run with one (the draws are the same; the matrix products that apply them sum in another order, as
they also may on another CPU's BLAS kernel), while other draws — another seed or another number of
draws — move those numbers by about 1/sqrt(draws), 1e-2 and more. Artifacts, the Python version and
the platform are reported as notes, never as failures.
"""
from __future__ import annotations

import json
import math
import platform
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from .fsutil import file_sha256

MANIFEST_VERSION = 1
TABLE_HASH_METHOD = "md5-sum-v1"
REL_TOL = 1e-10
MARTS_SCHEMA = "marts"
LOCK_FILE = "requirements.lock"
# Keys that identify an element of a list of objects (e.g. ATT(g,t) cells) better than its index.
ID_KEYS = ("id", "name", "term", "label", "suite", "group", "time", "event_time", "period", "cohort", "unit")
ESTIMATE_FIELDS = ("estimate", "std_error", "ci_low", "ci_high", "p_value")
# Keys that, beside a `seed`, mark a random-inference result (bootstrap draws, permutation tests).
RANDOM_INFERENCE_KEYS = ("permutations", "draws", "n_draws", "bootstrap", "replications", "reps")


class ManifestError(Exception):
    """A manifest cannot be read or built (message names the file and what is wrong)."""


# ----------------------------------------------------------------------------------------------
# Building


def git_code_version(repo: Path) -> dict:
    """Tag (if HEAD is exactly at one), full commit, its tree, and whether tracked or untracked files differ."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "tag": None, "tree": None, "dirty": None}
    status = git("status", "--porcelain", "--untracked-files=normal")
    return {"commit": commit, "tag": git("describe", "--tags", "--exact-match", "HEAD") or None,
            "tree": git("rev-parse", "HEAD^{tree}"), "dirty": bool(status) if status is not None else None}


def environment_info(repo: Path) -> dict:
    lock = repo / LOCK_FILE
    return {
        "lock_file": LOCK_FILE,
        "lock_sha256": file_sha256(lock) if lock.is_file() else None,
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "platform": f"{platform.system()}-{platform.machine()}",
    }


def table_fingerprint(con, relation: str) -> dict:
    """Rows, columns and the order-independent content hash of one relation (``schema.name``)."""
    schema, name = relation.split(".", 1)
    con.execute("set enable_progress_bar = false")  # no progress bars in the run's output
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position", [schema, name]
    ).fetchall()
    if not columns:
        raise ManifestError(f"table {relation} not found in the warehouse")
    # md5_number_upper = digest bytes 0-7, md5_number_lower = bytes 8-15 (little-endian integers).
    rows, first, second = con.execute(
        f'select count(*), coalesce(sum(md5_number_upper(to_json(t)::varchar)), 0), '
        f'coalesce(sum(md5_number_lower(to_json(t)::varchar)), 0) from "{schema}"."{name}" t'
    ).fetchone()
    mask = (1 << 64) - 1
    return {"rows": int(rows), "columns": [f"{c} {t}" for c, t in columns],
            "hash": f"{int(first) & mask:016x}{int(second) & mask:016x}"}


def mart_fingerprints(con, schema: str = MARTS_SCHEMA) -> dict:
    relations = [r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = ? order by table_name", [schema]
    ).fetchall()]
    return {f"{schema}.{r}": table_fingerprint(con, f"{schema}.{r}") for r in relations}


def input_files(con, sources: Iterable = ()) -> dict:
    """Landing files of this run, keyed by their path under the data folder when the source registry
    knows it (else ``<raw table>/<file>``)."""
    paths = {}
    for spec in sources:
        for relative in spec.files:
            paths[(spec.name, Path(relative).name)] = Path(relative).as_posix()
    rows = con.execute(
        "select table_name, file, size_bytes, sha256, rows from raw._landing_files order by table_name, file"
    ).fetchall()
    out = {}
    for table, file, size, digest, n in rows:
        out[paths.get((table, file), f"{table}/{file}")] = {
            "sha256": digest, "bytes": int(size), "rows": int(n), "table": f"raw.{table}"}
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _seed_of(node: dict) -> Any:
    """The seed of the random inference this object holds: a ``bootstrap`` object with a seed, or a
    seed beside a number of draws or permutations. A lone ``seed`` (e.g. an evaluation's record of
    the seed it passed on) is recorded but does not make analytic results in the same object exact."""
    boot = node.get("bootstrap")
    if isinstance(boot, dict) and _is_number(boot.get("seed")):
        return boot["seed"]
    if _is_number(node.get("seed")) and any(k in node for k in RANDOM_INFERENCE_KEYS):
        return node["seed"]
    return None


def _item_label(item: Any, index: int) -> str:
    if isinstance(item, dict):
        ids = [f"{k}={item[k]}" for k in ID_KEYS if k in item and isinstance(item[k], (str, int, float))
               and not isinstance(item[k], bool)]
        if ids:
            return "[" + ",".join(ids) + "]"
    return f"[{index}]"


def _walk(node: Any, path: str, seed: Any) -> Iterator[tuple[str, str, Any, Any]]:
    """Yield (kind, path, value, seed): kind 'estimate' for estimate objects, 'value' for other numbers."""
    if isinstance(node, dict):
        own = _seed_of(node)
        seed = own if own is not None else seed
        if _is_number(node.get("estimate")):
            entry = {k: node[k] for k in ESTIMATE_FIELDS if k in node and (_is_number(node[k]) or node[k] is None)}
            yield "estimate", path, entry, seed
            rest = {k: v for k, v in node.items() if k not in ESTIMATE_FIELDS}
        else:
            rest = node
        for key in sorted(rest):
            yield from _walk(rest[key], f"{path}.{key}" if path else str(key), seed)
    elif isinstance(node, list):
        labels = [_item_label(item, i) for i, item in enumerate(node)]
        if len(set(labels)) != len(labels):  # ids not unique: fall back to positions
            labels = [f"[{i}]" for i in range(len(node))]
        for label, item in zip(labels, node):
            yield from _walk(item, f"{path}{label}", seed)
    elif isinstance(node, bool) or _is_number(node):
        yield "value", path, node, seed


def _json_safe(value: Any) -> Any:
    """NaN and infinities as strings, so the manifest is strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    return value


def result_numbers(results_dir: Path) -> tuple[dict, dict, dict]:
    """Estimates, other numbers and seeds of every result JSON under results_dir (quality/ and the
    manifest itself excluded)."""
    estimates, values, seeds = {}, {}, {}
    for path in sorted(results_dir.rglob("*.json")):
        relative = path.relative_to(results_dir).as_posix()
        if relative.startswith("quality/") or relative == "manifest.json":
            continue
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ManifestError(f"{relative}: not readable as JSON ({error})") from None
        for kind, where, value, seed in _walk(payload, "", None):
            key = f"{relative}#{where}"
            if kind == "estimate":
                entry = _json_safe(value)
                if seed is not None:
                    entry["seed"] = seed
                estimates[key] = entry
            else:
                if where.split(".")[-1] == "seed":
                    seeds[key] = value
                values[key] = {"value": _json_safe(value), **({"seed": seed} if seed is not None else {})}
    return estimates, values, seeds


def quality_outcomes(results_dir: Path) -> dict:
    out = {}
    for path in sorted((results_dir / "quality").glob("*.json")):
        if path.name == "report.json":
            continue
        suite = json.loads(path.read_text(encoding="utf-8"))
        for e in suite.get("expectations", []):
            out[f"{suite.get('suite', path.stem)}.{e['name']}"] = {
                "passed": bool(e.get("success")), "severity": e.get("severity"),
                "unexpected_count": e.get("unexpected_count")}
    return out


def artifact_hashes(results_dir: Path) -> dict:
    return {p.relative_to(results_dir).as_posix(): file_sha256(p)
            for p in sorted(results_dir.rglob("*")) if p.is_file() and p.name != "manifest.json"}


def build_manifest(con, results_dir: Path, repo: Path, sources: Iterable = ()) -> dict:
    """The manifest of the run whose warehouse is `con` and whose results are under `results_dir`."""
    estimates, values, seeds = result_numbers(Path(results_dir))
    return {
        "manifest_version": MANIFEST_VERSION,
        "code": git_code_version(Path(repo)),
        "environment": environment_info(Path(repo)),
        "inputs": input_files(con, sources),
        "table_hash_method": TABLE_HASH_METHOD,
        "tables": mart_fingerprints(con),
        "estimates": estimates,
        "values": values,
        "seeds": seeds,
        "quality": quality_outcomes(Path(results_dir)),
        "artifacts": artifact_hashes(Path(results_dir)),
    }


def dumps(manifest: dict) -> str:
    """Canonical text: sorted keys, one-space indent, strict JSON, trailing newline."""
    return json.dumps(manifest, indent=1, sort_keys=True, allow_nan=False, ensure_ascii=False) + "\n"


def write_manifest(path: Path, manifest: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(dumps(manifest), encoding="utf-8")
    tmp.replace(path)
    return path


def load_manifest(path: Path) -> dict:
    try:
        manifest = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{path}: manifest not found") from None
    except ValueError as error:
        raise ManifestError(f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})") from None
    if not isinstance(manifest, dict) or "manifest_version" not in manifest:
        raise ManifestError(f"{path}: not a result manifest (no manifest_version)")
    if manifest["manifest_version"] != MANIFEST_VERSION:
        raise ManifestError(f"{path}: manifest_version {manifest['manifest_version']} (this code reads {MANIFEST_VERSION})")
    return manifest


# ----------------------------------------------------------------------------------------------
# Comparing


@dataclass
class Difference:
    section: str
    item: str
    field: str
    published: Any
    reproduced: Any
    rule: str

    def line(self) -> str:
        where = f"{self.item} [{self.field}]" if self.field else self.item
        return f"DIFFERS  {self.section}: {where}: published {_show(self.published)}, reproduced {_show(self.reproduced)} ({self.rule})"


@dataclass
class Report:
    matched: dict = field(default_factory=dict)
    differences: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences

    def to_dict(self) -> dict:
        return {"status": "match" if self.ok else "differ", "matched": self.matched,
                "differences": [d.__dict__ for d in self.differences],
                "notes": [d.__dict__ for d in self.notes]}

    def to_text(self) -> str:
        lines = [f"Reproduction {'MATCHES' if self.ok else 'DIFFERS'}: "
                 f"{sum(self.matched.values())} items matched, {len(self.differences)} differ."]
        lines.append("Matched: " + ", ".join(f"{k} {v}" for k, v in sorted(self.matched.items())))
        lines += [d.line() for d in self.differences]
        lines += ["note     " + d.line()[len("DIFFERS  "):] for d in self.notes]
        return "\n".join(lines) + "\n"


def _show(value: Any) -> str:
    if isinstance(value, float):
        return repr(value)
    text = json.dumps(value, sort_keys=True) if not isinstance(value, str) else value
    return text if len(text) <= 120 else text[:117] + "…"


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if _is_number(value):
        return float(value)
    if value in ("nan", "inf", "-inf"):
        return float(value)
    return None


def numbers_agree(published: Any, reproduced: Any, exact: bool = False, rel_tol: float = REL_TOL) -> bool:
    """Equal for non-floats and integers; floats within rel_tol relative (exactly when `exact`);
    NaN agrees with NaN."""
    if isinstance(published, bool) or isinstance(reproduced, bool) or published is None or reproduced is None:
        return type(published) is type(reproduced) and published == reproduced
    a, b = _as_float(published), _as_float(reproduced)
    if a is None or b is None:
        return published == reproduced
    if isinstance(published, int) and isinstance(reproduced, int):
        return published == reproduced
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if exact or math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= rel_tol * max(abs(a), abs(b))


def _compare_keyed(report: Report, section: str, published: dict, reproduced: dict, fields_rule) -> None:
    matched = 0
    for item in sorted(set(published) | set(reproduced)):
        if item not in reproduced:
            report.differences.append(Difference(section, item, "", "present", "missing", "must exist"))
            continue
        if item not in published:
            report.differences.append(Difference(section, item, "", "missing", "present", "must exist"))
            continue
        p, r = published[item], reproduced[item]
        differing = []
        for name in sorted(set(p) | set(r)) if isinstance(p, dict) and isinstance(r, dict) else [""]:
            pv = p.get(name) if name else p
            rv = r.get(name) if name else r
            agree, rule = fields_rule(name, pv, rv, p if isinstance(p, dict) else {})
            if not agree:
                differing.append(Difference(section, item, name, pv, rv, rule))
        report.differences.extend(differing)
        matched += not differing
    report.matched[section] = matched


def _exact(name, a, b, entry):
    return a == b, "must be equal"


def _number_rule(name, a, b, entry):
    seeded = entry.get("seed") is not None
    if name == "seed":
        return a == b, "seed must be equal"
    if seeded and name != "estimate":
        return numbers_agree(a, b), f"seeded (seed {entry.get('seed')}): within {REL_TOL:g} relative"
    return numbers_agree(a, b), f"within {REL_TOL:g} relative"


def compare_manifests(published: dict, reproduced: dict) -> Report:
    """What matched and what differed, item by item (see the module docstring for the rules)."""
    report = Report()
    code_p, code_r = published.get("code", {}), reproduced.get("code", {})
    code_items = {"commit": code_p.get("commit")}, {"commit": code_r.get("commit")}
    if code_p.get("tree"):  # manifests written before the tree was recorded have none
        code_items[0]["tree"], code_items[1]["tree"] = code_p.get("tree"), code_r.get("tree")
    _compare_keyed(report, "code", {"commit": code_items[0]}, {"commit": code_items[1]}, _exact)
    env_p, env_r = published.get("environment", {}), reproduced.get("environment", {})
    _compare_keyed(report, "environment", {"lock": {"sha256": env_p.get("lock_sha256")}},
                   {"lock": {"sha256": env_r.get("lock_sha256")}}, _exact)
    for name in ("python", "platform"):
        if env_p.get(name) != env_r.get(name):
            report.notes.append(Difference("environment", name, "", env_p.get(name), env_r.get(name), "information"))
    if code_p.get("tag") != code_r.get("tag"):
        report.notes.append(Difference("code", "tag", "", code_p.get("tag"), code_r.get("tag"), "information"))
    _compare_keyed(report, "inputs", published.get("inputs", {}), reproduced.get("inputs", {}), _exact)
    if published.get("table_hash_method") != reproduced.get("table_hash_method"):
        report.differences.append(Difference("tables", "*", "table_hash_method", published.get("table_hash_method"),
                                             reproduced.get("table_hash_method"), "hashes are comparable only by the same method"))
    _compare_keyed(report, "tables", published.get("tables", {}), reproduced.get("tables", {}), _exact)
    _compare_keyed(report, "estimates", published.get("estimates", {}), reproduced.get("estimates", {}), _number_rule)
    _compare_keyed(report, "values", published.get("values", {}), reproduced.get("values", {}), _number_rule)
    _compare_keyed(report, "quality", published.get("quality", {}), reproduced.get("quality", {}), _exact)
    art_p, art_r = published.get("artifacts", {}), reproduced.get("artifacts", {})
    for item in sorted(set(art_p) | set(art_r)):
        if art_p.get(item) != art_r.get(item):
            report.notes.append(Difference("artifacts", item, "sha256", art_p.get(item), art_r.get(item),
                                           "information: numbers are compared above"))
    return report
