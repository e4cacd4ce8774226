"""Regression tests for what a red-team review of issue 16/17's work found (each failed before
its fix): a risky branch dropped by a heredoc strip marker, a nested or fourth unknown condition
passing silently, a local met by a second role, a JSON module call with escaped slashes, parallel
reading splitting a JSON module call written over two lines, and a pinned owner reported as its
own witness."""

from __future__ import annotations

import os
import subprocess
import sys

from .conftest import REPO_ROOT, brief

DATA = REPO_ROOT / "tests" / "data" / "redteam"


def _read(name: str) -> str:
    return (DATA / name).read_text()


def test_a_strip_marker_in_a_heredoc_directive_keeps_the_risky_branch(scan_files):
    # `%{ if var.open ~}` + newline + `*`: Terraform strips the newline and writes repo:acme/*.
    result = scan_files({"main.tf": _read("heredoc-strip-marker.tf")})
    assert [(r, line, s) for r, _, line, _, _, s in brief(result)] == [("TL001", 8, "high")]
    assert "repo:acme/*" in result.findings[0].message


def test_a_session_chosen_by_an_unknown_condition_next_to_others_is_judged(scan_files):
    # name, session and subject each chosen by an unknown condition (plus one more): the
    # session's 43200 branch is found; what was not read both ways is listed.
    result = scan_files({"main.tf": _read("nested-session.tf")})
    assert [(r, line, s) for r, _, line, _, _, s in brief(result)] == [("TL005", 7, "high")]


def test_a_nested_unknown_condition_is_read_both_ways(scan_files):
    text = _read("nested-session.tf").replace("var.b ? 3600 : 43200", "var.b ? 3600 : (var.c ? 3600 : 43200)")
    result = scan_files({"main.tf": text})
    assert [r for r, *_ in brief(result)] == ["TL005"]


def test_a_condition_on_a_for_variable_is_listed_not_guessed(scan_files):
    result = scan_files({"main.tf": _read("for-bound-condition.tf")})
    assert result.findings == [] and result.judged["trusts"] == 0  # its statements are not known: listed below
    assert any("e == var.env" in u[3] and "condition not known statically" in u[4] for u in result.unknowns)


def test_a_local_chosen_by_an_unknown_condition_is_read_both_ways_for_every_role(scan_files):
    result = scan_files({"main.tf": _read("shared-conditional-local.tf")})
    finding = next(f for f in result.findings if f.rule_id == "TL001")
    assert {finding.address, *(m.address for m in finding.merged)} == {"aws_iam_role.r1", "aws_iam_role.r2"}
    assert not any("condition not known statically" in u[4] for u in result.unknowns)


def test_a_fourth_cloudformation_if_on_the_trust_is_read_before_a_cosmetic_one(scan_files):
    # RoleName, Path and Description use up three Fn::If; the subject's comes first anyway.
    result = scan_files({"template.yaml": _read("cfn-four-ifs.yaml")})
    assert [(r, line, s) for r, _, line, _, _, s in brief(result)] == [("TL001", 28, "high")]
    assert any("Condition CC" in u[3] and "past the 3" in u[4] for u in result.unknowns)


ROLE_MODULE = '''variable "sub" { default = "repo:acme/*" }
resource "aws_iam_role" "r" {
  name = "r"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
      Condition = {
        StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }
        StringLike   = { "token.actions.githubusercontent.com:sub" = var.sub }
      }
    }]
  })
}
'''


def test_a_json_module_call_with_escaped_slashes_is_followed(scan_files):
    call = '{"module": {"m": {"source": "..\\/..\\/modules\\/role", "sub": "repo:acme/*"}}}'  # JSON escapes the slash
    result = scan_files({"envs/a/main.tf.json": call, "modules/role/main.tf": ROLE_MODULE})
    assert [(r, a) for r, _, _, _, a, _ in brief(result)] == [("TL001", "module.m.aws_iam_role.r")]


def test_parallel_reading_keeps_a_json_call_written_over_two_lines_with_its_module(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "modules" / "role").mkdir(parents=True)
    (tmp_path / "modules" / "role" / "main.tf").write_text(ROLE_MODULE)
    (tmp_path / "envs" / "b").mkdir(parents=True)
    (tmp_path / "envs" / "b" / "main.tf.json").write_text(
        '{"module": {"m": {"source":\n "../../modules/role", "sub": "repo:acme/app:ref:refs/heads/main"}}}')
    outputs = [subprocess.run([sys.executable, "-m", "trustlint", "scan", ".", "--format", "json", "--fail-on", "never",
                               "--jobs", jobs], capture_output=True, text=True, cwd=tmp_path,
                              env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}).stdout for jobs in ("1", "2")]
    assert outputs[0] == outputs[1] and '"rule_id"' not in outputs[0]  # the caller's exact subject: clean


def test_a_pinned_owner_is_not_its_own_witness(scan_files):
    policy = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRoleWithWebIdentity",'
              '"Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},'
              '"Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com",PIN},'
              '"StringLike":{"token.actions.githubusercontent.com:sub":"repo:*/app:ref:refs/heads/main"}}}]}')
    owner = policy.replace("PIN", '"token.actions.githubusercontent.com:repository_owner":"acme"')
    repository = policy.replace("PIN", '"token.actions.githubusercontent.com:repository":"acme/app"')
    pinned = scan_files({"owner.json": owner, "repository.json": repository})
    assert pinned.findings == [] and pinned.judged["trusts"] == 2
    # Pinned to the owner only, with the branch open: another branch of acme/app, not another repository.
    open_branch = owner.replace("refs/heads/main", "refs/heads/*")
    result = scan_files({"owner.json": open_branch, "repository.json": repository})
    assert [(f.rule_id, f.severity) for f in result.findings] == [("TL001", "medium")]
    assert "acme/app" in result.findings[0].message


# -- a second round, on the new readers: what the defaults leave out is listed, never silent ----

def test_a_bicep_ternary_lists_the_branch_the_defaults_do_not_take(scan_files):
    result = scan_files({"main.bicep": _read("bicep-ternary.bicep")})
    assert result.findings == []  # the defaults write production twice: nothing to report
    assert [(u[1], u[4].split(" (")[0]) for u in result.unknowns] == [(20, "the branch the defaults do not take")]
    assert "repo:acme/app:pull_request" in result.unknowns[0][4]


def test_a_bicep_loop_filter_lists_what_the_defaults_leave_out(scan_files):
    result = scan_files({"main.bicep": _read("bicep-loop-filter.bicep")})
    assert result.findings == []
    assert any(u[1] == 3 and "leaves out pull_request" in u[4] for u in result.unknowns)


def test_a_bicepparam_giving_values_to_a_federated_template_is_tl000(scan_files):
    result = scan_files({"main.bicep": _read("bicepparam-target.bicep"),
                         "main.bicepparam": "using 'main.bicep'\nparam subject = 'repo:acme/app:pull_request'\n"})
    assert [(f.rule_id, f.path) for f in result.findings] == [("TL000", "main.bicepparam")]
    # One for a template naming no federation is nothing to judge.
    quiet = scan_files({"other.bicep": "param name string = 'x'\n", "other.bicepparam": "using 'other.bicep'\nparam name = 'y'\n"})
    assert [f.path for f in quiet.findings if f.path == "other.bicepparam"] == []


def test_a_tf_json_replaced_by_a_tofu_json_is_listed(scan_files):
    result = scan_files({"main.tofu.json": _read("replaces.tofu.json"), "main.tf.json": _read("replaced.tf.json")})
    assert result.findings == []
    assert [(u[0], u[4].split(":")[0]) for u in result.unknowns] == [("main.tf.json", "not read")]


def test_a_problem_only_one_branch_meets_is_still_reported(scan_files):
    # The branch the defaults cannot decide renders past the template limit: nothing was judged
    # there, so its TL000 stays even though the other branch reads cleanly.
    loop = "%{ for a in xs }%{ for b in xs }%{ for c in xs }\"repo:acme/${a}${b}${c}\",%{ endfor }%{ endfor }%{ endfor }"
    main = '''variable "wide" {}
resource "aws_iam_role" "r" {
  name = "r"
  assume_role_policy = var.wide ? templatefile("${path.module}/big.tftpl", { xs = [XS] }) : file("${path.module}/exact.json")
}
'''.replace("XS", ", ".join(f'"r{i}"' for i in range(100)))
    exact = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRoleWithWebIdentity",'
             '"Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},'
             '"Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com",'
             '"token.actions.githubusercontent.com:sub":"repo:acme/app:ref:refs/heads/main"}}}]}')
    big = exact.replace('"repo:acme/app:ref:refs/heads/main"', "[" + loop + '"x"]')
    result = scan_files({"main.tf": main, "big.tftpl": big, "exact.json": exact})
    assert [f.rule_id for f in result.findings] == ["TL000"]
    assert "renders more than" in result.findings[0].message
