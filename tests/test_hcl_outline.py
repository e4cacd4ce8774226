"""The HCL outline (top-level blocks found without parsing) and the masking built on it:
declined blocks become one comment holding the same newlines, so the blocks kept parse to
the same trees at the same positions, and anything the outline cannot read safely is
parsed whole."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st


from trustlint.errors import AnalysisError
from trustlint.terraform import hcl
from trustlint.terraform.hcl import outline, parse_hcl, source_outline
from trustlint.terraform.configuration import _needed_blocks, may_matter
from trustlint.source import SourceFile

TRICKY = textwrap.dedent('''\
    # a comment with a brace }
    resource "aws_s3_bucket" "logs" {
      bucket = "logs-}{-${join("}", ["a", "{"])}"
      /* a block comment { with braces
         over two lines } */
      policy = <<-EOF
        {"Statement": [{"Effect": "Allow"}
        EOF
      tags = { Name = "x" } // trailing }
    }

    data "aws_iam_policy_document" "trust" {
      statement {
        actions = ["sts:AssumeRoleWithWebIdentity"]
        principals {
          type        = "Federated"
          identifiers = ["arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"]
        }
      }
    } # closing comment

    locals { name = "x" }
    resource "aws_instance" "web" {
      ami = "ami-123" # }
    }
''')


def test_outline_finds_each_top_level_block_despite_braces_in_strings_comments_and_heredocs():
    items = outline(TRICKY)
    assert [(first, last, kind, label) for first, last, kind, label, _ in items] == [
        (2, 10, "resource", "aws_s3_bucket"),
        (12, 20, "data", "aws_iam_policy_document"),
        (22, 22, "locals", ""),
        (23, 25, "resource", "aws_instance"),
    ]
    assert items[2][4] == 'locals { name = "x" }'


def test_outline_gives_up_on_what_is_not_a_plain_sequence_of_blocks():
    assert outline('name = "top-level attribute"\n') is None  # a .tfvars-like body
    assert outline('resource "a" "b" {}  resource "c" "d" {}\n') is None  # two blocks on one line
    assert outline('resource "a" "b" {\n  x = "unterminated\n}\n') is None
    assert outline('resource "a" "b" {\n  x = [1, 2}\n') is None  # mismatched brackets
    assert outline('resource "a" "b" {\n  x = <<EOF\nno end marker\n}\n') is None
    # python-hcl2 ends a heredoc only at a line of the bare marker: so does the outline
    assert outline('resource "a" "b" {\n  x = <<EOF\n{}\nEOF  \n}\n') is None
    assert outline('resource "a" "b" {\n  x = <<-EOF\n  {}\n  EOF\n}\n')[0][:2] == (1, 5)
    assert outline('resource "a" "b" {\n  x = 1\n') is None  # never closed
    assert outline("") == []


def _shape(blocks):
    return [(b.type, b.labels, b.span, b.header, {k: (a.span, a.name_span) for k, a in b.attributes.items()},
             _shape(b.blocks)) for b in blocks]


def test_masked_parse_keeps_the_blocks_that_matter_at_their_exact_positions():
    source = SourceFile("main.tf", TRICKY)
    whole = parse_hcl(source)
    masked = parse_hcl(source, may_matter)
    assert [b.labels for b in masked] == [["aws_iam_policy_document", "trust"], []]
    kept = [b for b in whole if b.type in ("data", "locals")]
    assert _shape(masked) == _shape(kept)


def test_a_federation_token_keeps_a_block_of_any_type():
    text = 'resource "aws_lambda_function" "f" {\n  environment {\n    variables = { AWS_ACCESS_KEY_ID = "AKIA..." }\n  }\n}\n'
    assert [b.labels for b in parse_hcl(SourceFile("f.tf", text), may_matter)] == [["aws_lambda_function", "f"]]


def test_a_permission_policy_document_is_declined_and_a_trust_document_kept():
    permission = 'data "aws_iam_policy_document" "read" {\n  statement {\n    actions = ["s3:GetObject"]\n  }\n}\n'
    merged = 'data "aws_iam_policy_document" "all" {\n  source_policy_documents = [local.doc]\n}\n'
    assert parse_hcl(SourceFile("p.tf", permission), may_matter) == []
    assert len(parse_hcl(SourceFile("p.tf", merged), may_matter)) == 1


def test_a_syntax_error_in_a_kept_block_is_reported_where_it_is():
    text = 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\nresource "aws_iam_role" "r" {\n  name = = "broken"\n}\n'
    with pytest.raises(AnalysisError, match="invalid HCL") as raised:
        parse_hcl(SourceFile("e.tf", text), may_matter)
    assert raised.value.span.line == 5


def test_when_a_misread_outline_leaves_text_that_does_not_parse_the_whole_file_decides():
    # An outline that ends the bucket a line early would leave its `}` dangling.
    text = 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\nresource "aws_iam_role" "r" {\n  name = "r"\n}\n'
    wrong = [(1, 2, "resource", "aws_s3_bucket", ""), (4, 6, "resource", "aws_iam_role", "")]
    blocks = parse_hcl(SourceFile("e.tf", text), may_matter, wrong)
    assert [b.labels for b in blocks] == [["aws_s3_bucket", "b"], ["aws_iam_role", "r"]]


def test_a_syntax_error_in_a_skipped_block_no_longer_hides_the_trust_in_the_same_file(tmp_path, monkeypatch):
    # Blocks trustlint skips are not validated (that is `terraform validate`'s job); what it
    # reads still is, and a broken bucket no longer costs the analysis of the role beside it.
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text(textwrap.dedent('''\
        resource "aws_s3_bucket" "logs" {
          bucket = = "broken"
        }

        resource "aws_iam_role" "deploy" {
          name = "deploy"
          assume_role_policy = jsonencode({
            Version = "2012-10-17"
            Statement = [{
              Effect    = "Allow"
              Action    = "sts:AssumeRoleWithWebIdentity"
              Principal = { Federated = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com" }
              Condition = {
                StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }
                StringLike   = { "token.actions.githubusercontent.com:sub" = "repo:acme/*" }
              }
            }]
          })
        }
        '''))
    from trustlint.terraform import configuration as terraform
    from trustlint.scan import ScanOptions, run_scan

    monkeypatch.chdir(tmp_path)
    found = [(f.rule_id, f.path, f.span.line, f.address) for f in run_scan(ScanOptions(paths=["."])).findings]
    assert ("TL001", "main.tf", 15, "aws_iam_role.deploy") in found
    assert not any(rule == "TL000" for rule, *_ in found)

    monkeypatch.setattr(terraform, "SKIP_UNNEEDED_BLOCKS", False)  # the whole file is parsed
    whole = [(f.rule_id, f.path, f.span.line) for f in run_scan(ScanOptions(paths=["."])).findings]
    assert whole == [("TL000", "main.tf", 2)]


def test_hostile_headers_and_many_blocks_stay_linear():
    # A block type followed by long names and no `{`: the header pattern must not try every
    # way of splitting the names (that backtracking never finishes at this size).
    assert outline("resource " + "b" * 60 + " x" * 60 + "\n") is None
    # Many blocks with heredocs: every line number counted once, heredoc markers found by
    # plain search (no pattern compiled per marker).
    text = "".join(f'resource "a" "b{i}" {{\n  x = <<EOT{i}\n  {{\n  EOT{i}\n}}\n' for i in range(20000))
    items = outline(text)
    assert len(items) == 20000
    assert items[-1][:4] == (99996, 100000, "resource", "a")
    assert outline('resource "a" "b" {\n  x = <<EOT\nEOTX\n  EOT\n}\n')[0][:2] == (1, 5)


SEED_FILES = [p for p in sorted((Path(__file__).resolve().parent.parent / "examples").rglob("*.tf"))]


@st.composite
def _mutated_terraform(draw):
    text = draw(st.sampled_from(SEED_FILES)).read_text()
    at = draw(st.integers(0, len(text)))
    kind = draw(st.sampled_from(["insert", "delete", "truncate", "duplicate-line"]))
    if kind == "insert":
        return text[:at] + draw(st.sampled_from(['"', "{", "}", "${", "<<EOF\n", "/*", "#", "\n", "[", "]"])) + text[at:]
    if kind == "delete":
        return text[:at] + text[at + draw(st.integers(1, 3)):]
    if kind == "truncate":
        return text[:at]
    lines = text.split("\n")
    index = min(at, len(lines) - 1)
    return "\n".join(lines[:index] + [lines[index]] + lines[index:])


@settings(max_examples=60, deadline=None)
@given(_mutated_terraform())
def test_whenever_the_whole_file_parses_the_masked_parse_gives_the_same_kept_blocks(text):
    source = SourceFile("m.tf", text)
    try:
        whole = parse_hcl(source)
    except AnalysisError:
        return  # errors in skipped blocks may go unreported (README); errors in kept ones are tested above
    items = source_outline(source)
    keep = _needed_blocks([source], [items])
    masked = parse_hcl(source, keep, items)
    kept_ids = {(b.type, tuple(b.labels), b.span.line) for b in masked}
    assert _shape(masked) == _shape([b for b in whole if (b.type, tuple(b.labels), b.span.line) in kept_ids])
    if items is not None:
        expected = sum(1 for _, _, kind, label, block_text in items if keep(kind, label, block_text))
        assert len(masked) == expected


# -- the skip in _block_end against the token-by-token loop it shortens ---------------------------

def _block_end_token_by_token(text: str, pos: int) -> int | None:
    """_block_end as it was before its skip (every token read by a search): the reference."""
    import re

    code = re.compile(r'["{}\[\]()#]|//|/\*|<<-?(?=[A-Za-z])')
    string = re.compile(r'\\.|"|\$\$\{|%%\{|[$%]\{|\n', re.S)
    head_pattern = re.compile(r"<<-?([A-Za-z][\w.-]*)\r?\n")
    closers = {"}": "{", "]": "[", ")": "("}
    stack = ["{"]
    while stack:
        if stack[-1] == '"':
            match = string.search(text, pos)
            if match is None or match.group() == "\n":
                return None
            token, pos = match.group(), match.end()
            if token == '"':
                stack.pop()
            elif token in ("${", "%{"):
                stack.append("${")
            continue
        match = code.search(text, pos)
        if match is None:
            return None
        token, pos = match.group(), match.end()
        if token in ('"', "{", "[", "("):
            stack.append(token)
        elif token in closers:
            opener = stack.pop()
            if opener != closers[token] and not (token == "}" and opener == "${"):
                return None
        elif token in ("#", "//"):
            newline = text.find("\n", pos)
            pos = len(text) if newline < 0 else newline
        elif token == "/*":
            close = text.find("*/", pos)
            if close < 0:
                return None
            pos = close + 2
        else:
            head = head_pattern.match(text, match.start())
            if head is None:
                return None
            pos = hcl._heredoc_end(text, head.group(1), head.end())
            if pos is None:
                return None
    return pos


_PIECES = ['"', "\\", "\\\"", "$", "%", "{", "}", "${", "%{", "$${", "%%{", "$$", "[", "]", "(", ")", "#", "//", "/*",
           "*/", "/", "*", "<", "<<EOF\n", "<<-EOF\n", "EOF\n", "  EOF\n", "\n", " ", "a", "=", "x = ", '"s"', "\r"]


TRICKY_ENDS = ['"\n"}', '"a\nb" }', '"${"}"}', '"${x}" }', '"$${" }', '"%%{" }', '"$$${x}" }', '"%${x}" }', '"$%{x}" }',
               '"\\" }', '"\\"" }', '"\\\n" }', '/* } */ }', '/* unclosed }', '/*/ }', '# } \n}', '// } \n}', '#}', 'a / b }',
               'a < b }', '<<EOF\n}\nEOF\n}', '<<-EOF\n  }\n  EOF\n}', '<<EOF }', '<<<EOF\n}\nEOF\n}', '{ [ ( ) ] }',
               '{ ] }', '"$" }', '"%" }', '"${ "}" }" }', '"a"\r\n}', '"', '"\\']


@pytest.mark.parametrize("text", TRICKY_ENDS)
def test_the_skip_ends_tricky_blocks_where_the_token_loop_does(text):
    assert hcl._block_end(text, 0) == _block_end_token_by_token(text, 0)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40))
def test_the_skip_ends_every_block_where_the_token_loop_does(pieces):
    text = "".join(pieces)
    assert hcl._block_end(text, 0) == _block_end_token_by_token(text, 0), text


def test_the_skip_ends_real_files_blocks_where_the_token_loop_does():
    files = sorted(Path(__file__).parent.parent.glob("**/*.tf"))
    assert len(files) > 100  # examples, rule fixtures, test data
    blocks = 0
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        for opening in re.finditer(r"\{", text):
            assert hcl._block_end(text, opening.end()) == _block_end_token_by_token(text, opening.end()), (path, opening.start())
            blocks += 1
    assert blocks > 1000


def test_a_long_unclosed_string_or_comment_does_not_hang_the_skip():
    # A hang guard, not a speed target: backtracking that grew with the text would take hours.
    import time

    for text in ('"' + "a$" * 50_000, "/*" + "*a" * 50_000, '"' + "\\a" * 50_000 + "${", '"' + "$$" * 50_000):
        start = time.perf_counter()
        hcl._block_end(text, 0)
        assert time.perf_counter() - start < 10, text[:20]
