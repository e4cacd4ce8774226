"""Bad input never crashes and never passes silently: TL000 with a location, and the rest
of the scan goes on."""

from __future__ import annotations

import os
import time

import pytest

from .conftest import brief
from .test_sarif import WILDCARD_TRUST


@pytest.mark.parametrize("name,text,line", [
    ("broken.tf", 'resource "aws_iam_role" "r" {\n  assume_role_policy = jsonencode({\n}\n', 4),
    ("broken.tf", 'resource "aws_iam_role" "r" {\n  name = \n}\n', 2),
    ("stack.yaml", "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties: [\n", 5),
    ("stack.yaml", "Resources:\n  R: {Type: AWS::IAM::Role\n  bad: : :\n", 3),
    ("trust.json", '{"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",}]}', 1),
    ("stack.json", '{"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": "x"}}}', 1),
    ("stack.yaml", "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Description: \"a\x01b\"\n", 4),  # a control character
])
def test_malformed_file_is_tl000_with_location_and_scan_goes_on(scan_files, name, text, line):
    result = scan_files({name: text, "other/iam.tf": WILDCARD_TRUST})
    findings = brief(result)
    assert ("TL000", name, line) in [(r, p, l) for r, p, l, *_ in findings]
    assert any(r == "TL001" and p == "other/iam.tf" for r, p, *_ in findings)


def test_policy_without_statement_is_tl000_at_the_policy(scan_files):
    result = scan_files({"iam.tf": 'resource "aws_iam_role" "r" {\n  assume_role_policy = jsonencode({Version = "2012-10-17"})\n}\n'})
    assert [(f.rule_id, f.span.line, f.address) for f in result.findings] == [("TL000", 2, "aws_iam_role.r")]
    assert "no Statement" in result.findings[0].message


def test_yaml_alias_bomb_finishes_fast(scan_files):
    lines = ['a0: &a0 ["AssumeRole", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 12):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 9) + "]")
    lines.append("Resources: {R: {Type: AWS::IAM::Role, Properties: {Tags: *a11}}}")
    start = time.monotonic()
    result = scan_files({"bomb.yaml": "\n".join(lines) + "\n"})
    assert time.monotonic() - start < 10
    assert [f.rule_id for f in result.findings] == ["TL000"]
    assert "alias bomb" in result.findings[0].message


@pytest.mark.parametrize("name,text", [
    ("deep.json", '{"AssumeRole": ' + "[" * 5000 + "]" * 5000 + "}"),
    ("deep.yaml", "AssumeRole: " + "[" * 5000 + "]" * 5000 + "\n"),
    ("deep.tf", 'resource "aws_iam_role" "r" {\n  assume_role_policy = ' + "[" * 3000 + "]" * 3000 + "\n}\n"),
])
def test_deep_nesting_is_tl000_not_a_crash(scan_files, name, text):
    result = scan_files({name: text})
    assert [f.rule_id for f in result.findings] == ["TL000"]


def test_binary_and_non_utf8_relevant_files_are_reported(scan_files, tmp_path):
    (tmp_path / "bin.json").write_bytes(b'{"AssumeRole": "\x00"}')
    (tmp_path / "latin.yaml").write_bytes(b"AssumeRolePolicyDocument: caf\xe9\n")
    result = scan_files({})
    assert sorted((f.rule_id, f.path) for f in result.findings) == [("TL000", "bin.json"), ("TL000", "latin.yaml")]


def test_irrelevant_broken_files_are_ignored(scan_files):
    # A Helm template is not YAML; without federation content it is not ours to judge.
    result = scan_files({"chart/templates/deploy.yaml": "{{- if .Values.x }}\nkind: Deployment\n{{- end }}\n"})
    assert result.findings == []


def test_max_file_size_is_a_boundary_test_both_sides(scan_files, tmp_path):
    from trustlint.scan import ScanOptions, run_scan

    scan_files({})
    body = '{"AssumeRole": "'
    exact = body + "x" * (1000 - len(body) - 2) + '"}'
    assert len(exact.encode()) == 1000
    (tmp_path / "at.json").write_text(exact)
    (tmp_path / "over.json").write_text(exact[:-2] + 'x"}')
    result = run_scan(ScanOptions(paths=["."], max_bytes=1000))
    assert [(f.rule_id, f.path) for f in result.findings] == [("TL000", "over.json")]
    assert "1001 bytes, over the 1000-byte limit" in result.findings[0].message


def test_a_large_file_naming_nothing_of_ours_does_not_fail_the_gate(scan_files, tmp_path):
    from trustlint.scan import ScanOptions, run_scan

    scan_files({})
    (tmp_path / "package-lock.json").write_text('{"lockfileVersion": 3, "packages": {' + '"x": 1, ' * 500 + '"y": 2}}')
    result = run_scan(ScanOptions(paths=["."], max_bytes=1000))
    assert result.findings == []


def test_a_large_file_is_prefiltered_across_chunk_boundaries(scan_files, tmp_path, monkeypatch):
    import trustlint.input.discovery as discovery
    from trustlint.scan import ScanOptions, run_scan

    scan_files({})
    monkeypatch.setattr(discovery, "_CHUNK", 64)
    text = "a" * 60 + "AssumeRolePolicyDocument" + "b" * 3000  # the word straddles the first chunk's end
    (tmp_path / "big.yaml").write_text(text)
    result = run_scan(ScanOptions(paths=["."], max_bytes=1000))
    assert [(f.rule_id, f.path) for f in result.findings] == [("TL000", "big.yaml")]


def test_a_fifo_is_tl000_not_a_hang(scan_files, tmp_path):
    from trustlint.scan import ScanOptions, run_scan

    scan_files({})
    os.mkfifo(tmp_path / "pipe.tf")
    result = run_scan(ScanOptions(paths=["."]))
    assert [(f.rule_id, f.path) for f in result.findings] == [("TL000", "pipe.tf")]
    assert "not a regular file" in result.findings[0].message


def test_oversized_file_is_reported(scan_files, tmp_path):
    from trustlint.scan import ScanOptions, run_scan

    (tmp_path / "big.json").write_text('{"AssumeRole": "' + "x" * 2000 + '"}')
    scan_files({})
    result = run_scan(ScanOptions(paths=["."], max_bytes=1000))
    assert [(f.rule_id, f.path) for f in result.findings] == [("TL000", "big.json")]
    assert "over the 1000-byte limit" in result.findings[0].message


def test_symlink_leaving_the_repository_is_not_followed(scan_files, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "secret.tf"
    outside.write_text(WILDCARD_TRUST)
    result = scan_files({})
    os.symlink(outside, "escape.tf")
    from trustlint.scan import ScanOptions, run_scan

    result = run_scan(ScanOptions(paths=["."]))
    assert [(f.rule_id, f.path) for f in result.findings] == [("TL000", "escape.tf")]


def test_symlink_named_as_an_argument_is_reported_not_skipped(scan_files, tmp_path_factory):
    # pre-commit and users pass single files: a link out of the repository must not pass silently.
    outside = tmp_path_factory.mktemp("outside") / "secret.tf"
    outside.write_text(WILDCARD_TRUST)
    scan_files({})
    os.symlink(outside, "escape.tf")
    from trustlint.scan import ScanOptions, run_scan

    result = run_scan(ScanOptions(paths=["escape.tf"]))
    assert [(f.rule_id, f.path) for f in result.findings] == [("TL000", "escape.tf")]
    assert "symbolic link" in result.findings[0].message


def test_snippets_never_read_through_a_symlink(scan_files, tmp_path_factory):
    # A link to a secret file (e.g. /proc/self/environ) must not print its content in a snippet.
    from trustlint.reporters import text_report

    secret = tmp_path_factory.mktemp("outside") / "environ"
    secret.write_text("AWS_SECRET_ACCESS_KEY=hunter2-very-secret\n")
    scan_files({})
    os.symlink(secret, "creds.yaml")
    from trustlint.scan import ScanOptions, run_scan

    result = run_scan(ScanOptions(paths=["."]))
    assert [(f.rule_id, f.path) for f in result.findings] == [("TL000", "creds.yaml")]
    assert "hunter2" not in text_report.render(result)


def test_control_characters_from_files_are_escaped_in_text(scan_files):
    from trustlint.reporters import text_report

    result = scan_files({"iam.tf": WILDCARD_TRUST.replace("repo:acme/*", "repo:acme/\x1b[31m*")})
    text = text_report.render(result)
    assert "\x1b" not in text and "\\x1b" in text


def test_underline_is_aligned_with_tabs_and_gutter(scan_files):
    from trustlint.reporters import text_report

    result = scan_files({"iam.tf": WILDCARD_TRUST.replace("        StringLike", "\t\tStringLike")})
    lines = text_report.render(result).splitlines()
    code = next(l for l in lines if ">|" in l)
    underline = lines[lines.index(code) + 1]
    assert underline.index("|") == code.index("|")
    assert code[underline.index("^"):].startswith('"repo:acme/*"')


def test_no_network_access_during_a_scan(scan_files, monkeypatch):
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("trustlint tried to open a network connection")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    result = scan_files({"iam.tf": WILDCARD_TRUST, "p.yaml": "attributeCondition: assertion.sub == 'x'\nname: projects/1/locations/global/workloadIdentityPools/p/providers/x\noidc: {issuerUri: https://token.actions.githubusercontent.com}\n"})
    assert [f.rule_id for f in result.findings] == ["TL001"]


def test_output_is_byte_identical_whatever_order_the_file_system_lists(monkeypatch):
    # ext4 lists a directory in hash order, not creation order: copying files in another order
    # proves nothing. The listings themselves are reversed here, so only sorting in discovery
    # (and in every later step) can keep the output the same.
    import json

    from trustlint.reporters import json_report, sarif_report
    from trustlint.scan import ScanOptions, run_scan

    from .conftest import REPO_ROOT

    real_walk, real_listdir = os.walk, os.listdir

    def reversed_walk(top, *args, **kwargs):
        for directory, subdirs, names in real_walk(top, *args, **kwargs):
            subdirs.reverse()  # in place: os.walk descends in this list's order
            names.reverse()
            yield directory, subdirs, names

    monkeypatch.chdir(REPO_ROOT)
    outputs = []
    for listing in ("as listed", "reversed"):
        if listing == "reversed":
            monkeypatch.setattr(os, "walk", reversed_walk)
            monkeypatch.setattr(os, "listdir", lambda path=".": real_listdir(path)[::-1])
        result = run_scan(ScanOptions(paths=["examples"]))
        outputs.append((json_report.render(result), sarif_report.render(result)))
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0][0])["summary"]["findings"] > 10


def test_unreadable_file_is_reported(scan_files, tmp_path, monkeypatch):
    import builtins

    import trustlint.input.discovery

    (tmp_path / "secret.tf").write_text(WILDCARD_TRUST)

    def guarded_open(path, *args, **kwargs):
        if str(path).endswith("secret.tf"):
            raise PermissionError(13, "Permission denied")
        return builtins.open(path, *args, **kwargs)

    monkeypatch.setattr(trustlint.input.discovery, "open", guarded_open, raising=False)
    result = scan_files({})
    assert [(f.rule_id, f.path) for f in result.findings] == [("TL000", "secret.tf")]
    assert "Permission denied" in result.findings[0].message


def test_symlink_loops_are_not_followed(scan_files, tmp_path):
    import os

    (tmp_path / "infra").mkdir()
    os.symlink(tmp_path / "infra", tmp_path / "infra" / "loop")
    result = scan_files({"infra/iam.tf": WILDCARD_TRUST})
    assert [(f.rule_id, f.path) for f in result.findings] == [("TL001", "infra/iam.tf")]


VARIABLE_TRUST = """
variable "subject" {}

resource "aws_iam_role" "ci" {
  name = "ci"
  assume_role_policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
      Condition = { StringLike = { "token.actions.githubusercontent.com:sub" = var.subject } }
    }]
  })
}
"""


def test_a_tfvars_link_out_of_the_repository_is_not_read_and_leaks_nothing(scan_files, tmp_path_factory):
    from trustlint.reporters import json_report
    from trustlint.scan import ScanOptions, run_scan

    outside = tmp_path_factory.mktemp("outside") / "secrets.tfvars"
    outside.write_text('subject = "repo:SECRET-VALUE-123/*"\n')
    scan_files({"main.tf": VARIABLE_TRUST})
    os.symlink(outside, "terraform.tfvars")
    result = run_scan(ScanOptions(paths=["."]))
    assert ("TL000", "terraform.tfvars") in [(f.rule_id, f.path) for f in result.findings]
    assert "SECRET-VALUE-123" not in json_report.render(result)


def test_a_fifo_tfvars_or_module_file_is_tl000_not_a_hang(scan_files, tmp_path):
    from trustlint.scan import ScanOptions, run_scan

    scan_files({"main.tf": VARIABLE_TRUST})
    os.mkfifo(tmp_path / "terraform.tfvars")
    result = run_scan(ScanOptions(paths=["."]))
    assert ("TL000", "terraform.tfvars") in [(f.rule_id, f.path) for f in result.findings]


def test_a_hostile_gitlab_rule_regex_finishes_on_re2(scan_files):
    from trustlint.formats.gitlab_ci import evaluate_rule_if

    started = time.monotonic()
    # (a+)+$ against a long non-matching value: exponential on a backtracking engine.
    verdict = evaluate_rule_if('$CI_COMMIT_BRANCH =~ /^(a+)+$/', {"CI_COMMIT_BRANCH": "a" * 5000 + "!"})
    assert time.monotonic() - started < 2 and verdict is False


def test_a_regex_re2_rejects_is_unknown_not_a_guess():
    from trustlint.formats.gitlab_ci import evaluate_rule_if

    assert evaluate_rule_if("$CI_COMMIT_BRANCH =~ /^(?=main)/", {"CI_COMMIT_BRANCH": "main"}) is None


def test_a_hostile_terraform_replace_regex_finishes_on_re2(scan_files):
    started = time.monotonic()
    tf = """
locals {
  org = replace("%s!", "/^(a+)+$/", "x")
}

resource "aws_iam_role" "ci" {
  name = "ci"
  assume_role_policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
      Condition = { StringLike = { "token.actions.githubusercontent.com:sub" = "repo:${local.org}/*" } }
    }]
  })
}
""" % ("a" * 5000)
    result = scan_files({"main.tf": tf})
    # A hang guard, not a speed target (those live in bench/): backtracking on (a+)+$ over 5,000
    # characters would never end; the scan itself takes ~3 s of searching a 5 KB literal subject.
    assert time.monotonic() - started < 30
    assert [f.rule_id for f in result.findings if f.rule_id == "TL001"] == ["TL001"]


def test_a_utf16_checkout_of_a_trust_is_reported_not_skipped(tmp_path, monkeypatch):
    """A .gitattributes working-tree-encoding can turn a committed UTF-8 trust into UTF-16 in
    the checkout trustlint reads: the NULs between its letters must not hide it."""
    from trustlint.scan import ScanOptions, run_scan

    (tmp_path / ".git").mkdir()
    trust = ('resource "aws_iam_role" "ci" {\n  assume_role_policy = jsonencode({Statement = [{Effect = "Allow", '
             'Action = "sts:AssumeRoleWithWebIdentity", Principal = {Federated = "arn:aws:iam::1:oidc-provider/'
             'token.actions.githubusercontent.com"}, Condition = {StringLike = {"token.actions.githubusercontent.com:sub" '
             '= "repo:*"}}}]})\n}\n')
    (tmp_path / "iam.tf").write_bytes(trust.encode("utf-16"))
    (tmp_path / "le.tf").write_bytes(trust.encode("utf-16-le"))  # no byte-order mark
    monkeypatch.chdir(tmp_path)
    result = run_scan(ScanOptions(paths=["."]))
    assert sorted((f.rule_id, f.path) for f in result.findings) == [("TL000", "iam.tf"), ("TL000", "le.tf")]
    assert "UTF-16" in next(f.message for f in result.findings if f.path == "iam.tf")


@pytest.mark.parametrize("name", ["main.bicepparam"])  # .tf.json, .tofu.json and .bicep are read now
def test_a_file_kind_not_read_yet_that_names_federation_is_tl000(tmp_path, monkeypatch, name):
    from trustlint.scan import ScanOptions, run_scan

    (tmp_path / ".git").mkdir()
    (tmp_path / name).write_text('{"resource": {"aws_iam_role": {"ci": {"assume_role_policy": "... token.actions.githubusercontent.com ..."}}}}')
    (tmp_path / "unrelated.tf.json").write_text('{"resource": {"aws_s3_bucket": {"b": {"bucket": "logs"}}}}')
    monkeypatch.chdir(tmp_path)
    result = run_scan(ScanOptions(paths=["."]))
    assert [(f.rule_id, f.path) for f in result.findings] == [("TL000", name)]
    assert "is not read yet" in result.findings[0].message


def test_hostile_comment_runs_do_not_stall_discovery(tmp_path, monkeypatch):
    """The pre-filter's definition pattern runs on every .tf line a scanned file controls:
    long runs of comment markers must stay linear (a backtracking pattern hung on these)."""
    import time

    from trustlint.scan import ScanOptions, run_scan

    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text("# aws_iam_role\n" + "/**/" * 200_000 + "\n" + "*/ " * 100_000 + "\n")
    monkeypatch.chdir(tmp_path)
    started = time.monotonic()
    run_scan(ScanOptions(paths=["."]))
    assert time.monotonic() - started < 20


def test_a_file_that_grew_after_it_was_measured_is_read_whole(scan_files, monkeypatch):
    # read_source reads as many bytes as os.stat found; a file written to meanwhile is read on.
    from trustlint.input import discovery

    real_stat = os.stat

    def measured_before_it_grew(path, *args, **kwargs):
        info = real_stat(path, *args, **kwargs)
        if str(path).endswith("main.tf"):
            return os.stat_result((info.st_mode, info.st_ino, info.st_dev, info.st_nlink, info.st_uid, info.st_gid,
                                   40, info.st_atime, info.st_mtime, info.st_ctime))
        return info

    monkeypatch.setattr(discovery.os, "stat", measured_before_it_grew)
    result = scan_files({"main.tf": WILDCARD_TRUST})
    assert [(f.rule_id, f.severity) for f in result.findings if f.rule_id == "TL001"] == [("TL001", "high")]


@pytest.mark.parametrize("size, count", [(0, 5), (3, 5), (5, 5), (6, 5), (100, 101), (100, 50)])
def test_read_up_to_gives_what_read_count_gives(tmp_path, size, count):
    from trustlint.source import read_up_to

    path = tmp_path / "f"
    path.write_bytes(bytes(range(256))[:size] if size <= 256 else b"x" * size)
    with open(path, "rb") as a, open(path, "rb") as b:
        assert read_up_to(a, count) == b.read(count)
