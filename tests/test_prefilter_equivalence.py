"""The shortcuts that keep scans fast are optimisations only: the byte-level pre-filter
(trustlint.discovery.RELEVANT) and leaving Terraform blocks that cannot matter unparsed
(trustlint.parsers.terraform.may_matter). A synthetic corpus from bench/generate.py, the
examples and every rule fixture with Terraform scan to the same findings without them."""

from __future__ import annotations

import importlib.util
import re
from collections import Counter

import pytest

from trustlint import discovery
from trustlint.parsers import terraform
from trustlint.scan import ScanOptions, run_scan

from .conftest import REPO_ROOT

TERRAFORM_CASES = sorted({p.parent for p in (REPO_ROOT / "tests" / "rules").glob("TL*/*/*/*.tf")}
                         | {p.parent for p in (REPO_ROOT / "tests" / "rules").glob("TL*/*/*/*/*.tf")})


def _generator():
    spec = importlib.util.spec_from_file_location("bench_generate", REPO_ROOT / "bench" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _findings(result) -> list[tuple]:
    return [(f.rule_id, f.path, f.span.line, f.span.column, f.address, f.message) for f in result.findings]


def test_prefilter_does_not_change_findings(tmp_path, monkeypatch):
    generate = _generator()
    corpus = tmp_path / "corpus"
    # A federation share far above the benchmark's few percent: many findings from 60 files.
    generate.generate(str(corpus), 60, seed=3, federation_share=0.3)
    (corpus / ".git").mkdir()
    monkeypatch.chdir(corpus)

    filtered = run_scan(ScanOptions(paths=["."]))
    monkeypatch.setattr(discovery, "RELEVANT", re.compile(rb""))  # every file is "relevant"
    unfiltered = run_scan(ScanOptions(paths=["."]))

    monkeypatch.setattr(terraform, "may_matter", lambda *_: True)  # every Terraform block parsed
    unmasked = run_scan(ScanOptions(paths=["."]))

    assert filtered.files_scanned == unfiltered.files_scanned == unmasked.files_scanned == 60
    assert _findings(filtered) == _findings(unfiltered) == _findings(unmasked)
    rules = Counter(f.rule_id for f in filtered.findings)
    assert "TL000" not in rules, [f for f in filtered.findings if f.rule_id == "TL000"]
    assert len(rules) >= 3, rules
    assert {"TL001", "TL005"} <= set(rules), rules


def test_lowered_prefilter_matches_as_the_case_insensitive_pattern_would():
    # RELEVANT is compiled in lower case and run on lowered bytes: only sound while the
    # pattern has no upper-case escapes (\S, \W, \D would change meaning when lowered).
    assert not re.search(rb"\\[A-Z]", discovery._RELEVANT_TOKENS)
    insensitive = re.compile(discovery._RELEVANT_TOKENS, re.IGNORECASE)
    samples = [b"Type: AWS::IAM::Role", b"ASSUMEROLEPOLICYDOCUMENT", b"permissions:\n  ID-TOKEN: write",
               b'source = "../modules/x"', b'SOURCE  =  "./m"', b"resource aws_s3_bucket", b"nothing here"]
    for sample in samples:
        assert (discovery.RELEVANT.search(sample.lower()) is None) == (insensitive.search(sample) is None), sample


def _case_of(path) -> str:
    return str(path.relative_to(REPO_ROOT))


@pytest.mark.parametrize("case", [REPO_ROOT / "examples", *TERRAFORM_CASES], ids=_case_of)
def test_unparsed_blocks_do_not_change_findings(case, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    masked = run_scan(ScanOptions(paths=[_case_of(case)]))
    monkeypatch.setattr(terraform, "may_matter", lambda *_: True)
    whole = run_scan(ScanOptions(paths=[_case_of(case)]))
    assert _findings(masked) == _findings(whole)
    assert sorted(masked.unknowns) == sorted(whole.unknowns)
