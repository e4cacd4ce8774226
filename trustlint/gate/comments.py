"""Where a file's real comments are: an inline suppression counts only there.

A `# trustlint:ignore[...]` written inside a string value (an HCL string or heredoc, a YAML
quoted or block scalar) is data, not a comment, and JSON has no comments at all: a pull
request must not be able to switch the gate off from inside a value it controls.
"""

from __future__ import annotations


def comment_offsets(path: str, text: str) -> set[int] | None:
    """0-based offsets of every character inside a comment; None when the file cannot be
    lexed (then no suppression in it is honoured)."""
    lowered = path.lower()
    if lowered.endswith(".json"):
        return set()
    if lowered.endswith((".yaml", ".yml")) or lowered.endswith(".template") and not text.lstrip().startswith("{"):
        return _yaml_comments(text)
    if lowered.endswith(".template"):
        return set()  # a JSON CloudFormation template: no comments
    if lowered.endswith((".tf", ".tfvars", ".hcl", ".tofu")):
        return _hcl_comments(text)
    return None


_BREAKS = "\n\r\x85\u2028\u2029"  # every character YAML (1.1 and 1.2) may take as a line break


def _yaml_comments(text: str) -> set[int] | None:
    import yaml

    scalars: list[tuple[int, int]] = []
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, yaml.ScalarToken):
                start = token.start_mark.index
                if token.style in ("|", ">"):  # the header line (`key: | # note`) is not the scalar's text
                    start = min((i for i in (text.find(b, start) for b in _BREAKS) if i >= 0), default=start)
                scalars.append((start, token.end_mark.index))
    except yaml.YAMLError:
        return None
    scalars.sort()
    out: set[int] = set()
    index, count = 0, len(text)
    position = 0
    while position < count:
        char = text[position]
        while index < len(scalars) and scalars[index][1] <= position:
            index += 1
        inside = index < len(scalars) and scalars[index][0] <= position < scalars[index][1]
        if char == "#" and not inside and (position == 0 or text[position - 1] in " \t" + _BREAKS):
            end = min((i for i in (text.find(b, position) for b in _BREAKS) if i >= 0), default=count)
            out.update(range(position, end))
            position = end
            continue
        position += 1
    return out


def _hcl_comments(text: str) -> set[int] | None:
    """A small HCL lexer: strings with escapes and `${ }` / `%{ }` templates (whose code may
    hold strings again), heredocs, and `#`, `//` and `/* */` comments."""
    out: set[int] = set()
    stack = ["code"]  # "code", "string", "template" (code inside ${ } of a string: counts braces)
    braces = [0]
    position, count = 0, len(text)
    while position < count:
        state, char = stack[-1], text[position]
        pair = text[position:position + 2]
        if state == "string":
            if char == "\\":
                position += 2
                continue
            if text.startswith(("$${", "%%{"), position):
                position += 3  # an escaped `${` / `%{`: literal text, no template starts
                continue
            if pair in ("${", "%{"):
                stack.append("template")
                braces.append(0)
                position += 2
                continue
            if char == '"':  # a newline does not end it: trustlint's parser reads on, and so must this
                stack.pop()
            position += 1
            continue
        # code or template code
        if char == "#" or pair == "//":
            end = text.find("\n", position)
            end = count if end < 0 else end
            out.update(range(position, end))
            position = end
            continue
        if pair == "/*":
            end = text.find("*/", position + 2)
            end = count if end < 0 else end + 2
            out.update(range(position, end))
            position = end
            continue
        if char == '"':
            stack.append("string")
            position += 1
            continue
        if pair == "<<":
            skipped = _heredoc_end(text, position)
            if skipped is not None:
                position = skipped
                continue
        if state == "template":
            if char == "{":
                braces[-1] += 1
            elif char == "}":
                if braces[-1] == 0:
                    stack.pop()
                    braces.pop()
                    position += 1
                    continue
                braces[-1] -= 1
        position += 1
    return out


def _heredoc_end(text: str, position: int) -> int | None:
    """The offset after a heredoc starting at `<<` (its body is a string), else None."""
    start = position + 2
    if start < len(text) and text[start] == "-":
        start += 1
    end = start
    while end < len(text) and (text[end].isalnum() or text[end] in "_.-"):  # the parser's marker characters
        end += 1
    marker = text[start:end]
    if not marker or not marker[0].isalpha():
        return None
    line_end = text.find("\n", end)
    if line_end < 0:
        return len(text)
    offset = line_end + 1
    while offset < len(text):
        next_end = text.find("\n", offset)
        next_end = len(text) if next_end < 0 else next_end
        if text[offset:next_end].strip() == marker:
            return next_end
        offset = next_end + 1
    return len(text)
