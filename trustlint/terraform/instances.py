"""count and for_each: the instances of a resource, module or data block."""

from __future__ import annotations

from ..values import Node
from .evaluator import Evaluator
from .hcl import Block

MAX_INSTANCES = 200


def evaluated_instances(block: Block, ev: Evaluator, limits: list | None = None) -> list[tuple[str, Evaluator]]:
    """(address suffix, evaluator with count/each bound) per instance of a block; [("", ev)]
    when count/for_each is absent or not known statically. Past MAX_INSTANCES the rest is not
    analysed, and `limits` receives (span, message) to report it (never a silent cut)."""
    if "for_each" in block.attributes:
        collection = ev.attribute(block, "for_each")
        if collection is not None and isinstance(collection.value, dict):
            pairs = sorted(collection.value.items())
        elif collection is not None and isinstance(collection.value, list) and all(
                isinstance(i.value, str) for i in collection.value):
            pairs = sorted((i.value, i) for i in collection.value)
        else:
            return [("", ev)]
        if not pairs:
            expression = _flag(block, "for_each")
            if expression is None or limits is None:
                return []
            # Empty with today's values but one variable away: one instance judged, with each.*
            # not known (never a wildcard), naming the setting.
            limits.append((None, f"for_each = {expression}"))
            return [("", ev)]
        out = []
        if len(pairs) > MAX_INSTANCES and limits is not None:
            limits.append((collection.span, f"for_each has {len(pairs)} instances; only the first {MAX_INSTANCES} "
                                            f"(by key) are analysed, from {pairs[MAX_INSTANCES][0]!r} on they are not"))
        for key, value in pairs[:MAX_INSTANCES]:
            each = Node({"key": Node(key, value.span), "value": value}, value.span)
            out.append((f'["{key}"]', ev.with_instance({"each": each})))
        return out
    if "count" in block.attributes:
        count = ev.attribute(block, "count")
        if count is not None and isinstance(count.value, bool):
            count = Node(int(count.value), count.span)
        if count is not None and isinstance(count.value, int):
            if count.value <= 0:
                expression = _flag(block)
                if expression is None or limits is None:
                    return []
                # Off with today's values but one variable away (count = var.enable ? 1 : 0):
                # judged as if enabled, and the finding says which setting turns it on.
                limits.append((None, f"count = {expression}"))
                return [("[0]", ev.with_instance({"count": Node({"index": Node(0, count.span)}, count.span)}))]
            if count.value > MAX_INSTANCES and limits is not None:
                limits.append((count.span, f"count is {count.value}; only the first {MAX_INSTANCES} instances are analysed"))
            if count.value == 1:
                return [("[0]", ev.with_instance({"count": Node({"index": Node(0, count.span)}, count.span)}))]
            return [(f"[{i}]", ev.with_instance({"count": Node({"index": Node(i, count.span)}, count.span)}))
                    for i in range(min(count.value, MAX_INSTANCES))]
    return [("", ev)]


def _flag(block: Block, name: str = "count") -> str | None:
    """The count expression when it depends on a value (a feature flag: `var.enable ? 1 : 0`,
    `var.create`, `length(var.names)`), else None: only a literal `0` / `false` means never."""
    from .evaluator import source_text

    attribute = block.attributes.get(name)
    if attribute is None:
        return None
    text = source_text(block.source, _span_of(attribute.expr)).strip()
    return None if text.lower().replace(" ", "") in ("0", "false", "[]", "{}", "toset([])", "tomap({})") else text


def _span_of(tree):
    from .hcl import tree_span

    return tree_span(tree)
