"""Baselines: the accepted findings, each by its line-free fingerprint, its severity and what it
admits. A finding is "unchanged" only while it matches an entry in all three: the same trust
escalating (high to critical) or admitting another workload (a broader witness) is new."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from ..errors import BaselineError  # noqa: F401 - raised here, caught by the command line
from ..findings import SEVERITIES, Finding

# 2: entries carry severity and admits. Version 1 entries (fingerprint only) are still read and
# match by fingerprint alone, as they did; `trustlint baseline` rewrites them.
BASELINE_VERSION = 2
# An analysis error and a weakening of the gate itself are judged afresh on every scan.
_NEVER_UNCHANGED = ("TL000", "TL015")


@dataclass(frozen=True)
class Accepted:
    """One baseline entry: what was accepted about a finding."""

    fingerprint: str
    severity: str | None = None  # None: a version-1 entry (any severity)
    admits: str | None = None  # None: a version-1 entry (any admission)

    def covers(self, finding: Finding) -> bool:
        if self.severity is not None and SEVERITIES.index(finding.severity) > _rank(self.severity):
            return False
        return self.admits is None or self.admits == admission_digest(finding.admits)


def admission_digest(admits: str) -> str:
    """What a finding admits, as a baseline stores it: the witness and a digest of every
    admitted token (the full list can be long)."""
    if "\n" not in admits:
        return admits
    import hashlib

    witness, *subjects = admits.split("\n")
    digest = hashlib.sha256("\n".join(subjects).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{witness} (+{len(subjects)} admitted tokens, {digest})"


def _rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else -1  # unknown: accepts nothing above info


def write_baseline(findings: list[Finding]) -> str:
    instances = [i for f in findings if f.gating for i in (f, *f.merged)]  # every instance a finding reports
    entries = sorted(
        ({"fingerprint": f.fingerprint, "rule": f.rule_id, "path": f.path, "resource": f.address,
          "severity": f.severity, "admits": admission_digest(f.admits)} for f in instances),
        key=lambda e: (e["path"], e["rule"], e["resource"], e["fingerprint"]),
    )
    return json.dumps({"version": BASELINE_VERSION, "tool": "trustlint", "findings": entries}, indent=2) + "\n"


def load_baseline(path: str) -> dict[str, list[Accepted]]:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise BaselineError(f"{path}: not a trustlint baseline ({exc})") from None
    return load_baseline_data(data, path)


def load_baseline_data(data: bytes, where: str) -> dict[str, list[Accepted]]:
    """Accepted entries by fingerprint."""
    try:
        document = json.loads(data)
        version = document.get("version", 1)
        accepted: dict[str, list[Accepted]] = {}
        for entry in document["findings"]:
            if version >= 2:
                item = Accepted(entry["fingerprint"], str(entry["severity"]), str(entry.get("admits", "")))
            else:
                item = Accepted(entry["fingerprint"])
            accepted.setdefault(item.fingerprint, []).append(item)
        return accepted
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BaselineError(f"{where}: not a trustlint baseline ({exc})") from None


def entry_key(entry: dict) -> tuple:
    """What an entry accepts, for comparing two baselines (a raised severity is a new acceptance)."""
    return (entry.get("fingerprint"), entry.get("severity"), entry.get("admits"))


def apply_baseline(findings: list[Finding], accepted: dict[str, list[Accepted]]) -> list[Finding]:
    """Mark findings already in the baseline. An analysis error (TL000) is never "unchanged":
    while a file cannot be read, every later change to it would go unjudged."""
    def unchanged(finding: Finding) -> bool:
        return finding.rule_id not in _NEVER_UNCHANGED and any(a.covers(finding) for a in accepted.get(finding.fingerprint, ()))

    return [replace(f, baseline="unchanged" if unchanged(f) else "new") for f in findings]
