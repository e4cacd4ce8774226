"""Reading in several processes gives exactly what one process gives.

A large scan forks one reader per core (scan._read_everything); these tests compare every
finding, message and unknown of both ways on real-looking repositories, check that Terraform
directories joined by module calls are read together, and that a reader that fails is redone.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from trustlint import processes, scan
from trustlint.scan import ScanOptions, run_scan
from trustlint.source import SourceFile

from .conftest import REPO_ROOT

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="reading in several processes needs fork")


def _everything(result) -> list[tuple]:
    return [(f.rule_id, f.path, f.span, f.address, f.severity, f.message, f.admits,
             tuple((r.path, r.span, r.label) for r in f.related)) for f in result.findings] + [
        tuple(map(str, u)) for u in result.unknowns]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    target = tmp_path_factory.mktemp("corpus") / "repo"
    subprocess.run([sys.executable, str(REPO_ROOT / "bench" / "generate.py"), str(target), "400"], check=True,
                   capture_output=True)
    (target / ".git").mkdir()
    return target


@pytest.mark.parametrize("where", ["examples", "corpus"])
def test_two_processes_find_exactly_what_one_finds(where, corpus, monkeypatch):
    path = REPO_ROOT / "examples" if where == "examples" else corpus
    monkeypatch.chdir(path)
    one = run_scan(ScanOptions(paths=["."], jobs=1))
    two = run_scan(ScanOptions(paths=["."], jobs=2))
    assert one.findings, "the comparison must cover findings"
    assert _everything(two) == _everything(one)
    assert two.judged == one.judged and two.files_scanned == one.files_scanned


def _context(files: dict[str, str]) -> dict:
    context: dict = {}
    for path, text in files.items():
        context.setdefault(os.path.dirname(path), []).append(SourceFile(path, text))
    return context


def test_directories_joined_by_a_module_call_are_one_group():
    context = _context({
        "envs/prod/main.tf": 'module "role" {\n  source = "../../modules/role"\n}\n',
        "envs/dev/main.tf": 'module "role" {\n  source = "../../modules/role//sub"\n}\n',
        "modules/role/main.tf": 'resource "aws_iam_role" "x" {}\n',
        "modules/role/sub/main.tf": 'resource "aws_iam_role" "y" {}\n',
        "other/main.tf": 'resource "aws_iam_role" "z" {}\n',
        "decoy/main.tf": 'module "hide" {\n  source = "../other"\n  count  = 0\n}\n',
        "cdktf/cdk.tf.json": '{"module": {"role": {"source": "../json-module"}}}',
        "json-module/main.tf": 'resource "aws_iam_role" "j" {}\n',
    })
    groups = scan._configuration_groups(context)
    assert groups == [["cdktf", "json-module"], ["decoy", "other"],
                      ["envs/dev", "envs/prod", "modules/role", "modules/role/sub"]]


def test_a_call_out_of_the_repository_reads_everything_together():
    # `../../shared` from `a` is outside the repository root: where it leads is not known, so
    # nothing is split (the safe answer, one configuration as in one process).
    context = _context({"a/main.tf": 'module "m" {\n  source = "../../shared"\n}\n',
                        "b/main.tf": 'resource "aws_iam_role" "y" {}\n',
                        "c/main.tf": 'resource "aws_iam_role" "z" {}\n'})
    assert scan._configuration_groups(context) == [["a", "b", "c"]]


def test_a_reader_that_fails_in_its_process_is_redone_here():
    parent = os.getpid()

    def flaky():
        if os.getpid() != parent:
            raise RuntimeError("a reader crashed")
        return "read here"

    def crashing():
        if os.getpid() != parent:
            os._exit(9)
        return "redone"

    assert processes.in_processes([lambda: "first", flaky, crashing, lambda: [1, 2]]) == ["first", "read here", "redone", [1, 2]]


def test_a_small_scan_stays_in_one_process(tmp_path):
    class Discovered:
        files = [("yaml", SourceFile("a.yaml", "x"))]
        context: dict = {}

    assert scan._jobs(ScanOptions(), Discovered()) == 1
    assert scan._jobs(ScanOptions(jobs=1), Discovered()) == 1
    assert scan._jobs(ScanOptions(jobs=3), Discovered()) == 3


def test_jobs_on_the_command_line(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO_ROOT / "examples")
    out = subprocess.run([sys.executable, "-m", "trustlint", "scan", ".", "--jobs", "2", "--format", "json",
                          "--fail-on", "never"], capture_output=True, text=True, cwd=REPO_ROOT / "examples",
                         env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    one = subprocess.run([sys.executable, "-m", "trustlint", "scan", ".", "--jobs", "1", "--format", "json",
                          "--fail-on", "never"], capture_output=True, text=True, cwd=REPO_ROOT / "examples",
                         env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert out.returncode == 0 and out.stdout == one.stdout and '"rule_id"' in out.stdout
    bad = subprocess.run([sys.executable, "-m", "trustlint", "scan", ".", "--jobs", "-1"], capture_output=True, text=True,
                         cwd=REPO_ROOT / "examples", env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert bad.returncode == 2 and "--jobs" in bad.stderr


def test_trusts_judged_in_other_processes_bring_back_what_they_met(tmp_path, monkeypatch):
    """Twenty roles (past the 16 from which trusts are judged on every core): each judged in
    whichever process gives the same findings, witnesses and order as one process."""
    (tmp_path / ".git").mkdir()
    role = '''resource "aws_iam_role" "r{n}" {{
  name = "r{n}"
  assume_role_policy = jsonencode({{
    Statement = [{{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = {{ Federated = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }}
      Condition = {{
        StringEquals = {{ "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }}
        StringLike   = {{ "token.actions.githubusercontent.com:sub" = {subjects} }}
      }}
    }}]
  }})
}}
'''
    roles = [role.format(n=n, subjects='["repo:acme/app%d:*"]' % n) for n in range(19)]
    roles.append(role.format(n=19, subjects='"repo:acme/*"'))
    (tmp_path / "main.tf").write_text("".join(roles))
    monkeypatch.chdir(tmp_path)
    one = run_scan(ScanOptions(paths=["."], jobs=1))
    two = run_scan(ScanOptions(paths=["."], jobs=2))
    assert len(one.findings) == 20 and _everything(two) == _everything(one)
