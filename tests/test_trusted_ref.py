"""--trusted-ref: a pull request cannot switch off the gate it is judged by. Each attack is a
real git repository with a base commit (trusted) and a pull request commit on top; the same
change scanned without a trusted reference keeps the laptop behaviour (the working tree's
settings apply)."""

from __future__ import annotations

import datetime
import json
import os

import pytest

from trustlint.cli import main

from .conftest import git, scan_change, write_files

TODAY = datetime.date(2026, 12, 1)

ROLE = """resource "aws_iam_role" "deploy" {
  name = "prod-deploy"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/ISSUER" }
      Condition = {
        StringEquals = { "ISSUER:aud" = "sts.amazonaws.com" }
        StringLike   = { "ISSUER:sub" = "SUBJECT" }
      }
    }]
  })
}
"""
GITHUB = "token.actions.githubusercontent.com"
EXACT = ROLE.replace("ISSUER", GITHUB).replace("SUBJECT", "repo:acme/storefront:environment:production")
WIDE = ROLE.replace("ISSUER", GITHUB).replace("SUBJECT", "repo:acme/*")
TL001 = ("TL001", "infra/iam.tf", 11, "aws_iam_role.deploy", "high")


def _brief(result, gating_only: bool = True) -> list[tuple]:
    return sorted((f.rule_id, f.path, f.span.line, f.address, f.severity)
                  for f in result.findings if f.gating or not gating_only)


def _messages(result, rule: str) -> list[str]:
    return [f.message for f in result.findings if f.rule_id == rule]


def _both(tmp_path, base: dict, change: dict, *arguments: str, deleted=()):
    """The change scanned with the base as trusted reference, and without (laptop)."""
    trusted = scan_change(tmp_path / "trusted", base, change, *arguments, today=TODAY, deleted=deleted)
    laptop = scan_change(tmp_path / "laptop", base, change, *arguments, today=TODAY, trusted=False, deleted=deleted)
    return trusted, laptop


@pytest.mark.parametrize("proposed,line,message", [
    ("ignore: [TL001, TL004]\n", 2, "this change stops rule TL001 from running (ignore)"),
    ("select: [TL006]\n", 2, "this change stops rule TL001 from running (select)"),
    ("exclude: [infra/*]\n", 2, "this change excludes infra/* from the scan"),
    ("severity: {TL001: info, TL004: info}\n", 2, "this change lowers TL001 to info (each finding had its own)"),
    ("suppress:\n  - {path: infra/iam.tf, rule: TL001, resource: aws_iam_role.deploy, reason: reviewed}\n"
     "  - {path: infra/iam.tf, rule: TL004, reason: reviewed}\n", 3,
     "this change adds a suppression of TL001 for aws_iam_role.deploy in infra/iam.tf (reason 'reviewed', no expiry)"),
])
def test_a_configuration_weakened_in_the_change_is_not_obeyed_and_is_reported(tmp_path, proposed, line, message):
    base = {".trustlint.yaml": "fail_on: low\n", "infra/iam.tf": EXACT}
    trusted, laptop = _both(tmp_path, base, {".trustlint.yaml": "fail_on: low\n" + proposed, "infra/iam.tf": WIDE})
    assert TL001 in _brief(trusted)
    assert ("TL015", ".trustlint.yaml", line, message) in [(f.rule_id, f.path, f.span.line, f.message)
                                                          for f in trusted.findings]
    assert all(f.severity == "high" and f.gating for f in trusted.findings if f.rule_id == "TL015")
    # Without a trusted reference the working tree's configuration applies, as before.
    assert TL001 not in _brief(laptop) and not _messages(laptop, "TL015")


def test_a_pyproject_table_added_by_the_change_is_not_obeyed(tmp_path):
    base = {"pyproject.toml": "[project]\nname = 'shop'\n", "infra/iam.tf": EXACT}
    change = {"pyproject.toml": "[project]\nname = 'shop'\n\n[tool.trustlint]\nignore = ['TL001']\n", "infra/iam.tf": WIDE}
    trusted, laptop = _both(tmp_path, base, change)
    assert TL001 in _brief(trusted) and TL001 not in _brief(laptop)
    assert [(f.path, f.span.line) for f in trusted.findings if f.rule_id == "TL015"] == [("pyproject.toml", 5)]


def test_tiers_and_trusted_issuers_changed_by_the_change(tmp_path):
    gitlab = ROLE.replace("ISSUER", "gitlab.evil.example").replace("SUBJECT", "project_path:acme/app:ref_type:branch:ref:main")
    base = {".trustlint.yaml": f"trusted_issuers: [https://{GITHUB}]\n", "infra/iam.tf": EXACT}
    change = {".trustlint.yaml": f"trusted_issuers: [https://{GITHUB}, https://gitlab.evil.example]\n"
                                 "tiers: {production: nothing-is-prod}\n",
              "infra/iam.tf": EXACT, "infra/gitlab.tf": gitlab.replace('"deploy"', '"gitlab"')}
    trusted, laptop = _both(tmp_path, base, change)
    assert ("TL014", "infra/gitlab.tf") in [(f.rule_id, f.path) for f in trusted.findings]
    assert ("TL014", "infra/gitlab.tf") not in [(f.rule_id, f.path) for f in laptop.findings]
    assert sorted(_messages(trusted, "TL015")) == [
        "this change changes which names count as production and non-production (tiers): cross-environment findings depend on them",
        "this change trusts a new issuer: https://gitlab.evil.example",
    ]


def test_fail_on_raised_in_the_change_still_fails_the_gate(tmp_path, monkeypatch, capsys):
    repo = tmp_path / "repo"
    scan_change(repo, {".trustlint.yaml": "fail_on: low\n", "infra/iam.tf": EXACT},
                {".trustlint.yaml": "fail_on: never\n", "infra/iam.tf": WIDE})
    monkeypatch.chdir(repo)
    assert main(["scan", "--format", "json", "--trusted-ref", "HEAD~1"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert ("TL015", ".trustlint.yaml", 1) in [(f["rule_id"], f["path"], f["line"]) for f in report["findings"]]
    assert main(["scan", "--format", "json"]) == 0  # laptop: the working tree says never
    capsys.readouterr()


def test_a_nested_configuration_in_the_change_is_reported_not_obeyed(tmp_path):
    change = {"infra/.trustlint.yaml": "ignore: [TL001]\nexclude: ['*']\n", "infra/iam.tf": WIDE}
    trusted, laptop = _both(tmp_path, {"infra/iam.tf": EXACT}, change)
    for result in (trusted, laptop):
        assert TL001 in _brief(result)
        assert ("TL009", "infra/.trustlint.yaml", 1) in [(f.rule_id, f.path, f.span.line) for f in result.findings]


def _fingerprints(tmp_path, files: dict) -> list[dict]:
    """The baseline entries `trustlint baseline` writes for these files."""
    folder = tmp_path / "fingerprints"
    folder.mkdir()
    (folder / ".git").mkdir()
    write_files(folder, files)
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        assert main(["baseline", "--output", "b.json"]) == 0
        return json.loads((folder / "b.json").read_text())["findings"]
    finally:
        os.chdir(cwd)


def test_a_finding_added_to_the_baseline_by_the_change_stays_new(tmp_path):
    entries = _fingerprints(tmp_path, {"infra/iam.tf": WIDE})
    assert {e["rule"] for e in entries} == {"TL001", "TL004"}
    empty = json.dumps({"version": 1, "tool": "trustlint", "findings": []})
    widened = json.dumps({"version": 2, "tool": "trustlint", "findings": entries}, indent=2)
    base = {".trustlint.yaml": "baseline: .trustlint-baseline.json\n", ".trustlint-baseline.json": empty, "infra/iam.tf": EXACT}
    change = {".trustlint-baseline.json": widened, "infra/iam.tf": WIDE}
    trusted, laptop = _both(tmp_path, base, change)
    assert TL001 in _brief(trusted)
    assert sorted(_messages(trusted, "TL015")) == [
        "this change adds TL001 on aws_iam_role.deploy (infra/iam.tf) to the baseline",
        "this change adds TL004 on aws_iam_role.deploy (infra/iam.tf) to the baseline",
    ]
    assert TL001 not in _brief(laptop)  # laptop: the working tree's baseline accepts it


@pytest.mark.parametrize("marker,problem", [
    ('# trustlint:ignore[TL001,TL004] reason="accepted" expires=9999-12-31', "more than 90 days ahead"),
    ('# trustlint:ignore[TL001,TL004] reason="accepted"', "has no expiry"),
])
def test_an_inline_suppression_without_a_near_expiry_suppresses_nothing(tmp_path, marker, problem):
    widened = WIDE.replace('        StringLike', f'        {marker}\n        StringLike')
    trusted, laptop = _both(tmp_path, {"infra/iam.tf": EXACT}, {"infra/iam.tf": widened})
    for result in (trusted, laptop):
        assert ("TL001", "infra/iam.tf", 12, "aws_iam_role.deploy", "high") in _brief(result)
        assert any(problem in m for m in _messages(result, "TL009"))
    assert not _messages(trusted, "TL015")  # it suppresses nothing: no change to the gate


def test_an_inline_suppression_added_by_the_change_is_reported(tmp_path):
    marker = '# trustlint:ignore[TL001,TL004] reason="all acme repositories deploy" expires=2027-01-31'
    widened = WIDE.replace('        StringLike', f'        {marker}\n        StringLike')
    trusted, laptop = _both(tmp_path, {"infra/iam.tf": EXACT}, {"infra/iam.tf": widened})
    assert _brief(trusted) == [("TL015", "infra/iam.tf", 11, "aws_iam_role.deploy", "high")]
    assert _messages(trusted, "TL015") == [
        "this change adds an inline suppression of TL001, TL004 (reason 'all acme repositories deploy', until "
        "2027-01-31): hiding TL001 on aws_iam_role.deploy, TL004 on aws_iam_role.deploy"]
    assert _brief(laptop) == []  # laptop: a valid suppression applies


def test_an_old_suppression_over_a_line_the_change_widens_is_new(tmp_path):
    marker = '# trustlint:ignore[TL001] reason="org-wide read role" expires=2027-01-31'
    old = ROLE.replace("ISSUER", GITHUB).replace("SUBJECT", "repo:acme/storefront:*")
    old = old.replace('        StringLike', f'        {marker}\n        StringLike')
    shifted = "# the deploy role\n\n" + old  # the same marker over the same text, two lines down
    trusted = scan_change(tmp_path / "shifted", {"infra/iam.tf": old}, {"infra/iam.tf": shifted}, today=TODAY)
    assert not _messages(trusted, "TL015")
    widened = old.replace("repo:acme/storefront:*", "repo:*")
    trusted = scan_change(tmp_path / "widened", {"infra/iam.tf": old}, {"infra/iam.tf": widened}, today=TODAY)
    assert [m.split(":")[0] for m in _messages(trusted, "TL015")] == ["this change adds an inline suppression of TL001 (reason 'org-wide read role', until 2027-01-31)"]


def test_the_configuration_deleted_by_the_change_is_still_obeyed(tmp_path):
    base = {".trustlint.yaml": f"trusted_issuers: [https://{GITHUB}]\nignore: [TL003]\n", "infra/iam.tf": EXACT}
    trusted = scan_change(tmp_path / "r", base, {}, today=TODAY, deleted=(".trustlint.yaml",))
    assert [(f.path, f.message) for f in trusted.findings if f.rule_id == "TL015"] == [
        (".trustlint.yaml", "this change empties trusted_issuers: a trust on any issuer stops being reported (TL014)")]


CUSTOM_RULE = """id: ORG001
name: production-roles-need-environment
summary: A production role must require a deployment environment.
applies_to: trust
when: "trust.address.startsWith('aws_iam_role.deploy')"
severity: high
location: trust.location
message: "{trust.address} does not require an environment"
fix: Require a protected environment.
docs: An organisation rule.
examples:
  bad: [{file: a.tf, code: "x"}]
  good: [{file: b.tf, code: "y"}]
"""


def test_rule_files_come_from_the_trusted_commit(tmp_path):
    base = {".trustlint.yaml": "rules: [policy]\n", "policy/org001.yaml": CUSTOM_RULE,
            "infra/iam.tf": EXACT.replace(":environment:production", ":ref:refs/heads/main")}
    change = {"policy/org001.yaml": CUSTOM_RULE.replace('when: "trust.address', 'when: "false && trust.address')}
    trusted, laptop = _both(tmp_path, base, change)
    assert ("ORG001", "infra/iam.tf") in [(f.rule_id, f.path) for f in trusted.findings]
    assert ("ORG001", "infra/iam.tf") not in [(f.rule_id, f.path) for f in laptop.findings]
    assert _messages(trusted, "TL015") == ["this change edits the rule file policy/org001.yaml"]


def test_a_trusted_reference_that_does_not_exist_stops_the_scan(tmp_path, monkeypatch, capsys):
    repo = tmp_path / "repo"
    scan_change(repo, {"infra/iam.tf": EXACT}, {})
    monkeypatch.chdir(repo)
    assert main(["scan", "--trusted-ref", "no-such-branch"]) == 2
    assert "--trusted-ref no-such-branch: no such commit" in capsys.readouterr().err
    assert main(["scan", "--trusted-ref", "--upload-pack=touch /tmp/x"]) == 2
    capsys.readouterr()
    (tmp_path / "outside").mkdir()
    monkeypatch.chdir(tmp_path / "outside")
    (tmp_path / "outside" / "iam.tf").write_text(EXACT)
    assert main(["scan", "--trusted-ref", "HEAD"]) == 2  # not a git repository: no silent fallback
    assert "trusted-ref" in capsys.readouterr().err


def test_a_clean_change_has_no_gate_finding(tmp_path):
    base = {".trustlint.yaml": "fail_on: medium\nignore: [TL003]\n", "infra/iam.tf": EXACT}
    change = {".trustlint.yaml": "fail_on: low\n", "infra/iam.tf": EXACT.replace("prod-deploy", "production-deploy")}
    trusted = scan_change(tmp_path / "r", base, change, today=TODAY)
    assert trusted.findings == [] and trusted.judged["trusts"] == 1
    git(tmp_path / "r", "status")


def test_raising_an_accepted_severity_in_the_baseline_is_a_new_acceptance(tmp_path):
    entries = _fingerprints(tmp_path, {"infra/iam.tf": WIDE})
    accepted = json.dumps({"version": 2, "tool": "trustlint", "findings": entries}, indent=2)
    raised = json.dumps({"version": 2, "tool": "trustlint",
                         "findings": [dict(e, severity="critical", admits="repo:attacker-org/x") for e in entries]}, indent=2)
    base = {".trustlint.yaml": "baseline: .trustlint-baseline.json\n", ".trustlint-baseline.json": accepted, "infra/iam.tf": WIDE}
    trusted = scan_change(tmp_path / "r", base, {".trustlint-baseline.json": raised}, today=TODAY)
    assert [f.rule_id for f in trusted.findings if f.gating] == ["TL015", "TL015"]  # TL001/TL004: still the accepted ones
    assert sorted(f.span.line for f in trusted.findings if f.rule_id == "TL015") == [6, 14]  # each entry's fingerprint line


JSON_TRUST = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Sid": "SID", '
              f'"Principal": {{"Federated": "arn:aws:iam::123456789012:oidc-provider/{GITHUB}"}}, '
              '"Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": '
              f'{{"{GITHUB}:aud": "sts.amazonaws.com"}}, "StringLike": {{"{GITHUB}:sub": "SUBJECT"}}}}}}]}}\n')
MARKER = 'trustlint:ignore[TL001,TL004] reason=\\"accepted\\" expires=2027-01-31'


@pytest.mark.parametrize("name,widened,rule", [
    # in an HCL string value: data the change controls, not a comment
    ("infra/iam.tf", WIDE.replace('"repo:acme/*"', f'["repo:acme/*", "# {MARKER}"]'), "TL001"),
    # in JSON, which has no comments
    ("infra/trust.json", JSON_TRUST.replace("SUBJECT", "repo:acme/*").replace("SID", f"# {MARKER}"), "TL001"),
])
def test_an_inline_suppression_outside_a_comment_suppresses_nothing(tmp_path, name, widened, rule):
    exact = EXACT if name.endswith(".tf") else JSON_TRUST.replace("SUBJECT", "repo:acme/app:environment:production").replace("SID", "deploy")
    trusted, laptop = _both(tmp_path, {name: exact}, {name: widened})
    for result in (trusted, laptop):
        assert (rule, name, True) in [(f.rule_id, f.path, f.gating) for f in result.findings]
        assert any("not in a comment" in m for m in _messages(result, "TL009"))
    assert not _messages(trusted, "TL015")


def test_tl000_cannot_be_accepted_by_the_change(tmp_path):
    broken = EXACT.replace("  })\n}", "  \n")  # the policy never closes: TL000
    inline = '# trustlint:ignore[TL000] reason="parser bug" expires=2027-01-31\n' + broken
    trusted, _ = _both(tmp_path / "inline", {"infra/iam.tf": EXACT}, {"infra/iam.tf": inline})
    assert ("TL000", True) in [(f.rule_id, f.gating) for f in trusted.findings]
    configured = {".trustlint.yaml": "suppress:\n  - {path: 'infra/*', rule: TL000, reason: parser bug}\n",
                  "infra/iam.tf": broken}
    trusted, laptop = _both(tmp_path / "configured", {"infra/iam.tf": EXACT}, configured)
    assert ("TL000", True) in [(f.rule_id, f.gating) for f in trusted.findings]
    assert ["this change adds a suppression of TL000 for every resource in infra/* (reason 'parser bug', no expiry)"] \
        == _messages(trusted, "TL015")
    assert ("TL000", False) in [(f.rule_id, f.gating) for f in laptop.findings]  # laptop: the configuration accepts it


# --- attacks found by red-teaming the trusted reference -------------------------------------

def _in(directory, arguments: list[str]) -> int:
    """The command line run from `directory`, the working directory restored after."""
    cwd = os.getcwd()
    os.chdir(directory)
    try:
        return main(arguments)
    finally:
        os.chdir(cwd)


def _tl015(result) -> list[tuple]:
    return [(f.path, f.span.line, f.message) for f in result.findings if f.rule_id == "TL015"]


def test_a_symbolic_link_cannot_choose_which_trusted_file_is_read(tmp_path):
    base = {"ci/trustlint.yaml": "fail_on: low\n", "docs/example.yaml": "fail_on: never\n", "infra/iam.tf": EXACT}
    repo = tmp_path / "repo"
    scan_change(repo, base, {"infra/iam.tf": WIDE})
    (repo / "ci" / "trustlint.yaml").unlink()
    (repo / "ci" / "trustlint.yaml").symlink_to("../docs/example.yaml")
    code = _in(repo, ["scan", "--trusted-ref", "HEAD~1", "--config", "ci/trustlint.yaml", "--format", "json", "-o", "out.json"])
    report = json.loads((repo / "out.json").read_text())
    assert code == 1  # ci/trustlint.yaml as written at the base: fail_on low
    assert [f["message"] for f in report["findings"] if f["rule_id"] == "TL015"] == [
        "this change makes ci/trustlint.yaml a symbolic link (the gate's files are read as written, at the trusted commit)"]


def test_a_rules_directory_turned_into_a_link_is_reported_and_the_trusted_rules_run(tmp_path):
    base = {".trustlint.yaml": "rules: [policy]\n", "policy/org001.yaml": CUSTOM_RULE, "docs/readme.md": "x\n",
            "infra/iam.tf": EXACT}
    repo = tmp_path / "repo"
    scan_change(repo, base, {})
    import shutil

    shutil.rmtree(repo / "policy")
    (repo / "policy").symlink_to("docs")
    result = scan_change(tmp_path / "again", base, {}, today=TODAY)  # control: untouched rules
    assert ("ORG001", "infra/iam.tf") in [(f.rule_id, f.path) for f in result.findings]
    assert _in(repo, ["scan", "--trusted-ref", "HEAD", "--format", "json", "-o", "out.json"]) == 1
    report = json.loads((repo / "out.json").read_text())
    rules = {f["rule_id"] for f in report["findings"]}
    assert {"ORG001", "TL015"} <= rules


def test_moving_an_accepted_suppression_onto_another_resource_is_reported(tmp_path):
    marker = '        # trustlint:ignore[TL001] reason="legacy org-wide role" expires=2027-01-31\n'
    legacy = WIDE.replace('"deploy"', '"legacy"').replace("        StringLike", marker + "        StringLike")
    base = {"infra/legacy.tf": legacy, "infra/iam.tf": EXACT}
    moved = {"infra/legacy.tf": legacy.replace('"legacy"', '"deploy"')}  # the exact role deleted, its name reused
    trusted = scan_change(tmp_path / "moved", base, moved, today=TODAY, deleted=("infra/iam.tf",))
    assert [m for _, _, m in _tl015(trusted)] == [
        "this change makes an existing inline suppression of TL001 (reason 'legacy org-wide role', until 2027-01-31) "
        "hide what it did not at the trusted commit: hiding TL001 on aws_iam_role.deploy"]
    # The same marker over the same finding it always hid: nothing to report.
    untouched = scan_change(tmp_path / "untouched", base, {"infra/iam.tf": EXACT.replace("prod-deploy", "prod-deploy-2")},
                            today=TODAY)
    assert _tl015(untouched) == []


def test_an_old_marker_over_an_exact_match_turned_into_a_pattern_is_reported(tmp_path):
    marker = '          # trustlint:ignore[TL001] reason="reviewed" expires=2027-01-31\n'
    base_role = ROLE.replace("ISSUER", GITHUB).replace(
        '        StringLike   = { "ISSUER:sub" = "SUBJECT" }\n'.replace("ISSUER", GITHUB), "")
    base_role = base_role.replace(f'        StringEquals = {{ "{GITHUB}:aud" = "sts.amazonaws.com" }}\n',
                                  f'        StringEquals = {{\n          "{GITHUB}:aud" = "sts.amazonaws.com"\n'
                                  f'{marker}          "{GITHUB}:sub" = "repo:acme/*"\n        }}\n')
    flipped = base_role.replace(marker, f"        }}\n        StringLike = {{\n{marker}")
    trusted = scan_change(tmp_path / "r", {"infra/iam.tf": base_role}, {"infra/iam.tf": flipped}, today=TODAY)
    assert len(_tl015(trusted)) == 1 and "hiding TL001 on aws_iam_role.deploy" in _tl015(trusted)[0][2]


def test_a_resource_added_under_an_old_marker_is_reported(tmp_path):
    locals_file = ('locals {\n  # trustlint:ignore[TL001] reason="shared subject" expires=2027-01-31\n'
                   '  subject = "repo:acme/*"\n}\n')
    base = {"infra/shared.tf": locals_file, "infra/iam.tf": EXACT}
    change = {"infra/shared.tf": locals_file + WIDE.replace('"deploy"', '"extra"').replace('"repo:acme/*"', "local.subject")}
    trusted = scan_change(tmp_path / "r", base, change, today=TODAY)
    assert [(p, line) for p, line, _ in _tl015(trusted)] == [("infra/shared.tf", 2)]
    assert "hiding TL001 on aws_iam_role.extra" in _tl015(trusted)[0][2]


def test_a_marker_planted_invalid_that_later_becomes_valid_is_reported(tmp_path):
    marker = '        # trustlint:ignore[TL001] reason="accepted" expires=2027-02-20\n'  # 81 days after TODAY
    widened = WIDE.replace("        StringLike", marker + "        StringLike")
    early = datetime.date(2026, 11, 1)  # 111 days ahead: too far, so it hid nothing at the base
    planted = scan_change(tmp_path / "plant", {"infra/iam.tf": EXACT}, {"infra/iam.tf": widened}, today=early)
    assert ("TL001", True) in [(f.rule_id, f.gating) for f in planted.findings]
    # Merged over that failing gate, the marker turns valid as its expiry nears. A later change
    # that widens nothing: the marker hid TL001 at its trusted commit too (judged on the same
    # day), so nothing new is accepted and there is no TL015.
    later = scan_change(tmp_path / "later", {"infra/iam.tf": widened}, {"infra/iam.tf": widened + "\n"}, today=TODAY)
    assert later.findings and all(f.rule_id != "TL001" or not f.gating for f in later.findings)
    assert _tl015(later) == []
    # A later change that aims it at a new resource is new: the base hid nothing there.
    aimed = widened.replace('"repo:acme/*"', "local.subject") + 'locals {\n  subject = "repo:acme/*"\n}\n'
    moved = scan_change(tmp_path / "aimed", {"infra/iam.tf": widened}, {"infra/iam.tf": aimed}, today=TODAY)
    assert ("TL001", True) in [(f.rule_id, f.gating) for f in moved.findings] or _tl015(moved)


@pytest.mark.parametrize("proposed,message", [
    ("fail_on: low\n" + "# padding\n" * 600_000 + "fail_on: never\n", "larger than 5242880 bytes"),
    ("max_suppression_days: 3650.0\n", "lets inline suppressions last 3650 days instead of 90"),
    ("fail_onn: never\n", "makes the configuration unusable"),
    ("severity: [TL001]\n", "makes the configuration unusable"),
    ("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
     "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n", "aliases expanding"),
], ids=["huge", "float", "unknown-key", "wrong-type", "alias-bomb"])
def test_a_proposed_configuration_that_cannot_be_compared_is_reported(tmp_path, proposed, message):
    base = {".trustlint.yaml": "fail_on: low\n", "infra/iam.tf": EXACT}
    trusted = scan_change(tmp_path / "r", base, {".trustlint.yaml": proposed}, today=TODAY)
    assert len(_tl015(trusted)) == 1 and message in _tl015(trusted)[0][2], _tl015(trusted)


def test_a_toml_date_in_a_proposed_suppression_is_compared(tmp_path):
    base = {"pyproject.toml": "[tool.trustlint]\nfail_on = 'low'\n", "infra/iam.tf": EXACT}
    change = {"pyproject.toml": "[tool.trustlint]\nfail_on = 'low'\n\n[[tool.trustlint.suppress]]\npath = 'infra/*'\n"
                                "rule = 'TL001'\nreason = 'x'\nexpires = 2027-01-31\n"}
    trusted = scan_change(tmp_path / "r", base, change, today=TODAY)
    assert [m for _, _, m in _tl015(trusted)] == [
        "this change adds a suppression of TL001 for every resource in infra/* (reason 'x', until 2027-01-31)"]


def test_a_rule_file_linked_to_a_device_is_reported_unread(tmp_path):
    base = {".trustlint.yaml": "rules: [policy]\n", "policy/org001.yaml": CUSTOM_RULE, "infra/iam.tf": EXACT}
    repo = tmp_path / "repo"
    scan_change(repo, base, {})
    (repo / "policy" / "zz.yaml").symlink_to("/dev/zero")
    assert _in(repo, ["scan", "--trusted-ref", "HEAD", "--format", "json", "-o", "out.json"]) == 1
    report = json.loads((repo / "out.json").read_text())
    assert "this change makes policy/zz.yaml a symbolic link (the gate's files are read as written, at the trusted commit)" \
        in [f["message"] for f in report["findings"] if f["rule_id"] == "TL015"]


def test_an_old_marker_over_a_for_each_role_hiding_a_new_instance_is_reported(tmp_path):
    role = ROLE.replace("ISSUER", GITHUB).replace("SUBJECT", "repo:acme/*").replace(
        '"deploy" {', '"deploy" {\n  for_each = toset(KEYS)').replace('"prod-deploy"', '"deploy-${each.key}"')
    role = role.replace("        StringLike", '        # trustlint:ignore[TL001] reason="shared CI roles" '
                                             'expires=2027-01-31\n        StringLike')
    base = {"infra/iam.tf": role.replace("KEYS", '["app"]')}
    widened = scan_change(tmp_path / "r", base, {"infra/iam.tf": role.replace("KEYS", '["app", "prod"]')}, today=TODAY)
    messages = _messages(widened, "TL015")
    assert len(messages) == 1 and 'aws_iam_role.deploy["prod"]' in messages[0], messages
