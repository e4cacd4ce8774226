"""Declarative rules: one YAML file each, validated against schemas/rule.schema.json and
compiled once per process. The file existing registers the rule.

Conditions are CEL. Those within the small CEL subset (cel_subset.py) (all the built-in ones) run
without cel-python, which costs ~0.1 s to import; cel-python compiles the others and takes
over whenever the subset hands an evaluation back (cel_subset.Fallback)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from ..cel_runtime import cel_environment
from ..errors import AnalysisError
from .. import cel_subset


class RuleError(Exception):
    """A rule file that cannot be used: names the file and the field."""


@dataclass
class Rule:
    """One rule file of rules/: its id, when it applies (CEL), its message, fix and documentation."""

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
    admits: str | None = None  # dotted path to the workload a finding admits (its witness): a baseline
    #                            accepts the finding only while it admits no other
    address: str | None = None
    related: str | None = None
    severity_cases: list = field(default_factory=list)
    tags: list = field(default_factory=list)
    programs: dict = field(default_factory=dict, repr=False)  # expression name -> Condition

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self.applies_to) if isinstance(self.applies_to, list) else (self.applies_to,)


# The package folder (importlib.resources cost ~25 ms to import; the package is plain files).
_PACKAGE = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))


def builtin_rules_dir() -> str:
    """rules/ as installed (trustlint/builtin_rules) or, in a source checkout, beside the package."""
    installed = os.path.join(_PACKAGE, "builtin_rules")
    if os.path.isdir(installed):
        return installed
    return os.path.join(os.path.dirname(_PACKAGE), "rules")


def _schema() -> dict:
    with open(os.path.join(_PACKAGE, "schemas", "rule.schema.json"), encoding="utf-8") as handle:
        return json.loads(handle.read())


def read_rule_data(path: str) -> dict:
    """A rule file's YAML as data, or RuleError naming the file."""
    import yaml

    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RuleError(f"{path}: cannot read rule file: {exc}") from None


def load_rule_file(path: str, validator, data: dict | None = None) -> Rule:
    """Read one rule file (or take its data, already read); `validator` None skips the schema
    check (built-in rules, which the test suite validates, so a scan does not pay for jsonschema)."""
    if data is None:
        data = read_rule_data(path)
    if validator is None:
        return Rule(path=str(path), **data)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise RuleError(f"{path}: field {where}: {error.message}")
    return Rule(path=str(path), **data)


def _rule_files(directory: str, suffixes: tuple[str, ...]) -> list[str]:
    """The rule files directly in `directory`, sorted by name."""
    return [os.path.join(directory, name) for name in sorted(os.listdir(directory)) if name.endswith(suffixes)]


def load_rules(extra_dirs: list[str] = (), validate_builtin: bool = False) -> list[Rule]:
    """Built-in rules plus any user rule directories, sorted by id; ids must be unique."""
    validator = None
    if extra_dirs or validate_builtin:
        import jsonschema

        validator = jsonschema.Draft202012Validator(_schema())
    files = _rule_files(builtin_rules_dir(), (".yaml",))
    builtin_count = len(files)
    if validate_builtin:
        builtin_data = [read_rule_data(path) for path in files]
    else:
        from .rule_cache import cached_rule_data

        builtin_data = cached_rule_data(files, read_rule_data)  # PyYAML only when a file changed
    for directory in extra_dirs:
        if not os.path.isdir(directory):
            raise RuleError(f"{directory}: rules directory not found")
        files.extend(_rule_files(directory, (".yaml",)) + _rule_files(directory, (".yml",)))
    rules: dict[str, Rule] = {}
    for index, path in enumerate(files):
        user = index >= builtin_count
        data = None if user else builtin_data[index]
        rule = load_rule_file(path, validator if user or validate_builtin else None, data)
        if user:
            compile_rule(rule, with_cel=True)  # user rules: a CEL error is a configuration error up front
        if rule.id in rules:
            raise RuleError(f"{path}: field id: {rule.id} is already defined by {rules[rule.id].path}")
        rules[rule.id] = rule
    return [rules[k] for k in sorted(rules)]


@dataclass
class Condition:
    """One rule expression: its subset program (cel_subset) when the text fits the subset, and
    its cel-python program, compiled only when the subset cannot take the text or, on some
    values, hands it over (cel_subset.Fallback)."""

    text: str
    fast: cel_subset.Program | None
    cel: object | None = None


def _expressions(rule: Rule) -> dict[str, str]:
    expressions = {"when": rule.when}
    for index, case in enumerate(rule.severity_cases):
        expressions[f"severity_cases/{index}/when"] = case["when"]
    return expressions


def compile_rule(rule: Rule, with_cel: bool = False) -> None:
    """Compile every expression of a rule, with the subset where it fits and with cel-python
    otherwise; `with_cel` compiles every expression with cel-python as well (user rules: a CEL
    syntax error is a RuleError up front, whether or not the subset could run it)."""
    if rule.programs:
        return
    programs = {}
    for name, text in _expressions(rule).items():
        condition = Condition(text, cel_subset.compile(text))
        if condition.fast is None or with_cel:
            condition.cel = _compile_cel(rule, name, text)
        programs[name] = condition
    rule.programs = programs


def _compile_cel(rule: Rule, name: str, text: str):
    """A cel-python program; a syntax error is a RuleError naming the field."""
    import celpy

    env = cel_environment()
    try:
        return env.program(env.compile(text))
    except celpy.CELParseError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "syntax error"
        raise RuleError(f"{rule.path}: field {name}: invalid CEL: {first}") from None


RULE_TIME_LIMIT_SECONDS = 2.0  # one rule condition on one fact; built-in rules take microseconds


def evaluate(rule: Rule, program_name: str, activation: dict, cel_activation=None) -> bool:
    """Run one rule expression on `activation` (plain JSON values, as in the facts): with the
    subset when it can decide, else with cel-python on `cel_activation()` (the same values
    converted, made only when needed; by default converted here). Errors become AnalysisError
    (reported as TL000)."""
    condition = rule.programs[program_name]
    if condition.fast is not None:
        try:
            result = condition.fast.evaluate(activation)
        except cel_subset.Fallback:
            pass
        else:
            if type(result) is bool:
                return result
    if condition.cel is None:
        try:
            condition.cel = _compile_cel(rule, program_name, condition.text)
        except RuleError as exc:  # the subset took a text cel-python refuses: not expected
            raise AnalysisError(f"rule {rule.id} ({rule.name}) failed: {exc}") from None
    converted = cel_activation() if cel_activation is not None else _to_cel(activation)
    return _evaluate_cel(rule, condition.cel, converted)


def _to_cel(activation: dict) -> dict:
    import celpy

    return {name: celpy.json_to_cel(value) for name, value in activation.items()}


def _evaluate_cel(rule: Rule, program, activation: dict) -> bool:
    """Run one cel-python program under the time limit."""
    import celpy

    from ..deadline import TimeLimitExceeded, time_limit

    try:
        with time_limit(RULE_TIME_LIMIT_SECONDS):
            result = program.evaluate(activation)
    except TimeLimitExceeded:
        raise AnalysisError(f"rule {rule.id} ({rule.name}) took over {RULE_TIME_LIMIT_SECONDS:g} s on one fact; stopped") from None
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
