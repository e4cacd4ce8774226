"""Reporting only some files: those changed since a git ref (--changed-since)."""

from __future__ import annotations

from .baseline import BaselineError


def changed_files(root: str, ref: str) -> set[str]:
    """Repo-relative paths changed since REF (committed, staged, unstaged and untracked)."""
    commands = [
        ["git", "diff", "--name-only", f"{ref}...HEAD", "--"],
        ["git", "diff", "--name-only", "HEAD", "--"],
        ["git", "ls-files", "--others", "--exclude-standard"],
    ]
    import subprocess

    changed: set[str] = set()
    for command in commands:
        try:
            result = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise BaselineError(f"--changed-since: cannot run git: {exc}") from None
        if result.returncode != 0:
            first_line = (result.stderr.strip() or "git failed").splitlines()[0]
            raise BaselineError(f"--changed-since {ref}: {first_line}")
        changed.update(line.strip() for line in result.stdout.splitlines() if line.strip())
    return changed
