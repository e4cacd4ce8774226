"""YAML with positions, safely: documents are composed (never constructed into arbitrary
objects) by PyYAML's safe loader and turned into located Nodes under a node budget, so an
alias bomb ends in an error instead of exhausting memory. Custom tags (CloudFormation's
`!Ref`, GitLab's `!reference`) become one-key mappings `{"!Tag": value}` for the format
module to interpret."""

from __future__ import annotations

import yaml

from ..errors import MAX_NESTING, AnalysisError
from ..source import SourceFile, Span
from ..values import Node

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_NODES = 100_000
_STANDARD_TAG = "tag:yaml.org,2002:"


_SCALAR_CONSTRUCTORS = {
    _STANDARD_TAG + "int": yaml.SafeLoader.construct_yaml_int,
    _STANDARD_TAG + "float": yaml.SafeLoader.construct_yaml_float,
    _STANDARD_TAG + "bool": yaml.SafeLoader.construct_yaml_bool,
    _STANDARD_TAG + "null": yaml.SafeLoader.construct_yaml_null,
}


def _span(node: yaml.Node) -> Span:
    start, end = node.start_mark, node.end_mark
    return Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1)


class _Converter:
    def __init__(self):
        self.budget = MAX_NODES
        self.scalars = yaml.SafeLoader("")

    def convert(self, node: yaml.Node, depth: int = 0) -> Node:
        self.budget -= 1
        if self.budget < 0:
            raise AnalysisError(
                f"YAML document expands to more than {MAX_NODES} nodes (alias bomb?)", _span(node)
            )
        if depth > MAX_NESTING:
            raise AnalysisError(f"YAML nesting deeper than {MAX_NESTING} levels", _span(node))
        if isinstance(node, yaml.MappingNode):
            value = self.mapping(node, depth)
        elif isinstance(node, yaml.SequenceNode):
            value = [self.convert(item, depth + 1) for item in node.value]
        else:
            value = self.scalar(node)
        if not node.tag.startswith(_STANDARD_TAG) and node.tag.startswith("!"):
            # A custom tag: keep it visible as a one-key mapping for the format module.
            inner = Node(value, _span(node))
            return Node({node.tag: inner}, _span(node))
        return Node(value, _span(node))

    def scalar(self, node: yaml.ScalarNode):
        construct = _SCALAR_CONSTRUCTORS.get(node.tag)
        if construct is None:
            return node.value  # strings, timestamps and any other tag stay as written
        try:
            return construct(self.scalars, node)
        except (yaml.YAMLError, ValueError, OverflowError):
            return node.value

    def mapping(self, node: yaml.MappingNode, depth: int) -> dict:
        items: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == _STANDARD_TAG + "merge":
                merged = self.convert(value_node, depth + 1)
                for part in merged.as_list():
                    for key, value in part.items():
                        items.setdefault(key, value)
                continue
            key = self.key(key_node)
            value = self.convert(value_node, depth + 1)
            value.key_span = _span(key_node)
            items[key] = value
        return items

    def key(self, node: yaml.Node) -> str:
        if isinstance(node, yaml.ScalarNode):
            # Keys are names as written: YAML 1.1 would read `on` as true and `null` as None,
            # but a workflow's `on:` and a job called `null` mean the words.
            return node.value
        return str(self.convert(node).value)


def load_yaml_documents(source: SourceFile) -> list[Node]:
    """Compose every document of a YAML file into located Nodes, or raise AnalysisError."""
    try:
        documents = list(yaml.compose_all(source.text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        span = Span.point(mark.line + 1, mark.column + 1) if mark else Span.point(1, 1)
        problem = exc.problem or exc.context or "syntax error"
        raise AnalysisError(f"invalid YAML: {problem}", span) from None
    except yaml.reader.ReaderError as exc:
        # A character YAML does not allow (a control character): say which and where.
        line = source.text.count("\n", 0, exc.position) + 1
        column = exc.position - (source.text.rfind("\n", 0, exc.position) + 1) + 1
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        raise AnalysisError(f"invalid YAML: character U+{code:04X} is not allowed", Span.point(line, column)) from None
    except RecursionError:
        raise AnalysisError("invalid YAML: nesting too deep") from None
    except yaml.YAMLError as exc:
        raise AnalysisError(f"invalid YAML: {type(exc).__name__}") from None
    converter = _Converter()
    return [converter.convert(doc) for doc in documents if doc is not None]
