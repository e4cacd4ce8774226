"""The one place that knows the order: files (input/) → formats/ and terraform/ → resources →
trust/ → model → engine/ facts → rules → findings → gate/."""

from __future__ import annotations

import bisect
import datetime
import os
import posixpath
from dataclasses import dataclass, field, replace

from .engine.facts import Settings, scan_facts
from .findings import Finding, sort_findings
from .processes import PARALLEL_MIN_FILES, in_processes, jobs_for
from .input.discovery import DEFAULT_MAX_BYTES, discover, find_root
from .model import Location, Problem, ScanModel
from .source import FILE_START
from .lazy_re import lazy


@dataclass
class ScanOptions:
    """What one scan reads and how the gate treats what it finds (from the command line and
    configuration)."""

    paths: list[str] = field(default_factory=lambda: ["."])
    suppress: list[dict] = field(default_factory=list)  # configured suppressions
    config_path: str = ""
    baseline: dict | None = None  # gate.baseline: accepted entries by fingerprint
    changed_since: str | None = None
    severity: dict[str, str] = field(default_factory=dict)  # rule id -> severity override
    variable_files: list[str] = field(default_factory=list)  # --var-file, repo-relative
    variables: dict[str, str] = field(default_factory=dict)  # --var NAME=VALUE
    today: datetime.date = field(default_factory=datetime.date.today)
    max_suppression_days: int = 90  # the furthest expiry an inline suppression may carry
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    rule_dirs: list[str] = field(default_factory=list)
    settings: Settings = field(default_factory=Settings)
    max_bytes: int = DEFAULT_MAX_BYTES
    exclude: list[str] = field(default_factory=list)
    root: str | None = None  # the repository root, when not found from the paths (a trusted commit's tree)
    trusted: object = None  # gate.trusted.TrustedRef: the commit whose gate settings are obeyed
    gate_changes: list = field(default_factory=list)  # gate.trusted.GateChange: how the change weakens them
    jobs: int = 0  # processes reading files: 0 chooses (both cores for a large scan), 1 reads in this process


@dataclass
class ScanResult:
    """A scan's findings, what it judged and what it could not know."""

    findings: list[Finding]
    rules: list
    files_scanned: int
    root: str
    unknowns: list = field(default_factory=list)  # (Location, expression, reason)
    judged: dict = field(default_factory=dict)  # what was judged: trusts, credentials, public trusts, CI jobs, lifetimes
    model: ScanModel | None = None  # what was read (for the inventory)
    facts: list = field(default_factory=list)  # what the rules read (for the inventory)


def build_model(options: ScanOptions, root: str) -> tuple[ScanModel, int]:
    from .gate.suppressions import configured_problems, nested_configurations, parse_suppressions
    from .trust.build import build_trusts, join_gcp

    paths = options.paths
    if paths and all(os.path.isfile(p) for p in paths):
        from .input.discovery import widen_named_files

        paths = widen_named_files(paths, root)  # reported on: only findings these files contribute to
    discovered = discover(paths, root, options.max_bytes, options.exclude,
                          every_module_call=bool(options.variable_files or options.variables),
                          jobs=options.jobs)
    model = ScanModel(problems=list(discovered.problems), unknowns=list(discovered.unknowns))
    sources = [source for _, source in discovered.files] + [s for group in discovered.context.values() for s in group]
    for source in sources:
        if "trustlint" in source.text:
            model.suppressions.extend(parse_suppressions(source.path, source.text, options.today,
                                                                options.max_suppression_days))
    model.suppressions.extend(configured_problems(options.suppress, options.today, options.config_path))
    used = os.path.relpath(os.path.abspath(options.config_path), os.path.realpath(root)).replace(os.sep, "/") \
        if options.config_path else None
    model.suppressions.extend(nested_configurations(discovered.configurations, used))
    configurations, files = _read_everything(discovered, options, root)
    for configuration in configurations:
        model.extend(configuration)
    build_trusts(model)
    consumed = {s.path for t in model.trusts for s in t.statements} | model.consumed_files
    for (kind, source), read in zip(discovered.files, files):
        if source.path in consumed or kind == "bicep":
            continue  # a policy file already read through the role that uses it (file())
        model.extend(read)
    bicep = [source for kind, source in discovered.files if kind == "bicep"]
    if bicep:
        from .formats import parse_bicep_files

        model.extend(parse_bicep_files(bicep))  # together: callers pass parameters to their modules
    build_trusts(model)
    join_gcp(model)
    if model.workloads:
        from .formats.github_workflow import link_composite_actions

        link_composite_actions(model)
    return model, discovered.count


# -- reading in several processes ------------------------------------------------------------
# Reading (parsing, evaluating Terraform) is most of a large scan and each Terraform
# configuration and each other file is read on its own, so a large scan forks one reader per
# core: each reads a share, its ScanModels come back pickled, and they are merged in the order
# one process would have produced them. Small scans (a pre-commit hook) stay in one process:
# forking costs more than it saves there.
# `source = "../x"` (HCL) and `"source": "../x"` (JSON syntax): a local module call.
# (on a later line too, and with JSON's escaped slash `..\/x`).
# A literal first, so re finds candidates with its fast substring search (a leading \b costs 50 ms
# on a 2,000-file tree); the word boundary is checked by the lookbehind after it.
_LOCAL_SOURCE = lazy(r'source(?<![\w.-]source)"?\s{0,200}[=:]\s{0,200}"(\.{1,2}(?:/|\\/)(?:[^"\\\n]|\\.){0,500})"')


def _read_everything(discovered, options: ScanOptions, root: str) -> tuple[list[ScanModel], list[ScanModel]]:
    """(ScanModel per group of Terraform directories, ScanModel per other file in discovery order)."""
    jobs = _jobs(options, discovered)
    if jobs <= 1:  # one configuration of every directory, as always
        return _read_share([sorted(discovered.context)] if discovered.context else [], discovered.files,
                           discovered.context, options, root)
    groups = _configuration_groups(discovered.context)
    shares = _shares(groups, discovered.files, discovered.context, jobs)
    results = in_processes([lambda share=share: _read_share(share[0], share[1], discovered.context, options, root)
                             for share in shares])
    by_group: dict[int, ScanModel] = {}
    by_file: dict[int, ScanModel] = {}
    for share, (configurations, files) in zip(shares, results):
        by_group.update(zip((id(g) for g in share[0]), configurations))
        by_file.update(zip((id(f) for f in share[1]), files))
    return [by_group[id(g)] for g in groups], [by_file[id(f)] for f in discovered.files]


def _read_share(groups: list[list[str]], files: list, context: dict, options: ScanOptions, root: str):
    from .formats import parse_file

    configurations = [_read_configuration({d: context[d] for d in group}, options, root) for group in groups]
    # Bicep files are read together afterwards (a caller passes parameters to its modules).
    return configurations, [ScanModel() if kind == "bicep" else parse_file(kind, source) for kind, source in files]


def _read_configuration(context: dict, options: ScanOptions, root: str) -> ScanModel:
    from .terraform.configuration import scan_configuration

    try:
        return scan_configuration(context, root, options.variable_files, options.variables)
    except RecursionError:
        first = next(iter(context.values()))[0]
        return ScanModel(problems=[Problem(Location(first.path, FILE_START), "configuration nested too deeply")])


def _configuration_groups(context: dict) -> list[list[str]]:
    """The Terraform directories in groups no module call crosses (a root with the local modules
    it calls, transitively, and every other caller of those): each group reads alone exactly as
    in one configuration. With one process every directory is one group, as before."""
    if not context:
        return []
    parent = {d: d for d in context}

    def find(d: str) -> str:
        while parent[d] != d:
            parent[d] = parent[parent[d]]
            d = parent[d]
        return d

    names = sorted(context)
    for directory, sources in context.items():
        targets = set()
        for source in sources:
            for match in _LOCAL_SOURCE.finditer(source.text):
                target = posixpath.normpath(posixpath.join(directory, match.group(1).replace("\\/", "/").split("//")[0]))
                targets.add("" if target == "." else target)
        for target in targets:
            # A call may name a directory outside the scan that calls back in: joining on any
            # shared prefix (the target, its parents, what lies under it) keeps such chains in one
            # group, never split wrongly; a call out of the repository joins everything.
            for other in names if target.startswith("..") else _related(target, names, context):
                parent[find(other)] = find(directory)
    groups: dict[str, list[str]] = {}
    for directory in sorted(context):
        groups.setdefault(find(directory), []).append(directory)
    return sorted(groups.values())


def _related(target: str, names: list[str], context: dict) -> list[str]:
    """The scanned directories that are `target`, lie above it, or lie under it."""
    related = [target] if target in context else []
    above = posixpath.dirname(target)
    while above:
        if above in context:
            related.append(above)
        above = posixpath.dirname(above)
    start = bisect.bisect_left(names, target + "/")
    return related + names[start:bisect.bisect_left(names, target + "0", start)]  # "0" follows "/"


def _jobs(options: ScanOptions, discovered) -> int:
    files = len(discovered.files) + sum(len(sources) for sources in discovered.context.values())
    return jobs_for(options.jobs, files, PARALLEL_MIN_FILES)


def _shares(groups: list, files: list, context: dict, jobs: int) -> list[tuple[list, list]]:
    """Work split by size (characters to read), largest first onto the lightest share."""
    weighted = [(sum(len(s.text) for d in group for s in context[d]), 0, index) for index, group in enumerate(groups)]
    weighted += [(len(source.text), 1, index) for index, (_, source) in enumerate(files)]
    weighted.sort(key=lambda item: (-item[0], item[1], item[2]))
    loads = [0] * jobs
    shares: list[tuple[list, list]] = [([], []) for _ in range(jobs)]
    for weight, kind, index in weighted:
        lightest = loads.index(min(loads))
        loads[lightest] += weight
        shares[lightest][kind].append(groups[index] if kind == 0 else files[index])
    return [share for share in shares if share[0] or share[1]]


def _behind_flags(findings: list[Finding], flags: dict[str, str]) -> list[Finding]:
    """A finding on a resource that today's values leave out (count = var.enable ? 1 : 0) is
    judged as if enabled, one variable away, and says which setting turns it on."""
    out = []
    for finding in findings:
        flag = flags.get(finding.address) or next(
            (text for prefix, text in flags.items() if prefix.endswith(".") and finding.address.startswith(prefix)), None)
        if flag is not None:
            finding = replace(finding, message=f"{finding.message} (when enabled: {flag} is off with today's values)")
        branches = flags.get(f"branch:{finding.address}") or next(
            (text for key, text in flags.items() if key.startswith("branch:") and key.endswith(".")
             and finding.address.startswith(key[len("branch:"):])), None)
        if branches is not None:
            finding = replace(finding, message=f"{finding.message} ({branches})")
        root = flags.get(f"root:{os.path.dirname(finding.path)}")
        if root is not None and finding.address and not finding.address.startswith("module."):
            finding = replace(finding, message=f"{finding.message} ({root})")
        out.append(finding)
    return out


def _one_per_problem(findings: list[Finding]) -> list[Finding]:
    """One finding per problem in the code: the instances of a for_each/count resource, or two
    calls of one module with the same values, that share a finding at the same place with the
    same words (their addresses aside) are one finding naming every instance. Run after the gate:
    instances are suppressed and baselined one by one (an instance added beside an accepted one
    is new), and only instances the gate treats alike are reported together."""
    groups: dict[tuple, list[Finding]] = {}
    for finding in findings:
        words = finding.message.replace(finding.address, "\0") if finding.address else finding.message
        # Another root calling the same module is another deployment: its own finding.
        root = next((r.path for r in finding.related if r.label.startswith("module call ")), "")
        gate = (finding.suppression, finding.baseline)
        groups.setdefault((finding.rule_id, finding.path, finding.span, finding.severity, words, root, gate),
                          []).append(finding)
    out = []
    for group in groups.values():
        first, others = group[0], group[1:]
        if not first.address:
            out.extend(group)
            continue
        seen = {first.address}
        others = [o for o in others if not (o.address in seen or seen.add(o.address))]  # the same finding twice: once
        if not others:
            out.append(first)
            continue
        related = list(first.related)
        related += [r for other in others for r in other.related if r not in related]
        names = ", ".join(o.address for o in others)
        out.append(replace(first, message=f"{first.message} (the same for {names})", related=tuple(related),
                           merged=tuple(others)))
    return out


# What a GCP provider judged alone (no grant on its pool in the scan) is reported for: a
# condition that lets in any account's workloads, and its own audience and mapping. Which
# repository of the owner gets in is the grants' business, decided where they live.
_POOL_WIDE_RULES = {"TL003", "TL008", "TL011", "TL014"}


def _pool_wide_findings(findings: list[Finding], facts: list[dict]) -> list[Finding]:
    pool = {f["address"] for f in facts if f["kind"] == "trust" and f["principal"]["kind"] == "pool"}
    if not pool:
        return findings
    return [f for f in findings if f.address not in pool or f.rule_id in _POOL_WIDE_RULES
            or f.rule_id in ("TL001", "TL002") and f.severity == "critical"]


def _raised_for_admin(findings: list[Finding], facts: list[dict], rules: list, step: int) -> list[Finding]:
    """A trust finding on an identity that can administer its account is worse by `step`
    severities (configurable: admin_severity_step), and says why."""
    from .findings import SEVERITIES

    # By address and directory: the same address in another directory is another resource.
    admin = {(f["address"], os.path.dirname(f["path"])): (f["principal"]["name"] or f["address"], f["privileges"]["why"])
             for f in facts if f["kind"] == "trust" and f.get("privileges", {}).get("level") == "admin"}
    if not admin:
        return findings
    trust_rules = {r.id for r in rules if "trust" in r.kinds}
    out = []
    for finding in findings:
        identity = admin.get((finding.address, os.path.dirname(finding.path)))
        if identity is not None and finding.rule_id in trust_rules:
            severity = SEVERITIES[min(len(SEVERITIES) - 1, SEVERITIES.index(finding.severity) + step)]
            finding = replace(finding, severity=severity,
                              message=f"{finding.message}; and {identity[0]} holds admin privileges ({identity[1]})")
        out.append(finding)
    return out


def _selected(rule_id: str, options: ScanOptions) -> bool:
    if options.select and not any(rule_id.startswith(s) for s in options.select):
        return False
    return not any(rule_id.startswith(i) for i in options.ignore)


def _check_selection(options: ScanOptions, rules: list) -> None:
    """A select/ignore entry naming no rule is a typo that would silently skip or keep rules."""
    from .engine.rules import RuleError

    for kind, entries in (("select", options.select), ("ignore", options.ignore)):
        for entry in entries:
            if not any(r.id.startswith(entry) for r in rules):
                raise RuleError(f"{kind}: {entry!r} matches no rule id (see `trustlint rules`)")


def run_scan(options: ScanOptions) -> ScanResult:
    from .engine.engine import Engine
    from .engine.rules import load_rules

    root = options.root or find_root(options.paths)
    model, count = build_model(options, root)
    rules = load_rules(options.rule_dirs)
    _check_selection(options, rules)
    active = [r for r in rules if _selected(r.id, options)]
    facts = scan_facts(model, options.settings, jobs=options.jobs)
    findings = Engine(active).run(facts) if facts else []
    findings = [f for f in findings if _selected(f.rule_id, options)]
    findings = _pool_wide_findings(findings, facts)
    if options.settings.admin_severity_step:
        findings = _raised_for_admin(findings, facts, rules, options.settings.admin_severity_step)
    if options.severity:
        findings = [replace(f, severity=options.severity.get(f.rule_id, f.severity)) for f in findings]
    if model.flags:
        findings = _behind_flags(findings, model.flags)
    findings = _one_per_problem(_gate(findings, model, options, root))
    if options.trusted is not None:
        findings += _gate_change_findings(findings, model, options, active)
    unknowns = sorted({(u[0].path, u[0].span.line, u[0].span.column, u[1], u[2]) for u in model.unknowns})
    judged = {"trusts": len(model.trusts), "credentials": len(model.credentials), "public": len(model.public),
              "workloads": len(model.workloads), "lifetimes": len(model.lifetimes),
              # roles and credentials judged safe form no trust; GCP halves that join nothing
              "resources": model.judged_resources + len(model.gcp_providers) + len(model.gcp_grants)}
    return ScanResult(sort_findings(findings), rules, count, root, unknowns, judged, model, facts)


def _reported_paths(options: ScanOptions, root: str) -> set[str] | None:
    """Only these files are reported on: the files named (pre-commit), those changed since a ref."""
    only = None
    if options.paths and all(os.path.isfile(p) for p in options.paths):
        from .input.discovery import where_named

        only = {os.path.relpath(where_named(p), os.path.realpath(root)).replace(os.sep, "/") for p in options.paths}
    if options.changed_since:
        from .gate.changed_files import changed_files

        changed = changed_files(root, options.changed_since)
        only = changed if only is None else only & changed
    return only


def _gate(findings: list[Finding], model: ScanModel, options: ScanOptions, root: str) -> list[Finding]:
    from .gate.suppressions import apply_suppressions

    findings = apply_suppressions(findings, model.suppressions, options.suppress, options.today)
    only = _reported_paths(options, root)
    if only is not None:
        findings = [f for f in findings if _contributors(f, model.inputs, root) & only]
    if options.baseline is not None:
        from .gate.baseline import apply_baseline

        findings = apply_baseline(findings, options.baseline)
    return findings


def _contributors(finding: Finding, inputs: dict[str, set[str]], root: str) -> set[str]:
    """The files a finding depends on: its own, its related locations' (the other side of a
    join, a module call), and what the Terraform values behind them were read from (variable
    defaults, tfvars, locals, module inputs, files read with file())."""
    files = {finding.path, *(r.path for r in finding.related)}
    own = inputs.get(f"{finding.path}\x00{finding.address}")
    files |= own if own is not None else inputs.get(finding.path, set())
    for related in finding.related:
        files |= inputs.get(related.path, set())
    return files | _link_targets(files, root)


def _link_targets(files: set[str], root: str) -> set[str]:
    """Where the files that are links inside the repository point: a change there is a change
    to what reads the link (a terraform.tfvars linked to a shared file)."""
    real_root = os.path.realpath(root)
    targets = set()
    for path in files:
        full = os.path.join(root, path)
        if os.path.islink(full):
            real = os.path.realpath(full)
            if real.startswith(real_root + os.sep):
                targets.add(os.path.relpath(real, real_root).replace(os.sep, "/"))
    return targets


def _gate_change_findings(findings: list[Finding], model: ScanModel, options: ScanOptions, rules: list) -> list[Finding]:
    """TL015: what the change does to the gate (configuration, baseline, rule files, inline
    suppressions), judged after the other findings so a suppression names what it hides."""
    from .engine.engine import Engine
    from .gate.suppressions import apply_suppressions
    from .gate.trusted import GateChange, inline_suppression_changes

    changes = list(options.gate_changes)

    def rescan(tree: str, paths: list[str]) -> list[Finding]:
        """The same scan of some files in the trusted commit's tree (what its markers hid there)."""
        return run_scan(replace(options, paths=paths, root=tree, trusted=None, gate_changes=[], baseline=None,
                                changed_since=None, variable_files=[])).findings

    for marker, hidden, was_there in inline_suppression_changes(options.trusted, model.suppressions, findings, options,
                                                                rescan):
        until = f", until {marker.expires.isoformat()}" if marker.expires else ""
        what = f"hiding {', '.join(sorted({f'{f.rule_id} on {f.address or f.path}' for f in hidden}))}" if hidden \
            else "it hides no finding today"
        verb = ("makes an existing inline suppression of {rules} (reason {reason!r}{until}) hide what it did not at the "
                "trusted commit" if was_there else "adds an inline suppression of {rules} (reason {reason!r}{until})")
        text = verb.format(rules=", ".join(marker.rules), reason=marker.reason, until=until)
        changes.append(GateChange(marker.path, marker.line, f"this change {text}: {what}",
                                  min((f.address for f in hidden if f.address), default="trustlint:ignore")))
    facts = [{"kind": "gate_change", "address": c.address, "path": c.path, "change": c.change,
              "location": {"path": c.path, "line": c.line, "column": 1, "end_line": c.line, "end_column": 2}}
             for c in changes]
    new = Engine(rules).run(facts) if facts else []
    if options.severity:
        new = [replace(f, severity=options.severity.get(f.rule_id, f.severity)) for f in new]
    # Only the trusted configuration may accept a change to the gate; an inline marker is part of the change.
    new = apply_suppressions(new, [], options.suppress, options.today)
    return [replace(f, baseline="new") if options.baseline is not None else f for f in new]
