"""`pip install .` (not editable) ships the rules and schemas: the installed package finds
them outside the source tree."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO_ROOT

PROBE = (
    "import trustlint, trustlint.engine.rules as r; "
    "print(trustlint.__file__); print(r.builtin_rules_dir()); print(len(r.load_rules()))"
)


def _clean_env() -> dict:
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSAFEPATH")}


def _not_installed() -> bool:
    """True when `import trustlint` outside the checkout finds nothing or a source checkout
    (an editable install of this one, or of another git worktree of the repository, whose
    modules are another branch's): only then is there no wheel to test."""
    run = subprocess.run([sys.executable, "-c", "import trustlint; print(trustlint.__file__)"],
                         cwd="/", env=_clean_env(), capture_output=True, text=True)
    if run.returncode != 0 or str(REPO_ROOT) in run.stdout:
        return True
    return (Path(run.stdout.strip()).parent.parent / "pyproject.toml").is_file()


def test_installed_package_finds_its_rules_outside_the_source_tree(tmp_path):
    run = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, env=_clean_env(), capture_output=True, text=True)
    if _not_installed():
        pytest.skip("trustlint is not installed as a package here (run the README's test command)")
    assert run.returncode == 0, run.stderr  # an import that fails in the wheel must fail, not skip
    module_file, rules_dir, count = run.stdout.split()
    assert not module_file.startswith(str(REPO_ROOT))
    assert not rules_dir.startswith(str(REPO_ROOT)) and os.path.isdir(rules_dir)
    assert int(count) == len(list((REPO_ROOT / "rules").glob("*.yaml")))
    shutil.copytree(REPO_ROOT / "examples", tmp_path / "examples")
    scan = subprocess.run([sys.executable, "-m", "trustlint", "scan", "examples", "--format", "sarif"],
                          cwd=tmp_path, env=_clean_env(), capture_output=True, text=True)
    assert scan.returncode == 1 and '"ruleId": "TL001"' in scan.stdout


def _source_modules(root) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*.py")}


def test_installed_package_holds_every_module_of_every_layer(tmp_path):
    # pyproject lists the packages by name: a new layer folder left out of that list would be
    # missing from the wheel while every test run from the checkout still passed.
    if _not_installed():
        pytest.skip("trustlint is not installed as a package here (run the README's test command)")
    run = subprocess.run([sys.executable, "-c", "import trustlint; print(trustlint.__file__)"],
                         cwd=tmp_path, env=_clean_env(), capture_output=True, text=True)
    installed = Path(run.stdout.strip()).parent
    assert _source_modules(REPO_ROOT / "trustlint") <= _source_modules(installed)
    schemas = {p.name for p in (REPO_ROOT / "trustlint" / "schemas").glob("*.json")}
    assert schemas <= {p.name for p in (installed / "schemas").glob("*.json")}
