"""The command line: exit codes, formats, selection, and fail-closed behaviour."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from trustlint.cli import main

from .conftest import REPO_ROOT
from .test_sarif import WILDCARD_TRUST

CLEAN_TRUST = WILDCARD_TRUST.replace('StringLike   = { "token.actions.githubusercontent.com:sub" = "repo:acme/*" }',
                                     'StringLike   = { "token.actions.githubusercontent.com:sub" = "repo:acme/app:environment:production" }')


def test_findings_exit_1_and_clean_exits_0(repo, capsys):
    (repo / "bad.tf").write_text(WILDCARD_TRUST)
    assert main(["scan", "bad.tf"]) == 1
    assert "TL001" in capsys.readouterr().out
    (repo / "clean").mkdir()  # its own directory: beside bad.tf it would define aws_iam_role.ci twice
    (repo / "clean" / "good.tf").write_text(CLEAN_TRUST)
    assert main(["scan", "clean/good.tf"]) == 0
    assert "No findings" in capsys.readouterr().out


def test_fail_on_threshold_and_never(repo):
    (repo / "bad.tf").write_text(WILDCARD_TRUST)  # one high finding
    assert main(["scan", "--fail-on", "critical"]) == 0
    assert main(["scan", "--fail-on", "high"]) == 1
    assert main(["scan", "--fail-on", "never"]) == 0


def test_select_and_ignore(repo, capsys):
    (repo / "bad.tf").write_text(WILDCARD_TRUST)
    assert main(["scan", "--ignore", "TL001", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["findings"] == []
    assert main(["scan", "--select", "tl002,TL003", "--format", "json"]) == 0  # ids in any case
    assert json.loads(capsys.readouterr().out)["findings"] == []
    assert main(["scan", "--select", "TL00", "--format", "json"]) == 1  # a prefix selects TL000-TL009
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["rule_id"], f["path"], f["line"]) for f in findings] == [("TL001", "bad.tf", 10)]
    assert main(["scan", "--select", "TL01", "--format", "json"]) == 0  # TL010-TL014 only: not TL001
    assert json.loads(capsys.readouterr().out)["findings"] == []


def test_json_and_output_file(repo):
    (repo / "bad.tf").write_text(WILDCARD_TRUST)
    assert main(["scan", "--format", "json", "--output", "out.json"]) == 1
    document = json.loads((repo / "out.json").read_text())
    assert document["version"] == 1
    (finding,) = document["findings"]
    assert (finding["rule_id"], finding["path"], finding["line"], finding["address"]) == ("TL001", "bad.tf", 10, "aws_iam_role.ci")
    assert len(finding["fingerprint"]) == 32


def test_usage_errors_exit_2(repo, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["scan", "--format", "xml"])
    assert exit_info.value.code == 2
    assert main([]) == 2
    assert main(["scan", "--rules", "no-such-dir"]) == 2
    assert "rules directory not found" in capsys.readouterr().err


def test_broken_user_rule_is_a_configuration_error_naming_file_and_field(repo, capsys):
    rules = repo / "my-rules"
    rules.mkdir()
    (rules / "bad.yaml").write_text("id: ACME001\nname: x\n")
    assert main(["scan", "--rules", str(rules)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "field (top level)" in err and "'summary' is a required property" in err
    (rules / "bad.yaml").write_text((REPO_ROOT / "rules" / "TL006-static-credential.yaml").read_text()
                                    .replace("id: TL006", "id: ACME001").replace('when: "true"', "when: credential.(("))
    assert main(["scan", "--rules", str(rules)]) == 2
    assert "field when: invalid CEL" in capsys.readouterr().err


def test_user_rule_from_readme_runs(repo, capsys):
    rules = repo / "my-rules"
    rules.mkdir()
    readme = (REPO_ROOT / "README.md").read_text()
    rule_text = "id: ACME001" + readme.split("```yaml\nid: ACME001", 1)[1].split("```", 1)[0]
    (rules / "acme.yaml").write_text(rule_text)
    (repo / "prod.tf").write_text(CLEAN_TRUST.replace('"repo:acme/app:environment:production"', '"repo:acme/app:ref:refs/heads/main"')
                                  .replace('name = "ci"', 'name = "deploy-prod"'))
    assert main(["scan", "--rules", str(rules), "--select", "ACME"]) == 1
    assert "ACME001" in capsys.readouterr().out


def test_internal_error_fails_closed(repo, monkeypatch, capsys):
    import trustlint.scan

    def boom(options):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(trustlint.scan, "run_scan", boom)
    assert main(["scan"]) == 3
    err = capsys.readouterr().err
    assert "internal error" in err and "Traceback" not in err


def _run_scan(*args: str, tty: bool = False, **env: str) -> tuple[int, str]:
    """trustlint scan in a subprocess, its standard output a pipe or a pseudo-terminal."""
    environment = {"PYTHONPATH": str(REPO_ROOT), "PATH": "", **env}
    command = [sys.executable, "-m", "trustlint", "scan", *args]
    if not tty:
        run = subprocess.run(command, capture_output=True, text=True, env=environment)
        return run.returncode, run.stdout
    import pty

    leader, follower = pty.openpty()
    process = subprocess.Popen(command, stdout=follower, stderr=subprocess.DEVNULL, env=environment)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return process.wait(), b"".join(chunks).decode("utf-8", "replace")


def test_colour_only_on_a_terminal_and_never_when_asked_not_to(repo):
    (repo / "bad.tf").write_text(WILDCARD_TRUST)
    assert _run_scan() == (1, _run_scan()[1]) and "\x1b[" not in _run_scan()[1]  # a pipe: plain
    code, terminal = _run_scan(tty=True)
    assert code == 1 and "\x1b[" in terminal  # a terminal: coloured
    assert "\x1b[" not in _run_scan("--no-color", tty=True)[1]
    assert "\x1b[" not in _run_scan(tty=True, NO_COLOR="1")[1]
    assert "\x1b[" in _run_scan(FORCE_COLOR="1")[1]  # FORCE_COLOR: a pipe that wants colour (CI logs)
    assert "\x1b[" not in _run_scan("--no-color", FORCE_COLOR="1")[1]
    assert "\x1b[" not in _run_scan(FORCE_COLOR="1", NO_COLOR="1")[1]


def test_version_and_help(capsys):
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.startswith("trustlint ")
    with pytest.raises(SystemExit):
        main(["scan", "--help"])
    help_text = capsys.readouterr().out
    assert "--fail-on" in help_text and "examples:" in help_text and "exit codes" in help_text


LONG_SESSION_TRUST = CLEAN_TRUST.replace('name = "ci"', 'name = "ci"\n  max_session_duration = 7200')


def test_config_file_sets_threshold_exclude_and_fail_on(repo, capsys):
    (repo / "iam.tf").write_text(LONG_SESSION_TRUST)
    (repo / "vendor").mkdir()
    (repo / "vendor" / "bad.tf").write_text(WILDCARD_TRUST)
    assert main(["scan", "--format", "json"]) == 1
    assert {f["rule_id"] for f in json.loads(capsys.readouterr().out)["findings"]} == {"TL001", "TL005"}
    (repo / ".trustlint.yaml").write_text("max_session_duration: 7200\nexclude: [vendor]\n")
    assert main(["scan"]) == 0
    assert main(["scan", "--max-session-duration", "3600"]) == 1  # the command line wins
    (repo / ".trustlint.yaml").write_text("exclude: [vendor/*]\nfail_on: high\n")
    assert main(["scan"]) == 0  # TL005 is medium


def test_config_in_pyproject(repo):
    (repo / "iam.tf").write_text(LONG_SESSION_TRUST)
    (repo / "pyproject.toml").write_text("[project]\nname = 'x'\n\n[tool.trustlint]\nignore = ['TL005']\n")
    assert main(["scan"]) == 0


def test_tier_patterns_are_configurable(repo, capsys):
    pr_trust = CLEAN_TRUST.replace('"repo:acme/app:environment:production"', '"repo:acme/app:pull_request"').replace('name = "ci"', 'name = "payments-kritisch"')
    (repo / "iam.tf").write_text(pr_trust)
    assert main(["scan"]) == 0
    (repo / ".trustlint.yaml").write_text("tiers:\n  production: kritisch|prod\n")
    assert main(["scan"]) == 1
    assert "TL004" in capsys.readouterr().out


def test_invalid_config_names_file_and_field(repo, capsys):
    (repo / ".trustlint.yaml").write_text("max_session_duration: soon\n")
    assert main(["scan"]) == 2
    err = capsys.readouterr().err
    assert ".trustlint.yaml: field max_session_duration" in err
    (repo / ".trustlint.yaml").write_text("tiers: {production: '(unclosed'}\n")
    assert main(["scan"]) == 2
    assert "field tiers/production" in capsys.readouterr().err


def test_readme_configuration_example_is_valid(repo):
    from trustlint.gate.config import load_config

    readme = (REPO_ROOT / "README.md").read_text()
    block = readme.split("# .trustlint.yaml\n", 1)[1].split("```", 1)[0]
    (repo / ".trustlint.yaml").write_text(block)
    (repo / "policy" / "trustlint-rules").mkdir(parents=True)
    config, path = load_config(str(repo))
    assert path.endswith(".trustlint.yaml") and config["ignore"] == ["TL003"]
    assert main(["scan"]) == 0


def test_readme_tour_matches_the_real_output():
    readme = (REPO_ROOT / "README.md").read_text()
    tour = readme.split("$ trustlint scan examples/\n", 1)[1].split("```", 1)[0]
    golden = (REPO_ROOT / "tests" / "golden" / "examples.txt").read_text()
    for line in tour.splitlines():
        if line != "...":
            assert line in golden.splitlines(), line


def test_missing_path_is_a_usage_error(repo, capsys):
    assert main(["scan", "no-such-dir"]) == 2
    assert "no such file or directory: no-such-dir" in capsys.readouterr().err


def test_session_limits_per_tier(repo, capsys):
    (repo / "iam.tf").write_text(LONG_SESSION_TRUST.replace('name = "ci"', 'name = "ci-staging"'))
    (repo / ".trustlint.yaml").write_text("max_session_duration: {default: 3600, non_production: 7200}\n")
    assert main(["scan"]) == 0
    (repo / "iam.tf").write_text(LONG_SESSION_TRUST.replace('name = "ci"', 'name = "ci-prod"'))
    assert main(["scan"]) == 1
    assert "TL005" in capsys.readouterr().out


def test_select_or_ignore_naming_no_rule_is_a_usage_error(repo, capsys):
    from trustlint.cli import main

    (repo / "iam.tf").write_text(WILDCARD_TRUST)
    assert main(["scan", "--select", "TL0001"]) == 2
    assert "matches no rule id" in capsys.readouterr().err
    assert main(["scan", "--ignore", "TL999"]) == 2
    assert main(["scan", "--select", "TL00", "--format", "json"]) == 1  # a prefix that matches is fine


def test_missing_var_file_is_a_usage_error(repo, capsys):
    from trustlint.cli import main

    (repo / "iam.tf").write_text(WILDCARD_TRUST)
    assert main(["scan", "--var-file", "nope.tfvars"]) == 2
    assert "--var-file nope.tfvars: no such file" in capsys.readouterr().err


def test_rules_command_explains_a_rule_and_lists_configured_rule_directories(repo, capsys):
    assert main(["rules", "tl007"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("TL007 public-trust (default severity critical)") and '"Principal": "*"' in out
    assert main(["rules", "TL099"]) == 2
    capsys.readouterr()
    rules = repo / "my-rules"
    rules.mkdir()
    readme = (REPO_ROOT / "README.md").read_text()
    (rules / "acme.yaml").write_text("id: ACME001" + readme.split("```yaml\nid: ACME001", 1)[1].split("```", 1)[0])
    (repo / ".trustlint.yaml").write_text("rules: [my-rules]\n")
    assert main(["rules"]) == 0
    assert "ACME001" in capsys.readouterr().out


def test_a_user_rule_that_runs_long_is_tl000_and_the_scan_finishes(repo, capsys, monkeypatch):
    import trustlint.engine.rules

    monkeypatch.setattr(trustlint.engine.rules, "RULE_TIME_LIMIT_SECONDS", 0.3)
    rules = repo / "my-rules"
    rules.mkdir()
    big = "[" + ",".join(str(i) for i in range(150)) + "]"
    slow = f"{big}.all(x, {big}.all(y, {big}.all(z, x + y + z >= 0)))"
    (rules / "slow.yaml").write_text((REPO_ROOT / "rules" / "TL006-static-credential.yaml").read_text()
                                     .replace("id: TL006", "id: ACME001").replace('when: "true"', f'when: "{slow}"'))
    (repo / "keys.tf").write_text('resource "aws_iam_access_key" "ci" {\n  user = "ci"\n}\n')
    assert main(["scan", "--rules", str(rules), "--format", "json"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert sorted(f["rule_id"] for f in findings) == ["TL000", "TL006"]
    assert "took over" in next(f["message"] for f in findings if f["rule_id"] == "TL000")
