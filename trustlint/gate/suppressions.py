"""Suppressions: inline `trustlint:ignore[...]` comments and configured entries, each with a
mandatory reason and an optional expiry; an invalid or expired one is itself a finding (TL009)."""

from __future__ import annotations

import datetime
import fnmatch
import re
from dataclasses import dataclass, replace

from ..findings import Finding
from ..lazy_re import lazy

# `# trustlint:ignore[TL001,TL004] reason="legacy org-wide role" expires=2027-01-31`
# (also after `//` in HCL). The comment covers its own line and the next code line.
_MARKER = lazy(r"(?:#|//)\s*trustlint\s*:\s*ignore(?P<tail>.*)$", re.IGNORECASE)
_IDS = lazy(r"\[(?P<ids>[^\]]*)\](?P<rest>.*)$")
_RULE_ID = lazy(r"^[A-Z]+[0-9]+$")
_KEY = lazy(r"""(?P<key>[A-Za-z_-]+)\s*=\s*(?:"(?P<q>[^"]*)"|'(?P<s>[^']*)'|(?P<w>\S+))""")
_KEYS = ("reason", "expires")


@dataclass(frozen=True)
class Suppression:
    """An inline `trustlint:ignore[...]` marker or a configured suppression, and why it may not apply."""

    path: str
    line: int  # the comment's line
    covers: tuple[int, ...]  # lines whose findings it suppresses
    rules: tuple[str, ...]
    reason: str
    expires: datetime.date | None
    problem: str = ""  # why it does not suppress (no reason, expired, bad date)
    column: int = 1
    end_column: int = 2
    subject: str = ""  # what does not apply, when not an inline marker (a configured entry, a nested configuration)
    context: tuple[str, ...] = ()  # the text of the lines it covers: a marker moved onto another line, or
    #                                a covered line edited, is a new suppression (--trusted-ref)

    def describe(self) -> str:
        return self.subject or f"trustlint:ignore[{','.join(self.rules)}]"


DEFAULT_MAX_SUPPRESSION_DAYS = 90


def parse_suppressions(path: str, text: str, today: datetime.date,
                       max_days: int = DEFAULT_MAX_SUPPRESSION_DAYS) -> list[Suppression]:
    """The `trustlint:ignore` markers of one file. An inline suppression is written by the
    change it excuses, so it must end: a missing expiry, or one more than `max_days` away,
    makes it suppress nothing (TL009)."""
    lines = text.split("\n")
    found = []
    comments, odd_breaks = None, False
    offset = 0
    for index, line in enumerate(lines):
        line_offset, offset = offset, offset + len(line) + 1
        match = _MARKER.search(line)
        if not match:
            continue
        rules, values, problem = _parse_marker(match.group("tail"))
        if comments is None:  # lexed once, only for a file that holds a marker
            from .comments import comment_offsets

            odd_breaks = _odd_line_breaks(text)
            comments = set() if odd_breaks else comment_offsets(path, text) or set()
        if odd_breaks:
            problem = ("the file has line breaks other than LF and CRLF (a lone CR, NEL, U+2028 or U+2029): "
                       "its lines cannot be told apart reliably; use the configuration file's suppress entries")
        elif line_offset + match.start() not in comments:
            # In a string value (or in JSON, which has no comments) it is data the change
            # controls, not a reviewed comment: never honoured, and reported.
            problem = ("it is not in a comment (a string value, or JSON, which has no comments): use the "
                       "configuration file's suppress entries")
        reason = values.get("reason", "").strip()
        expires = None
        if "expires" in values:
            try:
                expires = datetime.date.fromisoformat(values["expires"])
            except ValueError:
                problem = problem or f"expiry {values['expires']!r} is not a date (YYYY-MM-DD)"
        if not reason:
            problem = problem or 'it gives no reason (reason="…" is required)'
        elif expires is not None and expires < today:
            problem = problem or f"it expired on {expires.isoformat()}"
        elif "expires" not in values:
            problem = problem or (f"it has no expiry (expires=YYYY-MM-DD, at most {max_days} days ahead; "
                                  "a lasting exception belongs in the configuration file's suppress entries)")
        elif expires is not None and (expires - today).days > max_days:
            problem = problem or (f"its expiry {expires.isoformat()} is more than {max_days} days ahead "
                                  "(max_suppression_days); a lasting exception belongs in the configuration file")
        covers = [index + 1]
        if not line[: match.start()].strip():  # a comment line: it also covers the next code line
            following = index + 1
            while following < len(lines) and _is_comment(lines[following]):
                following += 1
            covers.append(following + 1)
        context = tuple(lines[n - 1].strip() if n - 1 != index else line[: match.start()].strip()
                        for n in covers if n - 1 < len(lines))
        found.append(Suppression(path, index + 1, tuple(covers), rules, reason, expires, problem,
                                 match.start() + 1, len(line) + 1, context=context))
    return found


def _odd_line_breaks(text: str) -> bool:
    return "\x85" in text or "\u2028" in text or "\u2029" in text or "\r" in text.replace("\r\n", "")


def _parse_marker(tail: str) -> tuple[tuple[str, ...], dict[str, str], str]:
    """(rule ids, key=value pairs, problem) of what follows `trustlint:ignore`. Anything a
    reader could take for a suppression but that is not exact is a problem, never a silent
    blanket or a silently ignored key (a typo such as `expire=` must not drop the expiry)."""
    ids_match = _IDS.match(tail.lstrip()) if tail.lstrip().startswith("[") else None
    if ids_match is None:
        return (), {}, "it names no rule ids (write trustlint:ignore[TL001] reason=\"…\")"
    rules = tuple(r.strip().upper() for r in ids_match.group("ids").split(",") if r.strip())
    problem = ""
    if not rules:
        problem = "it names no rule ids (write trustlint:ignore[TL001] reason=\"…\")"
    bad = [r for r in rules if not _RULE_ID.match(r)]
    if bad:
        problem = problem or f"{', '.join(bad)} is not a rule id (give each id in full, such as TL001; no wildcards)"
    values: dict[str, str] = {}
    for key_match in _KEY.finditer(ids_match.group("rest")):
        key = key_match.group("key").lower()
        if key not in _KEYS:
            problem = problem or f"unknown key {key_match.group('key')!r} (only reason= and expires= are read)"
            continue
        values[key] = next((g for g in (key_match.group("q"), key_match.group("s"), key_match.group("w")) if g is not None), "")
    return rules, values, problem


def _is_comment(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(("#", "//"))


def _covers(suppression: Suppression, finding: Finding) -> bool:
    return (suppression.path == finding.path and finding.span.line in suppression.covers
            and finding.rule_id in suppression.rules)


def apply_suppressions(findings: list[Finding], suppressions: list[Suppression], entries: list[dict],
                       today: datetime.date) -> list[Finding]:
    """Mark findings covered by a valid suppression comment or configuration entry."""
    valid = [s for s in suppressions if not s.problem]
    active = [e for e in entries if not _expired(e.get("expires"), today)]
    out = []
    for finding in findings:
        comment = next((s for s in valid if _covers(s, finding)), None)
        if comment is not None and (finding.severity == "critical" or finding.rule_id == "TL000"):
            # Another account getting in, or a file that could not be judged, is accepted only
            # in the configuration (reviewed by its owners), never by a line in the change.
            finding = replace(finding, message=finding.message + " (an inline suppression cannot cover a critical "
                              "finding or TL000: use the configuration file's suppress entries)")
            comment = None
        if comment is not None:
            finding = replace(finding, suppression=comment.reason, suppression_kind="inSource")
        else:
            entry = next((e for e in active if _entry_covers(e, finding)), None)
            if entry is not None:
                finding = replace(finding, suppression=entry["reason"], suppression_kind="external")
        out.append(finding)
    return out


def _entry_covers(entry: dict, finding: Finding) -> bool:
    rule = entry["rule"].upper()
    # A prefix (`TL00`, `TL`) may name a family of rules, never the analysis error: a file that
    # could not be judged is accepted only by naming TL000 itself.
    named = rule == finding.rule_id if finding.rule_id == "TL000" else finding.rule_id.startswith(rule)
    return fnmatch.fnmatch(finding.path, entry["path"]) and named and entry.get("resource", finding.address) == finding.address


def configured_problems(entries: list[dict], today: datetime.date, config_path: str) -> list[Suppression]:
    """Expired configuration entries, as suppressions that do not apply (reported by TL009)."""
    return [
        Suppression(config_path, 1, (), (entry["rule"].upper(),), entry["reason"], None,
                    f"it expired on {entry['expires']}",
                    subject=f"the configured suppression of {entry['rule'].upper()} for {entry['path']}")
        for entry in entries if _expired(entry.get("expires"), today)
    ]


def nested_configurations(paths: list[str], used: str | None) -> list[Suppression]:
    """Configuration files other than the one in use: one below the repository root (a change
    could drop one beside the trust it widens, to exclude or suppress it), or a second one at
    the root that another takes precedence over (dormant until that one goes). Never obeyed,
    and reported so none is thought to apply."""
    out = []
    for path in paths:
        if path == used:
            continue
        if "/" in path:
            problem = ("trustlint reads one configuration, the repository root's (or --config); this file is not "
                       "obeyed - move its settings to the root configuration")
        else:
            problem = (f"{used or 'another configuration file'} takes precedence at the repository root; this file is "
                       "not obeyed - keep one configuration")
        out.append(Suppression(path, 1, (), (), "", None, problem, end_column=2, subject=f"the configuration file {path}"))
    return out


def _expired(value, today: datetime.date) -> bool:
    if value is None:
        return False
    try:
        date = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))
    except ValueError:
        return True
    return date < today
