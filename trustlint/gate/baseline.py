"""Baselines: the fingerprints of accepted findings; a finding not in it is new."""

from __future__ import annotations

import json
from dataclasses import replace

from ..findings import Finding

BASELINE_VERSION = 1
# An analysis error and a weakening of the gate itself are judged afresh on every scan.
_NEVER_UNCHANGED = ("TL000", "TL015")


def write_baseline(findings: list[Finding]) -> str:
    entries = sorted(
        ({"fingerprint": f.fingerprint, "rule": f.rule_id, "path": f.path, "resource": f.address} for f in findings if f.gating),
        key=lambda e: (e["path"], e["rule"], e["resource"], e["fingerprint"]),
    )
    return json.dumps({"version": BASELINE_VERSION, "tool": "trustlint", "findings": entries}, indent=2) + "\n"


class BaselineError(Exception):
    pass


def load_baseline(path: str) -> set[str]:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise BaselineError(f"{path}: not a trustlint baseline ({exc})") from None
    return load_baseline_data(data, path)


def load_baseline_data(data: bytes, where: str) -> set[str]:
    try:
        return {entry["fingerprint"] for entry in json.loads(data)["findings"]}
    except (ValueError, KeyError, TypeError) as exc:
        raise BaselineError(f"{where}: not a trustlint baseline ({exc})") from None


def apply_baseline(findings: list[Finding], fingerprints: set[str]) -> list[Finding]:
    """Mark findings already in the baseline. An analysis error (TL000) is never "unchanged":
    while a file cannot be read, every later change to it would go unjudged."""
    return [replace(f, baseline="unchanged" if f.rule_id not in _NEVER_UNCHANGED and f.fingerprint in fingerprints else "new")
            for f in findings]
