"""Reporting only some files: those changed since a git ref (--changed-since)."""

from __future__ import annotations

from ..errors import BaselineError


def changed_files(root: str, ref: str) -> set[str]:
    """Repo-relative paths changed since REF (committed, staged, unstaged and untracked)."""
    # -z: names exactly as stored (never C-quoted: "rôle.tf" would not match otherwise);
    # --no-renames: a renamed file is its old name deleted and its new name added, so what
    # depended on the old one (a tfvars moved away) is reported.
    commands = [
        ["git", "diff", "-z", "--no-renames", "--name-only", f"{ref}...HEAD", "--"],
        ["git", "diff", "-z", "--no-renames", "--name-only", "HEAD", "--"],
        ["git", "ls-files", "-z", "--others", "--exclude-standard"],
    ]
    import subprocess

    changed: set[str] = set()
    for command in commands:
        try:
            result = subprocess.run(command, cwd=root, capture_output=True, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise BaselineError(f"--changed-since: cannot run git: {exc}") from None
        if result.returncode != 0:
            first_line = (result.stderr.decode("utf-8", "replace").strip() or "git failed").splitlines()[0]
            raise BaselineError(f"--changed-since {ref}: {first_line}")
        changed.update(name.decode("utf-8", "surrogateescape") for name in result.stdout.split(b"\0") if name)
    return _with_deleted_directories(root, changed)


def _with_deleted_directories(root: str, changed: set[str]) -> set[str]:
    """A deleted file no longer appears among anyone's inputs: what read it (a tfvars, a
    locals file) lived in its directory, so every file there counts as changed."""
    import os

    out = set(changed)
    for path in changed:
        if not os.path.lexists(os.path.join(root, path)):
            directory = os.path.dirname(path)
            try:
                names = os.listdir(os.path.join(root, directory) or ".")
            except OSError:
                continue
            out.update(os.path.join(directory, n).replace(os.sep, "/") if directory else n for n in names)
    return out
