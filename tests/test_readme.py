"""The README is the specification: every command it shows runs, every option it names
exists, its example output and configuration are what trustlint prints and accepts."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
import yaml

from .conftest import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
# Options the README names that belong to other tools, with the tool: never trustlint's.
OTHER_TOOLS = {"--all-files": "pre-commit run", "--parameters": "az ad app federated-credential create",
               "--end-of-options": "git rev-parse", "--key-file": "gcloud auth activate-service-account",
               "--service-principal": "az login"}


def _help(*command: str) -> str:
    run = subprocess.run([sys.executable, "-m", "trustlint", *command, "--help"], capture_output=True, text=True,
                         cwd=REPO_ROOT)
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_every_option_the_readme_names_exists():
    helps = _help() + _help("scan") + _help("rules") + _help("baseline") + _help("inventory")
    for option in sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]+)", README))):
        if option in OTHER_TOOLS:
            assert OTHER_TOOLS[option].split()[0] in README, option
            continue
        assert option in helps, f"README names {option}, which no trustlint command has"


def _commands() -> list[str]:
    """Inline `trustlint ...` commands without placeholders ([PATH ...], FILE)."""
    spans = re.findall(r"`((?:python3? -m )?trustlint (?:scan|rules|baseline|inventory)[^`]*)`", README)
    return [s for s in dict.fromkeys(spans) if "[" not in s and "…" not in s and not re.search(r"\b[A-Z]{3,}\b", s)]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    root = tmp_path_factory.mktemp("readme")
    shutil.copytree(REPO_ROOT / "examples", root / "examples")
    (root / ".git").mkdir()
    return root


@pytest.mark.parametrize("command", _commands())
def test_every_command_the_readme_shows_runs(sandbox, command):
    words = command.split()
    words = words[words.index("trustlint") + 1:]
    if words[:2] == ["scan", "--baseline"]:  # the baseline the README's previous command writes
        subprocess.run([sys.executable, "-m", "trustlint", "baseline"], cwd=sandbox, capture_output=True, check=False)
    run = subprocess.run([sys.executable, "-m", "trustlint", *words], cwd=sandbox, capture_output=True, text=True,
                         timeout=120, env={"PYTHONPATH": str(REPO_ROOT), "PATH": "", "TRUSTLINT_NO_CACHE": "1"})
    assert run.returncode in (0, 1), (command, run.returncode, run.stderr[-500:])
    assert "Traceback" not in run.stderr


def test_the_tour_shows_what_trustlint_prints(sandbox):
    tour = README.split("## A 60-second tour", 1)[1].split("```", 2)[1]
    run = subprocess.run([sys.executable, "-m", "trustlint", "scan", "examples/"], cwd=sandbox, capture_output=True,
                         text=True, env={"PYTHONPATH": str(REPO_ROOT), "PATH": ""})
    assert run.returncode == 1  # as the README's first command says
    shown = [line for line in tour.splitlines()[2:] if line and line != "..."]
    for line in shown:
        assert line in run.stdout.splitlines(), line


def test_the_inventory_example_is_what_trustlint_prints(sandbox):
    shown = README.split("<!-- inventory-example:start -->\n", 1)[1].split("<!-- inventory-example:end -->", 1)[0]
    run = subprocess.run([sys.executable, "-m", "trustlint", "inventory", "examples/aws/terraform", "--format", "markdown"],
                         cwd=sandbox, capture_output=True, text=True, env={"PYTHONPATH": str(REPO_ROOT), "PATH": ""})
    assert run.returncode == 0, run.stderr
    metrics, graph = shown.split("\n\n```mermaid\n", 1)
    assert metrics.strip() in run.stdout
    assert "```mermaid\n" + graph.strip() in run.stdout


def test_the_configuration_example_is_valid_and_shows_the_default_tiers(tmp_path):
    from trustlint.gate.config import load_config
    from trustlint.trust.tiers import DEFAULT_NON_PRODUCTION, DEFAULT_PRODUCTION

    block = README.split("# .trustlint.yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / ".trustlint.yaml").write_text(block)
    (tmp_path / "policy" / "trustlint-rules").mkdir(parents=True)
    config, _ = load_config(str(tmp_path))
    assert config["tiers"] == {"production": DEFAULT_PRODUCTION, "non_production": DEFAULT_NON_PRODUCTION}
    assert yaml.safe_load(block)["fail_on"] == "low"


def test_the_release_the_readme_pins_is_in_the_changelog():
    from trustlint import __version__

    pinned = set(re.findall(r"@v(\d+\.\d+\.\d+)|rev: v(\d+\.\d+\.\d+)", README))
    versions = {a or b for a, b in pinned}
    changelog = (REPO_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert versions and all(f"## {v}" in changelog for v in versions), versions
    assert f"## {__version__}" in changelog
