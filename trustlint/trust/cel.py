"""CEL expressions written by users in their IaC (GCP attribute mappings and conditions),
evaluated against probe and witness tokens: by trustlint's CEL subset (cel_subset.py) when the
text fits it, so most GCP files never import cel-python (~0.1 s); by cel-python, the
reference, for anything else and whenever the subset hands an evaluation back.

GCP's CEL has `google.*` and `attribute.*` variables and an `extract()` function. cel-python
reads `google.x` as a protobuf package path, so the variable is renamed before compiling.
"""

from __future__ import annotations

import re

from ..errors import AnalysisError
from ..source import Span
from ..lazy_re import lazy

_STRING_OR_GOOGLE = lazy(r"\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'|\bgoogle\s*\.")
MAX_EXPRESSION = 4096  # GCP's own limit for attribute conditions
TIME_BUDGET_SECONDS = 3.0  # per expression, over all the probe tokens it is evaluated on


class Missing(Exception):
    """The expression read a claim the token does not carry: GCP rejects such tokens."""


_ENVIRONMENT = None


def _environment():
    """The interpreted runner: cel-python's compiled runner cannot call custom functions."""
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        import logging

        import celpy

        logging.getLogger("celpy").setLevel(logging.CRITICAL)  # CEL errors are reported as findings
        logging.getLogger("Evaluator").setLevel(logging.CRITICAL)

        from ..cel_runtime import cel_environment

        # cel-python shares one parser between environments (built for the compiled runner's
        # tree class); it must exist first or later compilations fail ('checked_exception').
        cel_environment()
        _ENVIRONMENT = celpy.Environment()
    return _ENVIRONMENT


def _rewrite(expression: str) -> str:
    return _STRING_OR_GOOGLE.sub(lambda m: "google_." if m.group(0).startswith("google") else m.group(0), expression)


def _extract(value, template):
    """GCP's extract(): the part of `value` matched by `{name}` in the template, or ''."""
    from celpy import celtypes

    prefix, _, rest = str(template).partition("{")
    _, _, suffix = rest.partition("}")
    text = str(value)
    start = text.find(prefix)
    if start < 0:
        return celtypes.StringType("")
    start += len(prefix)
    end = text.find(suffix, start) if suffix else len(text)
    return celtypes.StringType(text[start:end] if end >= 0 else "")


_CLAIM = lazy(r"\s*assertion\.([A-Za-z_][A-Za-z0-9_]*)\s*")
_RESERVED = {"true", "false", "null", "in", "as", "break", "const", "continue", "else", "for", "function", "if", "import",
             "let", "loop", "package", "namespace", "return", "var", "void", "while"}


class ClaimReference:
    """`assertion.NAME` alone, the usual attribute mapping, read without the interpreter: the
    value is the claim's own (cel-python returns the same plain value for a JSON claim), and
    probes and searches evaluate mappings for every token they try."""

    def __init__(self, name: str):
        self.name = name

    @classmethod
    def of(cls, text: str) -> "ClaimReference | None":
        match = _CLAIM.fullmatch(text)
        if match is None or match.group(1) in _RESERVED:
            return None  # CEL itself decides (a reserved word is an error there)
        return cls(match.group(1))

    def evaluate(self, assertion: dict, google: dict | None = None, attribute: dict | None = None):
        if self.name not in assertion:
            raise Missing(self.name)
        return assertion[self.name]


class Expression:
    """One compiled user CEL expression, with the span it was read from."""

    def __init__(self, text: str, span: Span, path: str, what: str):
        self.text = text
        self.span = span
        self.path = path
        self.what = what
        if len(text) > MAX_EXPRESSION:
            raise AnalysisError(f"{what} is longer than {MAX_EXPRESSION} characters", span)
        from .. import cel_subset
        from ..deadline import Budget

        self.budget = Budget(TIME_BUDGET_SECONDS)
        self.program = None
        # The subset compiles only text cel-python compiles too (tests/test_rule_expr.py): a
        # syntax error always reaches cel-python, which reports it.
        self.fast = cel_subset.compile(_rewrite(text))
        if self.fast is None:
            self._compile()

    def _compile(self) -> None:
        import celpy

        env = _environment()
        try:
            self.program = env.program(env.compile(_rewrite(self.text)), functions={"extract": _extract})
        except celpy.CELParseError as exc:
            raise AnalysisError(f"{self.what} is not valid CEL: {_parse_problem(exc, self.text)}", self.span) from None
        except Exception as exc:  # noqa: BLE001 - cel-python raises assorted errors on odd input
            raise AnalysisError(f"{self.what} cannot be compiled: {type(exc).__name__}", self.span) from None

    def evaluate(self, assertion: dict, google: dict | None = None, attribute: dict | None = None):
        """The value, as plain Python; Missing when a claim is absent; AnalysisError when the
        expression uses something trustlint cannot evaluate (an unknown function)."""
        if self.fast is not None:
            from .. import cel_subset

            values = {"assertion": assertion}
            if google is not None:
                values["google_"] = google
            if attribute is not None:
                values["attribute"] = attribute
            try:
                return self.fast.evaluate(values)
            except cel_subset.Fallback as fallback:
                # A claim the token lacks, not absorbed by `&&`/`||`: cel-python's answer is the
                # same "no such member/key" error, which GCP meets by rejecting the token.
                if fallback.absorbable and str(fallback).startswith(("no field ", "no key ")):
                    raise Missing(str(fallback)) from None
            if self.program is None:
                self._compile()
        import celpy

        activation = {"assertion": celpy.json_to_cel(assertion)}
        if google is not None:
            activation["google_"] = celpy.json_to_cel(google)
        if attribute is not None:
            activation["attribute"] = celpy.json_to_cel(attribute)
        from ..deadline import TimeLimitExceeded

        try:
            with self.budget.spend():
                result = self.program.evaluate(activation)
        except TimeLimitExceeded:
            raise AnalysisError(f"{self.what} takes too long to evaluate (over {TIME_BUDGET_SECONDS:g} s); not judged", self.span) from None
        except celpy.CELEvalError as exc:
            raise self._classify(exc) from None
        except (TypeError, ValueError, RecursionError) as exc:
            raise AnalysisError(f"{self.what} cannot be evaluated: {type(exc).__name__}", self.span) from None
        if isinstance(result, celpy.CELEvalError):
            raise self._classify(result)
        return _plain(result)

    def _classify(self, error) -> Exception:
        text = repr(error.args)
        if "undeclared reference" in text:
            name = re.search(r"undeclared reference to '([^']+)'", text)
            what = f"function or name {name.group(1)!r}" if name else "a name"
            return AnalysisError(f"{self.what} uses {what} that trustlint cannot evaluate", self.span)
        if "no such member" in text or "no such key" in text:
            return Missing(text)
        return AnalysisError(f"{self.what} cannot be evaluated ({text[:120]})", self.span)


def _parse_problem(exc, text: str) -> str:
    """Where and what: cel-python's message is the source line with a caret under it."""
    lines = str(exc).splitlines()
    caret = next((line for line in lines if line.strip() == "^"), None)
    column = caret.index("^") if caret else None
    if column is not None and column <= len(text):
        near = text[column : column + 20] or "the end"
        return f"unexpected input at character {column + 1} (near {near!r})"
    return "syntax error"


def _plain(value):
    from celpy import celtypes

    if isinstance(value, celtypes.BoolType):
        return bool(value)
    if isinstance(value, (celtypes.IntType, celtypes.UintType)):
        return int(value)
    if isinstance(value, celtypes.DoubleType):
        return float(value)
    if isinstance(value, celtypes.StringType):
        return str(value)
    if isinstance(value, celtypes.ListType):
        return [_plain(v) for v in value]
    if isinstance(value, celtypes.MapType):
        return {str(k): _plain(v) for k, v in value.items()}
    return value
