"""tests/robustness/corpus: malformed and hostile files and what trustlint must say."""

from __future__ import annotations

import yaml

from trustlint.scan import ScanOptions, run_scan

from .conftest import REPO_ROOT

CORPUS = REPO_ROOT / "tests" / "robustness"


def test_corpus_findings(monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    expected = yaml.safe_load((CORPUS / "expected.yaml").read_text())
    result = run_scan(ScanOptions(paths=["tests/robustness/corpus"]))
    actual = [(f.rule_id, f.path.rsplit("/", 1)[-1], f.span.line, f.span.column, f.message) for f in result.findings]
    assert [(r, p, l, c) for r, p, l, c, _ in actual] == [(e["rule"], e["path"], e["line"], e["column"]) for e in expected]
    for (_, _, _, _, message), entry in zip(actual, expected):
        assert message.startswith(entry["message_contains"])


def test_every_corpus_file_is_accounted_for():
    expected = {e["path"] for e in yaml.safe_load((CORPUS / "expected.yaml").read_text())}
    assert expected == {p.name for p in (CORPUS / "corpus").iterdir()}
