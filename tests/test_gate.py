"""The pre-merge gate: suppressions, baselines, changed files, annotations."""

from __future__ import annotations

import datetime
import json
import subprocess

import pytest

from trustlint.cli import main
from trustlint.reporters.github_report import escape_data, escape_property

from .test_cli import WILDCARD_TRUST

# An inline suppression must carry an expiry at most 90 days ahead (max_suppression_days).
SOON = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
# Scans through run_scan pin the day, so markers can carry a fixed expiry within the cap.
TODAY = datetime.date(2026, 12, 1)
KEY = 'resource "aws_iam_access_key" "ci" {\n  user = "ci"\n}\n'


def scan_json(capsys, *args) -> tuple[int, dict]:
    code = main(["scan", "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)


def test_suppression_above_the_line_with_reason_suppresses(repo, capsys):
    (repo / "keys.tf").write_text(f'# trustlint:ignore[TL006] reason="vendor without OIDC" expires={SOON}\n' + KEY)
    code, report = scan_json(capsys)
    assert code == 0
    (finding,) = report["findings"]
    assert finding["rule_id"] == "TL006" and finding["suppressed"]
    assert finding["suppression"] == {"kind": "inSource", "justification": "vendor without OIDC"}


def test_trailing_suppression_and_other_rules_still_reported(repo, capsys):
    (repo / "iam.tf").write_text(WILDCARD_TRUST.replace(
        '"repo:acme/*" }', f'"repo:acme/*" }} # trustlint:ignore[TL003] reason="not this one" expires={SOON}'))
    code, report = scan_json(capsys)
    assert code == 1
    assert [(f["rule_id"], f["suppressed"]) for f in report["findings"]] == [("TL001", False)]


@pytest.mark.parametrize("comment,problem", [
    ("# trustlint:ignore[TL006] reason=\"migration\" expires=2020-01-31", "expired on 2020-01-31"),
    ("# trustlint:ignore[TL006]", "gives no reason"),
    ("# trustlint:ignore[TL006] reason=\"x\" expires=soon", "not a date"),
    ("# trustlint:ignore reason=\"everything\"", "names no rule ids"),
    ("# trustlint:ignore[*] reason=\"everything\"", "not a rule id"),
    ("# trustlint:ignore[TL] reason=\"prefix\"", "not a rule id"),
    ("# trustlint:ignore[TL006 reason=\"unclosed\"", "names no rule ids"),
    ("# trustlint:ignore[] reason=\"empty\"", "names no rule ids"),
    ("# trustlint:ignore[TL006] reason=\"typo\" expire=2020-01-01", "unknown key 'expire'"),
    ("# trustlint:ignore[TL006] reason=\"vendor without OIDC\"", "has no expiry"),
    ("# trustlint:ignore[TL006] reason=\"vendor without OIDC\" expires=9999-12-31", "more than 90 days ahead"),
])
def test_invalid_suppression_does_not_suppress_and_is_reported(repo, capsys, comment, problem):
    (repo / "keys.tf").write_text(comment + "\n" + KEY)
    code, report = scan_json(capsys)
    assert code == 1
    found = sorted((f["rule_id"], f["line"], f["suppressed"]) for f in report["findings"])
    assert found == [("TL006", 2, False), ("TL009", 1, False)]
    assert problem in next(f["message"] for f in report["findings"] if f["rule_id"] == "TL009")


def test_the_expiry_cap_is_configurable_and_counted_from_today(repo, capsys):
    later = (datetime.date.today() + datetime.timedelta(days=150)).isoformat()
    (repo / "keys.tf").write_text(f'# trustlint:ignore[TL006] reason="vendor without OIDC" expires={later}\n' + KEY)
    code, report = scan_json(capsys)
    assert code == 1 and sorted((f["rule_id"], f["line"]) for f in report["findings"]) == [("TL006", 2), ("TL009", 1)]
    (repo / ".trustlint.yaml").write_text("max_suppression_days: 180\n")
    code, report = scan_json(capsys)
    assert code == 0 and [(f["rule_id"], f["suppressed"]) for f in report["findings"]] == [("TL006", True)]


def test_json_files_are_suppressed_from_the_configuration(repo, capsys):
    (repo / "policies").mkdir()
    (repo / "policies" / "public.json").write_text('{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}]}\n')
    (repo / ".trustlint.yaml").write_text(
        "suppress:\n  - {path: 'policies/*.json', rule: TL007, resource: public.json, reason: 'demo account', expires: 2999-12-31}\n")
    code, report = scan_json(capsys)
    assert code == 0 and report["findings"][0]["suppression"]["kind"] == "external"
    (repo / ".trustlint.yaml").write_text(
        "suppress:\n  - {path: 'policies/*.json', rule: TL007, reason: 'demo account', expires: 2001-01-01}\n")
    code, report = scan_json(capsys)
    assert code == 1
    assert sorted(f["rule_id"] for f in report["findings"]) == ["TL007", "TL009"]


def test_suppressed_findings_stay_in_sarif_with_justification(repo):
    (repo / "keys.tf").write_text(f'# trustlint:ignore[TL006] reason="vendor" expires={SOON}\n' + KEY + WILDCARD_TRUST)
    assert main(["scan", "--format", "sarif", "--output", "out.sarif"]) == 1
    results = json.loads((repo / "out.sarif").read_text())["runs"][0]["results"]
    assert sorted((r["ruleId"], len(r["suppressions"])) for r in results) == [("TL001", 0), ("TL006", 1)]
    assert [r["suppressions"][0]["justification"] for r in results if r["suppressions"]] == ["vendor"]


def test_baseline_fails_only_on_new_findings_and_survives_moved_lines(repo, capsys):
    (repo / "iam.tf").write_text(WILDCARD_TRUST)
    assert main(["baseline", "--output", "baseline.json"]) == 0
    assert json.loads((repo / "baseline.json").read_text())["findings"][0]["rule"] == "TL001"
    (repo / "iam.tf").write_text("# moved down\n\n\n" + WILDCARD_TRUST)
    code, report = scan_json(capsys, "--baseline", "baseline.json")
    assert code == 0 and [f["baseline"] for f in report["findings"]] == ["unchanged"]
    (repo / "keys.tf").write_text(KEY)
    code, report = scan_json(capsys, "--baseline", "baseline.json")
    assert code == 1
    assert sorted((f["rule_id"], f["baseline"]) for f in report["findings"]) == [("TL001", "unchanged"), ("TL006", "new")]


def test_a_baselined_analysis_error_still_fails_the_gate(repo, capsys):
    # While a file cannot be read, every later change to it goes unjudged: TL000 is never "unchanged".
    (repo / "broken.tf").write_text('resource "aws_iam_role" "r" {\n  assume_role_policy = <<EOF\n')
    assert main(["baseline", "--output", "baseline.json"]) == 0
    code, report = scan_json(capsys, "--baseline", "baseline.json")
    assert code == 1 and [(f["rule_id"], f["baseline"]) for f in report["findings"]] == [("TL000", "new")]


def test_bad_baseline_file_is_a_configuration_error(repo, capsys):
    (repo / "baseline.json").write_text("{}")
    assert main(["scan", "--baseline", "baseline.json"]) == 2
    assert "not a trustlint baseline" in capsys.readouterr().err


def git(repo, *args):
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@e", "HOME": str(repo), "PATH": "/usr/bin:/bin"})


def test_changed_since_reports_only_changed_files(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "old.tf").write_text(KEY)
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "old")
    (tmp_path / "new.tf").write_text(WILDCARD_TRUST)
    code, report = scan_json(capsys, "--changed-since", "HEAD")
    assert [f["path"] for f in report["findings"]] == ["new.tf"]
    assert main(["scan", "--changed-since", "no-such-ref"]) == 2


def test_single_file_reads_its_module_directory_but_reports_only_itself(repo, capsys):
    (repo / "variables.tf").write_text('variable "org" { default = "acme" }\n' + KEY)
    (repo / "iam.tf").write_text(WILDCARD_TRUST.replace('"repo:acme/*"', '"repo:${var.org}/*"'))
    code, report = scan_json(capsys, "iam.tf")
    assert [(f["rule_id"], f["path"]) for f in report["findings"]] == [("TL001", "iam.tf")]
    assert "any repository of acme" in report["findings"][0]["message"]


def test_annotations_escape_workflow_commands():
    assert escape_data("50%\r\n::set-env name=x::y") == "50%25%0D%0A::set-env name=x::y"
    assert escape_property("a,b:c%") == "a%2Cb%3Ac%25"


def test_github_format_cannot_be_injected(repo, capsys):
    (repo / "keys,a:b.tf").write_text(KEY.replace('"ci"', '"ci\\n::add-mask::x\\r%0A"'))
    assert main(["scan", "--format", "github"]) == 1
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("::error file=keys%2Ca%3Ab.tf,line=1,")
    assert "ci\\n::add-mask::x\\x0d%250A" in out  # LF and CR shown escaped: one line, no command


def test_github_file_property_escapes_bidi_and_escape_characters(repo, capsys):
    (repo / "keys\u202e\x1b.tf").write_text(KEY)
    assert main(["scan", "--format", "github"]) == 1
    out = capsys.readouterr().out
    assert "\u202e" not in out and "\x1b" not in out and "file=keys\\u202e\\x1b.tf" in out


def test_markdown_escapes_backticks_and_marks_a_missing_resource(repo, capsys):
    (repo / "a`b.tf").write_text(KEY)
    (repo / "broken.json").write_text('{"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"')
    assert main(["scan", "--format", "markdown"]) == 1
    out = capsys.readouterr().out
    assert "| ``a`b.tf:1`` | `aws_iam_access_key.ci` |" in out and "| `broken.json:1` | - |" in out


def test_markdown_summary_and_also(repo, capsys):
    (repo / "iam.tf").write_text(WILDCARD_TRUST)
    assert main(["scan", "--format", "markdown", "--also", "sarif=x.sarif", "--also", "json=x.json"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("## trustlint") and "| high | TL001 wildcard-subject | `iam.tf:10` |" in out
    assert json.loads((repo / "x.sarif").read_text())["version"] == "2.1.0"
    assert json.loads((repo / "x.json").read_text())["summary"]["gating"] == 1


def test_severity_override_from_config(repo, capsys):
    (repo / "iam.tf").write_text(WILDCARD_TRUST)
    (repo / ".trustlint.yaml").write_text("severity: {TL001: low}\nfail_on: medium\n")
    code, report = scan_json(capsys)
    assert code == 0 and report["findings"][0]["severity"] == "low"


def test_a_key_added_to_a_baselined_job_makes_its_finding_new(repo, capsys):
    workflow = repo / ".github" / "workflows"
    workflow.mkdir(parents=True)
    (workflow / "sync.yml").write_text(
        "on: push\njobs:\n  mirror:\n    runs-on: ubuntu-latest\n    env:\n"
        "      AWS_ACCESS_KEY_ID: ${{ secrets.KEY_ID }}\n    steps:\n      - run: ./sync.sh\n")
    assert main(["baseline", "--output", "baseline.json"]) == 0
    text = (workflow / "sync.yml").read_text().replace("      - run: ./sync.sh", "      - run: ./sync.sh\n        env:\n          AWS_SECRET_ACCESS_KEY: hardcoded")
    (workflow / "sync.yml").write_text(text)
    code, report = scan_json(capsys, "--baseline", "baseline.json")
    assert code == 1
    # The job's key is one finding; a hardcoded secret added beside the accepted id makes it a
    # different one (what it passes changed), so it is new, not hidden by the baseline.
    assert [(f["rule_id"], f["baseline"]) for f in report["findings"]] == [("TL006", "new")]
    assert "AWS_SECRET_ACCESS_KEY from a literal value" in report["findings"][0]["message"]


def test_an_inline_suppression_counts_only_in_a_real_comment(scan_files):
    result = scan_files({"main.tf": WILDCARD_IN_STRING}, today=TODAY)
    rules = sorted(f.rule_id for f in result.findings if f.gating)
    assert rules == ["TL001", "TL009"]  # not suppressed, and the attempt is reported
    (tl009,) = [f for f in result.findings if f.rule_id == "TL009"]
    assert tl009.span.line == 10 and "not in a comment" in tl009.message


def test_the_same_suppression_in_a_comment_is_honoured(scan_files):
    commented = WILDCARD_IN_STRING.replace(', "repo:acme/x # trustlint:ignore[TL001] reason=\\"in a string\\" expires=2027-01-31"] }',
                                           '] } # trustlint:ignore[TL001] reason="reviewed: read-only role" expires=2027-01-31')
    result = scan_files({"main.tf": commented}, today=TODAY)
    assert [f.rule_id for f in result.findings if f.gating] == []


def test_json_has_no_comments_so_no_inline_suppression(scan_files):
    policy = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Sid": "# trustlint:ignore[TL001] '
              'reason=\\"x\\" expires=2027-01-31", "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"}, '
              '"Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringLike": '
              '{"token.actions.githubusercontent.com:sub": "repo:acme/*"}}}]}')
    result = scan_files({"trust.json": policy}, today=TODAY)
    assert {"TL001", "TL009"} <= {f.rule_id for f in result.findings if f.gating}


def test_a_critical_finding_cannot_be_suppressed_inline(scan_files):
    critical = WILDCARD_IN_STRING.replace(
        '        StringLike   = { "token.actions.githubusercontent.com:sub" = ["repo:acme/*", "repo:acme/x # trustlint:ignore[TL001] reason=\\"in a string\\" expires=2027-01-31"] }',
        '        # trustlint:ignore[TL001] reason="looks reviewed" expires=2027-01-31\n'
        '        StringLike   = { "token.actions.githubusercontent.com:sub" = "repo:*" }')
    result = scan_files({"main.tf": critical}, today=TODAY)
    tl001 = [f for f in result.findings if f.rule_id == "TL001"]
    assert [(f.severity, f.gating) for f in tl001] == [("critical", True)]
    assert "cannot cover a critical finding" in tl001[0].message


WILDCARD_IN_STRING = """resource "aws_iam_role" "ci" {
  name = "ci"
  assume_role_policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
      Condition = {
        StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }
        StringLike   = { "token.actions.githubusercontent.com:sub" = ["repo:acme/*", "repo:acme/x # trustlint:ignore[TL001] reason=\\"in a string\\" expires=2027-01-31"] }
      }
    }]
  })
}
"""


def _scan_bytes(tmp_path, monkeypatch, name: str, data: bytes):
    from trustlint.scan import ScanOptions, run_scan

    (tmp_path / ".git").mkdir(exist_ok=True)
    (tmp_path / name).write_bytes(data)
    monkeypatch.chdir(tmp_path)
    return run_scan(ScanOptions(paths=["."], today=TODAY))


HCL_ROLE = """data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringLike"
      variable = "token.actions.githubusercontent.com:sub"
      values   = VALUES
    }
  }
}

resource "aws_iam_role" "ci" {
  name               = "ci"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}
"""


@pytest.mark.parametrize("values", [
    '["repo:acme/*", "$${ # trustlint:ignore[TL001] reason=accepted expires=2027-01-31 }"]',  # an escaped ${: literal text
    '["repo:acme/*", "%%{ # trustlint:ignore[TL001] reason=accepted expires=2027-01-31 }"]',
])
def test_escaped_template_openers_do_not_open_a_comment(scan_files, values):
    result = scan_files({"main.tf": HCL_ROLE.replace("VALUES", values)}, today=TODAY)
    assert sorted((f.rule_id, f.gating) for f in result.findings) == [("TL001", True), ("TL009", True)]


@pytest.mark.parametrize("breaks", ["\r", "\x85", "\u2028"])
def test_yaml_line_breaks_other_than_lf_cannot_smuggle_a_suppression(tmp_path, monkeypatch, breaks):
    template = ('AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Role:\n    Type: AWS::IAM::Role\n'
                '    Properties:\n      AssumeRolePolicyDocument:\n        Version: "2012-10-17"\n        Statement:\n'
                '          - Effect: Allow\n            Action: sts:AssumeRoleWithWebIdentity\n            Principal:\n'
                '              Federated: arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com\n'
                '            Condition:\n              StringEquals:\n'
                '                token.actions.githubusercontent.com:aud: sts.amazonaws.com\n              StringLike:\n'
                '                token.actions.githubusercontent.com:sub: "repo:acme/*" # c' + breaks
                + '            Sid: "# trustlint:ignore[TL001] reason=x expires=2027-01-31"\n')
    result = _scan_bytes(tmp_path, monkeypatch, "stack.yaml", template.encode("utf-8"))
    assert ("TL001", True) in [(f.rule_id, f.gating) for f in result.findings]


def test_a_heredoc_marker_with_a_dash_is_read_whole(scan_files):
    role = """resource "aws_iam_role" "ci" {
  name = "ci"
  assume_role_policy = <<true-x
{"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
  "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
  "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*"}},
  "Sid": "x"}, {"Effect": "Deny", "Action": "sts:AssumeRole", "Principal": {"AWS": "*"}, "NotAction":
true
, "Sid": "$${ # trustlint:ignore[TL001] reason=accepted expires=2027-01-31 }"}]}
true-x
}
"""
    result = scan_files({"main.tf": role}, today=TODAY)
    assert not [f for f in result.findings if f.rule_id == "TL001" and not f.gating]


def test_a_configured_rule_prefix_never_covers_tl000(scan_files):
    import datetime

    broken = '{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole" '  # truncated JSON
    entries = [{"path": "*", "rule": "TL", "reason": "blanket"}]
    result = scan_files({"trust.json": broken}, suppress=entries, today=datetime.date(2026, 1, 1))
    assert [(f.rule_id, f.gating) for f in result.findings] == [("TL000", True)]
    exact = [{"path": "*", "rule": "TL000", "reason": "vendored file, reviewed"}]
    result = scan_files({"trust.json": broken}, suppress=exact, today=datetime.date(2026, 1, 1))
    assert [(f.rule_id, f.gating) for f in result.findings] == [("TL000", False)]


def test_a_marker_in_a_string_that_runs_over_a_newline_is_not_a_comment(scan_files):
    # trustlint's HCL reader lets a quoted string run on over a line break; the comment lexer
    # must read it the same way, or the next line's string looks like code with a comment.
    values = '["multi\nline", "repo:acme/*", "# trustlint:ignore[TL001] reason=accepted expires=2027-01-31"]'
    result = scan_files({"main.tf": HCL_ROLE.replace("VALUES", values)}, today=TODAY)
    assert ("TL001", True) in [(f.rule_id, f.gating) for f in result.findings]


def test_a_json_template_has_no_comments_whatever_its_extension(scan_files):
    template = ('{"Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {"Description": '
                '"# trustlint:ignore[TL001] reason=x expires=2027-01-31", "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", '
                '"Action": "sts:AssumeRoleWithWebIdentity", "Principal": {"Federated": '
                '"arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"}, "Condition": {"StringLike": '
                '{"token.actions.githubusercontent.com:sub": "repo:acme/*"}}}]}}}}}')
    result = scan_files({"stack.template": template}, today=TODAY)
    assert {("TL001", True), ("TL009", True)} <= {(f.rule_id, f.gating) for f in result.findings}


def test_tl000_cannot_be_suppressed_inline(scan_files):
    # The syntax error is reported on line 3, the line the comment above it covers.
    broken = 'resource "aws_iam_role" "ci" {\n  # trustlint:ignore[TL000] reason="we know" expires=2027-01-31\n  assume_role_policy = \n'
    result = scan_files({"main.tf": broken}, today=TODAY)
    assert [(f.rule_id, f.span.line, f.gating) for f in result.findings] == [("TL000", 3, True)]
    assert "cannot cover a critical finding or TL000" in result.findings[0].message


@pytest.mark.parametrize("name,text", [
    (".trustlint.yaml", "ignore: [TL001]\nexclude: ['*']\n"),
    ("pyproject.toml", "[project]\nname = 'prod'\n\n[tool.trustlint]\nignore = ['TL001']\n"),
])
def test_a_nested_configuration_is_reported_not_obeyed(repo, capsys, name, text):
    (repo / "infra" / "prod").mkdir(parents=True)
    (repo / "infra" / "prod" / "iam.tf").write_text(WILDCARD_TRUST)
    (repo / "infra" / "prod" / name).write_text(text)
    for scanned in ([], ["infra/prod"], ["infra/prod/iam.tf", f"infra/prod/{name}"]):
        code, report = scan_json(capsys, *scanned)
        assert code == 1
        found = sorted((f["rule_id"], f["path"], f["line"]) for f in report["findings"])
        assert ("TL001", "infra/prod/iam.tf", 10) in found
        assert ("TL009", f"infra/prod/{name}", 1) in found, scanned
        message = next(f["message"] for f in report["findings"] if f["rule_id"] == "TL009")
        assert message.startswith(f"the configuration file infra/prod/{name} does not apply")


def test_the_root_configuration_is_obeyed_and_not_reported(repo, capsys):
    (repo / "infra").mkdir()
    (repo / "infra" / "iam.tf").write_text(WILDCARD_TRUST)
    (repo / ".trustlint.yaml").write_text("ignore: [TL001]\n")
    code, report = scan_json(capsys, "infra")
    assert code == 0 and report["findings"] == []


OWNER_PINNED = """resource "aws_iam_role" "deploy" {
  name = "deploy"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
      Condition = {
        StringEquals = {
          "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
          "token.actions.githubusercontent.com:repository_owner" = "acme"
        }
        StringLike = { "token.actions.githubusercontent.com:sub" = "repo:*" }
      }
    }]
  })
}
"""


def test_a_baselined_trust_that_escalates_is_new(repo, capsys):
    (repo / "iam.tf").write_text(OWNER_PINNED)
    assert main(["baseline", "--output", "baseline.json"]) == 0
    (entry,) = json.loads((repo / "baseline.json").read_text())["findings"]
    assert (entry["rule"], entry["severity"]) == ("TL001", "high")
    assert entry["admits"].startswith("repo:acme/attacker-repo:ref:refs/heads/main (+")
    code, report = scan_json(capsys, "--baseline", "baseline.json")
    assert code == 0 and [f["baseline"] for f in report["findings"]] == ["unchanged"]
    # The owner pin goes: the same rule, resource and pattern (the same fingerprint) now admits
    # any GitHub account. That is not the finding that was accepted.
    (repo / "iam.tf").write_text(OWNER_PINNED.replace('          "token.actions.githubusercontent.com:repository_owner" = "acme"\n', ""))
    code, report = scan_json(capsys, "--baseline", "baseline.json")
    (finding,) = report["findings"]
    assert code == 1 and (finding["severity"], finding["baseline"]) == ("critical", "new")
    assert finding["fingerprint"] == entry["fingerprint"]


def test_a_baselined_trust_that_admits_another_workload_at_the_same_severity_is_new(repo, capsys):
    (repo / "iam.tf").write_text(WILDCARD_TRUST.replace("repo:acme/*", "repo:acme/app:*"))
    assert main(["baseline", "--output", "baseline.json"]) == 0
    baseline = json.loads((repo / "baseline.json").read_text())
    tl001 = next(e for e in baseline["findings"] if e["rule"] == "TL001")
    tl001["admits"] = "repo:acme/app:ref:refs/heads/some-other-branch"  # what it admitted when accepted
    (repo / "baseline.json").write_text(json.dumps(baseline))
    code, report = scan_json(capsys, "--baseline", "baseline.json")
    assert ("TL001", "new") in [(f["rule_id"], f["baseline"]) for f in report["findings"]]


def test_a_version_1_baseline_still_matches_by_fingerprint(repo, capsys):
    (repo / "iam.tf").write_text(OWNER_PINNED)
    assert main(["baseline", "--output", "baseline.json"]) == 0
    entries = json.loads((repo / "baseline.json").read_text())["findings"]
    old = {"version": 1, "tool": "trustlint",
           "findings": [{k: e[k] for k in ("fingerprint", "rule", "path", "resource")} for e in entries]}
    (repo / "baseline.json").write_text(json.dumps(old))
    code, report = scan_json(capsys, "--baseline", "baseline.json")
    assert code == 0 and [f["baseline"] for f in report["findings"]] == ["unchanged"]


SUBJECT_VARIABLE = 'variable "deploy_subject" {\n  default = "repo:acme/app:environment:production"\n}\n'


def _commit_all(directory, message="base"):
    git(directory, "add", "-A")
    git(directory, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", message)


def test_changed_since_follows_a_finding_to_the_variable_default_it_reads(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "variables.tf").write_text(SUBJECT_VARIABLE)
    (tmp_path / "main.tf").write_text(WILDCARD_TRUST.replace('"repo:acme/*"', "var.deploy_subject"))
    (tmp_path / "keys.tf").write_text(KEY)
    _commit_all(tmp_path)
    (tmp_path / "variables.tf").write_text(SUBJECT_VARIABLE.replace("repo:acme/app:environment:production", "repo:acme/*"))
    code, report = scan_json(capsys, "--changed-since", "HEAD")
    assert code == 1
    assert sorted({(f["rule_id"], f["path"]) for f in report["findings"]}) == [("TL001", "main.tf")]
    # pre-commit mode: only the changed file is named.
    code, report = scan_json(capsys, "variables.tf")
    assert sorted({(f["rule_id"], f["path"]) for f in report["findings"]}) == [("TL001", "main.tf")]


def test_a_widening_in_terraform_tfvars_is_reported_on_the_trust(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "variables.tf").write_text('variable "deploy_subject" {}\n')
    (tmp_path / "infra" / "main.tf").write_text(WILDCARD_TRUST.replace('"repo:acme/*"', "var.deploy_subject"))
    (tmp_path / "infra" / "terraform.tfvars").write_text('deploy_subject = "repo:acme/app:environment:production"\n')
    _commit_all(tmp_path)
    (tmp_path / "infra" / "terraform.tfvars").write_text('deploy_subject = "repo:*"\n')
    for arguments in (["--changed-since", "HEAD"], ["infra/terraform.tfvars"]):
        code, report = scan_json(capsys, *arguments)
        assert code == 1, arguments
        assert ("TL001", "infra/main.tf", "critical") in [(f["rule_id"], f["path"], f["severity"]) for f in report["findings"]]


def test_a_change_to_a_called_module_or_its_inputs_is_reported_on_the_instance(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    git(tmp_path, "init", "-q", "-b", "main")
    module = tmp_path / "modules" / "deploy-role"
    module.mkdir(parents=True)
    (module / "variables.tf").write_text('variable "subject" {}\n')
    (module / "main.tf").write_text(WILDCARD_TRUST.replace('"repo:acme/*"', "var.subject"))
    prod = tmp_path / "envs" / "prod"
    prod.mkdir(parents=True)
    (prod / "main.tf").write_text('module "deploy" {\n  source  = "../../modules/deploy-role"\n  subject = local.subject\n}\n')
    (prod / "locals.tf").write_text('locals {\n  subject = "repo:acme/app:environment:production"\n}\n')
    (prod / "keys.tf").write_text(KEY)
    _commit_all(tmp_path)
    (prod / "locals.tf").write_text('locals {\n  subject = "repo:acme/*"\n}\n')
    for arguments in (["--changed-since", "HEAD"], ["envs/prod/locals.tf"]):
        code, report = scan_json(capsys, *arguments)
        found = {(f["rule_id"], f["path"], f["address"]) for f in report["findings"]}
        assert ("TL001", "modules/deploy-role/main.tf", "module.deploy.aws_iam_role.ci") in found, arguments
        assert not any(path == "envs/prod/keys.tf" for _, path, _ in found)
    _commit_all(tmp_path, "widened")
    # A change inside the module, named alone: its callers are found and it is judged as instantiated.
    (module / "main.tf").write_text((module / "main.tf").read_text().replace('name = "ci"', 'name = "ci-deploy"'))
    code, report = scan_json(capsys, "modules/deploy-role/main.tf")
    assert ("TL001", "modules/deploy-role/main.tf", "module.deploy.aws_iam_role.ci") in {
        (f["rule_id"], f["path"], f["address"]) for f in report["findings"]}


def test_changed_since_reports_a_trust_whose_joined_workflow_changed(tmp_path, monkeypatch, capsys):
    import shutil

    from .conftest import REPO_ROOT

    monkeypatch.chdir(tmp_path)
    git(tmp_path, "init", "-q", "-b", "main")
    shutil.copytree(REPO_ROOT / "examples" / "ci", tmp_path, dirs_exist_ok=True)
    (tmp_path / ".trustlint.yaml").write_text("repository: acme/storefront\n")
    _commit_all(tmp_path)
    workflow = tmp_path / ".github" / "workflows" / "deploy.yml"
    workflow.write_text(workflow.read_text() + "\n# touched\n")
    code, report = scan_json(capsys, "--changed-since", "HEAD")
    paths = {(f["rule_id"], f["path"]) for f in report["findings"]}
    assert ("TL012", "infra/github-oidc.tf") in paths  # sits on the trust, relates the changed workflow


def test_a_second_configuration_at_the_root_is_reported_dormant(repo, capsys):
    (repo / "iam.tf").write_text(WILDCARD_TRUST)
    (repo / ".trustlint.yaml").write_text("fail_on: low\n")
    (repo / ".trustlint.yml").write_text("ignore: [TL001]\n")
    (repo / "pyproject.toml").write_text("[tool.trustlint]\nfail_on = 'never'\n")
    code, report = scan_json(capsys)
    assert code == 1
    found = sorted((f["rule_id"], f["path"]) for f in report["findings"])
    assert found == [("TL001", "iam.tf"), ("TL009", ".trustlint.yml"), ("TL009", "pyproject.toml")]
    assert ".trustlint.yaml takes precedence" in next(f["message"] for f in report["findings"] if f["path"] == "pyproject.toml")


REF_PINNED = WILDCARD_TRUST.replace(
    '"repo:acme/*" }', '"repo:acme/*" }\n        StringEquals = { "token.actions.githubusercontent.com:ref" = "refs/heads/main" }')


def test_a_baselined_trust_losing_a_narrowing_condition_is_new(repo, capsys):
    """The witness (another acme repository's main branch) stays the same when the ref pin
    goes; what the trust admits does not (pull requests, every branch)."""
    assert REF_PINNED != WILDCARD_TRUST
    (repo / "iam.tf").write_text(REF_PINNED)
    assert main(["baseline", "--output", "baseline.json"]) == 0
    code, report = scan_json(capsys, "--baseline", "baseline.json")
    assert code == 0
    (repo / "iam.tf").write_text(WILDCARD_TRUST)
    code, report = scan_json(capsys, "--baseline", "baseline.json")
    assert code == 1 and ("TL001", "new") in [(f["rule_id"], f["baseline"]) for f in report["findings"]]


def test_a_second_wildcard_beside_an_accepted_one_is_new(repo, capsys):
    (repo / "iam.tf").write_text(WILDCARD_TRUST.replace('"repo:acme/*"', '["repo:acme/app:*"]'))
    assert main(["baseline", "--output", "baseline.json"]) == 0
    (repo / "iam.tf").write_text(WILDCARD_TRUST.replace('"repo:acme/*"', '["repo:acme/billing:*", "repo:acme/app:*"]'))
    code, report = scan_json(capsys, "--baseline", "baseline.json")
    assert code == 1 and ("TL001", "new") in [(f["rule_id"], f["baseline"]) for f in report["findings"]]


# --- changed-file modes: what red-teaming found --------------------------------------------

def _repo_with(tmp_path, monkeypatch, files: dict) -> None:
    monkeypatch.chdir(tmp_path)
    git(tmp_path, "init", "-q", "-b", "main")
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    _commit_all(tmp_path)


def _reported(capsys, *arguments) -> set[tuple]:
    _, report = scan_json(capsys, *arguments)
    return {(f["rule_id"], f["path"]) for f in report["findings"]}


def test_a_new_file_with_a_non_ascii_name_is_changed(tmp_path, monkeypatch, capsys):
    _repo_with(tmp_path, monkeypatch, {"infra/keep.tf": KEY})
    (tmp_path / "infra" / "rôle.tf").write_text(WILDCARD_TRUST)
    (tmp_path / "infra" / 'a"b.tf').write_text(WILDCARD_TRUST.replace('"ci"', '"quoted"'))
    assert {("TL001", "infra/rôle.tf"), ("TL001", 'infra/a"b.tf')} <= _reported(capsys, "--changed-since", "HEAD")


def test_deleting_the_tfvars_that_narrowed_a_trust_is_a_change_to_it(tmp_path, monkeypatch, capsys):
    _repo_with(tmp_path, monkeypatch, {
        "infra/variables.tf": 'variable "deploy_subject" {\n  default = "repo:*"\n}\n',
        "infra/main.tf": WILDCARD_TRUST.replace('"repo:acme/*"', "var.deploy_subject"),
        "infra/terraform.tfvars": 'deploy_subject = "repo:acme/app:environment:production"\n'})
    (tmp_path / "infra" / "terraform.tfvars").unlink()
    assert ("TL001", "infra/main.tf") in _reported(capsys, "--changed-since", "HEAD")


def test_a_change_to_the_target_of_a_linked_tfvars_is_a_change_to_what_reads_it(tmp_path, monkeypatch, capsys):
    _repo_with(tmp_path, monkeypatch, {
        "infra/variables.tf": 'variable "deploy_subject" {}\n',
        "infra/main.tf": WILDCARD_TRUST.replace('"repo:acme/*"', "var.deploy_subject"),
        "shared/prod.tfvars": 'deploy_subject = "repo:acme/app:environment:production"\n'})
    (tmp_path / "infra" / "terraform.tfvars").symlink_to("../shared/prod.tfvars")
    _commit_all(tmp_path, "link")
    (tmp_path / "shared" / "prod.tfvars").write_text('deploy_subject = "repo:*"\n')
    assert ("TL001", "infra/main.tf") in _reported(capsys, "--changed-since", "HEAD")
    assert ("TL001", "infra/main.tf") in _reported(capsys, "shared/prod.tfvars")  # pre-commit names the target


def test_a_file_read_through_a_shared_local_is_an_input_of_every_reader(tmp_path, monkeypatch, capsys):
    _repo_with(tmp_path, monkeypatch, {
        "infra/locals.tf": 'locals {\n  cfg = jsondecode(file("${path.module}/cfg.json"))\n}\n',
        "infra/a.tf": WILDCARD_TRUST.replace('"repo:acme/*"', "local.cfg.subject").replace('"ci"', '"a"'),
        "infra/b.tf": WILDCARD_TRUST.replace('"repo:acme/*"', "local.cfg.subject").replace('"ci"', '"b"'),
        "infra/cfg.json": '{"subject": "repo:acme/app:environment:production"}\n'})
    (tmp_path / "infra" / "cfg.json").write_text('{"subject": "repo:*"}\n')
    assert {("TL001", "infra/a.tf"), ("TL001", "infra/b.tf")} <= _reported(capsys, "--changed-since", "HEAD")
    assert {("TL001", "infra/a.tf"), ("TL001", "infra/b.tf")} <= _reported(capsys, "infra/cfg.json")


def test_pre_commit_finds_a_caller_whose_module_source_is_escaped(tmp_path, monkeypatch, capsys):
    _repo_with(tmp_path, monkeypatch, {
        "modules/deploy/variables.tf": 'variable "subject" {}\n',
        "modules/deploy/main.tf": WILDCARD_TRUST.replace('"repo:acme/*"', "var.subject"),
        "envs/prod/main.tf": 'module "d" {\n  source  = "../../modules/d\\u0065ploy"\n  subject = "repo:*"\n}\n'})
    assert ("TL001", "modules/deploy/main.tf") in _reported(capsys, "modules/deploy/main.tf")


def test_a_comment_before_a_locals_block_does_not_hide_it(scan_files):
    result = scan_files({"locals.tf": '/* shared */ locals {\n  subject = "repo:*"\n}\n',
                         "main.tf": WILDCARD_TRUST.replace('"repo:acme/*"', "local.subject")}, today=TODAY)
    assert ("TL001", "critical") in [(f.rule_id, f.severity) for f in result.findings]


FOR_EACH_ROLE = """resource "aws_iam_role" "ci" {
  for_each = toset(KEYS)
  name     = "ci-${each.key}"
  assume_role_policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
      Condition = {
        StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }
        StringLike   = { "token.actions.githubusercontent.com:sub" = "repo:acme/*" }
      }
    }]
  })
}
"""


def test_a_new_instance_beside_a_baselined_one_is_new_though_reported_as_one(repo, capsys):
    """Instances with the same finding are reported as one, but a baseline accepts instances:
    a role added to the for_each is not hidden behind the accepted one."""
    (repo / "iam.tf").write_text(FOR_EACH_ROLE.replace("KEYS", '["app"]'))
    assert main(["baseline", "--output", "baseline.json"]) == 0
    (repo / "iam.tf").write_text(FOR_EACH_ROLE.replace("KEYS", '["app", "billing"]'))
    code, report = scan_json(capsys, "--baseline", "baseline.json")
    assert code == 1
    assert ("TL001", "new") in [(f["rule_id"], f["baseline"]) for f in report["findings"]]
    # Both instances accepted together stay accepted together, reported once.
    assert main(["baseline", "--output", "both.json"]) == 0
    code, report = scan_json(capsys, "--baseline", "both.json")
    assert code == 0 and [(f["rule_id"], f["baseline"]) for f in report["findings"]] == [("TL001", "unchanged")]
