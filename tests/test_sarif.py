"""SARIF output: valid against the official 2.1.0 schema and shaped for GitHub code scanning."""

from __future__ import annotations

import json
import re
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


HOSTILE_NAMES = ["100%.tf", "a b#c?.tf", "ünï.tf"]


def test_sarif_uris_are_percent_encoded_and_validate_with_format_checking(scan_files):
    from urllib.parse import unquote

    result = scan_files({name: WILDCARD_TRUST for name in HOSTILE_NAMES[:1]} | {"x/" + HOSTILE_NAMES[1]: WILDCARD_TRUST,
                                                                                "y/" + HOSTILE_NAMES[2]: WILDCARD_TRUST})
    document = sarif_of(result)
    checker = jsonschema.FormatChecker()
    assert "uri-reference" in checker.checkers, "rfc3986-validator is needed for URI format checking"
    errors = sorted(jsonschema.Draft4Validator(SCHEMA, format_checker=checker).iter_errors(document), key=str)
    assert errors == []
    uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in document["runs"][0]["results"])
    assert uris == ["100%25.tf", "x/a%20b%23c%3F.tf", "y/%C3%BCn%C3%AF.tf"]
    assert sorted(unquote(u) for u in uris) == sorted(["100%.tf", "x/a b#c?.tf", "y/ünï.tf"])


def test_markdown_escapes_links_html_and_control_characters_from_scanned_content(scan_files):
    from trustlint.reporters import markdown_report

    # An environment name may hold link and HTML syntax; the file name holds a bidi override.
    hostile = "[click](//evil.example)<img src=x>![i](x)"
    trust = WILDCARD_TRUST.replace('"repo:acme/*"', f'"repo:*:environment:{hostile}"')
    result = scan_files({"[x](https:evil)\u202e.tf": trust})
    text = markdown_report.render(result)
    assert result.findings and hostile in result.findings[0].message
    assert "\u202e" not in text and "<img" not in text
    prose = re.sub(r"`[^`]*`", "", text)  # code spans render literally: links there are inert
    assert re.search(r"(?<!\\)\]\(", prose) is None and "https:" not in prose  # no link, no image


def test_a_file_name_that_is_not_utf8_keeps_its_bytes_in_the_sarif_uri(scan_files, tmp_path):
    import os

    from trustlint.scan import ScanOptions, run_scan

    scan_files({})
    os.makedirs("x", exist_ok=True)
    with open(os.fsencode("x/bad\xff.tf".encode("latin-1")), "w") as handle:
        handle.write(WILDCARD_TRUST)
    document = sarif_of(run_scan(ScanOptions(paths=["."])))
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in document["runs"][0]["results"]]
    assert "x/bad%FF.tf" in uris


def test_markdown_breaks_mentions_and_autolinks_and_invisible_characters():
    from trustlint.reporters.markdown_report import _cell

    text = _cell("ping @octocat at www.evil.example or user@evil.example \u200b\ufeff\u061c\u2028")
    assert "\\@octocat" in text and "www\\.evil" in text and "user\\@evil" in text  # escaped: plain text
    assert not any(c in text for c in "\u200b\ufeff\u061c\u2028")
