"""CloudFormation and SAM: intrinsics resolved from the template, unknowns kept unknown."""

from __future__ import annotations

from .conftest import brief

HEADER = 'AWSTemplateFormatVersion: "2010-09-09"\n'


def role(condition: str, extra_parameters: str = "", federated: str = "!GetAtt Oidc.Arn") -> str:
    return HEADER + f"""Parameters:
  Org:
    Type: String
    Default: acme
{extra_parameters}Resources:
  Oidc:
    Type: AWS::IAM::OIDCProvider
    Properties:
      Url: https://token.actions.githubusercontent.com
      ClientIdList: [sts.amazonaws.com]
  DeployRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Action: sts:AssumeRoleWithWebIdentity
            Principal:
              Federated: {federated}
            Condition:
{condition}"""


def test_sub_with_parameter_default_resolves(scan_files):
    result = scan_files({"t.yaml": role("              StringLike:\n                token.actions.githubusercontent.com:sub: !Sub repo:${Org}/*\n")})
    assert [(r, line, a, s) for r, _, line, _, a, s in brief(result)] == [("TL001", 23, "DeployRole", "high")]
    assert "any repository of acme" in result.findings[0].message


def test_parameter_without_default_stays_unknown(scan_files):
    result = scan_files({"t.yaml": role("              StringLike:\n                token.actions.githubusercontent.com:sub: !Ref Subject\n",
                                        "  Subject:\n    Type: String\n")})
    assert result.findings == []


def test_comma_delimited_list_default_is_a_list_of_values(scan_files):
    result = scan_files({"t.yaml": role(
        "              StringEquals:\n                token.actions.githubusercontent.com:sub: !Ref Subjects\n",
        "  Subjects:\n    Type: CommaDelimitedList\n    Default: repo:acme/app:environment:production,repo:acme/app:pull_request\n")
        .replace("DeployRole", "ProdDeployRole")})
    assert [(r, a) for r, _, _, _, a, _ in brief(result)] == [("TL004", "ProdDeployRole")]


def test_if_on_a_condition_from_parameter_defaults(scan_files):
    template = role("              StringEquals:\n                token.actions.githubusercontent.com:sub: !If [Strict, repo:acme/app:ref:refs/heads/main, '*']\n",
                    "  Mode:\n    Type: String\n    Default: loose\n")
    template = template.replace("Resources:\n", "Conditions:\n  Strict: !Equals [!Ref Mode, strict]\nResources:\n", 1)
    result = scan_files({"t.yaml": template})
    # StringEquals with a literal '*' is an exact match: nothing real gets in.
    assert result.findings == []
    result = scan_files({"t.yaml": template.replace("StringEquals:", "StringLike:")})
    assert [(r, s) for r, _, _, _, _, s in brief(result)] == [("TL001", "critical")]


def test_policy_document_as_json_string_in_fn_sub(scan_files):
    template = HEADER + """Parameters:
  Issuer:
    Type: String
    Default: token.actions.githubusercontent.com
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Fn::Sub: '{"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity", "Principal": {"Federated": "arn:aws:iam::${AWS::AccountId}:oidc-provider/${Issuer}"}, "Condition": {"ForAllValues:StringLike": {"${Issuer}:sub": "repo:acme/*"}}}]}'
"""
    result = scan_files({"t.yaml": template})
    assert sorted(r for r, *_ in brief(result)) == ["TL001", "TL003"]


def test_json_template_long_form_intrinsics(scan_files):
    template = """{
  "Parameters": {"Repo": {"Type": "String", "Default": "acme/app"}},
  "Resources": {
    "Role": {
      "Type": "AWS::IAM::Role",
      "Properties": {
        "MaxSessionDuration": 43200,
        "AssumeRolePolicyDocument": {
          "Statement": [{
            "Effect": "Allow",
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Principal": {"Federated": {"Fn::Join": ["", ["arn:aws:iam::", {"Ref": "AWS::AccountId"}, ":oidc-provider/token.actions.githubusercontent.com"]]}},
            "Condition": {"StringEquals": {
              "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
              "token.actions.githubusercontent.com:sub": {"Fn::Sub": "repo:${Repo}:environment:production"}
            }}
          }]
        }
      }
    }
  }
}
"""
    result = scan_files({"t.json": template})
    assert [(r, line, col, a) for r, _, line, col, a, _ in brief(result)] == [("TL005", 7, 31, "Role")]


def test_a_resource_behind_a_false_condition_is_judged_naming_the_condition(scan_files):
    template = HEADER + """Parameters:
  CreateKey: {Type: String, Default: "no"}
Conditions:
  MakeKey: !Equals [!Ref CreateKey, "yes"]
Resources:
  Key:
    Type: AWS::IAM::AccessKey
    Condition: MakeKey
    Properties: {UserName: ci}
"""
    # Not created with the defaults, but one parameter away: judged as if created, saying so.
    (finding,) = scan_files({"t.yaml": template}).findings
    assert finding.rule_id == "TL006" and "Condition MakeKey (false with the template's defaults)" in finding.message
    created = scan_files({"t.yaml": template.replace('Default: "no"', 'Default: "yes"')}).findings
    assert [f.rule_id for f in created] == ["TL006"] and "Condition" not in created[0].message


def test_operator_block_that_is_an_intrinsic_is_unknown_not_missing(scan_files):
    # CDK's CfnJson: the whole StringEquals map comes from a custom resource.
    template = HEADER + """Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Action: sts:AssumeRoleWithWebIdentity
            Principal:
              Federated: arn:aws:iam::1:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC
            Condition:
              StringEquals: !GetAtt ConditionJson.Value
"""
    assert scan_files({"t.yaml": template}).findings == []


def test_cdk_provider_client_id_list(scan_files):
    template = HEADER + """Resources:
  Provider:
    Type: Custom::AWSCDKOpenIdConnectProvider
    Properties:
      Url: https://token.actions.githubusercontent.com
      ClientIDList: [sts.amazonaws.com]
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Action: sts:AssumeRoleWithWebIdentity
            Principal: {Federated: {Ref: Provider}}
            Condition:
              StringEquals:
                token.actions.githubusercontent.com:sub: repo:acme/app:environment:production
"""
    assert scan_files({"t.yaml": template}).findings == []


def _repo_parameter_trust(subject: str) -> str:
    return role("              StringEquals:\n                token.actions.githubusercontent.com:aud: sts.amazonaws.com\n"
                f"              StringLike:\n                token.actions.githubusercontent.com:sub: !Sub '{subject}'\n",
                "  GitHubRepo:\n    Type: String\n")


def test_one_parameter_for_owner_and_name_is_probed_as_a_whole(scan_files):
    # repo:${GitHubRepo}:* admits any ref of that one repository (medium), not "an account whose
    # name starts with ..." (critical): the parameter holds OWNER/NAME.
    result = scan_files({"t.yaml": _repo_parameter_trust("repo:${GitHubRepo}:*")})
    assert [(r, s) for r, _, _, _, _, s in brief(result)] == [("TL001", "medium")]
    assert "of ⟨GitHubRepo⟩" in result.findings[0].message and "account" not in result.findings[0].message
    assert scan_files({"t.yaml": _repo_parameter_trust("repo:${GitHubRepo}:environment:production")}).findings == []


def test_a_serverless_service_adds_cloudformation_resources(scan_files):
    service = """service: shop-api
provider:
  name: aws
  runtime: python3.12
functions:
  hello: {handler: handler.hello}
resources:
  Resources:
    GitHubDeployRole:
      Type: AWS::IAM::Role
      Properties:
        RoleName: shop-deploy
        AssumeRolePolicyDocument:
          Statement:
            - Effect: Allow
              Action: sts:AssumeRoleWithWebIdentity
              Principal:
                Federated: arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com
              Condition:
                StringEquals: {token.actions.githubusercontent.com:aud: sts.amazonaws.com}
                StringLike: {token.actions.githubusercontent.com:sub: "repo:acme/*"}
"""
    assert [(r, p, line) for r, p, line, *_ in brief(scan_files({"serverless.yml": service}))] == [
        ("TL001", "serverless.yml", 21)]


def test_cdk_output_is_read_as_a_template(scan_files):
    template = ('{"Resources": {"DeployRole3A1B": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": '
                '{"Statement": [{"Action": "sts:AssumeRoleWithWebIdentity", "Effect": "Allow", "Principal": {"Federated": '
                '{"Ref": "GithubProvider"}}, "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": '
                '"repo:acme/*"}}}]}}}, "GithubProvider": {"Type": "Custom::AWSCDKOpenIdConnectProvider", "Properties": '
                '{"Url": "https://token.actions.githubusercontent.com", "ClientIDList": ["sts.amazonaws.com"]}}}}')
    result = scan_files({"cdk.out/ShopStack.template.json": template})
    assert [(f.rule_id, f.path) for f in result.findings if f.rule_id == "TL001"] == [("TL001", "cdk.out/ShopStack.template.json")]


def _mapped_subject_role(environment: str) -> str:
    # The AWS::LanguageExtensions documentation's shape: one mapping entry per environment,
    # a DefaultValue for the others.
    return HEADER + f"""Transform: AWS::LanguageExtensions
Parameters:
  Environment: {{Type: String, Default: {environment}}}
Mappings:
  Subjects:
    production: {{Sub: "repo:acme/app:environment:production"}}
Resources:
  DeployRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Action: sts:AssumeRoleWithWebIdentity
            Principal: {{Federated: arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com}}
            Condition:
              StringEquals: {{token.actions.githubusercontent.com:aud: sts.amazonaws.com}}
              StringLike:
                token.actions.githubusercontent.com:sub: !FindInMap [Subjects, !Ref Environment, Sub, DefaultValue: "repo:acme/*"]
"""
    assert [(r, line) for r, _, line, *_ in brief(scan_files({"t.yaml": template}))] == [("TL000", 4)]


def _if_template(subject: str, default: str = "prod", condition: str = "!Equals [!Ref Env, prod]") -> str:
    template = role(f"              StringLike:\n                token.actions.githubusercontent.com:sub: {subject}\n",
                    f"  Env:\n    Type: String\n    Default: {default}\n")
    return template.replace("Resources:\n", f"Conditions:\n  IsProd: {condition}\nResources:\n", 1)


def test_the_branch_of_an_fn_if_the_defaults_do_not_take_is_judged(scan_files):
    # Env defaults to prod, so the defaults write the exact subject; `Env=dev` at deploy time writes
    # any acme repository: one parameter away, judged, naming the condition.
    result = scan_files({"t.yaml": _if_template('!If [IsProd, "repo:acme/app:environment:production", "repo:acme/*"]')})
    assert [(r, line, a, s) for r, _, line, _, a, s in brief(result)] == [("TL001", 28, "DeployRole", "high")]
    assert "judged for each branch of IsProd, which parameters choose at deploy time" in result.findings[0].message


def test_one_subject_per_environment_chosen_by_fn_if_is_clean(scan_files):
    result = scan_files({"t.yaml": _if_template(
        '!If [IsProd, "repo:acme/app:environment:production", "repo:acme/app:environment:staging"]')})
    assert result.findings == [] and sum(result.judged.values()) > 0


def test_a_condition_of_literals_only_is_not_read_both_ways(scan_files):
    # `!Equals [a, a]` is always true: its other branch can never be deployed.
    result = scan_files({"t.yaml": _if_template('!If [IsProd, "repo:acme/app:environment:production", "repo:acme/*"]',
                                                condition="!Equals [a, a]")})
    assert result.findings == [] and result.judged["trusts"] == 1  # one reading, judged clean


def test_find_in_map_default_value_is_taken_when_the_keys_name_no_entry(scan_files):
    result = scan_files({"t.yaml": _mapped_subject_role("staging")})
    # At the DefaultValue itself: the offending value.
    assert [(r, line, col, a, s) for r, _, line, col, a, s in brief(result)] == [("TL001", 20, 117, "DeployRole", "high")]
    assert "repo:acme/*" in result.findings[0].message


def test_find_in_map_entry_is_judged_where_it_is_read(scan_files):
    # The entry exists: its value, not the DefaultValue; a finding would point at the call.
    assert scan_files({"t.yaml": _mapped_subject_role("production")}).findings == []
    broad = _mapped_subject_role("production").replace("repo:acme/app:environment:production", "repo:acme/*")
    assert [(r, line, col) for r, _, line, col, *_ in brief(scan_files({"t.yaml": broad}))] == [("TL001", 20, 58)]


def test_to_json_string_trust_policy_is_read_with_its_lines(scan_files):
    template = HEADER + """Transform: AWS::LanguageExtensions
Resources:
  DeployRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: !ToJsonString
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: sts:AssumeRoleWithWebIdentity
            Principal: {Federated: arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com}
            Condition:
              StringEquals: {token.actions.githubusercontent.com:aud: sts.amazonaws.com}
              StringLike: {token.actions.githubusercontent.com:sub: "repo:acme/*"}
"""
    assert [(r, line, a) for r, _, line, _, a, _ in brief(scan_files({"t.yaml": template}))] == [
        ("TL001", 15, "DeployRole")]
    exact = template.replace('"repo:acme/*"', "repo:acme/app:environment:production")
    assert scan_files({"t.yaml": exact}).findings == []


def test_length_of_a_parameter_list_decides_a_condition(scan_files):
    template = HEADER + """Transform: AWS::LanguageExtensions
Parameters:
  Repositories: {Type: CommaDelimitedList, Default: "acme/api"}
Conditions:
  OneRepository: !Equals [{"Fn::Length": !Ref Repositories}, 1]
Resources:
  DeployRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Action: sts:AssumeRoleWithWebIdentity
            Principal: {Federated: arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com}
            Condition:
              StringEquals: {token.actions.githubusercontent.com:aud: sts.amazonaws.com}
              StringLike:
                token.actions.githubusercontent.com:sub: !If [OneRepository, "repo:acme/api:environment:production", "repo:acme/*"]
"""
    # Fn::Length decides the condition with the defaults; a second repository given at deploy
    # time flips it, so the other branch is judged too and the finding says so.
    one = scan_files({"t.yaml": template})
    assert [(r, line, a) for r, _, line, _, a, _ in brief(one)] == [("TL001", 19, "DeployRole")]
    assert "judged for each branch of OneRepository" in one.findings[0].message
    two = template.replace('Default: "acme/api"', 'Default: "acme/api,acme/web"')
    assert [(r, line, a) for r, _, line, _, a, _ in brief(scan_files({"t.yaml": two}))] == [("TL001", 19, "DeployRole")]
    literal = template.replace("!Ref Repositories", "[acme/api]")  # a condition of literals: one branch only
    one_branch = scan_files({"t.yaml": literal})
    assert one_branch.findings == [] and one_branch.judged["trusts"] == 1


def test_getatt_and_ref_of_a_computed_logical_id_reach_the_provider(scan_files):
    # AWS::LanguageExtensions lets Ref and Fn::GetAtt name what Fn::Sub computes: the role then
    # joins its provider, whose ClientIdList checks the audience (no TL003).
    template = HEADER + """Transform: AWS::LanguageExtensions
Parameters:
  Platform: {Type: String, Default: GitHub}
Resources:
  GitHubOidc:
    Type: AWS::IAM::OIDCProvider
    Properties:
      Url: https://token.actions.githubusercontent.com
      ClientIdList: [sts.amazonaws.com]
  DeployRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Action: sts:AssumeRoleWithWebIdentity
            Principal:
              Federated: !GetAtt [!Sub "${Platform}Oidc", Arn]
            Condition:
              StringEquals: {token.actions.githubusercontent.com:sub: "repo:acme/app:environment:production"}
"""
    assert scan_files({"t.yaml": template}).findings == []
    by_ref = template.replace('!GetAtt [!Sub "${Platform}Oidc", Arn]', '{Ref: !Sub "${Platform}Oidc"}')
    assert scan_files({"t.yaml": by_ref}).findings == []
    # The join is what checks the audience: naming no provider of the template, the role's
    # own missing aud condition is reported.
    unjoined = template.replace("Default: GitHub}", "Default: GitLab}")
    assert [(r, line, a) for r, _, line, _, a, _ in brief(scan_files({"t.yaml": unjoined}))] == [("TL003", 16, "DeployRole")]
