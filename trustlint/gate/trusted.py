"""A trusted reference (`--trusted-ref`): the commit, normally the pull request's base, whose
configuration, baseline and rule files the gate obeys, whatever the change does to them; and
what the change does to them, each weakening a GateChange reported by TL015.

On a pull request every file in the working tree is supplied by the pull request. Read from
the working tree, a change could widen a trust and, in the same diff, ignore the rule, exclude
the folder, lower the severity or add the finding to the baseline."""

from __future__ import annotations

import atexit
import copy
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

from ..findings import SEVERITIES
from ..input.discovery import CONFIG_FILES, DEFAULT_MAX_BYTES
from ..source import read_up_to
from .config import ConfigError, parse_config

_GIT_TIMEOUT = 60


@dataclass(frozen=True)
class GateChange:
    """One way a change weakens the gate: where (the file and line it edits) and what."""

    path: str
    line: int
    change: str
    address: str = ""  # the setting or entry changed (`ignore`, `suppress[2]`, a baseline entry)


class TrustedRefError(ConfigError):
    """The trusted reference cannot be read: the gate must not fall back to the working tree."""


class TrustedRef:
    """Read-only access to one commit of the repository holding the scan root."""

    def __init__(self, root: str, ref: str, option: str = "--trusted-ref"):
        self.root = root
        self.ref = ref
        self.option = option
        if ref.startswith("-"):
            raise TrustedRefError(f"{option} {ref!r}: not a git reference")
        prefix = self._git("rev-parse", "--show-prefix").decode("utf-8", "replace").strip()
        self.prefix = prefix  # the scan root's folder inside the repository ("" at its top)
        self.commit = self._git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}",
                                what=f"{option} {ref}: no such commit (fetch it first, e.g. "
                                     "actions/checkout with fetch-depth: 0)").decode().strip()

    def _git(self, *args: str, what: str = "", check: bool = True) -> bytes:
        try:
            result = subprocess.run(["git", *args], cwd=self.root, capture_output=True, timeout=_GIT_TIMEOUT, check=False,
                                    env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"})
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise TrustedRefError(f"{self.option} {self.ref}: cannot run git: {exc}") from None
        if check and result.returncode != 0:
            detail = (result.stderr.decode("utf-8", "replace").strip() or "git failed").splitlines()[0]
            raise TrustedRefError(what or f"{self.option} {self.ref}: {detail} (the scan root must be in a git repository)")
        return result.stdout if result.returncode == 0 else b""

    def _object(self, rel: str) -> str:
        return f"{self.commit}:{self.prefix}{rel}"

    def read(self, rel: str) -> bytes | None:
        """The file's content at the trusted commit; None when it does not exist there."""
        kind = self._git("cat-file", "-t", self._object(rel), check=False).strip()
        if kind != b"blob":
            return None
        size = int(self._git("cat-file", "-s", self._object(rel)).strip() or 0)
        if size > DEFAULT_MAX_BYTES:
            raise TrustedRefError(f"{rel} at {self.ref} is {size} bytes, over the {DEFAULT_MAX_BYTES}-byte limit")
        return self._git("cat-file", "blob", self._object(rel))

    def tree(self) -> str:
        """A temporary copy of the trusted commit's files under the scan root (removed at exit),
        to judge what the gate accepted there."""
        if getattr(self, "_tree", None):
            return self._tree
        import io
        import tarfile

        target = tempfile.mkdtemp(prefix="trustlint-trusted-tree-")
        atexit.register(shutil.rmtree, target, True)
        archive = self._git("archive", "--format=tar", f"{self.commit}:{self.prefix}" if self.prefix else self.commit)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(target, filter="data")  # no absolute paths, no links out, no devices
        self._tree = target
        return target

    def files_under(self, rel_dir: str) -> list[str]:
        """Repo-relative (to the scan root) paths of the files under a folder at the trusted commit."""
        folder = f"{self.prefix}{rel_dir.strip('/')}"
        listing = self._git("ls-tree", "-r", "-z", "--name-only", "--full-tree", self.commit, "--", folder + "/", check=False)
        names = [n.decode("utf-8", "surrogateescape") for n in listing.split(b"\0") if n]
        return sorted(n[len(self.prefix):] for n in names if n.startswith(self.prefix))


def relative_inside(root: str, path: str) -> str | None:
    """`path` (absolute, or relative to the working directory) relative to the scan root when it
    lies inside it, as written: never through the working tree's symbolic links, which the
    change controls (a link would choose which file of the trusted commit is read). Such paths
    are read at the trusted commit; None for a path outside (chosen by the command line)."""
    real_root = os.path.realpath(root)
    full = os.path.normpath(os.path.abspath(path))
    if full != real_root and not full.startswith(real_root + os.sep):
        return None
    return os.path.relpath(full, real_root).replace(os.sep, "/")


def linked(root: str, rel: str) -> str | None:
    """The first part of a repo-relative path that is a symbolic link in the working tree."""
    parts = rel.split("/")
    for index in range(len(parts)):
        prefix = "/".join(parts[: index + 1])
        if os.path.islink(os.path.join(root, prefix)):
            return prefix
    return None


def read_proposed(root: str, rel: str) -> tuple[bytes | None, str]:
    """The working tree's copy of a gate file: (content, "") or (None, why it is not read).
    A link, a FIFO or an oversized file is never read: the change controls them."""
    link = linked(root, rel)
    if link is not None:
        return None, f"makes {link} a symbolic link (the gate's files are read as written, at the trusted commit)"
    path = os.path.join(root, rel)
    if not os.path.lexists(path):
        return None, ""
    if not os.path.isfile(path):
        return None, f"makes {rel} something other than a regular file"
    if os.path.getsize(path) > DEFAULT_MAX_BYTES:
        return None, (f"makes {rel} larger than {DEFAULT_MAX_BYTES} bytes: once merged, scans stop reading it")
    with open(path, "rb") as handle:
        return read_up_to(handle, DEFAULT_MAX_BYTES + 1), ""


# --- the configuration ----------------------------------------------------------------------

def trusted_configuration(trusted: TrustedRef, explicit_rel: str | None) -> tuple[dict, str | None]:
    """(raw settings, repo-relative file) of the configuration at the trusted commit; ({}, None)
    when it has none (the change then adds the configuration: every setting is new)."""
    candidates = [explicit_rel] if explicit_rel else [*CONFIG_FILES, "pyproject.toml"]
    for rel in candidates:
        data = trusted.read(rel)
        if data is None or rel.endswith("pyproject.toml") and b"[tool.trustlint]" not in data:
            continue
        try:
            return parse_config(data, rel), rel
        except ConfigError as exc:
            raise TrustedRefError(f"{exc} (at {trusted.ref})") from None
    return {}, None


def materialise(trusted: TrustedRef, rel_dir: str) -> str:
    """A temporary folder holding a trusted commit's copy of a rules folder (the rule loader
    reads folders); removed when trustlint exits."""
    target = tempfile.mkdtemp(prefix="trustlint-trusted-rules-")
    atexit.register(shutil.rmtree, target, True)
    names = trusted.files_under(rel_dir)
    if not names:
        raise TrustedRefError(f"{rel_dir}: rules directory not found at {trusted.ref}")
    for name in names:
        if "/" in name[len(rel_dir.strip("/")) + 1:]:
            continue  # the loader reads a folder's own files only
        data = trusted.read(name)
        if data is not None:
            with open(os.path.join(target, os.path.basename(name)), "wb") as handle:
                handle.write(data)
    return target


def _rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def _fail_rank(value: str) -> int:
    return len(SEVERITIES) if value == "never" else _rank(value)


def _session_limits(value) -> dict:
    if isinstance(value, dict):
        default = value.get("default", 3600)
        return {tier: value.get(tier, default) for tier in ("default", "production", "non_production", "unknown")}
    return {tier: value for tier in ("default", "production", "non_production", "unknown")}


def _line_of(text: str, *needles: str) -> int:
    """The line of a setting: the first mentioning every needle (its key, then the values that
    identify the entry), else the first mentioning the most specific one, else line 1."""
    lines = text.split("\n")
    wanted = [n for n in needles if n]
    for candidates in (wanted, wanted[-1:], wanted[:1]):
        for index, line in enumerate(lines):
            if candidates and all(n in line for n in candidates):
                return index + 1
    return 1


def _active_rules(settings: dict, rules: list) -> set[str]:
    select = [s.upper() for s in settings.get("select", [])]
    ignore = [s.upper() for s in settings.get("ignore", [])]
    return {r.id for r in rules if (not select or any(r.id.startswith(s) for s in select))
            and not any(r.id.startswith(i) for i in ignore)}


def configuration_changes(trusted: dict, proposed: dict, path: str, text: str, rules: list) -> list[GateChange]:
    """Each way the proposed configuration (the working tree's) gates less than the trusted one."""
    changes: list[GateChange] = []

    def add(key: str, change: str, *needles: str) -> None:
        changes.append(GateChange(path, _line_of(text, key, *needles), f"this change {change}", key))

    ignored = [i.upper() for i in proposed.get("ignore", [])]
    for rule_id in sorted(_active_rules(trusted, rules) - _active_rules(proposed, rules)):
        key = "ignore" if any(rule_id.startswith(i) for i in ignored) else "select"
        add(key, f"stops rule {rule_id} from running ({key})")
    for pattern in proposed.get("exclude", []):
        if pattern not in trusted.get("exclude", []):
            add("exclude", f"excludes {pattern} from the scan", pattern)
    trusted_entries = [json.dumps(e, sort_keys=True) for e in trusted.get("suppress", [])]
    for index, entry in enumerate(proposed.get("suppress", [])):
        key = json.dumps(entry, sort_keys=True)
        if key in trusted_entries:
            trusted_entries.remove(key)
            continue
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(entry, dict):
            what = (f"adds a suppression of {str(entry.get('rule', '?')).upper()} for "
                    f"{resource or 'every resource'} in {entry.get('path', '?')} (reason {entry.get('reason', '')!r}"
                    + (f", until {entry['expires']})" if entry.get("expires") else ", no expiry)"))
        else:
            what = "adds a suppression entry"
        add(f"suppress[{index}]", what, str(entry.get("path", "")) if isinstance(entry, dict) else "")
    # A rule's findings carry their own severity (a wildcard is medium to critical): without a
    # trusted override, any override below critical can lower some of them.
    trusted_severity = {k.upper(): v for k, v in trusted.get("severity", {}).items()}
    for rule_id, value in sorted(proposed.get("severity", {}).items()):
        before = trusted_severity.get(rule_id.upper(), "critical")
        if _rank(value) < _rank(before):
            was = f"from {before}" if rule_id.upper() in trusted_severity else "(each finding had its own)"
            add("severity", f"lowers {rule_id.upper()} to {value} {was}", rule_id)
    before, after = trusted.get("fail_on", "low"), proposed.get("fail_on", "low")
    if _fail_rank(after) > _fail_rank(before):
        add("fail_on", f"raises fail_on from {before} to {after}: fewer findings fail the gate")
    limits_before = _session_limits(trusted.get("max_session_duration", 3600))
    limits_after = _session_limits(proposed.get("max_session_duration", 3600))
    for tier, value in limits_after.items():
        if isinstance(value, int) and isinstance(limits_before[tier], int) and value > limits_before[tier]:
            add("max_session_duration", f"raises the session limit ({tier}) from {limits_before[tier]} to {value} seconds")
            break
    days_before, days_after = trusted.get("max_suppression_days", 90), proposed.get("max_suppression_days", 90)
    if isinstance(days_after, int) and isinstance(days_before, int) and days_after > days_before:
        add("max_suppression_days", f"lets inline suppressions last {days_after} days instead of {days_before}")
    step_before, step_after = trusted.get("admin_severity_step", 1), proposed.get("admin_severity_step", 1)
    if isinstance(step_after, int) and isinstance(step_before, int) and step_after < step_before:
        add("admin_severity_step", f"lowers admin_severity_step from {step_before} to {step_after}: findings on admin "
                                   "identities are raised less")
    if trusted.get("tiers", {}) != proposed.get("tiers", {}):
        add("tiers", "changes which names count as production and non-production (tiers): "
                     "cross-environment findings depend on them")
    issuers_before, issuers_after = trusted.get("trusted_issuers", []), proposed.get("trusted_issuers", [])
    if issuers_before and not issuers_after:
        add("trusted_issuers", "empties trusted_issuers: a trust on any issuer stops being reported (TL014)")
    elif issuers_before:
        for issuer in issuers_after:
            if issuer not in issuers_before:
                add("trusted_issuers", f"trusts a new issuer: {issuer}", issuer)
    for key, what in (("repository", "the repository name workflows present"), ("rules", "the extra rule directories"),
                      ("baseline", "the baseline file")):
        if trusted.get(key) != proposed.get(key):
            add(key, f"changes {what} ({trusted.get(key)!r} to {proposed.get(key)!r})")
    return changes


def changed_configuration_file(trusted: TrustedRef, trusted_raw: dict, trusted_rel: str | None, proposed_rel: str | None,
                               rules: list) -> list[GateChange]:
    """The changes between the trusted configuration and the working tree's (the one the
    change would bring in once merged)."""
    from .config import validated

    data, why = read_proposed(trusted.root, proposed_rel) if proposed_rel else (None, "")
    if why:
        return [GateChange(proposed_rel, 1, f"this change {why}", "configuration")]
    if data is None:
        # The change removes the configuration: once merged the defaults apply, which can
        # still drop a setting that gated more (a trusted-issuer list).
        return configuration_changes(copy.deepcopy(trusted_raw), {}, trusted_rel, "", rules) if trusted_rel else []
    try:
        proposed = parse_config(data, proposed_rel)
        validated(copy.deepcopy(proposed), os.path.join(trusted.root, proposed_rel))
    except ConfigError as exc:
        return [GateChange(proposed_rel, 1, f"this change makes the configuration unusable ({exc}); once merged, "
                                            "every scan would stop with a configuration error", "configuration")]
    text = data.decode("utf-8", "replace")
    return configuration_changes(copy.deepcopy(trusted_raw), proposed, proposed_rel, text, rules)


# --- the baseline ---------------------------------------------------------------------------

def baseline_changes(trusted_text: bytes | None, rel: str, root: str) -> list[GateChange]:
    """Entries the working tree's baseline adds to the trusted one: each accepts a finding (an
    entry whose severity or admission the change raises accepts a new one)."""
    from .baseline import entry_key

    data, why = read_proposed(root, rel)
    if why:
        return [GateChange(rel, 1, f"this change {why}", "baseline")]
    try:
        entries = json.loads(data)["findings"] if data is not None else []
    except (ValueError, KeyError, TypeError, RecursionError):
        return [GateChange(rel, 1, "this change makes the baseline unreadable: once merged, every scan would stop", "baseline")]
    before: list = []
    if trusted_text:
        try:
            before = [entry_key(e) for e in json.loads(trusted_text)["findings"] if isinstance(e, dict)]
        except (ValueError, KeyError, TypeError):
            before = []
    text = data.decode("utf-8", "replace")
    changes = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        if entry_key(entry) in before:
            before.remove(entry_key(entry))
            continue
        changes.append(GateChange(rel, _line_of(text, str(entry.get("fingerprint", ""))),
                                  f"this change adds {entry.get('rule', '?')} on {entry.get('resource', '?')} "
                                  f"({entry.get('path', '?')}) to the baseline", "baseline"))
    return changes


# --- rule files -----------------------------------------------------------------------------

def rule_file_changes(trusted: TrustedRef, rel_dirs: list[str]) -> list[GateChange]:
    """Rule files the change adds, edits or removes in the trusted rule directories."""
    changes = []
    for rel_dir in rel_dirs:
        folder = rel_dir.strip("/")
        link = linked(trusted.root, folder)
        if link is not None:
            changes.append(GateChange(folder, 1, f"this change makes {link} a symbolic link (rule directories are read "
                                                 "as written, at the trusted commit)", folder))
            continue
        before = {n for n in trusted.files_under(folder) if n.endswith((".yaml", ".yml")) and "/" not in n[len(folder) + 1:]}
        path = os.path.join(trusted.root, folder)
        after = {f"{folder}/{n}" for n in os.listdir(path) if n.endswith((".yaml", ".yml"))} \
            if os.path.isdir(path) else set()
        for name in sorted(before | after):
            if name not in after:
                changes.append(GateChange(folder, 1, f"this change removes the rule file {name}", name))
                continue
            current, why = read_proposed(trusted.root, name)
            if why:
                changes.append(GateChange(name, 1, f"this change {why}", name))
            elif name not in before:
                changes.append(GateChange(name, 1, f"this change adds the rule file {name}", name))
            elif trusted.read(name) != current:
                changes.append(GateChange(name, 1, f"this change edits the rule file {name}", name))
    return changes


# --- inline suppressions --------------------------------------------------------------------

def inline_suppression_changes(trusted: TrustedRef, suppressions: list, findings: list, options, rescan) -> list[tuple]:
    """(marker, findings it hides, whether the trusted commit had it) for each valid inline
    suppression the change brings in: one the trusted commit lacks, and one it had that now
    hides a finding it did not hide there (moved onto another resource, a line edited under
    it, a resource added beside it, a marker invalid there that has since become valid).
    `rescan(tree, paths)`: the findings of a scan of those files in the trusted commit's tree."""
    from .suppressions import parse_suppressions

    def hides(marker) -> list:  # every instance it hides (one reported finding may stand for several)
        return [i for f in findings if f.suppression_kind == "inSource" and f.path == marker.path
                and f.span.line in marker.covers and f.rule_id in marker.rules for i in (f, *f.merged)]

    by_path: dict[str, list] = {}
    for suppression in suppressions:
        if not suppression.problem and not suppression.subject:
            by_path.setdefault(suppression.path, []).append(suppression)
    out, kept = [], []
    for path, current in sorted(by_path.items()):
        data = trusted.read(path) if relative_inside(trusted.root, os.path.join(trusted.root, path)) else None
        before = parse_suppressions(path, data.decode("utf-8-sig", "replace"), options.today,
                                    options.max_suppression_days) if data is not None else []
        for marker in current:
            match = next((b for b in before if _same_marker(b, marker)), None)
            if match is None:
                out.append((marker, hides(marker), False))
                continue
            before.remove(match)
            if hides(marker):
                kept.append((marker, match))
    if kept:
        accepted = _hidden_at_trusted_commit(trusted, kept, rescan)
        for marker, match in kept:
            widened = [f for f in hides(marker) if not any(_no_wider(f, b) for b in accepted.get((match.path, match.line), ()))]
            if widened:
                out.append((marker, widened, True))
    return out


def _same_marker(before, after) -> bool:
    return (before.rules, before.reason, before.expires, before.context) == (after.rules, after.reason, after.expires, after.context)


def _no_wider(finding, accepted) -> bool:
    return (finding.rule_id, finding.address, finding.admits) == (accepted.rule_id, accepted.address, accepted.admits) \
        and SEVERITIES.index(finding.severity) <= SEVERITIES.index(accepted.severity)


def _hidden_at_trusted_commit(trusted: TrustedRef, kept: list, rescan) -> dict:
    """What each kept marker hid at the trusted commit: its files scanned there (with what they
    depend on), by (path, marker line)."""
    tree = trusted.tree()
    findings = rescan(tree, sorted({os.path.join(tree, marker.path) for marker, _ in kept}))
    return {(match.path, match.line): [i for f in findings if f.suppression_kind == "inSource"
                                       and f.path == match.path and f.span.line in match.covers for i in (f, *f.merged)]
            for _, match in kept}
