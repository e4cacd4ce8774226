"""Built-in rule data kept between runs (trustlint/engine/rule_cache.py): the same rules as the YAML,
re-read on any change, never trusted when unreadable, off with TRUSTLINT_NO_CACHE."""

from __future__ import annotations

import json
from pathlib import Path
import os
import subprocess
import sys

from trustlint.cache import cache_dir
from trustlint.engine import rule_cache, rules

from .conftest import REPO_ROOT


def _rule_files(tmp_path, count=2):
    folder = tmp_path / "rules"
    folder.mkdir(parents=True)
    files = []
    for index in range(count):
        path = folder / f"TL90{index}.yaml"
        path.write_text(f"id: TL90{index}\nname: rule-{index}\nwhen: 'true'\n", encoding="utf-8")
        files.append(path)
    return files


def _counting_reader():
    calls = []

    def read(path):
        import yaml

        calls.append(path.name)
        return yaml.safe_load(path.read_text(encoding="utf-8"))

    return read, calls


def test_a_second_run_reads_no_yaml_and_gets_the_same_data(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("TRUSTLINT_NO_CACHE", raising=False)
    files = _rule_files(tmp_path)
    read, calls = _counting_reader()
    first = rule_cache.cached_rule_data(files, read)
    second = rule_cache.cached_rule_data(files, read)
    assert calls == ["TL900.yaml", "TL901.yaml"]  # read once
    assert first == second == [{"id": "TL900", "name": "rule-0", "when": "true"},
                               {"id": "TL901", "name": "rule-1", "when": "true"}]


def test_a_changed_rule_file_is_read_again(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("TRUSTLINT_NO_CACHE", raising=False)
    files = _rule_files(tmp_path)
    read, calls = _counting_reader()
    rule_cache.cached_rule_data(files, read)
    files[1].write_text("id: TL901\nname: renamed-rule\nwhen: 'false'\n", encoding="utf-8")
    os.utime(files[1], ns=(1, 1))  # even a change that keeps the size and an old time is seen
    data = rule_cache.cached_rule_data(files, read)
    assert data[1]["name"] == "renamed-rule"
    assert calls.count("TL901.yaml") == 2


def test_an_unreadable_or_foreign_cache_is_ignored_and_replaced(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("TRUSTLINT_NO_CACHE", raising=False)
    files = _rule_files(tmp_path)
    read, calls = _counting_reader()
    rule_cache.cached_rule_data(files, read)  # where this installation's cache file goes
    (cache,) = Path(cache_dir()).glob("builtin-rules-*.json")
    for planted in ("{not json", "[1, 2]", json.dumps({"key": "other", "rules": [{"id": "X"}]})):
        cache.write_text(planted, encoding="utf-8")
        assert rule_cache.cached_rule_data(files, read)[0]["id"] == "TL900"
    assert len(calls) == 2 + 3 * 2
    assert json.loads(cache.read_text())["rules"][0]["id"] == "TL900"  # rewritten


def test_data_json_would_change_is_not_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("TRUSTLINT_NO_CACHE", raising=False)
    files = _rule_files(tmp_path, count=1)
    files[0].write_text("id: TL900\nsince: 2024-01-01\n1: numeric key\n", encoding="utf-8")
    read, calls = _counting_reader()
    first = rule_cache.cached_rule_data(files, read)
    second = rule_cache.cached_rule_data(files, read)
    assert first == second and str(first[0]["since"]) == "2024-01-01" and 1 in first[0]
    assert len(calls) == 2
    assert not list(Path(cache_dir()).glob("builtin-rules-*.json"))


def test_two_installations_keep_a_cache_each(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("TRUSTLINT_NO_CACHE", raising=False)
    first = _rule_files(tmp_path / "one")
    second = _rule_files(tmp_path / "two")
    read, calls = _counting_reader()
    for _ in range(3):
        rule_cache.cached_rule_data(first, read)
        rule_cache.cached_rule_data(second, read)
    assert len(calls) == 4  # each read once, not again on every alternation
    assert len(list(Path(cache_dir()).glob("builtin-rules-*.json"))) == 2


def test_no_cache_when_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("TRUSTLINT_NO_CACHE", "1")
    files = _rule_files(tmp_path)
    read, calls = _counting_reader()
    rule_cache.cached_rule_data(files, read)
    rule_cache.cached_rule_data(files, read)
    assert len(calls) == 4
    assert not (tmp_path / "cache").exists()


def test_built_in_rules_from_the_cache_equal_the_yaml(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("TRUSTLINT_NO_CACHE", raising=False)
    from_yaml = rules.load_rules()
    assert len(list((tmp_path / "cache" / "trustlint").glob("builtin-rules-*.json"))) == 1
    from_cache = rules.load_rules()
    assert [r.id for r in from_cache] == [r.id for r in from_yaml] and len(from_yaml) >= 15
    assert all(vars(a) == vars(b) for a, b in zip(from_cache, from_yaml))


def test_a_cached_scan_does_not_import_yaml(tmp_path):
    """The point of the cache: a pre-commit scan of Terraform does not load PyYAML."""
    case = REPO_ROOT / "tests" / "rules" / "TL001-wildcard-subject" / "bad"
    source = next(p for p in sorted(case.glob("*/*.tf")) if "aws_iam_role" in p.read_text())
    (tmp_path / "main.tf").write_text(source.read_text())
    env = {"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    code = ("import sys; from trustlint.cli import main\n"
            "try:\n    main(['scan', 'main.tf', '--format', 'json', '--fail-on', 'never', '-o', 'out.json'])\n"
            "except SystemExit:\n    pass\n"
            "print('yaml' in sys.modules)")
    runs = [subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=120) for _ in range(2)]
    assert [r.stdout.strip() for r in runs] == ["True", "False"], [r.stderr for r in runs]
    assert "TL001" in (tmp_path / "out.json").read_text()
