from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from trustlint.scan import ScanOptions, run_scan


@pytest.fixture
def scan_files(tmp_path, monkeypatch):
    """Write {name: text} into a fresh directory (its own repo root) and scan it."""

    def run(files: dict[str, str], **options):
        (tmp_path / ".git").mkdir(exist_ok=True)
        for name, text in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        monkeypatch.chdir(tmp_path)
        return run_scan(ScanOptions(paths=["."], **options))

    run.directory = tmp_path
    return run


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """An empty repository (its own root) as the working directory."""
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def brief(result) -> list[tuple]:
    """(rule, path, line, column, address, severity) of every finding, in report order."""
    return [(f.rule_id, f.path, f.span.line, f.span.column, f.address, f.severity) for f in result.findings]


REPO_ROOT = Path(__file__).resolve().parent.parent
# In CI the property tests of the admission analysis run a fixed sequence of examples (a red CI
# lands nothing, so a counterexample must come from a developer's run, where they explore
# freshly every time and a failure is kept in .hypothesis/ to be fixed and pinned as a test).
DERANDOMIZE = bool(os.environ.get("CI"))


def git(directory, *args: str) -> str:
    import subprocess

    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["git", *args], cwd=directory, capture_output=True, text=True, check=True, env=env).stdout


def write_files(directory: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def scan_change(directory: Path, base: dict[str, str], change: dict[str, str], *arguments: str, today=None,
                trusted: bool = True, deleted: tuple[str, ...] = ()):
    """A git repository with two commits, as a pull request's checkout: `base` (the trusted
    commit), then `change` written over it (and `deleted` removed). Scanned through the command
    line's own preparation with --trusted-ref HEAD~1 (or without one: `trusted=False`)."""
    from trustlint.cli import _prepare, build_parser

    directory.mkdir(parents=True, exist_ok=True)
    git(directory, "init", "-q", "-b", "main")
    write_files(directory, base)
    git(directory, "add", "-A")
    git(directory, "commit", "-q", "--allow-empty", "-m", "base")
    write_files(directory, change)
    for name in deleted:
        (directory / name).unlink()
    git(directory, "add", "-A")
    git(directory, "commit", "-q", "--allow-empty", "-m", "change")
    cwd = os.getcwd()
    os.chdir(directory)
    try:
        args = build_parser().parse_args(["scan", *(["--trusted-ref", "HEAD~1"] if trusted else []), *arguments])
        _, options = _prepare(args)
        if today is not None:
            options.today = today
        return run_scan(options)
    finally:
        os.chdir(cwd)


class _Everything:
    """A pre-filter that lets every file and every directory through (tests of the shortcuts)."""

    @staticmethod
    def found(data: bytes) -> bool:
        return True


EVERYTHING = _Everything()
