"""False positives of the CI-side analysis (GitHub Actions, GitLab CI) found in review, each
with the clean input that must stay quiet and, where one is still deserved, the finding."""

from __future__ import annotations

import textwrap

import pytest

from trustlint.formats.gitlab_ci import evaluate_rule_if
from trustlint.scan import ScanOptions, run_scan

REPOSITORY = "acme/shop"


@pytest.fixture
def scan(tmp_path, monkeypatch):
    """Write {name: text} into a fresh repository named acme/shop and scan it; returns
    (rule, path, line, address, message) of every finding."""

    def run(files: dict[str, str]) -> list[tuple]:
        from trustlint.cli import settings_from

        (tmp_path / ".git").mkdir(exist_ok=True)
        for name, text in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        monkeypatch.chdir(tmp_path)
        settings = settings_from({"repository": REPOSITORY}, str(tmp_path))
        result = run_scan(ScanOptions(paths=["."], settings=settings))
        return [(f.rule_id, f.path, f.span.line, f.address, f.message) for f in result.findings]

    return run


def rules(findings) -> list[str]:
    return [f[0] for f in findings]


def role_trust(name: str, subjects: list[str], account: str = "111111111111") -> str:
    values = ", ".join(f'"{s}"' for s in subjects)
    return f'''
        resource "aws_iam_role" "r" {{
          name = "{name}"
          assume_role_policy = jsonencode({{
            Version = "2012-10-17"
            Statement = [{{
              Effect    = "Allow"
              Action    = "sts:AssumeRoleWithWebIdentity"
              Principal = {{ Federated = "arn:aws:iam::{account}:oidc-provider/token.actions.githubusercontent.com" }}
              Condition = {{
                StringEquals = {{ "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }}
                StringLike   = {{ "token.actions.githubusercontent.com:sub" = [{values}] }}
              }}
            }}]
          }})
        }}
        '''


def login_workflow(on: str, role: str, extra_job: str = "", environment: str = "") -> str:
    return f"""\
on:
{textwrap.indent(textwrap.dedent(on).strip(), "  ")}
jobs:
  deploy:
    runs-on: ubuntu-latest
{environment}{extra_job}    permissions: {{id-token: write, contents: read}}
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::111111111111:role/{role}
          aws-region: us-east-1
"""


# --- A. TL006 static credentials ------------------------------------------------------------

@pytest.mark.parametrize("dummy", ["test", "testing", "foobar", "dummy", "fake", "localstack", "'test'", "12345",
                                   "AKIAIOSFODNN7EXAMPLE"])
def test_localstack_and_moto_dummy_keys_are_not_static_credentials(scan, dummy):
    findings = scan({".github/workflows/test.yml": f"""\
        on: [pull_request]
        jobs:
          integration:
            runs-on: ubuntu-latest
            services:
              localstack:
                image: localstack/localstack
            env:
              AWS_ACCESS_KEY_ID: {dummy}
              AWS_SECRET_ACCESS_KEY: {dummy}
              AWS_DEFAULT_REGION: us-east-1
            steps:
              - run: pytest
              - uses: aws-actions/configure-aws-credentials@v4
                with:
                  aws-access-key-id: {dummy}
                  aws-secret-access-key: {dummy}
                  aws-region: us-east-1
        """})
    assert "TL006" not in rules(findings)


def test_a_literal_key_that_looks_real_and_secret_references_are_still_reported(scan):
    findings = scan({".github/workflows/test.yml": """\
        on: [push]
        jobs:
          literal:
            runs-on: ubuntu-latest
            env:
              AWS_ACCESS_KEY_ID: AKIA2E0A8F3B244C9986
            steps: [{run: aws s3 ls}]
          secret:
            runs-on: ubuntu-latest
            env:
              AWS_ACCESS_KEY_ID: ${{ secrets.AWS_ACCESS_KEY_ID }}
              AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}
            steps: [{run: aws s3 ls}]
        """})
    static = [(f[2], f[3]) for f in findings if f[0] == "TL006"]
    # One key pair, one finding: the secret's line is a related place of the id's.
    assert static == [(6, "literal"), (11, "secret")]


def test_session_credentials_handed_on_after_an_oidc_login_are_not_static_keys(scan):
    findings = scan({".github/workflows/publish.yml": """\
        on: {push: {branches: [main]}}
        jobs:
          publish:
            runs-on: ubuntu-latest
            permissions: {id-token: write}
            steps:
              - uses: aws-actions/configure-aws-credentials@v4
                id: creds
                with:
                  role-to-assume: arn:aws:iam::111111111111:role/publisher
                  aws-region: us-east-1
                  output-credentials: true
              - run: docker run -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY amazon/aws-cli s3 ls
                env:
                  AWS_ACCESS_KEY_ID: ${{ env.AWS_ACCESS_KEY_ID }}
                  AWS_SECRET_ACCESS_KEY: ${{ env.AWS_SECRET_ACCESS_KEY }}
              - run: ./other.sh
                env:
                  AWS_ACCESS_KEY_ID: ${{ steps.creds.outputs.aws-access-key-id }}
              - run: ./legacy.sh
                env:
                  AWS_ACCESS_KEY_ID: ${{ env.LEGACY_KEY_ID }}
        """})
    # only the key from another environment variable (not the session the login exported) stays
    assert [(f[0], f[2]) for f in findings if f[0] == "TL006"] == [("TL006", 22)]


def test_a_workflow_level_static_key_is_reported_once_at_the_workflow(scan):
    findings = scan({".github/workflows/nightly.yml": """\
        on:
          schedule:
            - cron: "0 3 * * *"
        env:
          AWS_ACCESS_KEY_ID: ${{ secrets.AWS_ACCESS_KEY_ID }}
        jobs:
          a:
            runs-on: ubuntu-latest
            steps: [{run: echo a}]
          b:
            runs-on: ubuntu-latest
            steps: [{run: echo b}]
          c:
            runs-on: ubuntu-latest
            env:
              AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}
            steps: [{run: echo c}]
        """})
    static = [(f[2], f[3]) for f in findings if f[0] == "TL006"]
    assert static == [(5, ".github/workflows/nightly.yml"), (16, "c")]


def test_a_workflow_level_key_beside_an_oidc_login_is_called_a_fallback(scan):
    findings = scan({".github/workflows/deploy.yml": """\
        on: {push: {branches: [main]}}
        env:
          AWS_ACCESS_KEY_ID: ${{ secrets.OLD_KEY }}
        jobs:
          deploy:
            runs-on: ubuntu-latest
            permissions: {id-token: write}
            steps:
              - uses: aws-actions/configure-aws-credentials@v4
                with:
                  role-to-assume: arn:aws:iam::111111111111:role/deployer
                  aws-region: us-east-1
        """})
    static = [f for f in findings if f[0] == "TL006"]
    assert len(static) == 1 and "fallback" in static[0][4]


def test_gitlab_federation_credential_config_path_and_dummy_keys_are_not_keys(scan):
    findings = scan({".gitlab-ci.yml": """\
        gcp_deploy:
          id_tokens:
            GCP_ID_TOKEN:
              aud: https://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/gitlab/providers/gitlab
          variables:
            GOOGLE_APPLICATION_CREDENTIALS: $CI_BUILDS_DIR/.workload_identity.json
          script:
            - gcloud auth login --cred-file=$GOOGLE_APPLICATION_CREDENTIALS
          rules:
            - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
        integration:
          services: [localstack/localstack]
          variables:
            AWS_ACCESS_KEY_ID: test
            AWS_SECRET_ACCESS_KEY: {value: testing, description: moto}
            GOOGLE_APPLICATION_CREDENTIALS: /tmp/fake-creds.json
          script: [pytest]
        legacy:
          variables:
            AWS_ACCESS_KEY_ID: $LEGACY_KEY_ID
            AWS_SECRET_ACCESS_KEY: {value: $LEGACY_SECRET, description: old key}
            GOOGLE_APPLICATION_CREDENTIALS: $GCP_SA_KEY_FILE
          script: [./legacy.sh]
        """})
    static = [(f[2], f[3]) for f in findings if f[0] == "TL006"]
    assert static == [(20, "legacy"), (22, "legacy")]  # the AWS pair is one key, the GCP key another


# --- B. GitHub trigger modelling (TL013, TL004) --------------------------------------------

@pytest.mark.parametrize("on", ["push", "[push, pull_request]", "{push: {}}", "schedule: [{cron: '0 2 * * *'}]",
                                "workflow_dispatch"])
def test_jobs_that_run_on_the_default_branch_satisfy_a_trust_on_it(scan, on):
    findings = scan({
        ".github/workflows/ci.yml": login_workflow(on, "shop-ci"),
        "infra/main.tf": role_trust("shop-ci", ["repo:acme/shop:ref:refs/heads/main"]),
    })
    assert "TL013" not in rules(findings)


def test_the_default_branch_may_be_master(scan):
    findings = scan({
        ".github/workflows/nightly.yml": login_workflow("schedule: [{cron: '0 2 * * *'}]", "shop-nightly"),
        "infra/main.tf": role_trust("shop-nightly", ["repo:acme/shop:ref:refs/heads/master"]),
    })
    assert "TL013" not in rules(findings)


def test_a_trust_on_another_branch_is_still_unsatisfiable(scan):
    findings = scan({
        ".github/workflows/ci.yml": login_workflow("push: {branches: [develop]}", "shop-ci"),
        "infra/main.tf": role_trust("shop-ci", ["repo:acme/shop:ref:refs/heads/main"]),
    })
    assert rules(findings) == ["TL013"]


def test_an_explicit_main_branch_filter_does_not_stand_for_master(scan):
    findings = scan({
        ".github/workflows/ci.yml": login_workflow("push: {branches: [main]}", "shop-ci"),
        "infra/main.tf": role_trust("shop-ci", ["repo:acme/shop:ref:refs/heads/master"]),
    })
    assert rules(findings) == ["TL013"]


def test_a_reusable_workflow_takes_its_callers_subject(scan):
    findings = scan({
        ".github/workflows/develop.yml": """\
            on: {push: {branches: [develop]}}
            jobs:
              call:
                uses: ./.github/workflows/_deploy.yml
                permissions: {id-token: write, contents: read}
            """,
        ".github/workflows/_deploy.yml": login_workflow("workflow_call: {inputs: {region: {type: string}}}", "shop-staging"),
        "infra/main.tf": role_trust("shop-staging", ["repo:acme/shop:ref:refs/heads/develop"]),
    })
    assert "TL013" not in rules(findings)


def test_tag_only_push_filters_do_not_run_on_branch_pushes(scan):
    findings = scan({".github/workflows/release.yml": login_workflow(
        "push: {tags-ignore: ['nightly-*']}", "prod-deploy", environment="    environment: production\n")})
    assert "TL004" not in rules(findings)


def test_tags_beside_an_any_branch_filter_do_not_hide_it(scan):
    findings = scan({".github/workflows/release.yml": login_workflow(
        "push: {branches: ['**'], tags: ['v*']}", "prod-deploy", environment="    environment: production\n")})
    assert [(f[0], f[4].split(" is reachable from ")[-1]) for f in findings] == [("TL004", "pushes to any branch")]


def test_branch_only_filters_with_exclusions_do_not_list_the_excluded(scan):
    findings = scan({".github/workflows/release.yml": login_workflow(
        "push: {branches: ['releases/**', '!releases/**-alpha']}", "prod-release")})
    assert "TL004" not in rules(findings)


@pytest.mark.parametrize("guard", [
    "github.event_name == 'push' && github.ref == 'refs/heads/main'",
    "${{ github.ref == 'refs/heads/main' }}",
    "github.ref_name == 'main' && github.repository == 'acme/shop'",
    "(github.event_name == 'push') && (github.ref == 'refs/heads/main')",
])
def test_a_job_if_that_pins_the_default_branch_is_not_reachable_from_pull_requests(scan, guard):
    findings = scan({".github/workflows/ci.yml": login_workflow(
        "[push, pull_request]", "shop-prod-deploy", extra_job=f"    if: \"{guard}\"\n")})
    assert "TL004" not in rules(findings)


@pytest.mark.parametrize("guard", [
    "github.event_name == 'push' || github.ref == 'refs/heads/main'",
    "!(github.ref == 'refs/heads/main')",
    "github.ref != 'refs/heads/main'",
    "github.event_name == 'pull_request'",
])
def test_a_job_if_that_does_not_pin_the_branch_changes_nothing(scan, guard):
    findings = scan({".github/workflows/ci.yml": login_workflow(
        "[push, pull_request]", "shop-prod-deploy", extra_job=f"    if: \"{guard}\"\n")})
    assert rules(findings) == ["TL004"]


def test_a_job_if_pin_narrows_the_subjects_too(scan):
    findings = scan({
        ".github/workflows/ci.yml": login_workflow(
            "[push, pull_request]", "shop-ci", extra_job="    if: github.ref == 'refs/heads/main'\n"),
        "infra/main.tf": role_trust("shop-ci", ["repo:acme/shop:ref:refs/heads/main"]),
    })
    assert "TL013" not in rules(findings) and "TL012" not in rules(findings)


# --- C. GitLab rules, only/except, workflow:rules, locations -------------------------------

def gitlab_job(reach: str, name: str = "deploy_prod", extends: bool = False) -> str:
    body = "  extends: .aws_auth\n" if extends else (
        "  id_tokens:\n    AWS_TOKEN:\n      aud: sts.amazonaws.com\n"
        "  variables:\n    AWS_ROLE_ARN: arn:aws:iam::111111111111:role/prod-deploy\n")
    return f"{name}:\n{body}  environment: production\n  script: [aws sts get-caller-identity]\n" + textwrap.indent(
        textwrap.dedent(reach).strip(), "  ") + "\n"


TEMPLATE = """\
.aws_auth:
  id_tokens:
    AWS_TOKEN:
      aud: sts.amazonaws.com
  variables:
    AWS_ROLE_ARN: arn:aws:iam::111111111111:role/prod-deploy
"""


@pytest.mark.parametrize("reach", [
    """rules:
         - if: $CI_PIPELINE_SOURCE == "merge_request_event"
           when: never
         - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
           when: manual""",
    """rules:
         - if: '$CI_COMMIT_BRANCH == "main" && $CI_PIPELINE_SOURCE != "merge_request_event"'""",
    "only: [main]",
    "only: {refs: [main, '/^release-.*$/']}",
    "except: [branches]",
    "only: {refs: [tags]}",
    """rules:
         - if: $CI_PIPELINE_SOURCE == "schedule\"""",
    """rules:
         - if: $CI_COMMIT_REF_PROTECTED == "true\"""",
    """rules:
         - if: $CI_COMMIT_TAG""",
])
def test_gitlab_jobs_kept_off_merge_requests_and_other_branches(scan, reach):
    findings = scan({".gitlab-ci.yml": gitlab_job(reach)})
    assert "TL004" not in rules(findings)


@pytest.mark.parametrize("reach, detail", [
    ("""rules:
          - if: $CI_PIPELINE_SOURCE == "merge_request_event\"""", "merge request pipelines"),
    ("""rules:
          - if: $CI_PIPELINE_SOURCE == "merge_request_event"
          - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH""", "merge request pipelines"),
    ("", "pushes to any branch"),
    ("except: [tags]", "pushes to any branch"),
    ("only: [branches]", "pushes to any branch"),
    ("only: ['/^feature-.*$/']", "pushes to branches feature-*"),
    ("""rules:
          - if: $CI_COMMIT_BRANCH != $CI_DEFAULT_BRANCH""", "merge request pipelines; pushes to any branch"),
    ("""rules:
          - if: $CI_COMMIT_BRANCH == "develop\"""", "pushes to branches develop"),
    ("""rules:
          - if: $SOMETHING_UNKNOWN == "yes\"""", "merge request pipelines; pushes to any branch"),
    ("""rules:
          - !reference [.shared, rules]""", "merge request pipelines; pushes to any branch"),
])
def test_gitlab_jobs_still_reachable_are_reported(scan, reach, detail):
    findings = scan({".gitlab-ci.yml": gitlab_job(reach)})
    assert [(f[0], f[4].split(" is reachable from ")[-1]) for f in findings] == [("TL004", detail)]


def test_gitlab_workflow_rules_limit_every_job(scan):
    findings = scan({".gitlab-ci.yml": "workflow:\n  rules:\n    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH\n"
                                       + gitlab_job("")})
    assert findings == []
    findings = scan({".gitlab-ci.yml": "workflow:\n  rules:\n    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH\n"
                                       "    - if: $CI_PIPELINE_SOURCE == 'merge_request_event'\n"
                                       + gitlab_job("rules:\n  - if: $CI_COMMIT_BRANCH || $CI_MERGE_REQUEST_IID")})
    assert [f[4].split(" is reachable from ")[-1] for f in findings] == ["merge request pipelines"]


def test_gitlab_inherited_id_tokens_are_reported_at_the_job(scan):
    text = TEMPLATE + "\n" + gitlab_job("rules:\n  - if: $CI_PIPELINE_SOURCE == 'merge_request_event'", extends=True) \
        + "\n" + gitlab_job("rules:\n  - if: $CI_PIPELINE_SOURCE == 'merge_request_event'", name="other", extends=True)
    findings = scan({".gitlab-ci.yml": text})
    assert [(f[0], f[2], f[3]) for f in findings] == [("TL004", 8, "deploy_prod"), ("TL004", 15, "other")]


@pytest.mark.parametrize("expression, variables, expected", [
    ('$CI_PIPELINE_SOURCE == "merge_request_event"', {"CI_PIPELINE_SOURCE": "merge_request_event"}, True),
    ('$CI_PIPELINE_SOURCE != "merge_request_event"', {"CI_PIPELINE_SOURCE": "push"}, True),
    ("$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH", {"CI_COMMIT_BRANCH": None, "CI_DEFAULT_BRANCH": "main"}, False),
    ("$CI_COMMIT_TAG", {"CI_COMMIT_TAG": None}, False),
    ("$CI_COMMIT_TAG =~ /^v\\d+/", {"CI_COMMIT_TAG": "v1"}, True),
    ("$CI_COMMIT_BRANCH == null", {"CI_COMMIT_BRANCH": None}, True),
    ('$UNKNOWN == "x" && $CI_COMMIT_BRANCH == "main"', {"CI_COMMIT_BRANCH": "dev"}, False),
    ('$UNKNOWN == "x" || $CI_COMMIT_BRANCH == "main"', {"CI_COMMIT_BRANCH": "dev"}, None),
    ('($CI_COMMIT_BRANCH == "main" || $CI_COMMIT_TAG) && $CI_PIPELINE_SOURCE != "schedule"',
     {"CI_COMMIT_BRANCH": "main", "CI_COMMIT_TAG": None, "CI_PIPELINE_SOURCE": "push"}, True),
    ("this is not an expression", {}, None),
])
def test_gitlab_rule_expressions(expression, variables, expected):
    assert evaluate_rule_if(expression, variables) is expected


def test_the_same_role_name_in_two_accounts_is_joined_per_account(scan):
    # staging (111…) and production (222…) both name their role shop-deploy: each job is
    # checked against its own account's trust only.
    gh8 = {
        ".github/workflows/deploy.yml": """\
            on: {push: {branches: [main]}}
            permissions: {contents: read}
            jobs:
              staging:
                runs-on: ubuntu-latest
                environment: staging
                permissions: {id-token: write, contents: read}
                steps:
                  - uses: aws-actions/configure-aws-credentials@v4
                    with: {role-to-assume: "arn:aws:iam::111111111111:role/shop-deploy", aws-region: us-east-1}
              production:
                runs-on: ubuntu-latest
                environment: production
                permissions: {id-token: write, contents: read}
                steps:
                  - uses: aws-actions/configure-aws-credentials@v4
                    with: {role-to-assume: "arn:aws:iam::222222222222:role/shop-deploy", aws-region: us-east-1}
            """,
        "infra/modules/deploy-role/main.tf": """\
            variable "environment" { type = string }
            variable "account_id" { type = string }
            resource "aws_iam_role" "this" {
              name = "shop-deploy"
              assume_role_policy = jsonencode({
                Statement = [{
                  Effect    = "Allow"
                  Action    = "sts:AssumeRoleWithWebIdentity"
                  Principal = { Federated = "arn:aws:iam::${var.account_id}:oidc-provider/token.actions.githubusercontent.com" }
                  Condition = { StringEquals = {
                    "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
                    "token.actions.githubusercontent.com:sub" = "repo:acme/shop:environment:${var.environment}"
                  } }
                }]
              })
            }
            """,
        "infra/staging/main.tf": 'module "r" {\n  source = "../modules/deploy-role"\n  environment = "staging"\n  account_id = "111111111111"\n}\n',
        "infra/prod/main.tf": 'module "r" {\n  source = "../modules/deploy-role"\n  environment = "production"\n  account_id = "222222222222"\n}\n',
    }
    assert scan(gh8) == []
    swapped = dict(gh8, **{"infra/prod/main.tf": gh8["infra/prod/main.tf"].replace("222222222222", "111111111111")})
    # Both roles now live in 111…: the staging job is joined to both, and production's trust is not its own.
    assert [(r, line, a) for r, _, line, a, _ in scan(swapped)] == [("TL013", 10, "staging")]


def test_job_ids_are_names_as_written_even_when_yaml_reads_them_as_null_or_numbers(scan):
    workflow = """\
        on: push
        permissions: {id-token: write}
        jobs:
          123:
            runs-on: ubuntu-latest
            steps:
              - uses: aws-actions/configure-aws-credentials@v4
                with: {role-to-assume: "arn:aws:iam::111111111111:role/ci", aws-region: us-east-1}
          null:
            runs-on: ubuntu-latest
            steps:
              - run: echo
        """
    found = scan({".github/workflows/a.yml": workflow})
    assert [(r, m.rsplit(": ", 1)[-1]) for r, _, _, _, m in found] == [("TL010", "null")]


PROD_ROLE_PINNED_TO_MAIN = """\
    resource "aws_iam_role" "prod_deploy" {
      name = "shop-prod-deploy"
      assume_role_policy = jsonencode({
        Statement = [{
          Effect    = "Allow"
          Action    = "sts:AssumeRoleWithWebIdentity"
          Principal = { Federated = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com" }
          Condition = { StringEquals = {
            "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
            "token.actions.githubusercontent.com:sub" = "repo:acme/shop:ref:refs/heads/main"
          } }
        }]
      })
    }
    """
PUSH_ANY_BRANCH_DEPLOY = """\
    on: [push, pull_request]
    jobs:
      deploy:
        runs-on: ubuntu-latest
        permissions: {id-token: write}
        steps:
          - uses: aws-actions/configure-aws-credentials@v4
            with: {role-to-assume: "arn:aws:iam::111111111111:role/shop-prod-deploy", aws-region: us-east-1}
    """


def test_a_production_job_on_any_branch_is_safe_when_its_joined_trust_admits_only_main(scan):
    # Other branches and pull requests present other subjects: their login fails, no credentials.
    assert scan({".github/workflows/ci.yml": PUSH_ANY_BRANCH_DEPLOY, "infra/main.tf": PROD_ROLE_PINNED_TO_MAIN}) == []


def test_a_production_job_is_reported_for_the_runs_its_joined_trust_admits(scan):
    wide = PROD_ROLE_PINNED_TO_MAIN.replace('"token.actions.githubusercontent.com:sub" = "repo:acme/shop:ref:refs/heads/main"',
                                            '"token.actions.githubusercontent.com:sub" = "repo:acme/shop:ref:refs/heads/*"')
    wide = wide.replace("StringEquals", "StringLike")
    found = [(r, a, m) for r, _, _, a, m in scan({".github/workflows/ci.yml": PUSH_ANY_BRANCH_DEPLOY, "infra/main.tf": wide})
             if r == "TL004" and a == "deploy"]
    assert found == [("TL004", "deploy", "deploy (a job that obtains production credentials) is reachable from pushes to any branch")]


def test_a_requested_session_written_as_a_decimal_is_read_as_the_action_reads_it(scan_files):
    workflow = """name: deploy
on: push
permissions:
  id-token: write
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/deploy
          aws-region: eu-west-1
          role-duration-seconds: "43200.0"
"""
    result = scan_files({".github/workflows/deploy.yml": workflow})
    assert ("TL005", 13) in [(f.rule_id, f.span.line) for f in result.findings]


def test_a_job_if_is_read_conjunct_by_conjunct(scan):
    # github.ref == master && (push || workflow_dispatch): the `||` sits inside one conjunct;
    # the ref conjunct still rules out pull requests (the whole if: was ignored before).
    workflow = """\
        name: deploy
        on:
          push:
            branches: [master]
          pull_request:
          workflow_dispatch:
        permissions:
          id-token: write
          contents: read
        jobs:
          deploy:
            if: github.ref == 'refs/heads/master' && (github.event_name == 'push' || github.event_name == 'workflow_dispatch')
            runs-on: ubuntu-latest
            steps:
              - uses: aws-actions/configure-aws-credentials@v4
                with:
                  role-to-assume: arn:aws:iam::123456789012:role/prod-deploy
                  aws-region: eu-west-1
        """
    trust = """\
        resource "aws_iam_role" "prod_deploy" {
          name = "prod-deploy"
          assume_role_policy = jsonencode({
            Statement = [{
              Effect    = "Allow"
              Action    = "sts:AssumeRoleWithWebIdentity"
              Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
              Condition = { StringEquals = {
                "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
                "token.actions.githubusercontent.com:sub" = "repo:acme/shop:pull_request"
              } }
            }]
          })
        }
        """
    found = scan({".github/workflows/deploy.yml": workflow, "infra/iam.tf": trust})
    assert not [f for f in found if f[0] == "TL004" and f[1].startswith(".github")], found
    # The job (master pushes and dispatches) cannot present the only subject the role takes.
    assert [f[0] for f in found if f[1].startswith(".github")] == ["TL013"], found


def test_if_pins_read_each_conjunct():
    from trustlint.formats.github_workflow import _if_pins

    assert _if_pins("github.ref == 'refs/heads/master' && (github.event_name == 'push' || github.event_name == 'workflow_dispatch')") == {
        "github.ref": "refs/heads/master", "github.event_name": {"push", "workflow_dispatch"}}
    assert _if_pins("github.ref == 'refs/heads/main' || github.event_name == 'pull_request'") == {}
    assert _if_pins("${{ github.ref == 'refs/heads/main' && !cancelled() }}") == {"github.ref": "refs/heads/main"}
    assert _if_pins("github.event_name == 'push' && github.event_name == 'schedule'") == {"never": True}


@pytest.mark.parametrize("with_git", [True, False])
def test_a_workflow_gives_the_same_findings_from_any_working_directory(tmp_path, monkeypatch, with_git):
    """Recognised by content, not by the `.github/workflows/` in its path relative to where
    trustlint happens to run: from the root, from inside the folder, by absolute path."""
    import shutil

    from .conftest import REPO_ROOT

    root = tmp_path / "repo"
    folder = root / ".github" / "workflows"
    folder.mkdir(parents=True)
    if with_git:
        (root / ".git").mkdir()
    shutil.copy(next((REPO_ROOT / "tests/rules/TL006-static-credential/bad/ci-aws-action-secret-keys/.github/workflows").glob("*.yml")),
                folder / "keys.yml")
    shutil.copy(next((REPO_ROOT / "tests/rules/TL010-unused-id-token-permission/bad/ci-write-all/.github/workflows").glob("*.yml")),
                folder / "write-all.yml")

    other = tmp_path / "another-repository"
    (other / ".git").mkdir(parents=True)

    def findings(cwd, paths):
        monkeypatch.chdir(cwd)
        result = run_scan(ScanOptions(paths=paths))
        # With .git the root is the repository's whatever the working directory, so the paths
        # agree in full; without, the root is the scanned paths' common folder.
        return sorted((f.rule_id, f.path if with_git else f.path.rsplit("/", 1)[-1], f.span.line,
                       f.message if with_git else f.severity) for f in result.findings)

    from_root = findings(root, ["."])
    assert [r for r, *_ in from_root] == ["TL006", "TL010"]
    if with_git:
        assert {p for _, p, *_ in from_root} == {".github/workflows/keys.yml", ".github/workflows/write-all.yml"}
    assert findings(folder, ["keys.yml", "write-all.yml"]) == from_root
    assert findings(tmp_path, [str(folder / "keys.yml"), str(folder / "write-all.yml")]) == from_root
    assert findings(other, [str(folder / "keys.yml"), str(folder / "write-all.yml")]) == from_root  # cwd in another repo


def test_a_yaml_file_that_is_not_a_workflow_is_not_read_as_one(scan):
    circleci = """\
        version: 2.1
        jobs:
          deploy:
            docker: [{image: cimg/base:stable}]
            steps:
              - run: echo $AWS_ACCESS_KEY_ID
        workflows:
          main: {jobs: [deploy]}
        """
    assert scan({"ci/config.yml": circleci}) == []


def test_an_included_gitlab_file_is_read_by_its_content(scan):
    # A file a pipeline includes (include: local:) is not named .gitlab-ci.yml; its jobs run.
    template = """\
        deploy:
          stage: deploy
          image: amazon/aws-cli
          variables:
            AWS_ACCESS_KEY_ID: $DEPLOY_KEY_ID
            AWS_SECRET_ACCESS_KEY: $DEPLOY_SECRET
          script:
            - aws s3 sync build s3://acme-site
        """
    found = scan({"ci/templates/deploy.yml": template})
    assert [(f[0], f[1], f[2]) for f in found] == [("TL006", "ci/templates/deploy.yml", 5)], found  # one key pair


# --- keys in every form (issue 18) --------------------------------------------------------

KEYS_IN_SCRIPTS = """\
    on: [push]
    jobs:
      exported:
        runs-on: ubuntu-latest
        steps:
          - run: |
              export AWS_ACCESS_KEY_ID=${{ secrets.DEPLOY_KEY_ID }}
              export AWS_SECRET_ACCESS_KEY=${{ secrets.DEPLOY_SECRET }}
              aws s3 sync dist s3://acme-site
      github-env:
        runs-on: ubuntu-latest
        steps:
          - run: echo "AWS_SECRET_ACCESS_KEY=${{ secrets.DEPLOY_SECRET }}" >> "$GITHUB_ENV"
      configure:
        runs-on: ubuntu-latest
        steps:
          - run: |
              aws configure set aws_access_key_id ${{ secrets.KEY_ID }}
              aws configure set aws_secret_access_key ${{ secrets.SECRET }}
      gcloud:
        runs-on: ubuntu-latest
        steps:
          - run: echo '${{ secrets.GCP_KEY }}' > key.json
          - run: gcloud auth activate-service-account --key-file key.json
      az:
        runs-on: ubuntu-latest
        steps:
          - run: az login --service-principal -u ${{ vars.APP_ID }} -p ${{ secrets.APP_SECRET }} --tenant acme.onmicrosoft.com
      shell-only:
        runs-on: ubuntu-latest
        steps:
          - run: export AWS_ACCESS_KEY_ID=$ID_FROM_AN_EARLIER_LINE
    """


def test_keys_set_in_run_scripts_are_reported_at_their_line(scan):
    findings = scan({".github/workflows/deploy.yml": KEYS_IN_SCRIPTS})
    static = [(f[2], f[3]) for f in findings if f[0] == "TL006"]
    assert static == [(7, "exported"), (13, "github-env"), (18, "configure"), (24, "gcloud"), (28, "az")], findings
    message = next(f[4] for f in findings if f[3] == "exported" and f[0] == "TL006")
    assert "AWS_ACCESS_KEY_ID from a secret, AWS_SECRET_ACCESS_KEY from a secret" in message


def test_forks_local_copies_and_legacy_actions_are_judged_by_their_inputs(scan):
    workflow = """\
        on: [push]
        jobs:
          fork:
            runs-on: ubuntu-latest
            steps:
              - uses: acme-forks/configure-aws-credentials@v4
                with:
                  aws-access-key-id: ${{ secrets.KEY_ID }}
                  aws-secret-access-key: ${{ secrets.SECRET }}
                  aws-region: eu-west-1
          local:
            runs-on: ubuntu-latest
            steps:
              - uses: ./.github/actions/gcp-login
                with:
                  credentials_json: ${{ secrets.GCP_SA_KEY }}
          legacy-azure:
            runs-on: ubuntu-latest
            steps:
              - uses: azure/actions/login@v1
                with:
                  creds: ${{ secrets.AZURE_CREDENTIALS }}
              - uses: azure/aks-set-context@v1
                with:
                  creds: ${{ secrets.AZURE_CREDENTIALS }}
                  cluster-name: shop
                  resource-group: shop-rg
          oidc-fork:
            runs-on: ubuntu-latest
            permissions: {id-token: write}
            steps:
              - uses: acme-forks/configure-aws-credentials@v4
                with:
                  role-to-assume: arn:aws:iam::111111111111:role/deploy
                  aws-region: eu-west-1
        """
    findings = scan({".github/workflows/ci.yml": workflow})
    static = [(f[2], f[3]) for f in findings if f[0] == "TL006"]
    assert static == [(8, "fork"), (16, "local"), (22, "legacy-azure")], findings
    assert not [f for f in findings if f[3] == "oidc-fork" and f[0] in ("TL006", "TL010")]


def test_a_registry_login_with_a_cloud_key_is_a_key_and_with_a_token_is_not(scan):
    workflow = """\
        on: [push]
        jobs:
          ecr:
            runs-on: ubuntu-latest
            steps:
              - uses: docker/login-action@v3
                with:
                  registry: 111111111111.dkr.ecr.eu-west-1.amazonaws.com
                  username: ${{ secrets.AWS_ACCESS_KEY_ID }}
                  password: ${{ secrets.AWS_SECRET_ACCESS_KEY }}
          gar-key:
            runs-on: ubuntu-latest
            steps:
              - uses: docker/login-action@v3
                with:
                  registry: europe-docker.pkg.dev
                  username: _json_key
                  password: ${{ secrets.GAR_JSON_KEY }}
          gar-token:
            runs-on: ubuntu-latest
            steps:
              - uses: docker/login-action@v3
                with:
                  registry: europe-docker.pkg.dev
                  username: oauth2accesstoken
                  password: ${{ steps.auth.outputs.access_token }}
          ghcr:
            runs-on: ubuntu-latest
            steps:
              - uses: docker/login-action@v3
                with:
                  registry: ghcr.io
                  username: ${{ github.actor }}
                  password: ${{ secrets.GITHUB_TOKEN }}
        """
    findings = scan({".github/workflows/images.yml": workflow})
    assert [(f[2], f[3]) for f in findings if f[0] == "TL006"] == [(10, "ecr"), (18, "gar-key")], findings


def test_a_key_file_name_is_not_a_key(scan):
    workflow = """\
        on: [push]
        jobs:
          deploy:
            runs-on: ubuntu-latest
            permissions: {id-token: write}
            env:
              GOOGLE_CREDENTIALS: gha-creds.json
            steps:
              - uses: google-github-actions/auth@v2
                with:
                  workload_identity_provider: projects/1/locations/global/workloadIdentityPools/ci/providers/github
                  service_account: deploy@acme.iam.gserviceaccount.com
        """
    assert "TL006" not in rules(scan({".github/workflows/deploy.yml": workflow}))


def test_a_chained_role_is_not_judged_as_an_oidc_login(scan):
    """Role A is assumed with the job's token; role B with A's session (role-chaining: true):
    B's trust names role A, so the job cannot "fail" B's OIDC trust (no TL013), while A is
    still joined and judged."""
    workflow = """\
        on:
          push:
            branches: [main]
        jobs:
          deploy:
            runs-on: ubuntu-latest
            permissions: {id-token: write, contents: read}
            steps:
              - uses: aws-actions/configure-aws-credentials@v4
                with:
                  role-to-assume: arn:aws:iam::111111111111:role/ci-entry
                  aws-region: eu-west-1
              - uses: aws-actions/configure-aws-credentials@v4
                with:
                  role-to-assume: arn:aws:iam::222222222222:role/prod-deploy
                  role-chaining: true
                  aws-region: eu-west-1
        """
    entry = role_trust("ci-entry", ["repo:acme/shop:ref:refs/heads/main"])
    chained = role_trust("prod-deploy", ["repo:acme/shop:environment:production"], "222222222222").replace('"r"', '"p"')
    findings = scan({".github/workflows/deploy.yml": workflow, "infra/entry.tf": entry, "infra/prod.tf": chained})
    assert "TL013" not in rules(findings), findings
    assert "TL006" not in rules(findings)


def test_gitlab_keys_declared_blank_or_only_read_by_the_script_are_stored_keys(scan):
    pipeline = """\
        deploy:
          stage: deploy
          variables:
            AWS_ACCESS_KEY_ID: ""
            AWS_SECRET_ACCESS_KEY: {value: " ", description: "set in Settings > CI/CD"}
          script:
            - aws s3 sync public s3://acme-site
        publish:
          stage: deploy
          script:
            - aws configure set aws_secret_access_key "$AWS_SECRET_ACCESS_KEY"
            - aws s3 cp dist s3://acme-releases --recursive
        vault:
          stage: deploy
          script:
            - export AWS_SECRET_ACCESS_KEY=$(vault kv get -field=secret ci/aws)
            - echo "$AWS_SECRET_ACCESS_KEY" | wc -c
        oidc:
          stage: deploy
          id_tokens:
            AWS_TOKEN: {aud: sts.amazonaws.com}
          script:
            - >
              export $(printf "AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_SESSION_TOKEN=%s"
              $(aws sts assume-role-with-web-identity --role-arn $ROLE_ARN --web-identity-token $AWS_TOKEN
              --role-session-name ci --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text))
            - aws s3 ls "$AWS_SECRET_ACCESS_KEY"
        """
    findings = scan({".gitlab-ci.yml": pipeline})
    static = [(f[2], f[3]) for f in findings if f[0] == "TL006"]
    assert static == [(4, "deploy"), (11, "publish")], findings
    assert "the project's CI/CD settings" in next(f[4] for f in findings if f[3] == "deploy" and f[0] == "TL006")


def test_a_login_inside_a_local_composite_action_is_the_calling_jobs(scan):
    action = """\
        name: deploy
        runs:
          using: composite
          steps:
            - uses: aws-actions/configure-aws-credentials@v4
              with:
                role-to-assume: arn:aws:iam::111111111111:role/shop-prod-deploy
                aws-region: eu-west-1
            - run: ./deploy.sh
              shell: bash
        """
    workflow = """\
        on: [pull_request]
        permissions: {id-token: write, contents: read}
        jobs:
          deploy:
            runs-on: ubuntu-latest
            environment: production
            steps:
              - uses: actions/checkout@v4
              - uses: ./.github/actions/deploy
        """
    trust = role_trust("shop-prod-deploy", ["repo:acme/shop:environment:production"])
    findings = scan({".github/actions/deploy/action.yml": action, ".github/workflows/deploy.yml": workflow,
                     "infra/iam.tf": trust})
    # The job runs on pull requests with production credentials obtained inside the action.
    assert ("TL004", "deploy") in [(f[0], f[3]) for f in findings], findings
    assert not [f for f in findings if f[3] == "action"]  # no stand-alone pseudo-job for a called action


def test_a_gitlab_template_from_an_included_file_is_listed_as_unknown(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitlab-ci.yml").write_text(
        "include:\n  - local: ci/templates.yml\ndeploy:\n  extends: .aws-deploy\n  stage: deploy\n"
        "  id_tokens:\n    AWS_TOKEN: {aud: sts.amazonaws.com}\n  script: [./deploy.sh]\n")
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "templates.yml").write_text(
        ".aws-deploy:\n  image: amazon/aws-cli\n  variables:\n    AWS_ACCESS_KEY_ID: $DEPLOY_KEY_ID\n"
        "    AWS_SECRET_ACCESS_KEY: $DEPLOY_SECRET\n")
    monkeypatch.chdir(tmp_path)
    result = run_scan(ScanOptions(paths=["."]))
    assert (".gitlab-ci.yml", 4, "extends: .aws-deploy") in [(u[0], u[1], u[3]) for u in result.unknowns]
    # The template's keys are reported where they are written, addressed by the template.
    assert [(f.rule_id, f.path, f.span.line, f.address) for f in result.findings if f.rule_id == "TL006"] == [
        ("TL006", "ci/templates.yml", 4, ".aws-deploy")]


def test_real_world_shapes_found_by_scanning_public_repositories(scan):
    """From a sweep of ~60 public workflows: emulator dummies beside a local endpoint are not
    keys; an action's own repository uses it as `uses: ./`; an Azure client secret from a
    secret store's step output is still long-lived; a composite action forwarding its input
    is not a second finding."""
    workflow = """\
        on: [push]
        jobs:
          minio:
            runs-on: ubuntu-latest
            env:
              AWS_ACCESS_KEY_ID: minio
              AWS_SECRET_ACCESS_KEY: supersecretpassword
            steps:
              - run: docker run -d -p 9000:9000 minio/minio server /data && cargo test -- --endpoint http://localhost:9000
          self-test:
            runs-on: ubuntu-latest
            steps:
              - uses: ./
                with:
                  creds: ${{ secrets.AZURE_CREDENTIALS }}
              - uses: ./
                with:
                  registry: 111111111111.dkr.ecr.eu-west-1.amazonaws.com
                  username: ${{ secrets.AWS_ACCESS_KEY_ID }}
                  password: ${{ secrets.AWS_SECRET_ACCESS_KEY }}
          esc:
            runs-on: ubuntu-latest
            steps:
              - id: esc
                run: esc env open acme/ci --format dotenv >> "$GITHUB_OUTPUT"
              - run: ./deploy.sh
                env:
                  ARM_CLIENT_SECRET: ${{ steps.esc.outputs.ARM_CLIENT_SECRET }}
        """
    action = """\
        name: setup
        inputs:
          aws-secret: {required: true}
        runs:
          using: composite
          steps:
            - run: ./setup.sh
              shell: bash
              env:
                AWS_SECRET_ACCESS_KEY: ${{ inputs.aws-secret }}
        """
    findings = scan({".github/workflows/ci.yml": workflow, ".github/actions/setup/action.yml": action})
    static = [(f[1].rsplit("/", 1)[-1], f[2], f[3]) for f in findings if f[0] == "TL006"]
    assert static == [("ci.yml", 15, "self-test"), ("ci.yml", 20, "self-test"), ("ci.yml", 28, "esc")], findings


def test_a_gitlab_file_of_jobs_extending_templates_elsewhere_is_read(scan):
    pipeline = """\
        .env: &env
          ARM_CLIENT_SECRET: $DEV_ARM_CLIENT_SECRET
        plan-dev:
          extends: .terraform-plan
          stage: plan
          variables: *env
        """
    findings = scan({".ci/ci-dev.yml": pipeline})
    assert [(f[0], f[2], f[3]) for f in findings if f[0] == "TL006"] == [("TL006", 2, "plan-dev")], findings


def test_a_gitlab_token_audience_the_reached_trust_does_not_accept_is_tl011(scan):
    pipeline = """\
        deploy:
          stage: deploy
          image: amazon/aws-cli
          id_tokens:
            AWS_TOKEN:
              aud: https://gitlab.example.com
          variables:
            ROLE_ARN: arn:aws:iam::111111111111:role/gitlab-deploy
          script:
            - >
              aws sts assume-role-with-web-identity --role-arn "$ROLE_ARN" --role-session-name ci
              --web-identity-token "$AWS_TOKEN"
        """
    trust = '''
        resource "aws_iam_role" "gitlab" {
          name = "gitlab-deploy"
          assume_role_policy = jsonencode({
            Statement = [{
              Effect    = "Allow"
              Action    = "sts:AssumeRoleWithWebIdentity"
              Principal = { Federated = "arn:aws:iam::111111111111:oidc-provider/gitlab.com" }
              Condition = {
                StringEquals = {
                  "gitlab.com:aud" = "https://gitlab.com"
                  "gitlab.com:sub" = "project_path:acme/shop:ref_type:branch:ref:main"
                }
              }
            }]
          })
        }
        '''
    findings = scan({".gitlab-ci.yml": pipeline, "infra/iam.tf": trust})
    tl011 = [f for f in findings if f[0] == "TL011"]
    assert [(f[1], f[2], f[3]) for f in tl011] == [(".gitlab-ci.yml", 6, "deploy")], findings
    assert "https://gitlab.com" in tl011[0][4]
    fixed = scan({".gitlab-ci.yml": pipeline.replace("https://gitlab.example.com", "https://gitlab.com"), "infra/iam.tf": trust})
    assert "TL011" not in rules(fixed)
