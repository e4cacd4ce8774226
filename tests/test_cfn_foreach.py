"""CloudFormation Fn::ForEach (AWS::LanguageExtensions): every resource a loop stamps out is
judged like a hand-written one, at the line of the loop body; what a loop cannot say is
explained or TL000, never dropped.

The templates follow the shapes of real ones: the AWS documentation's examples (a Ref to a
CommaDelimitedList, Fn::FindInMap with DefaultValue, nested loops, properties replicated from
a mapping), the CloudFormation workshop's nested subnet loops, LocalStack's and cfn-lint's
loop fixtures."""

from __future__ import annotations

import json
import time

import pytest

from trustlint.formats import cfn_foreach

from .conftest import brief

PROVIDER = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"


def deploy_roles(collection: str, subject: str, key: str = "DeployRole${Env}", head: str = "") -> str:
    return f"""AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::LanguageExtensions
{head}Resources:
  Fn::ForEach::DeployRoles:
    - Env
    - {collection}
    - {key}:
        Type: AWS::IAM::Role
        Properties:
          RoleName: !Sub github-deploy-${{Env}}
          AssumeRolePolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: sts:AssumeRoleWithWebIdentity
                Principal:
                  Federated: {PROVIDER}
                Condition:
                  StringEquals:
                    token.actions.githubusercontent.com:aud: sts.amazonaws.com
                  StringLike:
                    token.actions.githubusercontent.com:sub: {subject}
"""


SUBJECT_LINE = 22  # of deploy_roles() without `head`: the loop body's subject condition
SUBJECTS = """Mappings:
  Subjects:
    Dev: {Pattern: "repo:acme/app:environment:dev"}
    Prod: {Pattern: "repo:acme/*"}
"""


def test_a_loop_over_dev_and_prod_reports_only_the_wildcard_instance_at_the_body(scan_files):
    template = deploy_roles("[Dev, Prod]", "!FindInMap [Subjects, !Ref Env, Pattern]", head=SUBJECTS)
    line = SUBJECT_LINE + 4
    assert [(r, p, ln, a, s) for r, p, ln, _, a, s in brief(scan_files({"roles.yaml": template}))] == [
        ("TL001", "roles.yaml", line, "DeployRoleProd", "high"),
        ("TL004", "roles.yaml", line, "DeployRoleProd", "high"),
    ]
    clean = template.replace('Prod: {Pattern: "repo:acme/*"}', 'Prod: {Pattern: "repo:acme/app:environment:prod"}')
    assert scan_files({"roles.yaml": clean}).findings == []


def test_instances_sharing_one_problem_are_one_finding_naming_each(scan_files):
    result = scan_files({"roles.yaml": deploy_roles("[Dev, Staging, Prod]", '"repo:acme/*"')})
    tl001 = [f for f in result.findings if f.rule_id == "TL001"]
    assert [(f.span.line, f.address, f.severity) for f in tl001] == [(SUBJECT_LINE, "DeployRoleDev", "high")]
    assert [m.address for m in tl001[0].merged] == ["DeployRoleStaging", "DeployRoleProd"]
    assert tl001[0].message.endswith("(the same for DeployRoleStaging, DeployRoleProd)")


def test_a_json_template_loop_is_read_the_same(scan_files):
    body = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity", "Principal": {"Federated": PROVIDER},
        "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                      "StringLike": {"token.actions.githubusercontent.com:sub": {
                          "Fn::FindInMap": ["Subjects", {"Ref": "Env"}, "Pattern"]}}}}]}}}
    template = {"AWSTemplateFormatVersion": "2010-09-09", "Transform": "AWS::LanguageExtensions",
                "Mappings": {"Subjects": {"Dev": {"Pattern": "repo:acme/app:environment:dev"},
                                          "Prod": {"Pattern": "repo:acme/*"}}},
                "Resources": {"Fn::ForEach::DeployRoles": ["Env", ["Dev", "Prod"], {"DeployRole${Env}": body}]}}
    text = json.dumps(template, indent=2)
    line = next(n for n, t in enumerate(text.splitlines(), 1) if '"Fn::FindInMap"' in t) - 1
    assert [(r, ln, a) for r, _, ln, _, a, _ in brief(scan_files({"roles.json": text}))] == [
        ("TL001", line, "DeployRoleProd"), ("TL004", line, "DeployRoleProd")]


def test_a_collection_from_a_comma_delimited_list_default_stamps_out_its_items(scan_files):
    head = 'Parameters:\n  Repositories:\n    Type: CommaDelimitedList\n    Default: "Api, Web"\n'
    template = deploy_roles("!Ref Repositories", '!Sub "repo:acme/${Env}:*"', head=head)
    result = scan_files({"roles.yaml": template})
    # One repository each, any ref of it: a finding per instance, each naming its repository.
    assert [(r, ln, a, s) for r, _, ln, _, a, s in brief(result)] == [
        ("TL001", SUBJECT_LINE + 4, "DeployRoleApi", "medium"), ("TL001", SUBJECT_LINE + 4, "DeployRoleWeb", "medium")]
    assert "of acme/Api" in result.findings[0].message and "of acme/Web" in result.findings[1].message
    pinned = template.replace('"repo:acme/${Env}:*"', '"repo:acme/${Env}:environment:production"')
    assert scan_files({"roles.yaml": pinned}).findings == []


def test_a_collection_without_a_default_is_one_instance_with_the_identifier_unknown(scan_files):
    head = "Parameters:\n  Environments:\n    Type: CommaDelimitedList\n"
    result = scan_files({"roles.yaml": deploy_roles("!Ref Environments", '!Sub "repo:acme/*:environment:${Env}"',
                                                    head=head)})
    assert [(r, ln, a, s) for r, _, ln, _, a, s in brief(result)] == [
        ("TL001", SUBJECT_LINE + 3, "DeployRole${Env}", "high")]
    assert ("roles.yaml", 9, 7, "Env", "Fn::ForEach::DeployRoles: collection not known statically (Environments: "
            "parameter without a default); one instance is judged with Env unknown") in result.unknowns


def test_a_collection_imported_from_another_stack_is_one_instance_with_the_identifier_unknown(scan_files):
    result = scan_files({"roles.yaml": deploy_roles('!Split [",", !ImportValue shared-environments]', '"repo:acme/*"')})
    assert [(r, ln, a) for r, _, ln, _, a, _ in brief(result)] == [("TL001", SUBJECT_LINE, "DeployRole${Env}")]
    assert [u[1:4] for u in result.unknowns if u[3] == "Env"] == [(6, 7, "Env")]
    assert "Fn::Split of an unknown value" in next(u[4] for u in result.unknowns if u[3] == "Env")


def test_an_unknown_identifier_is_never_a_wildcard(scan_files):
    head = "Parameters:\n  Environments:\n    Type: CommaDelimitedList\n"
    result = scan_files({"roles.yaml": deploy_roles("!Ref Environments", '!Sub "repo:acme/app:environment:${Env}"',
                                                    head=head)})
    assert result.findings == []
    assert any(u[1:3] == (SUBJECT_LINE + 3, 62) and u[3] == "Env" for u in result.unknowns)


def test_an_empty_collection_from_a_value_is_judged_as_one_instance_but_a_literal_one_is_none(scan_files):
    head = "Mappings:\n  Accounts:\n    Roles: {Names: []}\n"
    from_value = deploy_roles("!FindInMap [Accounts, Roles, Names]", '"repo:acme/*"', head=head)
    result = scan_files({"roles.yaml": from_value})
    assert [(r, a) for r, _, _, _, a, _ in brief(result)] == [("TL001", "DeployRole${Env}")]
    assert any("empty with the template's defaults" in u[4] for u in result.unknowns)
    assert scan_files({"roles.yaml": deploy_roles("[]", '"repo:acme/*"')}).findings == []


def test_nested_loops_bind_the_outer_identifier_in_the_inner_collection_and_body(scan_files):
    # The workshop's shape (subnet types x numbers), for deploy roles: environments x the
    # applications each environment hosts.
    template = f"""AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::LanguageExtensions
Mappings:
  Applications:
    Dev: {{Names: [Api, Web]}}
    Prod: {{Names: [Api]}}
  Scopes:
    Dev: {{Sub: "*"}}
    Prod: {{Sub: "environment:production"}}
Resources:
  Fn::ForEach::Environments:
    - Env
    - [Dev, Prod]
    - Fn::ForEach::Applications:
        - App
        - !FindInMap [Applications, !Ref Env, Names]
        - ${{App}}${{Env}}Deploy:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument:
                Statement:
                  - Effect: Allow
                    Action: sts:AssumeRoleWithWebIdentity
                    Principal: {{Federated: {PROVIDER}}}
                    Condition:
                      StringEquals: {{token.actions.githubusercontent.com:aud: sts.amazonaws.com}}
                      StringLike:
                        token.actions.githubusercontent.com:sub: !Sub
                          - "repo:acme/${{App}}:${{Scope}}"
                          - Scope: !FindInMap [Scopes, !Ref Env, Sub]
"""
    result = scan_files({"roles.yaml": template})
    assert [t.address for t in result.model.trusts] == ["ApiDevDeploy", "WebDevDeploy", "ApiProdDeploy"]
    assert [(r, ln, a, s) for r, _, ln, _, a, s in brief(result)] == [
        ("TL001", 28, "ApiDevDeploy", "medium"), ("TL001", 28, "WebDevDeploy", "medium")]


def test_a_subject_built_from_the_identifier_reports_only_the_risky_items(scan_files):
    # &{Repo}: the item without its non-alphanumeric characters, as AWS writes the logical id.
    result = scan_files({"roles.yaml": deploy_roles('["acme/api", "acme/*"]', '!Sub "repo:${Env}:ref:refs/heads/main"',
                                                    key="Deploy&{Env}")})
    assert [(r, ln, a, s) for r, _, ln, _, a, s in brief(result)] == [("TL001", SUBJECT_LINE, "Deployacme", "high")]
    assert "repo:acme/*:ref:refs/heads/main" in result.findings[0].message


def test_a_sub_escape_stays_literal_in_a_loop(scan_files):
    # ${!Env} is Fn::Sub's escape for the text "${Env}": not the identifier.
    template = deploy_roles("[Dev]", "repo:acme/app:environment:dev").replace("github-deploy-${Env}",
                                                                               "github-deploy-${!Env}-${Env}")
    result = scan_files({"roles.yaml": template})
    assert result.findings == []
    assert [(t.address, t.principal_name) for t in result.model.trusts] == [("DeployRoleDev", "github-deploy-${Env}-Dev")]


def test_a_loop_in_a_condition_block_writes_its_claims(scan_files):
    template = f"""AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::LanguageExtensions
Mappings:
  Claims:
    aud: {{Value: sts.amazonaws.com}}
    sub: {{Value: "repo:acme/*"}}
Resources:
  DeployRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Action: sts:AssumeRoleWithWebIdentity
            Principal: {{Federated: {PROVIDER}}}
            Condition:
              StringLike:
                Fn::ForEach::Claims:
                  - Claim
                  - [aud, sub]
                  - token.actions.githubusercontent.com:${{Claim}}: !FindInMap [Claims, !Ref Claim, Value]
"""
    assert [(r, ln, a) for r, _, ln, _, a, _ in brief(scan_files({"role.yaml": template}))] == [("TL001", 21, "DeployRole")]
    pinned = template.replace('"repo:acme/*"', '"repo:acme/app:environment:production"')
    assert scan_files({"role.yaml": pinned}).findings == []


def test_properties_replicated_from_a_mapping_are_judged(scan_files):
    # The documentation's "replicate properties" example, on a role: one loop writes the
    # settings each role's mapping entry has, and AWS::NoValue drops the others.
    template = f"""AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::LanguageExtensions
Mappings:
  DeployRoleProd:
    Settings: {{MaxSessionDuration: 43200, Path: /deploy/}}
  DeployRoleDev:
    Settings: {{Path: /deploy/}}
Resources:
  Fn::ForEach::Roles:
    - RoleId
    - [DeployRoleDev, DeployRoleProd]
    - ${{RoleId}}:
        Type: AWS::IAM::Role
        Properties:
          Fn::ForEach::Settings:
            - Setting
            - [MaxSessionDuration, Path]
            - ${{Setting}}: !FindInMap [!Ref RoleId, Settings, !Ref Setting, DefaultValue: !Ref AWS::NoValue]
          AssumeRolePolicyDocument:
            Statement:
              - Effect: Allow
                Action: sts:AssumeRoleWithWebIdentity
                Principal: {{Federated: {PROVIDER}}}
                Condition:
                  StringEquals:
                    token.actions.githubusercontent.com:aud: sts.amazonaws.com
                    token.actions.githubusercontent.com:sub: repo:acme/app:environment:production
"""
    result = scan_files({"roles.yaml": template})
    # And, judged like two written roles, one workload reaching both environments' roles.
    assert [(r, ln, a) for r, _, ln, _, a, _ in brief(result)] == [("TL005", 18, "DeployRoleProd"),
                                                                   ("TL004", 27, "DeployRoleProd")]


def test_a_serverless_service_loop_is_expanded(scan_files):
    service = f"""service: shop-api
provider: {{name: aws, runtime: python3.12}}
resources:
  Resources:
    Fn::ForEach::DeployRoles:
      - Stage
      - [Dev, Prod]
      - GitHub${{Stage}}Role:
          Type: AWS::IAM::Role
          Properties:
            AssumeRolePolicyDocument:
              Statement:
                - Effect: Allow
                  Action: sts:AssumeRoleWithWebIdentity
                  Principal: {{Federated: {PROVIDER}}}
                  Condition:
                    StringEquals: {{token.actions.githubusercontent.com:aud: sts.amazonaws.com}}
                    StringLike: {{token.actions.githubusercontent.com:sub: "repo:acme/*"}}
"""
    result = scan_files({"serverless.yml": service})
    assert [(r, ln, a) for r, _, ln, _, a, _ in brief(result)] == [("TL001", 18, "GitHubDevRole"),
                                                                   ("TL004", 18, "GitHubProdRole")]
    assert [m.address for m in result.findings[0].merged] == ["GitHubProdRole"]


def test_more_instances_than_the_bound_is_tl000_at_the_loop_and_the_first_are_judged(scan_files):
    items = ", ".join(f"E{i}" for i in range(cfn_foreach.MAX_INSTANCES + 1))
    result = scan_files({"roles.yaml": deploy_roles(f"[{items}]", '"repo:acme/*"')})
    (limit,) = [f for f in result.findings if f.rule_id == "TL000"]
    assert (limit.span.line, limit.span.column, limit.address, limit.severity) == (4, 3, "Fn::ForEach::DeployRoles", "high")
    assert limit.message == ("Fn::ForEach::DeployRoles stamps out more than 200 entries; only the first 200 are "
                             "analysed, from 'DeployRoleE200' on they are not")
    (wildcard,) = [f for f in result.findings if f.rule_id == "TL001"]
    assert wildcard.address == "DeployRoleE0" and len(wildcard.merged) == cfn_foreach.MAX_INSTANCES - 1


def test_the_instance_bound_is_terraforms():
    from trustlint.terraform.instances import MAX_INSTANCES

    assert cfn_foreach.MAX_INSTANCES == MAX_INSTANCES


def nested_loops(levels: int, items: str = "[x]") -> str:
    names = "ABCDEFGH"[:levels]
    lines = ["Transform: AWS::LanguageExtensions", "Resources:"]
    indent = "  "
    for name in names:
        lines += [f"{indent}Fn::ForEach::L{name}:", f"{indent}  - {name}", f"{indent}  - {items}", f"{indent}  -"]
        indent += "      "
    lines += [indent + "Role" + "".join("${%s}" % n for n in names) + ": {Type: AWS::IAM::Role}"]
    return "\n".join(lines) + "\n"


def test_nesting_past_what_aws_accepts_is_tl000_at_the_deepest_loop(scan_files):
    result = scan_files({"deep.yaml": nested_loops(6)})
    assert [(f.rule_id, f.span.line, f.address, f.message) for f in result.findings] == [
        ("TL000", 23, "Fn::ForEach::LA", "Fn::ForEach::LF: Fn::ForEach nested 6 deep (AWS accepts 5); not expanded")]
    assert scan_files({"deep.yaml": nested_loops(5)}).findings == []


@pytest.mark.parametrize("loop, line, message", [
    ("  Fn::ForEach::Short:\n    - Env\n    - [Dev]\n", 5,
     "Fn::ForEach::Short: Fn::ForEach takes [identifier, collection, {output key: value}] (2 items); not expanded"),
    ("  Fn::ForEach::Listed:\n    - [Env, Region]\n    - [[Dev, eu]]\n    - X${Env}: {Type: AWS::IAM::Role}\n", 6,
     "Fn::ForEach::Listed: the loop identifier must be a non-empty string; not expanded"),
    ("  Fn::ForEach::Body:\n    - Env\n    - [Dev]\n    - - X${Env}\n", 8,
     "Fn::ForEach::Body: the loop body must be a mapping of output keys; not expanded"),
    ("  Fn::ForEach::Scalar:\n    - Env\n    - !Ref Name\n    - X${Env}: {Type: AWS::IAM::Role}\n", 7,
     "Fn::ForEach::Scalar: the collection is not a list; not expanded"),
    ("  Fn::ForEach::Objects:\n    - Env\n    - [{Name: Dev}]\n    - X${Env}: {Type: AWS::IAM::Role}\n", 7,
     "Fn::ForEach::Objects: a collection item is not a string; not expanded"),
    ("  Fn::ForEach::Twice:\n    - Env\n    - [Dev, Dev]\n    - X${Env}: {Type: AWS::IAM::Role}\n", 8,
     "Fn::ForEach::Twice: logical id 'XDev' is written twice (AWS rejects the template); both are judged, the "
     "second as 'XDev#2'"),
])
def test_a_malformed_loop_is_tl000_at_its_place_and_the_rest_is_judged(scan_files, loop, line, message):
    template = f"""Transform: AWS::LanguageExtensions
Parameters:
  Name: {{Type: String, Default: dev}}
Resources:
{loop}  DeployRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Action: sts:AssumeRoleWithWebIdentity
            Principal: {{Federated: {PROVIDER}}}
            Condition:
              StringEquals: {{token.actions.githubusercontent.com:aud: sts.amazonaws.com}}
              StringLike: {{token.actions.githubusercontent.com:sub: "repo:acme/*"}}
"""
    result = scan_files({"t.yaml": template})
    problems = [(f.span.line, f.message) for f in result.findings if f.rule_id == "TL000"]
    assert problems == [(line, message)]
    assert [(f.rule_id, f.address) for f in result.findings if f.rule_id != "TL000"] == [("TL001", "DeployRole")]


def test_a_loop_writing_a_hand_written_logical_id_is_tl000_and_both_are_judged(scan_files):
    template = deploy_roles("[Dev]", '"repo:acme/app:environment:dev"') + f"""  DeployRoleDev:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Action: sts:AssumeRoleWithWebIdentity
            Principal: {{Federated: {PROVIDER}}}
            Condition:
              StringEquals: {{token.actions.githubusercontent.com:aud: sts.amazonaws.com}}
              StringLike: {{token.actions.githubusercontent.com:sub: "repo:acme/*"}}
"""
    result = scan_files({"t.yaml": template})
    assert [(r, ln, a) for r, _, ln, _, a, _ in brief(result)] == [("TL000", 23, "DeployRoleDev"),
                                                                   ("TL001", 33, "DeployRoleDev#2")]


def test_nested_loops_past_the_bound_stop_quickly_with_tl000(scan_files):
    # Five nested loops of 200 items are 200**5 instances: each loop stops at the bound.
    started = time.perf_counter()
    result = scan_files({"wide.yaml": nested_loops(5, "[" + ", ".join(f"v{i}" for i in range(200)) + "]")})
    assert time.perf_counter() - started < 20
    assert [(f.rule_id, f.span.line, f.address) for f in result.findings if f.span.line == 3] == [
        ("TL000", 3, "Fn::ForEach::LA")]


def test_a_large_body_in_a_long_loop_stops_at_the_copy_budget(scan_files):
    big = "\n".join(f"          Tag{i}: [a, b, c, d, e, f, g, h, i]" for i in range(200))
    template = f"""Transform: AWS::LanguageExtensions
Resources:
  Fn::ForEach::Roles:
    - Name
    - [{", ".join(f"r{i}" for i in range(150))}]
    - Role${{Name}}:
        Type: AWS::IAM::Role
        Metadata:
{big}
"""
    started = time.perf_counter()
    result = scan_files({"big.yaml": template})
    assert time.perf_counter() - started < 20
    assert [(f.rule_id, f.span.line, f.message) for f in result.findings] == [
        ("TL000", 3, f"Fn::ForEach::Roles: its loops copy more than {cfn_foreach.MAX_COPIES} values; what it stamps "
                     "out is not analysed")]


def test_a_clean_loop_judges_every_instance_and_reports_nothing(scan_files):
    from .conftest import REPO_ROOT

    template = (REPO_ROOT / "tests/data/cfn-foreach.yaml").read_text()
    result = scan_files({"roles.yaml": template})
    assert result.findings == []
    assert [(t.address, t.principal_name) for t in result.model.trusts] == [
        ("DeployapiDev", "github-api-Dev"), ("DeploywebappDev", "github-web-app-Dev"), ("DeployapiProd", "github-api-Prod")]
    # The property loop is live: a long session in the Prod entry is that instance's finding only.
    long = scan_files({"roles.yaml": template.replace("MaxSessionDuration: 3600", "MaxSessionDuration: 43200")})
    assert [(r, ln, a) for r, _, ln, _, a, _ in brief(long)] == [("TL005", 33, "DeployapiProd")]
