"""Command line: `trustlint scan [PATH ...]` and `trustlint rules`.

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage or
configuration error, 3 internal error (fail closed), 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys

from . import __version__

EXAMPLES = """\
examples:
  trustlint scan                        scan the current repository
  trustlint scan infra/ --format sarif --output trustlint.sarif
  trustlint scan --select TL001,TL002   only wildcard and missing subjects
  trustlint scan --fail-on high         fail only on high and critical findings
  trustlint rules                       list the rules

exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage/config error,
            3 internal error (the gate fails closed)
"""
SEVERITY_CHOICES = ("info", "low", "medium", "high", "critical", "never")


def _csv(text: str) -> list[str]:
    return [part.strip().upper() for part in text.split(",") if part.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trustlint",
        description="Find risky workload identity federation trust (OIDC) in IaC before it merges.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"trustlint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    scan = commands.add_parser("scan", help="scan files or directories", epilog=EXAMPLES,
                               formatter_class=argparse.RawDescriptionHelpFormatter)
    scan.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="files or directories (default: .)")
    scan.add_argument("--format", choices=("text", "json", "sarif"), default="text", help="output format (default: text)")
    scan.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of standard output")
    scan.add_argument("--select", type=_csv, default=[], metavar="IDS", help="only these rule ids (comma-separated, prefixes allowed)")
    scan.add_argument("--ignore", type=_csv, default=[], metavar="IDS", help="skip these rule ids (comma-separated)")
    scan.add_argument("--fail-on", choices=SEVERITY_CHOICES, default=None,
                      help="exit 1 when a finding has at least this severity (default: low; 'never' always exits 0)")
    scan.add_argument("--config", metavar="FILE",
                      help="configuration file (default: .trustlint.yaml or [tool.trustlint] in pyproject.toml at the repository root)")
    scan.add_argument("--rules", action="append", default=[], metavar="DIR", help="also load the rule files in DIR (repeatable)")
    scan.add_argument("--max-session-duration", type=int, default=None, metavar="SECONDS",
                      help="TL005 threshold in seconds (default: 3600)")
    scan.add_argument("--no-color", action="store_true", help="never colour text output (NO_COLOR is honoured too)")
    rules = commands.add_parser("rules", help="list the rules")
    rules.add_argument("--rules", action="append", default=[], metavar="DIR", help="also load the rule files in DIR")
    rules.add_argument("--format", choices=("text", "markdown"), default="text", help="markdown prints the README table")
    return parser


def _write(text: str, output: str | None) -> None:
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)


def _scan(args) -> int:
    from .config import load_config
    from .discovery import find_root
    from .facts import Settings
    from .reporters import get_reporter
    from .reporters.text_report import use_colour
    from .scan import ScanOptions, run_scan
    from .tiers import DEFAULT_NON_PRODUCTION, DEFAULT_PRODUCTION, TierPatterns

    missing = [p for p in args.paths if not os.path.lexists(p)]
    if missing:
        print(f"trustlint: error: no such file or directory: {missing[0]}", file=sys.stderr)
        return 2
    config, _ = load_config(find_root(args.paths), args.config)
    max_session = args.max_session_duration or config.get("max_session_duration", 3600)
    if max_session <= 0:
        print("trustlint: error: --max-session-duration must be positive", file=sys.stderr)
        return 2
    tiers = config.get("tiers", {})
    options = ScanOptions(
        paths=args.paths,
        select=args.select or [s.upper() for s in config.get("select", [])],
        ignore=args.ignore or [s.upper() for s in config.get("ignore", [])],
        rule_dirs=config.get("rules", []) + args.rules,
        exclude=config.get("exclude", []),
        settings=Settings(
            max_session_seconds=max_session,
            tiers=TierPatterns(tiers.get("production", DEFAULT_PRODUCTION), tiers.get("non_production", DEFAULT_NON_PRODUCTION)),
        ),
    )
    result = run_scan(options)
    colour = args.format == "text" and not args.output and not args.no_color and use_colour(sys.stdout)
    _write(get_reporter(args.format).render(result, colour=colour), args.output)
    fail_on = args.fail_on or config.get("fail_on", "low")
    if fail_on == "never":
        return 0
    return 1 if any(f.at_least(fail_on) for f in result.findings) else 0


def rules_table(rules) -> str:
    """The README's rule table, generated from the rule files."""
    lines = ["| id | name | default severity | what it finds |", "|---|---|---|---|"]
    lines += [f"| {r.id} | {r.name} | {r.severity} | {r.summary} |" for r in rules]
    return "\n".join(lines) + "\n"


def _list_rules(args) -> int:
    from .rules import load_rules

    rules = load_rules(args.rules)
    if args.format == "markdown":
        sys.stdout.write(rules_table(rules))
        return 0
    for rule in rules:
        print(f"{rule.id}  {rule.name:<28} {rule.severity:<9} {rule.summary}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    from .config import ConfigError
    from .rules import RuleError

    try:
        return _scan(args) if args.command == "scan" else _list_rules(args)
    except (RuleError, ConfigError) as exc:
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
