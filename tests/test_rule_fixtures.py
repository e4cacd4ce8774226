"""Per-rule fixtures: tests/rules/TL###-name/{bad,good}/<case>/.

A bad case holds input files and `expected.yaml`, the complete list of findings the case
must produce (rule, path, line, column, resource, severity); any extra finding fails.
A good case must produce no finding at all.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest
import yaml

from trustlint.scan import ScanOptions, run_scan

RULES_DIR = Path(__file__).parent / "rules"
FIXTURE_DAY = datetime.date(2026, 12, 1)


def _cases(kind: str) -> list[Path]:
    return sorted(p for p in RULES_DIR.glob(f"TL*/{kind}/*") if p.is_dir())


def _scan(case: Path):
    from trustlint.cli import settings_from

    if (case / "base").is_dir():  # a change on top of a trusted commit (--trusted-ref)
        return _scan_change(case), ""

    config = yaml.safe_load((case / ".trustlint.yaml").read_text()) if (case / ".trustlint.yaml").exists() else {}
    # Fixtures carry fixed dates (a suppression's expiry): they are judged on a fixed day.
    # A case stands for a repository of its own: its configuration is passed as --config would.
    config_path = str(case / ".trustlint.yaml") if config else ""
    result = run_scan(ScanOptions(paths=[str(case)], settings=settings_from(config, str(case)), today=FIXTURE_DAY,
                                  config_path=config_path))
    prefix = os.path.relpath(case, result.root).replace(os.sep, "/") + "/"
    return result, prefix


def _files(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.relative_to(folder).parts[0] not in skip}


def _scan_change(case: Path):
    """base/ holds the files at the trusted commit; the case's other files are the change."""
    import tempfile

    from .conftest import scan_change

    with tempfile.TemporaryDirectory() as directory:
        return scan_change(Path(directory) / "repo", _files(case / "base"), _files(case, ("base", "expected.yaml")),
                           today=FIXTURE_DAY)


def _describe(findings, prefix: str) -> list[dict]:
    return sorted(
        (
            {
                "rule": f.rule_id,
                "path": f.path[len(prefix):] if f.path.startswith(prefix) else f.path,
                "line": f.span.line,
                "column": f.span.column,
                "resource": f.address[len(prefix):] if f.address.startswith(prefix) else f.address,
                "severity": f.severity,
            }
            for f in findings
            if f.gating  # a suppressed finding is not reported
        ),
        key=lambda d: (d["path"], d["line"], d["column"], d["rule"]),
    )


@pytest.mark.parametrize("case", _cases("bad"), ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_bad_case_produces_exactly_the_expected_findings(case: Path):
    expected = yaml.safe_load((case / "expected.yaml").read_text())
    result, prefix = _scan(case)
    actual = _describe(result.findings, prefix)
    rule_id = case.parent.parent.name.split("-")[0]
    assert any(d["rule"] == rule_id for d in expected), f"{case}: expected.yaml must list a {rule_id} finding"
    assert actual == sorted(expected, key=lambda d: (d["path"], d["line"], d["column"], d["rule"]))


@pytest.mark.parametrize("case", _cases("good"), ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_good_case_produces_no_finding(case: Path):
    result, prefix = _scan(case)
    assert _describe(result.findings, prefix) == []
    assert result.files_scanned > 0
    # Clean must mean judged and found safe, not unread: a good case judges at least one
    # trust, credential, public trust, CI job or lifetime, unless it says why it only proves
    # silence (JUDGES-NOTHING holds the reason).
    opt_out = case / "JUDGES-NOTHING"
    if opt_out.exists():
        assert opt_out.read_text().strip(), f"{case}: JUDGES-NOTHING must say why"
    else:
        assert sum(result.judged.values()) > 0, f"{case}: nothing was judged ({result.judged})"


def test_every_rule_has_bad_and_good_fixtures():
    from trustlint.engine.rules import load_rules

    for rule in load_rules():
        folder = RULES_DIR / f"{rule.id}-{rule.name}"
        assert any((folder / "bad").glob("*/expected.yaml")), f"{rule.id}: no bad fixture"
        assert any(p.is_dir() for p in (folder / "good").glob("*")), f"{rule.id}: no good fixture"
