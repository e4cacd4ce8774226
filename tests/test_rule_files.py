"""Meta-tests of rules/: schema, ids, names, docs, and every rule's own examples run."""

from __future__ import annotations

import json
import os
import re
from importlib import resources

import jsonschema
import pytest

from trustlint.cli import rules_table
from trustlint.engine.rules import builtin_rules_dir, load_rules

from .conftest import REPO_ROOT

RULES = load_rules(validate_builtin=True)
PUBLIC_IDS = {
    "TL000": "analysis-error", "TL001": "wildcard-subject", "TL002": "missing-subject",
    "TL003": "missing-audience", "TL004": "cross-environment-trust",
    "TL005": "excessive-session-duration", "TL006": "static-credential", "TL007": "public-trust",
}


def test_public_rule_ids_are_stable():
    assert {r.id: r.name for r in RULES if r.id in PUBLIC_IDS} == PUBLIC_IDS


def test_rule_files_are_named_after_id_and_name():
    for rule in RULES:
        assert rule.path.endswith(f"{rule.id}-{rule.name}.yaml")


def test_ids_are_sequential_and_never_reused():
    numbers = sorted(int(r.id[2:]) for r in RULES)
    assert numbers == list(range(len(numbers)))


def test_messages_only_reference_facts_of_their_kind():
    for rule in RULES:
        for text in (rule.message, rule.fix):
            for path in re.findall(r"\{([a-z_.]+)\}", text):
                allowed = ("item",) if len(rule.kinds) > 1 else (*rule.kinds, "item")
                assert path.split(".")[0] in allowed, (rule.id, path)


def test_readme_rule_table_is_generated_from_the_rule_files():
    readme = (REPO_ROOT / "README.md").read_text()
    table = readme.split("<!-- rules-table:start -->\n", 1)[1].split("<!-- rules-table:end -->", 1)[0]
    assert table == rules_table(RULES)


EXAMPLE_DAY = __import__("datetime").date(2026, 12, 1)


def _example_cases(kind: str):
    for rule in RULES:
        for index, example in enumerate(rule.examples[kind]):
            yield pytest.param(rule, example, id=f"{rule.id}-{kind}-{index}")


def _scan_example(example: dict, scan_files):
    """Write an example (and its context files) and scan it as the CLI would configure it."""
    import yaml

    from trustlint.cli import settings_from

    files = {example["file"]: example["code"]}
    files.update({c["file"]: c["code"] for c in example.get("context", [])})
    if "base" in example:  # a change on top of a trusted commit (--trusted-ref)
        from .conftest import scan_change

        base = {c["file"]: c["code"] for c in example["base"]}
        return scan_change(scan_files.directory / "change", base, files, today=EXAMPLE_DAY)
    config = yaml.safe_load(files.get(".trustlint.yaml", "")) or {}
    # Examples carry fixed dates (a suppression's expiry): they are judged on a fixed day.
    return scan_files(files, settings=settings_from(config, "."), today=EXAMPLE_DAY,
                      config_path=".trustlint.yaml" if config else "")


@pytest.mark.parametrize("rule,example", list(_example_cases("bad")))
def test_bad_example_fires_its_rule_at_its_line(rule, example, scan_files):
    result = _scan_example(example, scan_files)
    hits = [(f.rule_id, f.span.line) for f in result.findings if f.rule_id == rule.id and f.path == example["file"]]
    assert hits == [(rule.id, example["line"])], [(f.rule_id, f.span.line, f.message) for f in result.findings]


@pytest.mark.parametrize("rule,example", list(_example_cases("good")))
def test_good_example_is_clean(rule, example, scan_files):
    result = _scan_example(example, scan_files)
    assert [(f.rule_id, f.message) for f in result.findings if f.gating] == []
    # A good example shows something judged and found safe; an unread file would also be clean.
    assert example.get("judges_nothing") or sum(result.judged.values()) > 0, f"{rule.id}: nothing judged ({result.judged})"


def test_facts_of_the_examples_match_the_published_schema(monkeypatch):
    from trustlint.engine.facts import Settings, scan_facts
    from trustlint.scan import ScanOptions, build_model

    schema = json.loads((resources.files("trustlint") / "schemas" / "facts.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    monkeypatch.chdir(REPO_ROOT)
    model, _ = build_model(ScanOptions(paths=["examples"]), str(REPO_ROOT))
    facts = scan_facts(model, Settings())
    assert {f["kind"] for f in facts} >= {"trust", "credential", "public", "problem", "session"}
    for fact in facts:
        errors = list(validator.iter_errors(fact))
        assert errors == [], (fact["address"], errors[0].message)


def test_builtin_rules_dir_exists():
    assert os.path.isdir(builtin_rules_dir())
