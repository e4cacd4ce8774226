"""The one place that knows the order: files → parsers → model → facts → rules → findings."""

from __future__ import annotations

from dataclasses import dataclass, field

from .discovery import DEFAULT_MAX_BYTES, discover, find_root
from .facts import Settings, scan_facts
from .findings import Finding, sort_findings
from .model import Location, Problem, ScanModel
from .source import FILE_START


@dataclass
class ScanOptions:
    paths: list[str] = field(default_factory=lambda: ["."])
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    rule_dirs: list[str] = field(default_factory=list)
    settings: Settings = field(default_factory=Settings)
    max_bytes: int = DEFAULT_MAX_BYTES
    exclude: list[str] = field(default_factory=list)


@dataclass
class ScanResult:
    findings: list[Finding]
    rules: list
    files_scanned: int
    root: str


def build_model(options: ScanOptions, root: str) -> tuple[ScanModel, int]:
    from .parsers import parse_file

    discovered = discover(options.paths, root, options.max_bytes, options.exclude)
    model = ScanModel(problems=list(discovered.problems))
    if discovered.context:
        from .parsers.terraform import scan_module

        for directory, sources in discovered.context.items():
            try:
                model.extend(scan_module(sources, root))
            except RecursionError:
                model.problems.append(Problem(Location(sources[0].path, FILE_START), "configuration nested too deeply"))
    consumed = {s.path for t in model.trusts for s in t.statements}
    for kind, source in discovered.files:
        if source.path in consumed:
            continue  # a policy file already read through the role that uses it (file())
        model.extend(parse_file(kind, source))
    if model.gcp_grants and model.gcp_providers:
        from .gcp import join

        join(model.gcp_providers, model.gcp_grants, model)
    return model, discovered.count


def _selected(rule_id: str, options: ScanOptions) -> bool:
    if options.select and not any(rule_id.startswith(s) for s in options.select):
        return False
    return not any(rule_id.startswith(i) for i in options.ignore)


def run_scan(options: ScanOptions) -> ScanResult:
    from .engine import Engine
    from .rules import load_rules

    root = find_root(options.paths)
    model, count = build_model(options, root)
    rules = load_rules(options.rule_dirs)
    active = [r for r in rules if _selected(r.id, options)]
    facts = scan_facts(model, options.settings)
    findings = Engine(active).run(facts) if facts else []
    findings = [f for f in findings if _selected(f.rule_id, options)]
    return ScanResult(sort_findings(findings), rules, count, root)
