"""SARIF output: valid against the official 2.1.0 schema and shaped for GitHub code scanning."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from trustlint.reporters import sarif_report

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())

WILDCARD_TRUST = """\
resource "aws_iam_role" "ci" {
  name = "ci"
  assume_role_policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com" }
      Condition = {
        StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }
        StringLike   = { "token.actions.githubusercontent.com:sub" = "repo:acme/*" }
      }
    }]
  })
}
"""


def sarif_of(result) -> dict:
    return json.loads(sarif_report.render(result))


def test_examples_sarif_validates_against_the_official_schema(monkeypatch):
    from trustlint.scan import ScanOptions, run_scan

    from .conftest import REPO_ROOT

    monkeypatch.chdir(REPO_ROOT)
    document = sarif_of(run_scan(ScanOptions(paths=["examples"])))
    errors = sorted(jsonschema.Draft4Validator(SCHEMA).iter_errors(document), key=str)
    assert errors == []
    run = document["runs"][0]
    assert len(document["runs"]) == 1
    assert {r["ruleId"] for r in run["results"]} >= {f"TL00{i}" for i in range(8)}


def test_results_carry_what_github_needs(scan_files):
    document = sarif_of(scan_files({"infra/iam.tf": WILDCARD_TRUST}))
    run = document["runs"][0]
    (result,) = run["results"]
    assert result["ruleId"] == "TL001"
    rule = run["tool"]["driver"]["rules"][result["ruleIndex"]]
    assert rule["id"] == "TL001"
    assert rule["help"]["text"] and rule["help"]["markdown"] and rule["fullDescription"]["text"]
    assert rule["properties"]["security-severity"] in {"9.5", "8.0", "5.5", "2.0"}
    location = result["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "infra/iam.tf"
    assert location["physicalLocation"]["region"] == {"startLine": 10, "startColumn": 70, "endLine": 10, "endColumn": 83}
    assert location["logicalLocations"][0]["fullyQualifiedName"] == "aws_iam_role.ci"
    assert result["level"] == "error" and result["properties"]["severity"] == "high"


def test_fingerprint_survives_unrelated_line_shifts(scan_files):
    first = sarif_of(scan_files({"iam.tf": WILDCARD_TRUST}))
    shifted = sarif_of(scan_files({"iam.tf": "# a comment\n\n\n" + WILDCARD_TRUST}))
    a, b = first["runs"][0]["results"][0], shifted["runs"][0]["results"][0]
    assert a["locations"][0]["physicalLocation"]["region"]["startLine"] + 3 == b["locations"][0]["physicalLocation"]["region"]["startLine"]
    assert a["partialFingerprints"] == b["partialFingerprints"]


def test_no_absolute_paths_leak(scan_files, tmp_path):
    text = sarif_report.render(scan_files({"iam.tf": WILDCARD_TRUST}))
    assert str(tmp_path) not in text
