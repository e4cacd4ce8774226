"""Findings: frozen, ordered deterministically, fingerprinted without line numbers."""

from __future__ import annotations

from dataclasses import dataclass, field

from .source import Span

SEVERITIES = ("info", "low", "medium", "high", "critical")


@dataclass(frozen=True)
class Related:
    """Another place of the same problem (SARIF relatedLocations)."""

    path: str
    span: Span
    label: str


@dataclass(frozen=True)
class Finding:
    """One problem found: the rule, where it is, what it says, and how the gate treated it."""

    rule_id: str
    rule_name: str
    severity: str
    message: str
    path: str
    span: Span
    address: str
    fix: str = ""
    value: str = ""  # the offending value, part of the fingerprint
    admits: str = ""  # the workload it admits (the witness), compared by baselines, not fingerprinted
    related: tuple[Related, ...] = field(default_factory=tuple)
    suppression: str | None = None  # the justification, when an inline or configured suppression applies
    suppression_kind: str = ""  # inSource | external
    baseline: str = ""  # "unchanged" when the finding is in the baseline, "new" when a baseline is in use
    merged: tuple["Finding", ...] = ()  # the same problem at other instances, reported with this one

    @property
    def gating(self) -> bool:
        """Does this finding count for the exit code?"""
        return self.suppression is None and self.baseline != "unchanged"

    @property
    def fingerprint(self) -> str:
        """Stable identity across runs: rule, file, resource and offending value, never lines;
        for a shared module, also the root module calling it (two roots, two findings)."""
        caller = next((r.path for r in self.related if r.label.startswith("module call ")), "")
        material = "\x1f".join([self.rule_id, self.path, self.address, self.value or self.message]
                                + ([caller] if caller else []))
        import hashlib  # ~4 ms to import (OpenSSL): only once there is a finding

        return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()[:32]

    def sort_key(self) -> tuple:
        return (self.path, self.span.line, self.span.column, self.rule_id, self.address, self.message)

    def at_least(self, threshold: str) -> bool:
        return SEVERITIES.index(self.severity) >= SEVERITIES.index(threshold)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    unique = {(f.sort_key(), f.fingerprint): f for f in findings}
    return [unique[k] for k in sorted(unique)]
