"""The fast HCL reader (trustlint/terraform/hcl_reader.py) must build exactly python-hcl2's parse
tree - rule names, tokens, token types, positions - or decline. Compared here on every HCL file
of the repository, on the grammar's quirks one by one, on generated and mutated inputs, and by
whole scans with the reader switched off. (bench/compare_hcl_reader.py runs the same comparison
over any directory of real configurations.)"""

from __future__ import annotations

import subprocess
import sys

import hcl2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustlint.terraform import hcl, hcl_reader
from trustlint.scan import ScanOptions, run_scan

from .conftest import REPO_ROOT


_verdict = hcl_reader.verdict


def test_terminals_are_python_hcl2s():
    """The reader's token patterns are copies of python-hcl2's grammar: a new python-hcl2 that
    changes one must fail here, not misread quietly."""
    terminals = {t.name: t.pattern.to_regexp() for t in hcl2.parser.parser().terminals}
    copies = {"NL_OR_COMMENT": hcl_reader._NL_OR_COMMENT, "NAME": hcl_reader._NAME,
              "INT_LITERAL": hcl_reader._INT, "FLOAT_LITERAL": hcl_reader._FLOAT,
              "STRING_CHARS": hcl_reader._STRING_CHARS, "HEREDOC_TEMPLATE": hcl_reader._HEREDOC,
              "HEREDOC_TEMPLATE_TRIM": hcl_reader._HEREDOC_TRIM,
              "ESCAPED_INTERPOLATION": hcl_reader._ESCAPED_INTERPOLATION,
              "ESCAPED_DIRECTIVE": hcl_reader._ESCAPED_DIRECTIVE}
    for name, pattern in copies.items():
        assert terminals[name] == pattern.pattern, name
    assert {w.upper() for w in hcl_reader._NAMES} == {"IN", "FOR", "IF", "FOR_EACH", "ELSE", "ENDIF", "ENDFOR",
                                                      "TRUE", "FALSE", "NULL"}
    assert all(terminals[t] for t in hcl_reader._NAMES.values())


HCL_FILES = sorted(p for pattern in ("*.tf", "*.tfvars", "*.hcl") for p in REPO_ROOT.glob(f"**/{pattern}")
                   if ".git" not in p.parts)


@pytest.mark.parametrize("path", HCL_FILES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_every_hcl_file_of_the_repository_reads_as_python_hcl2_reads_it(path):
    verdict = _verdict(path.read_text(encoding="utf-8", errors="replace"))
    assert verdict in ("same", "both-reject"), verdict


QUIRKS = {
    "blanks before = belong to EQ": 'a    = 1\nb\t= "x"\n',
    "attribute names that are keywords": "for_each = 1\nin = 2\nif = 3\nfor = 4\nelse = 5\ntrue = 6\nnull = 7\n",
    "block labels of every kind": 'resource "aws_iam_role" plain {\n}\nlocals {}\ndynamic "statement" {\n  for_each = x\n  content {}\n}\nx y z\n{\n  a = 1\n}\n',
    "newline before an operator is merged into it": "a = x\n  || y\nb = 1\n  + 2\n  * 3\nc = p\n  ? q\n  : r\n",
    "a binary operation takes the newlines after it": "a = x + y\n\n# c\nb = x * y + z // c\nc = x == y\n",
    "a looser operator after an operation and a comment": "a = b * c /* c */ - d\nb = x + y /* c */ || z\n",
    "comments of every kind": "# one\n// two\n/* three\n*/ a = 1 # four\nb = 2 /* five */\n",
    "numbers": "a = [1, -2, -25, 1.5, -2.5e3, 1e5, 0.5E-2, 12]\nb = x -1\nc = 10 - -1\n",
    "unary operators": "a = -x\nb = !x.y\nc = !(a && b)\n",
    "conditionals nest to the right": "a = x ? y : z ? 1 : 2\nb = (x ? y : z) ? 1 : 2\nc = x ?\n  y :\n  z\n",
    "traversals, indexes and splats": "a = x.y[0].z\nb = x.0.y\nc = x.*.id\nd = x[*].y[0]\ne = x.*.y.*.z\nf = x.true\ng = x[\"k\"][var.i]\n",
    "function calls": "a = f()\nb = f(x, y,)\nc = f(x...)\nd = f(\n  x,\n  y\n)\ne = provider::aws::arn_parse(x)\nf = g (1)\n",
    "tuples": "a = []\nb = [1, 2]\nc = [\n  1,\n  2,\n]\nd = [1\n, 2]\n",
    "objects": "a = {}\nb = { x = 1, y = 2 }\nc = {\n  x = 1\n  y: 2,\n  \"z\" = 3\n  (k) = 4\n  for_each = 5\n  in = 6\n}\nd = { for = 1 }\ne = {x = 1 y = 2}\n",
    "a for condition after a comment line": "a = { for k, v in m : k => v.name\n  # why\n  if v != \"\"\n}\n",
    "for expressions": "a = [for x in xs : x.id if x.on]\nb = { for k, v in m : k => v... if v != null }\nc = [\n  for x in xs :\n  x\n]\nd = {\n  for k, v in m :\n  k => v\n  if v\n}\n",
    "strings and templates": 'a = "plain"\nb = "x${var.y}z"\nc = "$${literal}"\nd = "%%{literal}"\ne = ""\nf = "a\\"b\\\\c"\ng = "${a ? "x" : "y"}"\nh = "100%"\ni = "$"\n',
    "heredocs": "a = <<EOF\nline ${x}\nEOF\nb = <<-EOT\n    indented\n    EOT\nc = <<EOF\nEOF\nd = jsonencode(<<X\n{}\nX\n)\n",
    "CRLF line endings": 'a = 1\r\nb = "x"\r\nc {\r\n  d = [1,\r\n  2]\r\n}\r\n',
    "an empty file": "",
    "only comments": "# nothing\n",
    "no final newline": "a = 1",
    "a trailing comment without newline": "a = 1 # end",
    "a chain deeper than Python's recursion limit": "a = " + " + ".join(["x"] * 1000) + "\n",
    "nested blocks": 'a "b" {\n  c {\n    d = 1\n  }\n  e "f" "g" { h = 2 }\n}\n',
}


@pytest.mark.parametrize("name", QUIRKS)
def test_grammar_quirks_read_as_python_hcl2_reads_them(name):
    assert _verdict(QUIRKS[name]) == "same"


REJECTED = {
    "a signed number after a term": "a = x -12\n",
    "a newline right after =": "a =\n  1\n",
    "a newline inside an interpolation": 'a = "${\nx}"\n',
    "an unterminated string": 'a = "x\n',
    "an unterminated block": "a {\n b = 1\n",
    "an unterminated comment": "/* a = 1\n",
    "a stray character": "a = 1 @\n",
    "two operators": "a = 1 + * 2\n",
    "a double negation": "a = - -1\n",
    # A comment before `-` stays a token of its own (it merges into the other operators).
    "a tighter minus after an operation and a comment": "a = b || c /* c */ - d\n",
    "a minus after an operation and a comment": "x = [] || {} /* c */ -x\n",
    "a provider function with one '::'": "a = p::n(f(1))\n",
    "a trailing comma after a line break": "a = f(1\n,)\n",
    "an ellipsis after a comment": "a = f(x /* c */ ...)\n",
    # After two line breaks python-hcl2 lexes in a state that takes every keyword.
    "a keyword-named variable after a comment line": "a = [\n  # c\n  in\n]\n",
    "a literal-named for variable after a comment": "a = [for\n/* c */ true in x : 1]\n",
    "a keyword-named collection after a comment": "a = { for k, v in\n/* c */ for_each : k => v }\n",
}


@pytest.mark.parametrize("name", REJECTED)
def test_what_python_hcl2_rejects_the_reader_declines(name):
    assert _verdict(REJECTED[name]) == "both-reject"


DECLINED = {
    "a template directive in a quoted string": 'a = "%{ if x }y%{ endif }"\n',
}


@pytest.mark.parametrize("name", DECLINED)
def test_constructs_left_to_python_hcl2_still_parse(name):
    assert _verdict(DECLINED[name]) == "declined"
    assert hcl.parse_tree(DECLINED[name]).data == "start"  # python-hcl2 took it


# -- generated inputs -----------------------------------------------------------------------

_GAPS = st.sampled_from(["", " ", " ", "  ", "\t", " /* c */ "])
_BREAKS = st.sampled_from(["\n", "\n  ", " # c\n", " // c\n", "\r\n", "\n\n"])
_NAMES = st.sampled_from(["x", "var", "each", "x", "y", "a-b", "_x", "in", "for", "if", "for_each", "true", "null", "endif"])
_NUMBERS = st.sampled_from(["1", "-1", "-12", "1.5", "-2.5e3", "0", "10", "1e3"])
_STRINGS = st.sampled_from(['"s"', '""', '"a${x}b"', '"$${x}"', '"%%{x}"', '"100%"', '"a\\"b"', '"${x.y[0]}"'])
_OPERATORS = st.sampled_from(["||", "&&", "==", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%"])


def _joined(draw, parts: list[str]) -> str:
    return "".join(part + draw(_GAPS) for part in parts)


@st.composite
def _expressions(draw, depth: int = 0) -> str:
    atoms = [draw(_NAMES), draw(_NUMBERS), draw(_STRINGS), "<<EOF\nx\nEOF\n"]
    if depth >= 3:
        return draw(st.sampled_from(atoms))
    inner = _expressions(depth + 1)
    kind = draw(st.integers(0, 11))
    if kind == 0:
        return _joined(draw, [draw(inner), draw(_OPERATORS), draw(inner)])
    if kind == 1:
        return _joined(draw, [draw(inner), "?", draw(inner), ":", draw(inner)])
    if kind == 2:
        return _joined(draw, ["f", "(", *[draw(inner) + "," for _ in range(draw(st.integers(0, 2)))], ")"])
    if kind == 3:
        return _joined(draw, ["[", *[draw(inner) + draw(st.sampled_from([",", ""])) for _ in range(draw(st.integers(0, 3)))], "]"])
    if kind == 4:
        elements = [draw(_NAMES) + draw(st.sampled_from([" = ", ": ", "="])) + draw(inner) + draw(st.sampled_from([",", "\n", ""]))
                    for _ in range(draw(st.integers(0, 3)))]
        return _joined(draw, ["{", *elements, "}"])
    if kind == 5:
        return _joined(draw, ["[", "for", draw(_NAMES), "in", draw(inner), ":", draw(inner),
                              draw(st.sampled_from(["", "if x"])), "]"])
    if kind == 6:
        return _joined(draw, ["{", "for", "k,", "v", "in", draw(inner), ":", "k", "=>", draw(inner),
                              draw(st.sampled_from(["", "...", "if v"])), "}"])
    if kind == 7:
        return draw(inner) + draw(st.sampled_from([".y", ".0", "[0]", ".*.id", "[*].id", ".true", "[x]"]))
    if kind == 8:
        return draw(st.sampled_from(["-", "!"])) + draw(inner)
    if kind == 9:
        return _joined(draw, ["(", draw(inner), ")"])
    return draw(st.sampled_from(atoms))


@st.composite
def _documents(draw) -> str:
    statements = []
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            statements.append(_joined(draw, [draw(_NAMES), "=", draw(_expressions())]))
        else:
            labels = [draw(st.sampled_from(['"r"', "name", "for_each", '"a b"'])) for _ in range(draw(st.integers(0, 2)))]
            body = _joined(draw, [draw(_NAMES), "=", draw(_expressions())])
            statements.append(_joined(draw, [draw(_NAMES), *labels, "{", body, "}"]))
    text = "\n".join(statements)
    # A line break or comment where a blank was: valid in some places only, as in real files.
    blanks = [i for i, char in enumerate(text) if char == " "]
    for index in sorted(draw(st.lists(st.sampled_from(blanks), max_size=2, unique=True)) if blanks else [], reverse=True):
        text = text[:index] + draw(_BREAKS) + text[index + 1:]
    return text


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_documents())
def test_generated_hcl_reads_as_python_hcl2_reads_it_or_is_declined(text):
    assert _verdict(text) in ("same", "both-reject", "declined")


_MUTATION_SOURCES = [p for p in HCL_FILES if p.stat().st_size < 6000][:40]
_INSERTS = st.sampled_from(["\n", " ", "-1", "-12", "||", "?", ":", "for", "in", "=", "{", "}", "[", "]", '"', "${",
                            "<<EOF\n", "#", "/*", ",", "...", ".*", "[*]", "(", ")", "!", "\\", "%{", "::"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_MUTATION_SOURCES), st.integers(0, 10**6), st.integers(0, 3), _INSERTS)
def test_mutated_files_read_as_python_hcl2_reads_them_or_are_declined(path, where, cut, insert):
    text = path.read_text(encoding="utf-8", errors="replace")
    at = where % (len(text) + 1)
    mutated = text[:at] + insert + text[at + cut:]
    assert _verdict(mutated) in ("same", "both-reject", "declined")


# -- whole scans ------------------------------------------------------------------------------

SCAN_CASES = [REPO_ROOT / "examples", REPO_ROOT / "tests" / "robustness" / "corpus",
              *sorted({p.parent for p in (REPO_ROOT / "tests" / "rules").glob("TL*/*/*/**/*.tf")})]


def _findings(result) -> list[tuple]:
    return [(f.rule_id, f.path, f.span.line, f.span.column, f.span.end_line, f.span.end_column, f.address, f.message)
            for f in result.findings]


@pytest.mark.parametrize("case", SCAN_CASES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_scans_find_the_same_with_python_hcl2_alone(case, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    target = str(case.relative_to(REPO_ROOT))
    fast = run_scan(ScanOptions(paths=[target]))
    monkeypatch.setattr(hcl, "FAST_READER", False)
    reference = run_scan(ScanOptions(paths=[target]))
    assert _findings(fast) == _findings(reference)
    assert sorted(fast.unknowns) == sorted(reference.unknowns)


def test_a_terraform_scan_does_not_load_lark(tmp_path):
    """The point of the reader: a pre-commit scan of ordinary Terraform never pays for Lark."""
    source = REPO_ROOT / "tests" / "rules" / "TL001-wildcard-subject" / "bad"
    case = next(p for p in sorted(source.glob("*/*.tf")) if "aws_iam_role" in p.read_text())
    (tmp_path / "main.tf").write_text(case.read_text())
    code = ("import sys; from trustlint.cli import main\n"
            "try:\n    main(['scan', 'main.tf', '--format', 'json', '--fail-on', 'never', '-o', 'out.json'])\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m for m in ('lark', 'hcl2') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                          env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", done.stdout
    assert "TL001" in (tmp_path / "out.json").read_text()
