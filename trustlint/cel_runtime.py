"""The one cel-python environment of a process, shared by GCP conditions (trust/cel.py) and
rule expressions (engine/rules.py). celpy is imported only when a CEL text is compiled."""

from __future__ import annotations

import os

from .cache import cache_dir

_ENVIRONMENT = None


def cel_environment():
    """One CEL environment per process. Building cel-python's Lark parser costs ~0.4 s, so
    its analysed grammar is cached (Lark's own cache) in a private per-user directory."""
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        import logging

        import celpy

        for name in ("celpy", "Evaluator", "NameContainer"):  # CEL errors are reported as TL000
            logging.getLogger(name).setLevel(logging.CRITICAL)
        _prepare_cel_parser(celpy.CompiledRunner.tree_node_class)
        _ENVIRONMENT = celpy.Environment(runner_class=celpy.CompiledRunner)
    return _ENVIRONMENT


def _prepare_cel_parser(tree_class) -> None:
    import re

    import celpy
    import lark
    from celpy import celparser

    if celparser.CELParser.CEL_PARSER is not None:
        return
    directory = cache_dir()
    options = {}
    if directory is not None:
        version = f"{getattr(celpy, '__version__', '0')}-{lark.__version__}"
        options["cache"] = os.path.join(directory, f"cel-grammar-{version}.lark")
    with open(os.path.join(os.path.dirname(celparser.__file__), "cel.lark"), encoding="utf-8") as handle:
        grammar = handle.read()
    celparser.CELParser.CEL_PARSER = lark.Lark(
        grammar, parser="lalr", start="expr", debug=True, g_regex_flags=re.M,
        lexer_callbacks={"IDENT": celparser.CELParser.ambiguous_literals}, propagate_positions=True,
        maybe_placeholders=False, priority="invert", tree_class=tree_class, **options,
    )
