"""Evaluate Terraform expressions statically, keeping spans.

What a configuration states is evaluated (literals, variable defaults, locals, templates,
conditionals, `for` expressions and common functions); what only exists after apply
(resource attributes, data sources, module outputs) becomes a `Ref` or `Unknown`, never a
guess. Deeper evaluation (tfvars, count/for_each, modules) builds on this module.
"""

from __future__ import annotations

import bisect
import functools
import json
import posixpath
import re

from ..errors import AnalysisError
from ..source import EmbeddedSource, SourceFile, Span
from ..values import UNKNOWN_KEY, Node, Ref, Template, Unknown, at_use_site, text_of
from .hcl import LITERAL_TEXT, Attribute, Block, tree_span
from .nodes import NO_SUCH_ELEMENT, is_fully_known, plain, template_node

_SKIP = {"new_line_or_comment"}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_MAX_DEPTH = 60


class Module:
    """The blocks of one Terraform module directory, indexed for reference lookups."""

    def __init__(self, blocks: list[Block]):
        self.blocks = blocks
        self.variables: dict[str, Block] = {}
        self.locals: dict[str, Attribute] = {}
        self.resources: dict[str, Block] = {}
        # (address, first, second): Terraform rejects a configuration defining a name twice;
        # reading on would let the later one silently hide the earlier (configuration reports them).
        self.duplicates: list[tuple[str, object, object]] = []
        seen: dict[str, object] = {}
        for block in blocks:
            if block.type == "variable" and block.labels:
                self._define(f"var.{block.labels[0]}", block, block, seen)
                self.variables[block.labels[0]] = block
            elif block.type == "locals":
                for name, attribute in block.attributes.items():
                    self._define(f"local.{name}", attribute, block, seen)
                self.locals.update(block.attributes)
            elif block.type == "resource" and len(block.labels) == 2:
                self._define(".".join(block.labels), block, block, seen)
                self.resources[".".join(block.labels)] = block
            elif block.type == "data" and len(block.labels) == 2:
                self._define("data." + ".".join(block.labels), block, block, seen)
                self.resources["data." + ".".join(block.labels)] = block
            elif block.type == "module" and block.labels:
                self._define(f"module.{block.labels[0]}", block, block, seen)

    def _define(self, address: str, item, block, seen: dict) -> None:
        if address in seen:
            self.duplicates.append((address, seen[address], (item, block)))
        else:
            seen[address] = (item, block)


def _children(tree) -> list:
    return [c for c in tree.children if not (hasattr(c, "data") and c.data in _SKIP)]


def _is_token(child, text: str) -> bool:
    """Whether a tree child is the token `text` (str() of a Tree renders its whole subtree)."""
    return not hasattr(child, "data") and child == text


def _trees(tree) -> list:
    return [c for c in _children(tree) if hasattr(c, "data")]


def _written(source: SourceFile, span: Span) -> str:
    """The whole text a span covers, over several lines too."""
    if span.line == span.end_line:
        return source.line_text(span.line)[span.column - 1 : span.end_column - 1]
    lines = [source.line_text(span.line)[span.column - 1 :]]
    lines += [source.line_text(n) for n in range(span.line + 1, span.end_line)]
    lines.append(source.line_text(span.end_line)[: span.end_column - 1])
    return "\n".join(lines)


def source_text(source: SourceFile, span: Span) -> str:
    """The source text covered by a span, its first line only (for messages and Unknown.expr)."""
    if span.line == span.end_line:
        return _written(source, span)
    return source.line_text(span.line)[span.column - 1 :] + " …"


def _stringify(value) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float, str)):
        return str(value)
    return None


class Evaluator:
    """Evaluates expressions of one module; `bindings` holds for-expression variables."""

    def __init__(self, module: Module, source: SourceFile, variable_values: dict | None = None, root: str | None = None):
        self.module = module
        self.root = root  # repository root: file() never reads outside it
        self.instance: dict[str, Node] = {}  # each.* / count.* of the resource instance being read
        self.files_read: set[str] = set()  # file()/templatefile() reads, shared by derived evaluators
        # The files whose content the values read so far came from (shared by derived evaluators):
        # what a finding on the resource being read depends on (changed-file modes).
        self.inputs: set[str] = {source.path}
        self._locals_inputs: dict[str, set[str]] = {}
        self._locals_points: dict[str, dict] = {}  # the unknown conditions each cached local met
        self._point_sinks: list[dict] = []  # locals being computed: the conditions they meet
        self.source = source
        self.variable_values = variable_values or {}
        self._locals_cache: dict[str, Node] = {}
        self._locals_active: set[str] = set()
        self._depth = 0
        # Conditionals whose condition is not known statically (`terraform.workspace == "prod" ?
        # exact : ["repo:acme/*"]`): seen ones are recorded (shared by derived evaluators) so the
        # reader can judge the resource once per branch; `assumptions` picks the branch.
        self.branch_points: dict[tuple, tuple] = {}  # key -> (condition text, path, span)
        self.assumptions: dict[tuple, bool] = {}

    # -- entry points -------------------------------------------------------------
    def attribute(self, block: Block, name: str) -> Node | None:
        attr = block.attributes.get(name)
        if attr is None:
            return None
        return self.with_source(block.source).eval(attr.expr)

    def for_template_file(self, source: SourceFile) -> "Evaluator":
        """A fresh evaluator for a templatefile(): only the variables passed reach the template
        (no locals, no count/each of the caller)."""
        other = Evaluator(self.module, source, self.variable_values, self.root)
        other.inputs = self.inputs
        other.branch_points, other.assumptions = self.branch_points, self.assumptions
        self.inputs.add(source.path)
        return other

    def with_source(self, source: SourceFile | None) -> "Evaluator":
        if source is None or source is self.source:
            return self
        other = Evaluator(self.module, source, self.variable_values, self.root)
        other._locals_cache = self._locals_cache
        other._locals_active = self._locals_active
        other._locals_inputs = self._locals_inputs
        other._locals_points = self._locals_points
        other._point_sinks = self._point_sinks
        other.instance = self.instance
        other.files_read = self.files_read
        other.inputs = self.inputs
        other.branch_points, other.assumptions = self.branch_points, self.assumptions
        self.inputs.add(source.path)
        return other

    def with_instance(self, instance: dict[str, Node]) -> "Evaluator":
        """The same evaluator inside one instance of a count/for_each resource or module."""
        other = Evaluator(self.module, self.source, self.variable_values, self.root)
        other._locals_cache = self._locals_cache
        other._locals_active = self._locals_active
        other._locals_inputs = self._locals_inputs
        other._locals_points = self._locals_points
        other._point_sinks = self._point_sinks
        other.instance = instance
        other.files_read = self.files_read
        other.inputs = self.inputs
        other.branch_points, other.assumptions = self.branch_points, self.assumptions
        return other

    def with_assumptions(self, assumptions: dict[tuple, bool]) -> "Evaluator":
        """The same evaluator taking the given branch of each listed conditional; locals are
        evaluated afresh (a cached local holds the other branch)."""
        other = Evaluator(self.module, self.source, self.variable_values, self.root)
        other._locals_inputs = self._locals_inputs
        other._locals_points = self._locals_points
        other._point_sinks = self._point_sinks
        other.instance = self.instance
        other.files_read = self.files_read
        other.inputs = self.inputs
        other.branch_points = self.branch_points
        other.assumptions = {**self.assumptions, **assumptions}
        return other

    def eval(self, tree, bindings: dict | None = None) -> Node:
        self._depth += 1
        try:
            if self._depth > _MAX_DEPTH:
                raise AnalysisError("expression nested too deeply to evaluate", tree_span(tree))
            return self._eval(tree, bindings or {})
        finally:
            self._depth -= 1

    def unknown(self, tree, reason: str = "not known before apply") -> Node:
        span = tree_span(tree)
        return Node(Unknown(source_text(self.source, span), reason), span)

    # -- dispatch -----------------------------------------------------------------
    def _eval(self, tree, bindings: dict) -> Node:
        if not hasattr(tree, "data"):
            return Node(str(tree), tree_span(tree))
        kind = tree.data
        handler = getattr(self, "_eval_" + str(kind), None)
        if handler is None:
            return self.unknown(tree, f"unsupported expression ({kind})")
        return handler(tree, bindings)

    def _eval_expr_term(self, tree, bindings):
        parts = _trees(tree)
        if len(parts) == 1:
            node = self.eval(parts[0], bindings)
            if tree.children and _is_token(tree.children[0], "("):
                node = Node(node.value, tree_span(tree), origin=node.origin)
            return node
        return self.unknown(tree)

    def _eval_int_lit(self, tree, bindings):
        return Node(int(str(tree.children[0])), tree_span(tree))

    def _eval_float_lit(self, tree, bindings):
        return Node(float(str(tree.children[0])), tree_span(tree))

    def _eval_literal_value(self, tree, bindings):
        word = str(tree.children[0])
        return Node({"true": True, "false": False}.get(word), tree_span(tree))

    def _eval_tuple(self, tree, bindings):
        return Node([self.eval(t, bindings) for t in _trees(tree)], tree_span(tree))

    def _eval_object(self, tree, bindings):
        items: dict[str, Node] = {}
        for elem in _trees(tree):
            key_tree, value_tree = _trees(elem)
            key = self._object_key(key_tree, bindings)
            value = self.eval(value_tree, bindings)
            value.key_span = tree_span(key_tree)
            items[key] = value
        return Node(items, tree_span(tree))

    def _object_key(self, key_tree, bindings) -> str:
        inner = _trees(key_tree)[0] if _trees(key_tree) else key_tree
        # A bare identifier key (`Effect = ...`) names itself; anything else is evaluated.
        if hasattr(inner, "data") and inner.data == "expr_term":
            only = _trees(inner)
            if len(only) == 1 and only[0].data == "identifier":
                return str(only[0].children[0])
        if hasattr(inner, "data") and inner.data == "keyword":
            return str(inner.children[0])
        return text_of(self.eval(inner, bindings)) or ""

    def _eval_identifier(self, tree, bindings):
        name = str(tree.children[0])
        if name in bindings:
            bound = bindings[name]
            return Node(bound.value, tree_span(tree), origin=bound.origin)
        return self._resolve(name, [], tree, bindings)

    def _eval_conditional(self, tree, bindings):
        cond_tree, true_tree, false_tree = _trees(tree)
        cond = self.eval(cond_tree, bindings)
        if isinstance(cond.value, bool):
            return self.eval(true_tree if cond.value else false_tree, bindings)
        span = tree_span(cond_tree)
        text = _written(self.source, span)
        if any(re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", text) for name in bindings):
            # It depends on a `for` variable: one branch for every element would be a guess.
            return self.unknown(tree, "condition not known statically")
        # The same condition written twice in a module is one choice: keyed by its text.
        key = (self.source.path, "?:", " ".join(text.split()))
        point = (" ".join(text.split()), self.source.path, span)
        for sink in self._point_sinks:
            sink.setdefault(key, point)  # a local being computed depends on this condition
        if key in self.assumptions:
            return self.eval(true_tree if self.assumptions[key] else false_tree, bindings)
        self.branch_points.setdefault(key, point)
        return self.unknown(tree, "condition not known statically")

    def _eval_unary_op(self, tree, bindings):
        op = str(tree.children[0])
        operand = self.eval(_trees(tree)[0], bindings)
        if op == "!" and isinstance(operand.value, bool):
            return Node(not operand.value, tree_span(tree))
        if op == "-" and isinstance(operand.value, (int, float)) and not isinstance(operand.value, bool):
            return Node(-operand.value, tree_span(tree))
        return self.unknown(tree)

    def _eval_binary_op(self, tree, bindings):
        left_tree, term = _trees(tree)[:2]
        op_tree, right_tree = _trees(term)
        op = str(op_tree.children[0]).strip()
        left = self.eval(left_tree, bindings)
        right = self.eval(right_tree, bindings)
        if not (is_fully_known(left) and is_fully_known(right)):
            return self.unknown(tree)
        a, b = plain(left), plain(right)
        try:
            value = _BINARY[op](a, b)
        except (KeyError, TypeError, ZeroDivisionError):
            return self.unknown(tree, f"cannot evaluate {op}")
        return Node(value, tree_span(tree))

    # -- strings ------------------------------------------------------------------
    def _eval_string(self, tree, bindings):
        parts: list = []
        for part in tree.children:
            if not hasattr(part, "data"):
                continue
            inner = part.children[0]
            if not hasattr(inner, "data"):
                token = str(inner)
                kind = getattr(inner, "type", "")
                if kind == "ESCAPED_INTERPOLATION":
                    parts.append(token[1:])
                elif kind == "ESCAPED_DIRECTIVE":
                    parts.append(token[1:])
                elif kind == LITERAL_TEXT:
                    parts.append(token)
                else:
                    parts.append(_unescape(token))
            elif inner.data == "interpolation":
                parts.extend(self._template_part(_trees(inner)[0], bindings))
            else:
                return self._directive_string(tree, bindings)
        return template_node(parts, tree_span(tree))

    def _directive_string(self, tree, bindings) -> Node:
        """A quoted string with `%{ if }` / `%{ for }`: rendered from its source text."""
        from . import templates

        span = tree_span(tree)
        raw = source_text(self.source, span)
        if span.line != span.end_line or len(raw) < 2 or not (raw.startswith('"') and raw.endswith('"')):
            return self.unknown(tree, "template directive in a string spanning lines")
        out = templates.Rendered()
        try:
            templates.render(templates.parse(raw[1:-1]), bindings,
                             lambda text, local: self._embedded_expression(text, tree, local), self._unknown_element(span), out,
                             choose=lambda text, offset: self._branch(text, (span.line, span.column, offset)))
        except templates.TemplateUnknown as exc:
            return self.unknown(tree, str(exc))
        except templates.TemplateLimit as exc:
            raise AnalysisError(str(exc), span) from None
        return template_node([_unescape(p) if isinstance(p, str) else p for p, _ in out.pieces], span)

    def _branch(self, text: str, where) -> bool | None:
        """The branch assumed for a template `%{ if }` not known statically (None: recorded, so
        the resource is read again with each branch taken)."""
        key = (self.source.path, "%{ if }", where)
        if key in self.assumptions:
            return self.assumptions[key]
        self.branch_points.setdefault(key, ("%{ if " + text.strip() + " }", self.source.path, None))
        return None

    @staticmethod
    def _unknown_element(span: Span):
        return lambda name: Node(Unknown(name, "an element of a collection not known statically"), span)

    def _template_part(self, expr, bindings) -> list:
        node = self.eval(expr, bindings)
        if "jsonencode" in node.origin and is_fully_known(node):
            return [json.dumps(plain(node), separators=(",", ":"))]  # "${jsonencode([...])}"
        text = _stringify(node.value)
        if text is not None:
            return [text]
        if isinstance(node.value, Template):
            return list(node.value.parts)
        if isinstance(node.value, Unknown):
            return [node.value]
        return [Unknown(source_text(self.source, tree_span(expr)), "not a string")]

    def _eval_heredoc_template(self, tree, bindings, trim: bool = False):
        token = tree.children[0]
        raw = str(token)
        first_newline = raw.index("\n")
        body = raw[first_newline + 1 :]
        body = body[: body.rstrip("\r\n").rfind("\n") + 1] if "\n" in body.rstrip("\r\n") else ""
        body_offset = self._offset(token.line + 1, 1)
        # The file was parsed with strip markers blanked (python-hcl2 rejects `~`); they trim
        # blanks around directives, so the body is rendered from the file's own text.
        written = self.source.text[body_offset : body_offset + len(body)]
        if "~" in written and len(written) == len(body) and written.replace("~", " ") == body.replace("~", " "):
            body = written
        lines = body.split("\n")
        indent = 0
        if trim:
            widths = [len(l) - len(l.lstrip(" \t")) for l in lines if l.strip()]
            indent = min(widths) if widths else 0
        return self._render_heredoc(lines, indent, body_offset, tree, bindings)

    def _eval_heredoc_template_trim(self, tree, bindings):
        return self._eval_heredoc_template(tree, bindings, trim=True)

    def _offset(self, line: int, column: int) -> int:
        lines = self.source.lines
        return sum(len(l) + 1 for l in lines[: line - 1]) + column - 1

    def _render_heredoc(self, lines, indent, body_offset, tree, bindings) -> Node:
        span = tree_span(tree) if tree is not None else Span(1, 1, 1, 1)
        texts, starts = [], []  # each line without the heredoc's indentation, and where it starts
        source_offset = body_offset
        for line in lines:
            text = line[indent:] if len(line) >= indent else line.lstrip(" \t")
            texts.append(text)
            starts.append(source_offset + (len(line) - len(text)))
            source_offset += len(line) + 1
        if any("%{" in text for text in texts) and any(_has_directive(text) for text in texts):
            return self._render_directives(texts, starts, span, tree, bindings)
        rendered: list[str] = []
        segments: list[tuple[int, int]] = []
        length = 0
        for text, start in zip(texts, starts):
            for piece, piece_offset, is_literal in _split_template(text, start):
                segments.append((length, piece_offset))
                if is_literal:
                    value = piece.replace("$${", "${").replace("%%{", "%{")
                else:
                    value = text_of(self._embedded_expression(piece, tree, bindings)) or ""
                rendered.append(value)
                length += len(value)
            rendered.append("\n")
            segments.append((length, start + len(text)))
            length += 1
        return self._embedded_node("".join(rendered), segments, span)

    def _embedded_node(self, text: str, segments: list, span: Span) -> Node:
        embedded = EmbeddedSource(self.source.path, text, base=self.source, segments=tuple(segments))
        node = Node(text, span, origin=["heredoc"])
        node.embedded = embedded
        return node

    def _render_directives(self, texts: list[str], starts: list[int], span: Span, tree, bindings) -> Node:
        """A heredoc or template file with `%{ if }` / `%{ for }`: rendered as Terraform would, each
        piece mapped back to the line it was written on (a loop body's line for every iteration)."""
        from . import templates

        flat = "".join(text + "\n" for text in texts)
        flat_starts = []  # where each line starts in `flat`
        position = 0
        for text in texts:
            flat_starts.append(position)
            position += len(text) + 1

        def in_source(offset: int) -> int:
            line = bisect.bisect_right(flat_starts, offset) - 1
            return starts[line] + offset - flat_starts[line]

        out = templates.Rendered()
        try:
            templates.render(templates.parse(flat), bindings, lambda text, local: self._embedded_expression(text, tree, local),
                             self._unknown_element(span), out, choose=lambda text, offset: self._branch(text, in_source(offset)))
        except templates.TemplateUnknown as exc:
            return Node(Unknown("<<heredoc", str(exc)), span)
        except templates.TemplateLimit as exc:
            raise AnalysisError(str(exc), span) from None
        segments, length = [], 0
        for part, offset in out.pieces:
            segments.append((length, in_source(offset)))
            length += len(part if isinstance(part, str) else part.placeholder())
        return self._embedded_node(out.text(), segments, span)

    def _embedded_expression(self, text: str, tree, bindings) -> Node:
        if tree is None:
            tree = _NoTree()
        text = text.strip().strip("~")  # strip markers (`${~ x ~}`) only trim whitespace
        expr = _embedded_tree(text.strip())
        if expr is None:
            return Node(Unknown(text.strip(), "unparsable interpolation"), tree_span(tree))
        # Same module, locals, each/count instance and file() budget; only the source differs.
        inner = self.with_source(SourceFile(self.source.path, "x = " + text.strip()))
        inner._depth = self._depth
        node = inner.eval(expr, bindings)
        if isinstance(node.value, Unknown):
            return Node(Unknown(text.strip(), node.value.reason), tree_span(tree))
        return node

    def _eval_template_string(self, tree, bindings):
        return self.unknown(tree, "template directive")

    # -- references -----------------------------------------------------------------
    def _traversal(self, tree) -> tuple[str, list, object] | None:
        """Flatten `a.b[0].c` into ('a', [steps]); steps are ('attr', name) or ('index', tree)."""
        steps: list = []
        node = tree
        while True:
            kind = node.data if hasattr(node, "data") else None
            if kind == "expr_term" and len(_trees(node)) == 1:
                node = _trees(node)[0]
            elif kind == "get_attr_expr_term":
                inner, attr = _trees(node)
                steps.append(("attr", _attr_name(attr)))
                node = inner
            elif kind == "index_expr_term":
                inner, index = _trees(node)
                steps.append(_index_step(index))
                node = inner
            elif kind in ("attr_splat_expr_term", "full_splat_expr_term"):
                inner, splat = _trees(node)[:2]
                # `x[*].a.b`: the steps after the splat live inside the splat node.
                after = [("attr", _attr_name(t)) if t.data == "get_attr" else _index_step(t) for t in _trees(splat)]
                steps.extend(reversed(after))
                steps.append(("splat", None))
                node = inner
            elif kind == "identifier":
                steps.reverse()
                return str(node.children[0]), steps, node
            else:
                return None

    def _eval_get_attr_expr_term(self, tree, bindings):
        flat = self._traversal(tree)
        if flat is None:
            return self.unknown(tree)
        root, steps, _ = flat
        if root in bindings:
            return self._apply_steps(bindings[root], steps, tree, bindings)
        return self._resolve(root, steps, tree, bindings)

    _eval_index_expr_term = _eval_get_attr_expr_term
    _eval_attr_splat_expr_term = _eval_get_attr_expr_term
    _eval_full_splat_expr_term = _eval_get_attr_expr_term

    def _resolve(self, root: str, steps: list, tree, bindings) -> Node:
        span = tree_span(tree)
        expr_text = source_text(self.source, span)
        if root in ("var", "local") and steps and steps[0][0] == "attr":
            name = steps[0][1]
            base = self._variable(name, span) if root == "var" else self._local(name, span)
            # A variable's default may be overridden, and a local in another file is not where
            # a reviewer reads the trust: both are reported where they are used. A local of the
            # same file keeps its exact span (the offending literal).
            elsewhere = root == "var" or self._source_of_local(name) not in (None, self.source)
            if elsewhere and (base.is_known or isinstance(base.value, Template)):
                base = at_use_site(base, span, f"{root}.{name}")
            return self._apply_steps(base, steps[1:], tree, bindings)
        if root == "path" and steps and steps[0][1] in ("module", "root", "cwd"):
            directory = posixpath.dirname(self.source.path) or "."
            return Node(directory, span, origin=[f"path.{steps[0][1]}"])
        if root in self.instance:
            return self._apply_steps(self.instance[root], steps, tree, bindings)
        if root in ("each", "count", "self", "path", "terraform", "module"):
            return Node(Unknown(expr_text, f"{root}.* is not evaluated yet"), span)
        names = [s[1] for s in steps if s[0] == "attr"]
        if root == "data" and len(names) >= 2:
            address = f"data.{names[0]}.{names[1]}"
            attribute = ".".join(names[2:])
        elif names:
            address = f"{root}.{names[0]}"
            attribute = ".".join(names[1:])
        else:
            return Node(Unknown(expr_text, f"unknown name {root!r}"), span)
        return Node(Ref(expr_text, "resolved after apply", address, attribute, self._instance_key(root, steps, bindings)), span)

    def _instance_key(self, root: str, steps: list, bindings: dict):
        """The instance a reference picks: data.T.N[KEY] / T.N[KEY]; None when it picks none."""
        position = 2 if root == "data" else 1
        if len(steps) <= position or steps[position][0] != "index":
            return None
        key = self.eval(steps[position][1], bindings)
        return key.value if key.is_known and isinstance(key.value, (str, int)) and not isinstance(key.value, bool) else UNKNOWN_KEY

    def _variable(self, name: str, span: Span) -> Node:
        if name in self.variable_values:
            node = self.variable_values[name]
            self.inputs.update(getattr(node, "inputs", ()))  # the tfvars file or the module call giving it
            return node
        block = self.module.variables.get(name)
        if block is not None and "default" in block.attributes:
            node = self.with_source(block.source).eval(block.attributes["default"].expr)
            node.origin = [f"default of var.{name}"]
            return node
        return Node(Unknown(f"var.{name}", "input variable without a default"), span)

    def _local(self, name: str, span: Span) -> Node:
        if name in self._locals_cache:
            self.inputs.update(self._locals_inputs.get(name, ()))  # computed once, depended on by each user
            # ... and so are the conditions not known statically it met: each user reads both ways.
            for key, point in self._locals_points.get(name, {}).items():
                self.branch_points.setdefault(key, point)
            return self._locals_cache[name]
        attr = self.module.locals.get(name)
        if attr is None or name in self._locals_active:
            return Node(Unknown(f"local.{name}", "undefined or circular local"), span)
        self._locals_active.add(name)
        met: dict = {}
        self._point_sinks.append(met)
        outer, self.inputs = self.inputs, set()
        try:
            block_source = self._source_of_local(name)
            if block_source is not None:
                self.inputs.add(block_source.path)
            node = self.with_source(block_source).eval(attr.expr)
        finally:
            self._locals_active.discard(name)
            self._point_sinks.remove(met)
            inner, self.inputs = self.inputs, outer
            outer.update(inner)
        self._locals_inputs[name] = inner
        self._locals_points[name] = met
        self._locals_cache[name] = node
        return node

    def _source_of_local(self, name: str) -> SourceFile | None:
        for block in self.module.blocks:
            if block.type == "locals" and name in block.attributes:
                return block.source
        return None

    def _apply_steps(self, base: Node, steps: list, tree, bindings) -> Node:
        node = base
        for position, (kind, arg) in enumerate(steps):
            if kind == "splat" and isinstance(node.value, list):
                rest = steps[position + 1 :]
                items = [self._apply_steps(item, rest, tree, bindings) for item in node.value]
                return Node(items, tree_span(tree))
            if isinstance(node.value, Ref) and kind == "attr":
                # local.provider.arn where local.provider = aws_iam_openid_connect_provider.x[0]
                attribute = ".".join(a for a in (node.value.attribute, arg) if a)
                node = Node(Ref(source_text(self.source, tree_span(tree)), node.value.reason, node.value.address, attribute,
                                node.value.key), tree_span(tree))
                continue
            if isinstance(node.value, Ref) and kind == "index":
                continue
            if isinstance(node.value, (Unknown, Template)):
                return Node(Unknown(source_text(self.source, tree_span(tree)), "depends on an unknown value"), tree_span(tree))
            if kind == "attr" and isinstance(node.value, dict) and arg in node.value:
                node = node.value[arg]
            elif kind == "index":
                key = self.eval(arg, bindings)
                picked = _index(node, key)
                if picked is None:
                    missing = isinstance(node.value, (dict, list)) and key.is_known
                    return self.unknown(tree, NO_SUCH_ELEMENT if missing else "index not known statically")
                node = picked
            elif kind == "attr" and isinstance(node.value, dict):
                return self.unknown(tree, NO_SUCH_ELEMENT)
            else:
                return self.unknown(tree, "attribute not known statically")
        return node

    # -- for expressions and functions -----------------------------------------------
    def _eval_for_tuple_expr(self, tree, bindings):
        return self._for(tree, bindings, as_object=False)

    def _eval_for_object_expr(self, tree, bindings):
        return self._for(tree, bindings, as_object=True)

    def _for(self, tree, bindings, as_object: bool) -> Node:
        parts = _trees(tree)
        intro, rest = parts[0], parts[1:]
        cond = rest[-1] if rest and rest[-1].data == "for_cond" else None
        exprs = [p for p in rest if p is not cond]
        names = [str(t.children[0]) for t in _trees(intro) if t.data == "identifier"]
        collection = self.eval(_trees(intro)[-1], bindings)
        if not isinstance(collection.value, (list, dict)):
            return self.unknown(tree, "for expression over an unknown collection")
        pairs = collection.items() if isinstance(collection.value, dict) else [
            (Node(i, collection.span), v) for i, v in enumerate(collection.value)
        ]
        results: list = []
        for key, value in pairs:
            key_node = key if isinstance(key, Node) else Node(key, collection.span)
            local = dict(bindings)
            if len(names) == 2:
                local[names[0]], local[names[1]] = key_node, value
            else:
                local[names[0]] = value
            if cond is not None:
                test = self.eval(_trees(cond)[0], local)
                if test.value is not True:
                    if isinstance(test.value, bool):
                        continue
                    return self.unknown(tree, "for condition not known statically")
            if as_object:
                k = text_of(self.eval(exprs[0], local)) or ""
                results.append((k, self.eval(exprs[1], local)))
            else:
                results.append(self.eval(exprs[0], local))
        if as_object:
            if any(str(c) == "..." for c in tree.children if not hasattr(c, "data")):
                grouped: dict[str, Node] = {}
                for key, value in results:  # `k => v...` groups values under each key
                    grouped.setdefault(key, Node([], value.span)).value.append(value)
                return Node(grouped, tree_span(tree))
            return Node(dict(results), tree_span(tree))
        return Node(results, tree_span(tree))

    def _eval_function_call(self, tree, bindings):
        parts = _trees(tree)
        name = "::".join(str(p.children[0]) for p in parts if p.data == "identifier")
        arg_trees = _trees(parts[-1]) if parts[-1].data == "arguments" else []
        args = [self.eval(a, bindings) for a in arg_trees]
        if any(_is_token(c, "...") for c in (parts[-1].children if arg_trees else [])) and args:
            last = args.pop()
            if not isinstance(last.value, list):
                return self.unknown(tree, "argument expansion of an unknown list")
            args.extend(last.value)
        return call_function(self, name, args, tree)


class _NoTree:
    """Stands for a template's position when it comes from another file (templatefile)."""

    class meta:  # noqa: N801 - mimics lark's Tree.meta
        empty = False
        line = column = end_line = end_column = 1


def _attr_name(get_attr) -> str:
    return "".join(str(t.children[0]) if hasattr(t, "data") else "" for t in _trees(get_attr))


def _index_step(index):
    if index.data == "short_index":
        return ("index", index.children[-1])
    return ("index", _trees(index)[0])


def _index(node: Node, key: Node) -> Node | None:
    value = node.value
    if isinstance(value, list) and isinstance(key.value, (int, float)) and not isinstance(key.value, bool):
        i = int(key.value)
        return value[i] if 0 <= i < len(value) else None
    if isinstance(value, dict) and isinstance(key.value, str):
        return value.get(key.value)
    return None


def _unescape(text: str) -> str:
    def replace(match: re.Match) -> str:
        escape = match.group(1)
        if escape[0] in "uU":
            try:
                return chr(int(escape[1:], 16))
            except ValueError:
                return match.group(0)
        return _ESCAPES.get(escape, match.group(0))

    return re.sub(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", replace, text)


@functools.lru_cache(maxsize=4096)
def _embedded_tree(text: str):
    """The expression tree of an interpolation's text, or None; a loop renders the same
    interpolation many times, so each text is parsed once."""
    from .hcl import parse_tree

    try:
        attribute = parse_tree("x = " + text).children[0].children
        return [c for c in attribute if hasattr(c, "data") and c.data == "attribute"][0].children[2]
    except (AnalysisError, IndexError):
        return None


def _split_template(text: str, start: int):
    """Split template text into (piece, source_offset, is_literal), finding `${…}` with brace depth."""
    position = 0
    while position < len(text):
        found = text.find("${", position)
        while found > 0 and text[found - 1] == "$":
            found = text.find("${", found + 2)
        if found < 0:
            yield text[position:], start + position, True
            return
        if found > position:
            yield text[position:found], start + position, True
        depth, index = 0, found + 2
        while index < len(text):
            char = text[index]
            if char == "{":
                depth += 1
            elif char == "}":
                if depth == 0:
                    break
                depth -= 1
            index += 1
        yield text[found + 2 : index], start + found, False
        position = index + 1


_BINARY = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
    "+": lambda a, b: a + b if not isinstance(a, str) else float(a) + float(b),
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "%": lambda a, b: a % b,
    "&&": lambda a, b: a and b,
    "||": lambda a, b: a or b,
}


def call_function(evaluator: Evaluator, name: str, args: list[Node], tree) -> Node:
    """Evaluate a Terraform function call; unknown functions or arguments give Unknown."""
    from .functions import FUNCTIONS

    function = FUNCTIONS.get(name.removeprefix("provider::terraform::"))
    if function is None:
        return evaluator.unknown(tree, f"function {name}() is not evaluated")
    try:
        result = function(evaluator, args, tree_span(tree))
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, json.JSONDecodeError, OverflowError, re.error):
        # re.error: RE2 syntax that Python re lacks, such as \p{L}
        return evaluator.unknown(tree, f"{name}() could not be evaluated statically")
    if result is None:
        return evaluator.unknown(tree, f"{name}() depends on an unknown value")
    return result


def _has_directive(text: str) -> bool:
    """templates.has_directive, imported only when a heredoc holds a `%{`: the template module
    (five dataclasses) is not needed by most configurations."""
    from .templates import has_directive

    return has_directive(text)
