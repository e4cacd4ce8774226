#!/usr/bin/env python3
"""trustlint performance benchmark (issue 10): whole-process runs against Checkov.

    bench/run [--runs-small 5] [--runs-2000 3] [--checkov-runs-2000 1] [--runs-8000 1] ...

Generates three corpora with bench/generate.py into a temporary directory (a single
pre-commit-sized .tf file holding a GitHub OIDC trust; N = 2,000 files; N = 8,000 files),
times whole-process runs of

    trustlint scan TARGET --format json --fail-on never -o /dev/null
    checkov -d DIR (or -f FILE) --framework terraform,cloudformation,github_actions \
        --quiet --compact -o json --skip-download [--check <federation checks>]

alternating the tools run by run (A B C A B C ...), and prints medians, the ratios
trustlint/Checkov, peak RSS (ru_maxrss of each child from os.wait4) and, last,
machine-readable `key=value` lines. Run by hand, not in CI.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import generate  # noqa: E402

# Checkov 3.3.x checks about federation trust (grep for token.actions.githubusercontent.com,
# workload identity, AssumeRole in checkov/terraform/checks and checkov/cloudformation/checks):
FEDERATION_CHECKS = [
    "CKV_AWS_358",  # aws_iam_policy_document: GitHub Actions OIDC trust only from a known org / safe claims
    "CKV_AWS_393",  # aws_iam_role: GitHub Actions OIDC trust policy on the role
    "CKV_AWS_60",   # IAM role trust allows assume from all services / principals (TF + CFN)
    "CKV_AWS_61",   # IAM role trust allows assume from the whole account (TF + CFN)
    "CKV_GCP_118",  # workload identity pool provider is restricted (attribute_condition)
    "CKV_GCP_125",  # GCP GitHub Actions OIDC trust configured securely
    "CKV_AZURE_249",  # Azure GitHub Actions OIDC trust (federated identity credential) configured securely
]
FRAMEWORKS = "terraform,cloudformation,github_actions"


def find_checkov(explicit: str | None) -> str | None:
    for candidate in (explicit, os.environ.get("CHECKOV"), "/tmp/benchvenv/bin/checkov", shutil.which("checkov")):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def timed(cmd: list[str], env: dict | None = None, cwd: str | None = None) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB of the child and its waited-for descendants, exit code)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
    # Read stderr concurrently-enough: both tools write little there with these options.
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    rc = proc.returncode
    if rc not in (0, 1):
        sys.stderr.write(f"warning: {' '.join(cmd[:4])}... exited {rc}: {stderr[-800:].decode(errors='replace')}\n")
    return wall, usage.ru_maxrss / 1024.0, rc


class Tool:
    def __init__(self, name: str, cmd_for, env: dict | None = None):
        self.name, self.cmd_for, self.env = name, cmd_for, env


def trustlint_tool(python: str) -> Tool:
    # Installed, trustlint has bytecode (pip compiles it), as Checkov in its venv does. From the
    # working tree it has none where PYTHONDONTWRITEBYTECODE is set: every run would compile
    # every module again (~0.1 s). So compile the tree once, as an install would.
    subprocess.run([python, "-m", "compileall", "-q", os.path.join(REPO, "trustlint")], check=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return Tool("trustlint", lambda target: [python, "-m", "trustlint", "scan", target, "--format", "json",
                                             "--fail-on", "never", "-o", os.devnull], env)


def inventory_tool(scan: Tool, python: str) -> Tool:
    """`trustlint inventory` over the same tree (issue 20: at most 1.5x a scan of it)."""
    return Tool("trustlint-inventory", lambda target: [python, "-m", "trustlint", "inventory", target, "--format",
                                                       "json", "-o", os.devnull], scan.env)


def checkov_tool(binary: str, restricted: bool) -> Tool:
    def cmd(target: str) -> list[str]:
        where = ["-f", target] if os.path.isfile(target) else ["-d", target]
        out = [binary, *where, "--framework", *FRAMEWORKS.split(","), "--quiet", "--compact", "-o", "json", "--skip-download"]
        if restricted:
            out += ["--check", ",".join(FEDERATION_CHECKS)]
        return out
    env = dict(os.environ)
    env.setdefault("BC_SKIP_MAPPING", "TRUE")  # no network look-ups for guideline mappings
    env.setdefault("CHECKOV_RUN_SCA_PACKAGE_SCAN_V2", "false")
    return Tool("checkov-federation" if restricted else "checkov-all", cmd, env)


def measure(label: str, target: str, plan: list[tuple[Tool, int]], cwd: str) -> dict:
    """Alternate the tools run by run; return {tool: {"times": [...], "rss": [...]}}."""
    results = {tool.name: {"times": [], "rss": []} for tool, runs in plan if runs > 0}
    rounds = max((runs for _, runs in plan), default=0)
    for i in range(rounds):
        for tool, runs in plan:
            if i >= runs:
                continue
            wall, rss, rc = timed(tool.cmd_for(target), tool.env, cwd)
            results[tool.name]["times"].append(wall)
            results[tool.name]["rss"].append(rss)
            print(f"  [{label}] run {i + 1}/{runs} {tool.name:<18} {wall:8.3f} s  {rss:7.1f} MB  rc={rc}", flush=True)
    return results


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def fmt(value: float | None, digits: int = 3) -> str:
    return "NA" if value is None else f"{value:.{digits}f}"


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs-small", type=int, default=5, help="runs per tool on the small input (default 5)")
    parser.add_argument("--runs-2000", type=int, default=3, help="trustlint runs at N=2000 (default 3)")
    parser.add_argument("--checkov-runs-2000", type=int, default=1, help="Checkov federation runs at N=2000 (default 1)")
    parser.add_argument("--checkov-all-runs-2000", type=int, default=1, help="Checkov all-checks runs at N=2000 (default 1; 0 skips)")
    parser.add_argument("--runs-8000", type=int, default=1, help="trustlint runs at N=8000 (default 1; 0 skips)")
    parser.add_argument("--n", type=int, default=2000, help="the medium corpus size (default 2000)")
    parser.add_argument("--n-large", type=int, default=8000, help="the large corpus size (default 8000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--python", default=sys.executable, help="interpreter that runs trustlint (PYTHONPATH is set to the repository)")
    parser.add_argument("--checkov", help="checkov executable (default: $CHECKOV, /tmp/benchvenv/bin/checkov, PATH)")
    parser.add_argument("--no-checkov", action="store_true", help="measure trustlint only")
    parser.add_argument("--keep", metavar="DIR", help="generate the corpora in DIR and keep them")
    args = parser.parse_args(argv)

    checkov = None if args.no_checkov else find_checkov(args.checkov)
    version = "not found"
    if checkov:
        version = subprocess.run([checkov, "--version"], capture_output=True, text=True).stdout.strip() or "unknown"
    work = args.keep or tempfile.mkdtemp(prefix="trustlint-bench-")
    os.makedirs(work, exist_ok=True)
    print(f"# trustlint bench  {time.strftime('%Y-%m-%d %H:%M')}  {platform.platform()}  cores={os.cpu_count()}  python={platform.python_version()}")
    print(f"# checkov: {checkov or 'not found (trustlint figures only)'}  version={version}")
    print(f"# federation checks: {','.join(FEDERATION_CHECKS)}")
    print(f"# corpora in {work}")

    # pre-commit: one changed .tf with a federated trust, per cloud (AWS role, GCP pool provider
    # + grant with a CEL condition, Azure federated identity credential)
    smalls = {}
    gen = generate.Gen(args.seed)
    for cloud, text in (("aws", gen.fed_aws_tf()), ("gcp", gen.fed_gcp_tf()), ("azure", gen.fed_azure_tf())):
        small_dir = os.path.join(work, f"small-{cloud}")
        os.makedirs(small_dir, exist_ok=True)
        smalls[cloud] = os.path.join(small_dir, "main.tf")
        with open(smalls[cloud], "w", encoding="utf-8") as handle:
            handle.write(text)
    medium = os.path.join(work, f"n{args.n}")
    large = os.path.join(work, f"n{args.n_large}")
    for path, n in ((medium, args.n), (large, args.n_large if args.runs_8000 > 0 else 0)):
        if n and not os.path.isdir(path):
            generate.generate(path, n, args.seed)

    tl = trustlint_tool(args.python)
    ck_fed = checkov_tool(checkov, True) if checkov else None
    ck_all = checkov_tool(checkov, False) if checkov else None
    # cwd = the work dir (no .git): both tools see the same, repository-less tree.
    r_smalls = {}
    for cloud, small in smalls.items():
        print(f"\n## small ({cloud}): one .tf file ({os.path.getsize(small)} bytes)")
        plan = [(tl, args.runs_small)] + ([(ck_fed, args.runs_small), (ck_all, args.runs_small)] if checkov else [])
        r_smalls[cloud] = measure(f"small-{cloud}", small, plan, work)
    r_small = r_smalls["aws"]
    print(f"\n## N={args.n}: {generate.count_files(medium)} files, {_size_mb(medium):.1f} MB")
    inv = inventory_tool(tl, args.python)
    plan = [(tl, args.runs_2000), (inv, args.runs_2000)] + (
        [(ck_fed, args.checkov_runs_2000), (ck_all, args.checkov_all_runs_2000)] if checkov else [])
    r_medium = measure(f"N={args.n}", medium, plan, work)
    r_large = {}
    if args.runs_8000 > 0:
        print(f"\n## N={args.n_large}: {generate.count_files(large)} files, {_size_mb(large):.1f} MB (trustlint only)")
        r_large = measure(f"N={args.n_large}", large, [(tl, args.runs_8000)], work)

    def med(results: dict, name: str) -> float | None:
        return median(results.get(name, {}).get("times", []))

    print("\n## medians (seconds) and peak RSS (MB)")
    print(f"{'corpus':<10} {'tool':<20} {'runs':>4} {'median s':>10} {'min s':>9} {'peak MB':>9}")
    for label, results in (*((f"small-{c}", r) for c, r in r_smalls.items()), (f"N={args.n}", r_medium), (f"N={args.n_large}", r_large)):
        for name, data in results.items():
            print(f"{label:<10} {name:<20} {len(data['times']):>4} {fmt(median(data['times'])):>10} "
                  f"{fmt(min(data['times'])):>9} {fmt(max(data['rss']), 1):>9}")

    tl_small, tl_medium, tl_large = med(r_small, "trustlint"), med(r_medium, "trustlint"), med(r_large, "trustlint")
    ratio_small = ratio(tl_small, med(r_small, "checkov-federation"))
    ratio_small_all = ratio(tl_small, med(r_small, "checkov-all"))
    ratio_medium = ratio(tl_medium, med(r_medium, "checkov-federation"))
    ratio_medium_all = ratio(tl_medium, med(r_medium, "checkov-all"))
    scale = ratio(tl_large, tl_medium)
    inventory_over_scan = ratio(med(r_medium, "trustlint-inventory"), tl_medium)
    peak = max((rss for results in (r_small, r_medium, r_large) for rss in results.get("trustlint", {}).get("rss", [])), default=None)

    print("\n## against the targets (ratio = trustlint time / Checkov time; speed-up = 1/ratio)")
    checks = []
    for cloud, results in r_smalls.items():  # issue 16: each cloud's small file >= 20x and < 0.2 s
        small_ratio = ratio(med(results, "trustlint"), med(results, "checkov-federation"))
        checks.append((f"small {cloud}: >= 20x faster than Checkov-federation", small_ratio is not None and small_ratio <= 1 / 20,
                       small_ratio and f"{1 / small_ratio:.1f}x"))
        checks.append((f"small {cloud}: trustlint median < 0.2 s", (med(results, "trustlint") or 9) < 0.2,
                       fmt(med(results, "trustlint"))))
    checks += [
        (f"N={args.n}: >= 100x faster than Checkov-federation", ratio_medium is not None and ratio_medium <= 1 / 100, ratio_medium and f"{1 / ratio_medium:.1f}x"),
        (f"N={args.n_large}/N={args.n} <= 4.4", scale is not None and scale <= 4.4, fmt(scale, 2)),
        (f"N={args.n}: inventory <= 1.5x scan", inventory_over_scan is not None and inventory_over_scan <= 1.5,
         fmt(inventory_over_scan, 2)),
        ("peak RSS < 250 MB", peak is not None and peak < 250, fmt(peak, 1)),
    ]
    for text, ok, value in checks:
        print(f"  {'MET ' if ok else 'MISS'}  {text}: {value or 'NA'}")

    print()
    for cloud, results in r_smalls.items():
        print(f"ratio_small_{cloud}={fmt(ratio(med(results, 'trustlint'), med(results, 'checkov-federation')), 4)}")
        print(f"trustlint_small_{cloud}_median_s={fmt(med(results, 'trustlint'))}")
    print(f"ratio_small={fmt(ratio_small, 4)}")
    print(f"ratio_small_all={fmt(ratio_small_all, 4)}")
    print(f"ratio_{args.n}={fmt(ratio_medium, 4)}")
    print(f"ratio_{args.n}_all={fmt(ratio_medium_all, 4)}")
    print(f"scale_{args.n_large}_over_{args.n}={fmt(scale, 3)}")
    print(f"inventory_over_scan_{args.n}={fmt(inventory_over_scan, 3)}")
    print(f"peak_rss_mb={fmt(peak, 1)}")
    print(f"trustlint_small_median_s={fmt(tl_small)}")
    print(f"trustlint_{args.n}_median_s={fmt(tl_medium)}")
    print(f"trustlint_{args.n_large}_median_s={fmt(tl_large)}")
    print(f"checkov_small_median_s={fmt(med(r_small, 'checkov-federation'))}")
    print(f"checkov_all_small_median_s={fmt(med(r_small, 'checkov-all'))}")
    print(f"checkov_{args.n}_median_s={fmt(med(r_medium, 'checkov-federation'))}")
    print(f"checkov_all_{args.n}_median_s={fmt(med(r_medium, 'checkov-all'))}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _size_mb(path: str) -> float:
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files) / 1e6


if __name__ == "__main__":
    raise SystemExit(main())
