"""Command line: `trustlint scan [PATH ...]` and `trustlint rules`.

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage or
configuration error, 3 internal error (fail closed), 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import re
import sys

from . import __version__

EXAMPLES = """\
examples:
  trustlint scan                        scan the current repository
  trustlint scan infra/ --format sarif --output trustlint.sarif
  trustlint scan --select TL001,TL002   only wildcard and missing subjects
  trustlint scan --fail-on high         fail only on high and critical findings
  trustlint rules                       list the rules
  trustlint inventory                   identities, who can become them, privileges, metrics

exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage/config error,
            3 internal error (the gate fails closed)
"""
SEVERITY_CHOICES = ("info", "low", "medium", "high", "critical", "never")
FORMATS = ("text", "json", "sarif", "github", "markdown")


def _variable(text: str) -> tuple[str, str]:
    name, separator, value = text.partition("=")
    if not separator or not name.strip():
        raise argparse.ArgumentTypeError("expected NAME=VALUE")
    return name.strip(), value


def _also(text: str) -> tuple[str, str]:
    fmt, _, path = text.partition("=")
    if fmt not in FORMATS or not path:
        raise argparse.ArgumentTypeError(f"expected FORMAT=FILE with FORMAT one of {', '.join(FORMATS)}")
    return fmt, path


def _csv(text: str) -> list[str]:
    return [part.strip().upper() for part in text.split(",") if part.strip()]


def _terminal_width() -> int:
    """shutil.get_terminal_size().columns without importing shutil (~3 ms of start-up): $COLUMNS,
    else the terminal's width, else 80."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 80
    return columns or 80


class _Formatter(argparse.HelpFormatter):
    """argparse makes a formatter for every option it adds (to check it), and each measured the
    terminal through shutil; the width is found here, as argparse would (less two columns)."""

    def __init__(self, prog, indent_increment=2, max_help_position=24, width=None):
        super().__init__(prog, indent_increment, max_help_position, _terminal_width() - 2 if width is None else width)


class _RawFormatter(_Formatter, argparse.RawDescriptionHelpFormatter):
    """The same, keeping the description's and examples' own line breaks."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trustlint",
        description="Find risky workload identity federation trust (OIDC) in IaC before it merges.",
        epilog=EXAMPLES,
        formatter_class=_RawFormatter,
    )
    parser.add_argument("--version", action="version", version=f"trustlint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    scan = commands.add_parser("scan", help="scan files or directories", epilog=EXAMPLES,
                               formatter_class=_RawFormatter)
    _add_scan_options(scan)
    scan.add_argument("--format", choices=FORMATS, default="text",
                      help="output format (default: text; github = workflow annotations, markdown = a summary)")
    scan.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of standard output")
    scan.add_argument("--also", action="append", default=[], metavar="FORMAT=FILE", type=_also,
                      help="also write another format to a file, e.g. --also sarif=trustlint.sarif (repeatable)")
    scan.add_argument("--baseline", metavar="FILE", help="report and fail only on findings not in this baseline")
    scan.add_argument("--changed-since", metavar="REF",
                      help="report only findings some of whose files changed since this git ref")
    scan.add_argument("--trusted-ref", metavar="REF",
                      help="read the configuration, baseline and rule directories from this commit (a pull request's "
                           "base), never from the working tree, and report what the change does to them (TL015)")
    scan.add_argument("--no-color", action="store_true", help="never colour text output (NO_COLOR is honoured too)")
    scan.add_argument("--explain-unknowns", action="store_true",
                      help="list (on standard error) the values trustlint could not know statically, and why")
    baseline = commands.add_parser("baseline", help="write a baseline of the current findings", formatter_class=_Formatter,
                                   description="Accept today's findings: later scans with --baseline FILE fail only on new ones.")
    _add_scan_options(baseline)
    baseline.add_argument("--output", "-o", metavar="FILE", default=".trustlint-baseline.json",
                          help="where to write it (default: .trustlint-baseline.json)")
    inventory = commands.add_parser(
        "inventory", help="list every identity, static credential and CI job that obtains credentials",
        description="The inventory of non-human identities: who can become each (the admitted workloads), for how "
                    "long, with which privileges, and the findings on it; static credentials; CI jobs and how they "
                    "obtain credentials; rollout metrics; the trust graph. --compare shows what a change does.",
        formatter_class=_RawFormatter,
        epilog="examples:\n  trustlint inventory\n  trustlint inventory --format markdown --compare origin/main\n"
               "  trustlint inventory --format mermaid -o graph.mmd\n"
               "  trustlint inventory --merge shop.json billing.json --format markdown\n")
    _add_scan_options(inventory)
    inventory.add_argument("--format", choices=("text", "json", "csv", "markdown", "mermaid", "dot"), default="text",
                           help="text (a table), json (versioned; schema in trustlint/schemas/inventory.schema.json), "
                                "csv, markdown (metrics, tables, graph), mermaid or dot (the trust graph)")
    inventory.add_argument("--output", "-o", metavar="FILE", help="write it to FILE instead of standard output")
    inventory.add_argument("--compare", metavar="REF",
                           help="also show what changed since this git ref: identities, admitted workloads, "
                                "privileges, lifetimes, metrics")
    inventory.add_argument("--merge", nargs="+", metavar="JSON",
                           help="merge inventory JSON files (one per repository) into one report; no scan")
    rules = commands.add_parser("rules", help="list the rules, or explain the ones named", formatter_class=_Formatter)
    rules.add_argument("ids", nargs="*", metavar="ID", help="print these rules' documentation and examples (e.g. TL001)")
    rules.add_argument("--rules", action="append", default=[], metavar="DIR", help="also load the rule files in DIR")
    rules.add_argument("--format", choices=("text", "markdown"), default="text", help="markdown prints the README table")
    return parser


def _add_scan_options(scan) -> None:
    scan.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="files or directories (default: .)")
    scan.add_argument("--select", type=_csv, default=[], metavar="IDS", help="only these rule ids (comma-separated, prefixes allowed)")
    scan.add_argument("--ignore", type=_csv, default=[], metavar="IDS", help="skip these rule ids (comma-separated)")
    scan.add_argument("--fail-on", choices=SEVERITY_CHOICES, default=None,
                      help="exit 1 when a finding has at least this severity (default: low; 'never' always exits 0)")
    scan.add_argument("--config", metavar="FILE",
                      help="configuration file (default: the .trustlint.yaml or [tool.trustlint] in pyproject.toml at the "
                           "repository root; one configuration per repository, a nested one is reported, not obeyed)")
    scan.add_argument("--rules", action="append", default=[], metavar="DIR", help="also load the rule files in DIR (repeatable)")
    scan.add_argument("--max-session-duration", type=int, default=None, metavar="SECONDS",
                      help="TL005 threshold in seconds (default: 3600)")
    scan.add_argument("--var-file", action="append", default=[], metavar="FILE",
                      help="Terraform variable definitions (.tfvars) to evaluate with (repeatable)")
    scan.add_argument("--var", action="append", default=[], metavar="NAME=VALUE", type=_variable,
                      help="a Terraform variable value (repeatable)")
    scan.add_argument("--max-file-size", type=int, default=None, metavar="BYTES",
                      help="larger files are not analysed and reported as TL000 (default: 5242880)")
    scan.add_argument("--jobs", type=int, default=0, metavar="N",
                      help="processes that read files and judge trusts (default: one per core for scans of 300 "
                           "files or more, or of 16 trusts or more; 1: everything in one process)")


def _write(text: str, output: str | None) -> None:
    # File names from disk can hold undecodable bytes (surrogates): never crash on them.
    data = text.encode("utf-8", "backslashreplace")
    if output:
        with open(output, "wb") as handle:
            handle.write(data)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


def settings_from(config: dict, root: str, max_session_override: int | None = None):
    """The analysis settings a configuration asks for (the command line may override the limit)."""
    from .engine.facts import Settings
    from .trust.tiers import DEFAULT_NON_PRODUCTION, DEFAULT_PRODUCTION, TierPatterns
    from .input.discovery import repository_of

    configured = config.get("max_session_duration", 3600)
    by_tier = configured if isinstance(configured, dict) else {}
    default = by_tier.get("default", 3600) if by_tier else configured
    tiers = config.get("tiers", {})
    return Settings(
        max_session_seconds=max_session_override or default,
        session_by_tier={} if max_session_override else {
            t.replace("_", "-"): v for t, v in by_tier.items() if t != "default"},
        trusted_issuers=config.get("trusted_issuers", []),
        admin_severity_step=config.get("admin_severity_step", 1),
        repository=repository_of(root, config.get("repository")),
        tiers=TierPatterns(tiers.get("production", DEFAULT_PRODUCTION), tiers.get("non_production", DEFAULT_NON_PRODUCTION)),
    )


def _options(args, config: dict, config_path: str | None, **trusted):
    """Scan options from the command line and a configuration; `trusted` overrides what a
    trusted reference supplies (rule directories, baseline, the reference and the gate changes)."""
    from .input.discovery import DEFAULT_MAX_BYTES, find_root
    from .scan import ScanOptions

    root = find_root(args.paths)
    if "baseline" not in trusted:
        baseline_path = getattr(args, "baseline", None) or config.get("baseline")
        trusted["baseline"] = None
        if baseline_path and getattr(args, "command", "") == "scan":
            from .gate.baseline import load_baseline

            trusted["baseline"] = load_baseline(baseline_path)
    return ScanOptions(
        paths=args.paths,
        select=args.select or [s.upper() for s in config.get("select", [])],
        ignore=args.ignore or [s.upper() for s in config.get("ignore", [])],
        rule_dirs=trusted.pop("rule_dirs", config.get("rules", []) + args.rules),
        exclude=config.get("exclude", []),
        suppress=config.get("suppress", []),
        config_path=os.path.relpath(config_path) if config_path else "",
        changed_since=getattr(args, "changed_since", None),
        max_suppression_days=config.get("max_suppression_days", 90),
        severity=config.get("severity", {}),
        max_bytes=args.max_file_size or config.get("max_file_size", DEFAULT_MAX_BYTES),
        variable_files=[os.path.relpath(os.path.realpath(f), root) for f in args.var_file],
        variables=dict(args.var),
        settings=settings_from(config, root, args.max_session_duration),
        jobs=getattr(args, "jobs", 0),
        **trusted,
    )


def _proposed_configuration(root: str) -> str | None:
    """The repo-relative configuration the working tree would bring in (links included: the
    comparison reports them)."""
    from .input.discovery import CONFIG_FILES, is_configuration

    for name in (*CONFIG_FILES, "pyproject.toml"):
        path = os.path.join(root, name)
        if os.path.islink(path) or (os.path.isfile(path) and is_configuration(path)):
            return name
    return None


def _prepare_trusted(args, root: str):
    """Configuration, baseline and rule directories from the trusted commit, never from the
    working tree; what the working tree changes in them becomes GateChanges (TL015)."""
    import copy

    from .engine.rules import load_rules
    from .gate.baseline import load_baseline, load_baseline_data
    from .gate.config import validated
    from .gate.trusted import (TrustedRef, baseline_changes, changed_configuration_file, materialise,
                               relative_inside, rule_file_changes, trusted_configuration)

    trusted = TrustedRef(root, args.trusted_ref)
    explicit = None
    if args.config:
        explicit = relative_inside(root, args.config)
        if explicit is None:
            raise UsageError("--config with --trusted-ref must name a file in the repository (it is read at the trusted commit)")
    raw, rel = trusted_configuration(trusted, explicit)
    config_file = os.path.join(root, rel) if rel else None
    config = validated(copy.deepcopy(raw), config_file or os.path.join(root, ".trustlint.yaml"))
    rule_dirs, trusted_rule_dirs = [], []
    for directory in config.get("rules", []) + args.rules:
        inside = relative_inside(root, directory)
        if inside is None:
            rule_dirs.append(directory)  # outside the repository: the command line chose it
        else:
            rule_dirs.append(materialise(trusted, inside))
            trusted_rule_dirs.append(inside)
    baseline, baseline_rel, baseline_data = None, None, None
    baseline_path = args.baseline or config.get("baseline")
    if baseline_path:
        baseline_rel = relative_inside(root, baseline_path)
        if baseline_rel is None:
            baseline = load_baseline(baseline_path)
        else:
            baseline_data = trusted.read(baseline_rel)
            # A baseline the trusted commit lacks accepts nothing yet: every finding is new.
            baseline = load_baseline_data(baseline_data, f"{baseline_rel} at {args.trusted_ref}") if baseline_data else set()
    rules = load_rules(rule_dirs)
    changes = changed_configuration_file(trusted, raw, rel, explicit or _proposed_configuration(root), rules)
    if baseline_rel is not None:
        changes += baseline_changes(baseline_data, baseline_rel, root)
    changes += rule_file_changes(trusted, trusted_rule_dirs)
    return config, _options(args, config, config_file, rule_dirs=rule_dirs, baseline=baseline, trusted=trusted,
                            gate_changes=changes)


def _prepare(args):
    from .gate.config import load_config
    from .input.discovery import find_root

    missing = [p for p in args.paths if not os.path.lexists(p)]
    if missing:
        raise UsageError(f"no such file or directory: {missing[0]}")
    if args.max_session_duration is not None and args.max_session_duration <= 0:
        raise UsageError("--max-session-duration must be positive")
    if args.max_file_size is not None and args.max_file_size <= 0:
        raise UsageError("--max-file-size must be positive")
    if getattr(args, "jobs", 0) < 0:
        raise UsageError("--jobs must be 0 (choose) or more")
    for var_file in args.var_file:
        if not os.path.isfile(var_file):
            raise UsageError(f"--var-file {var_file}: no such file")
    if getattr(args, "trusted_ref", None):
        return _prepare_trusted(args, find_root(args.paths))
    config, config_path = load_config(find_root(args.paths), args.config)
    return config, _options(args, config, config_path)


def _use_colour(stream) -> bool:
    from .reporters.text_report import use_colour  # the text report's module, only for a text report

    return use_colour(stream)


def _scan(args) -> int:
    from .reporters import get_reporter
    from .scan import run_scan

    config, options = _prepare(args)
    result = run_scan(options)
    colour = args.format == "text" and not args.output and not args.no_color and _use_colour(sys.stdout)
    _write(get_reporter(args.format).render(result, colour=colour), args.output)
    for fmt, path in args.also:
        _write(get_reporter(fmt).render(result, colour=False), path)
    if args.explain_unknowns:
        _explain(result.unknowns)
    fail_on = args.fail_on or config.get("fail_on", "low")
    if fail_on == "never":
        return 0
    return 1 if any(f.gating and f.at_least(fail_on) for f in result.findings) else 0


def _explain(unknowns: list) -> None:
    from .reporters import escape_control

    lines = [f"{path}:{line}:{column}: unknown {expr!r}: {reason}" for path, line, column, expr, reason in unknowns]
    text = "\n".join(escape_control(l) for l in lines) or "nothing stayed unknown"
    print(f"trustlint: values not known statically (never treated as wildcards):\n{text}", file=sys.stderr)


def _baseline(args) -> int:
    from .gate.baseline import write_baseline
    from .scan import run_scan

    _, options = _prepare(args)
    result = run_scan(options)
    _write(write_baseline(result.findings), args.output)
    count = sum(1 for f in result.findings if f.gating)
    print(f"trustlint: wrote {count} finding{'' if count == 1 else 's'} to {args.output}", file=sys.stderr)
    return 0


def _inventory(args) -> int:
    from dataclasses import replace

    from .inventory.build import build_inventory, merge
    from .inventory.render import render
    from .scan import run_scan

    if args.merge:
        documents = [_load_inventory(path) for path in args.merge]
        names = [os.path.splitext(os.path.basename(path))[0] for path in args.merge]
        _write(render(merge(documents, names), args.format), args.output)
        return 0
    _, options = _prepare(args)
    result = run_scan(options)
    repository = options.settings.repository or ""
    document = build_inventory(result.facts, result.findings, repository)
    delta = None
    if args.compare:
        from .gate.trusted import TrustedRef, relative_inside
        from .inventory.compare import compare

        if not args.compare.strip():
            raise UsageError("--compare needs a git ref")
        tree = TrustedRef(result.root, args.compare, option="--compare").tree()
        paths = [os.path.join(tree, relative_inside(result.root, p) or ".") for p in args.paths]
        paths = [p for p in paths if os.path.lexists(p)]
        before = build_inventory([], [], repository)
        if paths:
            earlier = run_scan(replace(options, paths=paths, root=tree, changed_since=None, baseline=None))
            before = build_inventory(earlier.facts, earlier.findings, repository)
        delta = compare(before, document, args.compare)
    _write(render(document, args.format, delta), args.output)
    return 0


def _load_inventory(path: str) -> dict:
    """An inventory JSON file, checked against its schema (a merge must not guess)."""
    import json
    from pathlib import Path

    import jsonschema

    from .gate.config import ConfigError

    from .input.discovery import DEFAULT_MAX_BYTES
    from .source import read_up_to

    limit = 20 * DEFAULT_MAX_BYTES  # an organisation's inventory is large, but bounded
    try:
        if not os.path.isfile(path):
            raise ConfigError(f"{path}: not a regular file")
        with open(path, "rb") as handle:
            data = read_up_to(handle, limit + 1)
        if len(data) > limit:
            raise ConfigError(f"{path}: larger than {limit} bytes")
        document = json.loads(data)
    except (OSError, ValueError, RecursionError) as exc:
        raise ConfigError(f"{path}: not an inventory JSON file ({type(exc).__name__})") from None
    schema = json.loads((Path(__file__).resolve().parent / "schemas" / "inventory.schema.json").read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "(top level)"
        raise ConfigError(f"{path}: not a trustlint inventory: field {where}: {errors[0].message}")
    return document


class UsageError(Exception):
    pass


def rules_table(rules) -> str:
    """The README's rule table, generated from the rule files."""
    lines = ["| id | name | default severity | what it finds |", "|---|---|---|---|"]
    lines += [f"| {r.id} | {r.name} | {r.severity} | {r.summary} |" for r in rules]
    return "\n".join(lines) + "\n"


def _list_rules(args) -> int:
    from .engine.rules import load_rules
    from .gate.config import load_config
    from .input.discovery import find_root

    config, _ = load_config(find_root(["."]))  # its rules: directories count too
    rules = load_rules(config.get("rules", []) + args.rules)
    if args.ids:
        return _explain_rules(rules, [i.upper() for i in args.ids])
    if args.format == "markdown":
        sys.stdout.write(rules_table(rules))
        return 0
    for rule in rules:
        print(f"{rule.id}  {rule.name:<28} {rule.severity:<9} {rule.summary}")
    return 0


def _explain_rules(rules, ids: list[str]) -> int:
    by_id = {r.id: r for r in rules}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise UsageError(f"no such rule: {', '.join(unknown)} (see `trustlint rules`)")
    for rule_id in ids:
        rule = by_id[rule_id]
        print(f"{rule.id} {rule.name} (default severity {rule.severity})\n\n{rule.summary}\n")
        print(rule.docs.rstrip() + "\n")
        print(f"Fix: {re.sub(r'[{][^}]+[}]', '…', rule.fix)}\n")  # per-finding advice is filled in at scan time
        for kind in ("bad", "good"):
            for example in rule.examples.get(kind, []):
                print(f"{kind.capitalize()} example ({example.get('file', '')}):\n")
                print("\n".join("    " + line for line in example.get("code", "").rstrip().split("\n")) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    from .engine.rules import RuleError
    from .errors import BaselineError
    from .gate.config import ConfigError

    commands = {"scan": _scan, "baseline": _baseline, "rules": _list_rules, "inventory": _inventory}
    try:
        return commands[args.command](args)
    except UsageError as exc:
        print(f"trustlint: error: {exc}", file=sys.stderr)
        return 2
    except (RuleError, ConfigError, BaselineError) as exc:
        print(f"trustlint: configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("trustlint: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        print(f"trustlint: error: {exc}", file=sys.stderr)
        return 2 if getattr(exc, "filename", None) else 3
    except Exception as exc:  # noqa: BLE001 - fail closed, never a green gate on a crash
        if os.environ.get("TRUSTLINT_DEBUG"):
            raise
        print(f"trustlint: internal error ({type(exc).__name__}: {exc}); the scan did not complete. "
              "Set TRUSTLINT_DEBUG=1 for a traceback and please report it.", file=sys.stderr)
        return 3
