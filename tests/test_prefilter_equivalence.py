"""The shortcuts that keep scans fast are optimisations only: the byte-level pre-filter
(trustlint.input.discovery.RELEVANT) and leaving Terraform blocks that cannot matter unparsed
(trustlint.terraform.configuration.may_matter, unused variables). A synthetic corpus from bench/generate.py, the
examples and every rule fixture with Terraform scan to the same findings without them."""

from __future__ import annotations

import importlib.util
import re
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustlint.input import discovery
from trustlint.terraform import configuration as terraform
from trustlint.scan import ScanOptions, run_scan
from trustlint.source import SourceFile

from .conftest import EVERYTHING, REPO_ROOT

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
    monkeypatch.setattr(discovery, "RELEVANT", EVERYTHING)  # every file is "relevant"
    monkeypatch.setattr(discovery, "FEDERATION", EVERYTHING)  # every directory is read
    unfiltered = run_scan(ScanOptions(paths=["."]))

    monkeypatch.setattr(terraform, "SKIP_UNNEEDED_BLOCKS", False)  # every Terraform block parsed
    unmasked = run_scan(ScanOptions(paths=["."]))

    assert filtered.files_scanned == unfiltered.files_scanned == unmasked.files_scanned == 60
    assert _findings(filtered) == _findings(unfiltered) == _findings(unmasked)
    rules = Counter(f.rule_id for f in filtered.findings)
    assert "TL000" not in rules, [f for f in filtered.findings if f.rule_id == "TL000"]
    assert len(rules) >= 3, rules
    assert {"TL001", "TL005"} <= set(rules), rules


def _naive_pattern() -> re.Pattern:
    """What RELEVANT stands for: a flat, case-insensitive alternation of the words and patterns."""
    words = [re.escape(w.encode()) for w in discovery.RELEVANT_WORDS]
    return re.compile(b"|".join(words + list(discovery.RELEVANT_PATTERNS)), re.IGNORECASE)


@pytest.mark.parametrize("linear", [False, True], ids=["re", "re2"])
def test_prefilter_matches_as_the_flat_case_insensitive_alternation_would(linear, monkeypatch):
    monkeypatch.setattr(discovery, "_linear_engine", linear)
    # RELEVANT is words and patterns in lower case run on lowered bytes: only sound
    # while the patterns have no upper-case escapes (\S, \W, \D change meaning when lowered).
    assert not any(re.search(rb"\\[A-Z]", p) for p in discovery.RELEVANT_PATTERNS)
    naive = _naive_pattern()
    samples = [b"Type: AWS::IAM::Role", b"ASSUMEROLEPOLICYDOCUMENT", b"permissions:\n  ID-TOKEN: write",
               b'source = "../modules/x"', b'SOURCE  =  "./m"', b"resource aws_s3_bucket", b"nothing here",
               b"aws_iam_rol", b"assumerol", b"oidc-provide", b"x.oic.prod-aks", b"token.actions.github"]
    samples += [b"prefix " + w.encode() + b" suffix" for w in discovery.RELEVANT_WORDS]
    samples += [b"prefix " + w.encode()[:-1] + b" suffix" for w in discovery.RELEVANT_WORDS]  # one byte short
    for sample in samples:
        assert (not discovery.RELEVANT.found(sample.lower())) == (naive.search(sample) is None), sample


@pytest.mark.parametrize("linear", [False, True], ids=["re", "re2"])
def test_prefilter_agrees_with_the_flat_alternation_on_the_bench_corpus(linear, tmp_path, monkeypatch):
    monkeypatch.setattr(discovery, "_linear_engine", linear)
    generate = _generator()
    generate.generate(str(tmp_path), 300, seed=5, federation_share=0.1)
    naive = _naive_pattern()
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    verdicts = [(not discovery.RELEVANT.found(p.read_bytes().lower()), naive.search(p.read_bytes()) is None) for p in files]
    assert all(fast == slow for fast, slow in verdicts)
    assert 0 < sum(not fast for fast, _ in verdicts) < len(files)  # some relevant, some not


def _case_of(path) -> str:
    return str(path.relative_to(REPO_ROOT))


@pytest.mark.parametrize("case", [REPO_ROOT / "examples", *TERRAFORM_CASES], ids=_case_of)
def test_unparsed_blocks_do_not_change_findings(case, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    masked = run_scan(ScanOptions(paths=[_case_of(case)]))
    monkeypatch.setattr(terraform, "SKIP_UNNEEDED_BLOCKS", False)
    whole = run_scan(ScanOptions(paths=[_case_of(case)]))
    assert _findings(masked) == _findings(whole)
    assert sorted(masked.unknowns) == sorted(whole.unknowns)


# -- the two engines of the pre-filter (re for a few files, RE2 for a large tree) -----------------

_PIECES = [w.lower().encode() for w in discovery.RELEVANT_WORDS] + [
    b'source = "../m"', b'source\v=\v"./m"', b'source\t=\n"./', b"source =", b'"./x"', b"module x 'm.bicep'",
    b"module\vx\v'./a.bicep'", b"module x 'a\n.bicep'", b"module \xe9 'a.bicep'", b"\xff\xfe", b"\xc3\xa9", b"\x00",
    b"\\", b"\n", b" ", b"'", b'"', b"=", b"aws_iam_rol", b"oidc-provide", b"token.actions"]


def _engines(data: bytes, monkeypatch) -> tuple[tuple[bool, bool], tuple[bool, bool]]:
    verdicts = []
    for linear in (False, True):
        monkeypatch.setattr(discovery, "_linear_engine", linear)
        verdicts.append((discovery.RELEVANT.found(data), discovery.FEDERATION.found(data)))
    return verdicts[0], verdicts[1]


def test_both_engines_give_the_same_verdicts_on_chosen_bytes(monkeypatch):
    samples = [b"", b"nothing", *_PIECES, *(p[:-1] for p in _PIECES if len(p) > 1),
               *(b"\xff" + p + b"\x80" for p in _PIECES), b'source\v=\v"../x"', b"module\vname\v'x.bicep'"]
    seen = set()
    for sample in samples:
        with_re, with_re2 = _engines(sample, monkeypatch)
        assert with_re == with_re2, sample
        seen.add(with_re)
    assert seen == {(False, False), (True, False), (True, True)}  # each verdict was met


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(st.one_of(st.sampled_from(_PIECES), st.binary(max_size=6)), max_size=8))
def test_both_engines_give_the_same_verdicts_on_any_bytes(parts, monkeypatch):
    data = b"".join(parts)
    with_re, with_re2 = _engines(data, monkeypatch)
    assert with_re == with_re2, data


def test_a_large_tree_is_prefiltered_with_re2_to_the_same_findings(tmp_path, monkeypatch):
    generate = _generator()
    files = discovery.LINEAR_ENGINE_MIN_FILES + 16
    generate.generate(str(tmp_path / "corpus"), files, seed=11, federation_share=0.2)
    (tmp_path / "corpus" / ".git").mkdir()
    monkeypatch.chdir(tmp_path / "corpus")
    monkeypatch.setattr(discovery, "LINEAR_ENGINE_MIN_FILES", 10 ** 9)  # re only
    with_re = run_scan(ScanOptions(paths=["."], jobs=1))
    monkeypatch.setattr(discovery, "LINEAR_ENGINE_MIN_FILES", 1)
    monkeypatch.setattr(discovery, "_linear_engine", False)
    with_re2 = run_scan(ScanOptions(paths=["."], jobs=1))
    assert discovery._linear_engine  # the large tree switched the engine
    assert with_re.files_scanned == with_re2.files_scanned == files
    assert _findings(with_re) == _findings(with_re2)
    assert {"TL001", "TL005"} <= {f.rule_id for f in with_re2.findings}


_DEFINING = ["variable", "locals", "data", "module", 'resource "google_', 'resource "azurerm_', 'resource "aws_iam_policy"',
             "resource", "/* x */", "*/", "\n", " ", "\t", "é", "ü", "_", "x", "{", '"', "dat", "\r",
             "\u00b2", "\u0660", "\u02b0", "\u01c5", "\u0301", "\u4e00", "-"]


def _defines_with(linear: bool, text: str, monkeypatch) -> bool:
    monkeypatch.setattr(discovery, "_linear_engine", linear)
    return discovery._defines_values(SourceFile("main.tf", text))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(st.sampled_from(_DEFINING), max_size=10))
def test_both_engines_keep_the_same_terraform_files_as_defining_values(parts, monkeypatch):
    # Letters and digits of other scripts after a keyword too (`dataé` is no `data` block for
    # re's \b): which files are read must not depend on how many files the tree has.
    text = "".join(parts)
    assert _defines_with(False, text, monkeypatch) == _defines_with(True, text, monkeypatch), text


def test_both_engines_agree_on_which_bench_files_define_values(tmp_path, monkeypatch):
    generate = _generator()
    generate.generate(str(tmp_path), 200, seed=7, federation_share=0.1)
    texts = [p.read_text(encoding="utf-8") for p in tmp_path.rglob("*.tf")]
    verdicts = [(_defines_with(False, t, monkeypatch), _defines_with(True, t, monkeypatch)) for t in texts]
    assert all(a == b for a, b in verdicts)
    assert 0 < sum(a for a, _ in verdicts) < len(texts)
