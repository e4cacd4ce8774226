"""Declarative rules: one YAML file each, validated against schemas/rule.schema.json and
compiled to CEL programs once per process. The file existing registers the rule."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from .errors import AnalysisError

logging.getLogger("celpy").setLevel(logging.CRITICAL)  # CEL errors are reported as TL000
logging.getLogger("Evaluator").setLevel(logging.CRITICAL)
logging.getLogger("NameContainer").setLevel(logging.CRITICAL)


class RuleError(Exception):
    """A rule file that cannot be used: names the file and the field."""


@dataclass
class Rule:
    id: str
    name: str
    summary: str
    applies_to: str | list
    when: str
    severity: str
    location: str
    message: str
    fix: str
    docs: str
    examples: dict
    path: str
    for_each: str | None = None
    value: str | None = None
    address: str | None = None
    related: str | None = None
    severity_cases: list = field(default_factory=list)
    tags: list = field(default_factory=list)
    programs: dict = field(default_factory=dict, repr=False)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self.applies_to) if isinstance(self.applies_to, list) else (self.applies_to,)


def builtin_rules_dir() -> Path:
    """rules/ as installed (trustlint/builtin_rules) or, in a source checkout, beside the package."""
    installed = resources.files("trustlint") / "builtin_rules"
    if installed.is_dir():
        return Path(str(installed))
    return Path(__file__).resolve().parent.parent / "rules"


def _schema() -> dict:
    text = (resources.files("trustlint") / "schemas" / "rule.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def load_rule_file(path: Path, validator) -> Rule:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RuleError(f"{path}: cannot read rule file: {exc}") from None
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise RuleError(f"{path}: field {where}: {error.message}")
    return Rule(path=str(path), **data)


def load_rules(extra_dirs: list[str] = ()) -> list[Rule]:
    """Built-in rules plus any user rule directories, sorted by id; ids must be unique."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(_schema())
    files = sorted(builtin_rules_dir().glob("*.yaml"))
    for directory in extra_dirs:
        folder = Path(directory)
        if not folder.is_dir():
            raise RuleError(f"{directory}: rules directory not found")
        files.extend(sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")))
    builtin_count = len(list(builtin_rules_dir().glob("*.yaml")))
    rules: dict[str, Rule] = {}
    for index, path in enumerate(files):
        rule = load_rule_file(path, validator)
        if index >= builtin_count:
            compile_rule(rule)  # user rules: a CEL error is a configuration error up front
        if rule.id in rules:
            raise RuleError(f"{path}: field id: {rule.id} is already defined by {rules[rule.id].path}")
        rules[rule.id] = rule
    return [rules[k] for k in sorted(rules)]


_ENVIRONMENT = None


def cel_environment():
    """One CEL environment per process (building it costs ~0.3 s)."""
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        import celpy

        _ENVIRONMENT = celpy.Environment(runner_class=celpy.CompiledRunner)
    return _ENVIRONMENT


def compile_rule(rule: Rule) -> None:
    """Compile every CEL expression of a rule; a syntax error is a RuleError naming the field."""
    import celpy

    if rule.programs:
        return
    env = cel_environment()
    expressions = {"when": rule.when}
    for index, case in enumerate(rule.severity_cases):
        expressions[f"severity_cases/{index}/when"] = case["when"]
    for name, expression in expressions.items():
        try:
            rule.programs[name] = env.program(env.compile(expression))
        except celpy.CELParseError as exc:
            first = str(exc).splitlines()[0] if str(exc) else "syntax error"
            raise RuleError(f"{rule.path}: field {name}: invalid CEL: {first}") from None


def evaluate(rule: Rule, program_name: str, activation: dict) -> bool:
    """Run one compiled CEL program; errors become AnalysisError (reported as TL000)."""
    import celpy

    program = rule.programs[program_name]
    try:
        result = program.evaluate(activation)
    except (celpy.CELEvalError, TypeError, ValueError, KeyError, RecursionError) as exc:
        raise AnalysisError(f"rule {rule.id} ({rule.name}) failed: {_short(exc)}") from None
    if isinstance(result, celpy.CELEvalError):
        raise AnalysisError(f"rule {rule.id} ({rule.name}) failed: {_short(result)}")
    return bool(result)


def _short(exc) -> str:
    args = getattr(exc, "args", ())
    for arg in args:
        if isinstance(arg, tuple):
            for inner in arg:
                if isinstance(inner, str):
                    return inner
    return str(exc).splitlines()[0][:200]
