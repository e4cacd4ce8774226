"""The entry points as users meet them: the composite action's shell steps (run here with
simulated GITHUB_* variables), the pre-commit hook (through `pre-commit try-repo`), and a
zizmor audit of the action and the project's workflows."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from .conftest import REPO_ROOT
from .test_sarif import WILDCARD_TRUST

ACTION = yaml.safe_load((REPO_ROOT / "action.yml").read_text())
CLEAN = WILDCARD_TRUST.replace('"repo:acme/*"', '"repo:acme/app:environment:production"')


def _run_step(step: dict, inputs: dict, outputs: dict, workdir, env_extra: dict) -> subprocess.CompletedProcess:
    def expand(text: str) -> str:
        text = re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: inputs[m.group(1)], text)
        return re.sub(r"\$\{\{\s*steps\.scan\.outputs\.([\w-]+)\s*\}\}", lambda m: outputs.get(m.group(1), ""), text)

    assert "${{" not in step["run"], "inputs must reach run: through env, never inline"
    env = dict(os.environ, **env_extra, **{k: expand(str(v)) for k, v in step.get("env", {}).items()})
    return subprocess.run(["bash", "-e", "-c", step["run"]], cwd=workdir, env=env, capture_output=True, text=True)


GITHUB_CONTEXT = {"github.event.pull_request.base.sha": "", "github.token": "ghs_not-a-real-token"}


def run_action(workdir, tmp_path, context: dict | None = None, **overrides):
    """Run the action's shell steps (installation aside: the package is installed already).
    `context`: the github.* values input defaults read (a push event's by default)."""
    values = {**GITHUB_CONTEXT, **(context or {})}

    def default(spec: dict) -> str:
        return re.sub(r"\$\{\{\s*([\w.-]+)\s*\}\}", lambda m: values[m.group(1)], str(spec.get("default", "")))

    inputs = {name: default(spec) for name, spec in ACTION["inputs"].items()}
    inputs.update(overrides)
    output_file, summary = tmp_path / "github_output", tmp_path / "summary.md"
    output_file.write_text("")
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    shim = bindir / "trustlint"
    shim.write_text(f"#!/bin/sh\nexec {sys.executable} -m trustlint \"$@\"\n")
    shim.chmod(0o755)
    env = {"GITHUB_OUTPUT": str(output_file), "GITHUB_STEP_SUMMARY": str(summary), "RUNNER_TEMP": str(tmp_path),
           "GITHUB_ACTION_PATH": str(REPO_ROOT), "PATH": f"{bindir}:{os.environ['PATH']}",
           "PYTHONPATH": str(REPO_ROOT)}
    outputs: dict = {}
    results = []
    for step in ACTION["runs"]["steps"]:
        if "run" not in step or step["name"] == "Install trustlint":
            continue
        result = _run_step(step, inputs, outputs, workdir, env)
        results.append(result)
        outputs = dict(line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line)
    return results, outputs, summary


def test_action_fails_on_findings_with_annotations_summary_and_sarif(tmp_path):
    work = tmp_path / "repo"
    work.mkdir()
    (work / ".git").mkdir()
    (work / "iam.tf").write_text(WILDCARD_TRUST)
    (scan, verdict), outputs, summary = run_action(work, tmp_path)
    assert scan.returncode == 0
    assert scan.stdout.startswith("::error file=iam.tf,line=10,")
    assert outputs == {"findings": "1", "sarif-file": "trustlint.sarif", "exit-code": "1"}
    assert (work / "trustlint.sarif").is_file()
    assert "TL001 wildcard-subject" in summary.read_text()
    assert verdict.returncode == 1


def test_action_passes_on_a_clean_repository_and_honours_fail_on(tmp_path):
    work = tmp_path / "repo"
    work.mkdir()
    (work / ".git").mkdir()
    (work / "iam.tf").write_text(CLEAN)
    (_, verdict), outputs, _ = run_action(work, tmp_path)
    assert verdict.returncode == 0 and outputs["findings"] == "0"
    (work / "iam.tf").write_text(WILDCARD_TRUST)  # one high finding
    (_, verdict), _, _ = run_action(work, tmp_path, **{"fail-on": "critical"})
    assert verdict.returncode == 0


def test_action_paths_with_spaces_and_hostile_names_do_not_inject(tmp_path):
    work = tmp_path / "repo"
    (work / "infra").mkdir(parents=True)
    (work / ".git").mkdir()
    (work / "infra" / "a%0A::warning::pwned.tf").write_text(WILDCARD_TRUST)
    (scan, verdict), outputs, _ = run_action(work, tmp_path, path="infra")
    lines = scan.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("::error file=infra/a%250A%3A%3Awarning%3A%3Apwned.tf,")
    assert verdict.returncode == 1


def test_action_on_a_pull_request_obeys_the_base_commits_configuration(tmp_path):
    work = tmp_path / "repo"
    work.mkdir()
    _git(work, "init", "-q")
    (work / ".trustlint.yaml").write_text("fail_on: low\n")
    (work / "iam.tf").write_text(CLEAN)
    _git(work, "add", "-A")
    _git(work, "commit", "-qm", "base")
    base = subprocess.run(["git", "rev-parse", "HEAD"], cwd=work, capture_output=True, text=True, check=True).stdout.strip()
    (work / ".trustlint.yaml").write_text("fail_on: low\nignore: [TL001]\n")
    (work / "iam.tf").write_text(WILDCARD_TRUST)
    _git(work, "add", "-A")
    _git(work, "commit", "-qm", "widen and switch the rule off")
    pull_request = {"github.event.pull_request.base.sha": base}
    (scan, verdict), outputs, summary = run_action(work, tmp_path, pull_request)
    assert verdict.returncode == 1 and outputs["findings"] == "2"
    assert "title=TL015 gate-weakened" in scan.stdout and "title=TL001 wildcard-subject" in scan.stdout
    assert "this change stops rule TL001 from running" in summary.read_text()
    text = summary.read_text()
    assert "## trustlint inventory" in text and "### What this change does" in text  # the PR delta
    assert "| share of identities admitting only exact workloads | 100% | 0% |" in text  # metrics before → after
    assert "```mermaid\nflowchart LR" in text  # the graph
    assert "admission widened from exact" in text
    (_, verdict), outputs, _ = run_action(work, tmp_path, pull_request, **{"trusted-ref": "none"})
    assert verdict.returncode == 0 and outputs["findings"] == "0"  # opted out: the working tree's settings
    (_, verdict), outputs, _ = run_action(work, tmp_path)  # a push: no base, the merged settings apply
    assert verdict.returncode == 0


def test_action_crash_is_not_a_pass(tmp_path):
    work = tmp_path / "repo"
    work.mkdir()
    (_, verdict), outputs, _ = run_action(work, tmp_path, config="missing.yaml")
    assert outputs["exit-code"] == "2" and verdict.returncode == 2


@pytest.mark.skipif(shutil.which("zizmor") is None and not (os.path.dirname(sys.executable) and os.path.exists(os.path.join(os.path.dirname(sys.executable), "zizmor"))),
                    reason="zizmor is not installed (pip install '.[test]')")
def test_zizmor_finds_nothing_in_the_action_and_workflows():
    zizmor = shutil.which("zizmor") or os.path.join(os.path.dirname(sys.executable), "zizmor")
    targets = ["action.yml", *sorted(str(p.relative_to(REPO_ROOT)) for p in (REPO_ROOT / ".github" / "workflows").glob("*.yml"))]
    result = subprocess.run([zizmor, "--offline", "--pedantic", *targets], cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _git(cwd, *args):
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e",
           "HOME": str(cwd), "PATH": os.environ["PATH"]}
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env=env)


@pytest.mark.skipif(shutil.which("pre-commit") is None and not os.path.exists(os.path.join(os.path.dirname(sys.executable), "pre-commit")),
                    reason="pre-commit is not installed (pip install '.[test]')")
def test_pre_commit_hook_fails_on_a_bad_change_and_passes_on_a_good_one(tmp_path):
    pre_commit = shutil.which("pre-commit") or os.path.join(os.path.dirname(sys.executable), "pre-commit")
    repo = tmp_path / "project"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "vars.tf").write_text('variable "org" { default = "acme" }\n')
    (repo / "iam.tf").write_text(WILDCARD_TRUST.replace('"repo:acme/*"', '"repo:${var.org}/*"'))
    _git(repo, "add", "-A")
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "cache"), HOME=str(tmp_path))
    env.pop("PYTHONPATH", None)
    bad = subprocess.run([pre_commit, "try-repo", str(REPO_ROOT), "trustlint", "--files", "iam.tf"],
                         cwd=repo, capture_output=True, text=True, env=env, timeout=600)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "TL001" in bad.stdout and "any repository of acme" in bad.stdout  # vars.tf was read for context
    (repo / "iam.tf").write_text(CLEAN)
    _git(repo, "add", "-A")
    good = subprocess.run([pre_commit, "try-repo", str(REPO_ROOT), "trustlint", "--files", "iam.tf"],
                          cwd=repo, capture_output=True, text=True, env=env, timeout=600)
    assert good.returncode == 0, good.stdout + good.stderr


def test_readme_snippets_are_the_tested_ones():
    readme = (REPO_ROOT / "README.md").read_text()
    assert (REPO_ROOT / "docs" / "trustlint-workflow.yml").read_text() in readme
    hooks = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
    config = yaml.safe_load(readme.split("# .pre-commit-config.yaml\n", 1)[1].split("```", 1)[0])
    assert config["repos"][0]["hooks"][0]["id"] == hooks[0]["id"] == "trustlint"
    workflow = yaml.safe_load((REPO_ROOT / "docs" / "trustlint-workflow.yml").read_text())
    step = workflow["jobs"]["trustlint"]["steps"][1]
    assert set(step["with"]) <= set(ACTION["inputs"])
    assert workflow["jobs"]["trustlint"]["permissions"]["security-events"] == "write"


def test_action_text_format_and_bad_format(tmp_path):
    work = tmp_path / "repo"
    work.mkdir()
    (work / ".git").mkdir()
    (work / "iam.tf").write_text(WILDCARD_TRUST)
    (scan, verdict), outputs, _ = run_action(work, tmp_path, format="text")
    assert "TL001 [high] wildcard-subject" in scan.stdout and "::error" not in scan.stdout
    (scan, _), _, _ = run_action(work, tmp_path, format="xml")
    assert scan.returncode == 2


@pytest.mark.skipif(shutil.which("pre-commit") is None and not os.path.exists(os.path.join(os.path.dirname(sys.executable), "pre-commit")),
                    reason="pre-commit is not installed (pip install '.[test]')")
def test_pre_commit_reports_a_widening_made_only_in_variables_tf(tmp_path):
    """pre-commit passes only the changed file; the finding sits in the unchanged main.tf."""
    pre_commit = shutil.which("pre-commit") or os.path.join(os.path.dirname(sys.executable), "pre-commit")
    repo = tmp_path / "project"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "variables.tf").write_text('variable "deploy_subject" {\n  default = "repo:acme/app:environment:production"\n}\n')
    (repo / "main.tf").write_text(WILDCARD_TRUST.replace('"repo:acme/*"', "var.deploy_subject"))
    (repo / "keys.tf").write_text('resource "aws_iam_access_key" "legacy" {\n  user = "legacy"\n}\n')
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    (repo / "variables.tf").write_text('variable "deploy_subject" {\n  default = "repo:acme/*"\n}\n')
    _git(repo, "add", "-A")
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "cache"), HOME=str(tmp_path))
    env.pop("PYTHONPATH", None)
    run = subprocess.run([pre_commit, "try-repo", str(REPO_ROOT), "trustlint", "--files", "variables.tf"],
                         cwd=repo, capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 1, run.stdout + run.stderr
    assert re.search(r"main\.tf:\d+:\d+: TL001 \[high\]", run.stdout), run.stdout
    assert "keys.tf" not in run.stdout  # the static key does not depend on variables.tf
