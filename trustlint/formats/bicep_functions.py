"""Bicep's functions and operators on values the file states (formats.bicep_values evaluates
the expressions around them). A function that depends on the deployment (`resourceGroup()`,
`uniqueString()`, `reference()`, …) or an argument not known statically gives Unknown; so does
one not implemented here: never a guess."""

from __future__ import annotations

import re

from ..values import Template, Unknown

RUNTIME = {"resourcegroup", "subscription", "tenant", "managementgroup", "deployment", "environment",
           "uniquestring", "guid", "newguid", "utcnow", "reference", "resourceid", "subscriptionresourceid",
           "tenantresourceid", "extensionresourceid", "list", "listkeys", "getsecret", "deployer",
           "managementgroupresourceid", "pickzones", "loadtextcontent", "loadjsoncontent", "loadyamlcontent",
           "loadfileasbase64", "readenvironmentvariable"}


def call(bare: str, name: str, args: list):
    """`name(args…)` (`bare`: lower case, namespace removed) on evaluated arguments."""
    if bare == "any" and len(args) == 1:  # a type cast: the value itself, known or not
        return args[0]
    if bare == "coalesce":
        for arg in args:
            if arg is not None:
                return arg if not isinstance(arg, (Unknown, Template)) else Unknown(
                    f"{name}(…)", "depends on a value not known statically")
        return None
    if bare == "concat":
        if args and all(isinstance(a, list) for a in args):
            return [item for a in args for item in a]
        if all(isinstance(a, (str, int, Template, Unknown)) and not isinstance(a, bool) for a in args):
            return joined([a if isinstance(a, (Template, Unknown)) else str(a) for a in args])
        return Unknown(f"{name}(…)", "concat() of mixed values not evaluated")
    if any(isinstance(a, (Unknown, Template)) for a in args):
        return Unknown(f"{name}(…)", "depends on a value not known statically")
    try:
        return _known_function(bare, args)
    except (IndexError, KeyError, TypeError, ValueError, AttributeError):
        return Unknown(f"{name}(…)", f"{name}() not evaluated with these arguments")


def _known_function(bare: str, args: list):
    if bare == "format":  # .NET composite formatting: {0}, {1:format}, {{ and }}
        return re.sub(r"\{\{|\}\}|\{(\d+)(?::[^}]*)?\}",
                      lambda m: _format_part(args[int(m.group(1)) + 1]) if m.group(1) else m.group()[0], args[0])
    if bare in ("tolower", "toupper"):
        return args[0].lower() if bare == "tolower" else args[0].upper()
    if bare == "string" and isinstance(args[0], (str, int)) and not isinstance(args[0], bool):
        return str(args[0])
    if bare == "replace":
        return args[0].replace(args[1], args[2])
    if bare == "trim":
        return args[0].strip()
    if bare == "substring":
        start = args[1]
        return args[0][start:start + args[2]] if len(args) > 2 else args[0][start:]
    if bare in ("startswith", "endswith"):
        return args[0].lower().startswith(args[1].lower()) if bare == "startswith" else args[0].lower().endswith(args[1].lower())
    if bare in ("take", "skip"):
        return args[0][:max(args[1], 0)] if bare == "take" else args[0][max(args[1], 0):]
    if bare == "empty":
        return args[0] is None or len(args[0]) == 0
    if bare == "length":
        return len(args[0])
    if bare == "contains":
        return args[1] in args[0] if not isinstance(args[0], str) else str(args[1]) in args[0]
    if bare == "range":
        return list(range(args[0], args[0] + min(args[1], 10_000)))
    if bare == "items":
        return items(args[0])
    if bare in ("first", "last"):
        return (args[0][0] if bare == "first" else args[0][-1]) if args[0] else None
    if bare == "union" and all(isinstance(a, dict) for a in args):
        return {k: v for a in args for k, v in a.items()}
    if bare == "union" and all(isinstance(a, list) for a in args):
        return [item for i, a in enumerate(args) for j, item in enumerate(a) if item not in _before(args, i, j)]
    if bare == "split":
        return args[0].split(args[1])
    if bare == "join":
        return args[1].join(args[0])
    if bare == "bool":
        return args[0] if isinstance(args[0], bool) else str(args[0]).lower() == "true"
    raise ValueError(bare)


def _before(args: list, i: int, j: int) -> list:
    return [item for a in args[:i] for item in a] + args[i][:j]


def items(value):
    """items(): an object's entries as {key, value}, sorted by key as Bicep does."""
    if isinstance(value, dict):
        return [{"key": k, "value": value[k]} for k in sorted(value, key=str.lower)]
    return value if isinstance(value, (Unknown, Template)) else Unknown("items(…)", "items() of a value that is no object")


def _format_part(value) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def _opaque(value) -> bool:
    """Unknown, partly unknown, or a reference to a resource: nothing to compute with."""
    return isinstance(value, (Unknown, Template)) or not isinstance(value, (str, int, float, bool, list, dict, type(None)))


def shown(value) -> str:
    """How a value is named in an Unknown's expression."""
    return value.render() if isinstance(value, Template) else value.expr if isinstance(value, Unknown) else str(value)


def unary(operator: str, value):
    """`!x`, `-x`."""
    if operator == "!":
        return (not value) if isinstance(value, bool) else Unknown(f"!{shown(value)}", "depends on a value not known statically")
    if isinstance(value, int) and not isinstance(value, bool):
        return -value
    return Unknown(f"-{shown(value)}", "depends on a value not known statically")


def choose(condition, then, otherwise):
    """`condition ? then : otherwise`."""
    if isinstance(condition, bool):
        return then if condition else otherwise
    if then == otherwise and not _opaque(then):
        return then
    return Unknown(f"{shown(condition)} ? …", "a condition not known statically")


def binary(operator: str, left, right):
    """A binary operator; `&&`, `||` and `??` decide from one known side when they can."""
    if operator == "&&" and (left is False or right is False):
        return False
    if operator == "||" and (left is True or right is True):
        return True
    if operator == "??":
        return left if left is not None and not isinstance(left, (Unknown, Template)) else (
            right if left is None else Unknown(shown(left), "depends on a value not known statically"))
    if _opaque(left) or _opaque(right):
        return Unknown(f"{shown(left)} {operator} {shown(right)}", "depends on a value not known statically")
    try:
        return _known_binary(operator, left, right)
    except (TypeError, ZeroDivisionError, ValueError):
        return Unknown(f"{shown(left)} {operator} {shown(right)}", "not evaluated")


def _known_binary(operator: str, left, right):
    if operator in ("&&", "||"):
        if not isinstance(left, bool) or not isinstance(right, bool):
            raise TypeError(operator)
        return left and right if operator == "&&" else left or right
    if operator in ("==", "!="):
        equal = left == right and type(left) is type(right)
        return equal if operator == "==" else not equal
    if operator in ("=~", "!~"):
        equal = str(left).lower() == str(right).lower()
        return equal if operator == "=~" else not equal
    if isinstance(left, bool) or isinstance(right, bool) or not isinstance(left, int) or not isinstance(right, int):
        raise TypeError(operator)
    if operator == "/" or operator == "%":
        if right == 0:
            raise ZeroDivisionError(operator)
        quotient = abs(left) // abs(right) * (1 if (left >= 0) == (right >= 0) else -1)
        return quotient if operator == "/" else left - quotient * right
    return {">": left > right, ">=": left >= right, "<": left < right, "<=": left <= right,
            "+": left + right, "-": left - right, "*": left * right}[operator]


def joined(parts: list):
    """Strings and unknown parts joined: a str when all are known, else a Template."""
    flat: list = []
    for part in parts:
        flat.extend(part.parts if isinstance(part, Template) else [part])
    if all(isinstance(p, str) for p in flat):
        return "".join(flat)
    merged: list = []
    for part in flat:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif part != "":
            merged.append(part)
    return Template(tuple(merged))
