"""Terraform / OpenTofu JSON syntax (.tf.json, .tofu.json): the same findings as the
native syntax, located in the JSON file. Shapes follow real CDK for Terraform output
(cdktf.out/stacks/*/cdk.tf.json: `//` metadata, arrays for nested blocks, `${…}` references)
and hand-written JSON configurations."""

from __future__ import annotations

import pytest

from trustlint.scan import ScanOptions, run_scan

from .conftest import brief

# cdktf synth output for a GitHub deploy role (cdktf 0.20, JSON.stringify(…, null, 2)).
CDKTF_STACK = '''{
  "//": {
    "metadata": {
      "backend": "local",
      "stackName": "ci",
      "version": "0.20.8"
    },
    "outputs": {
    }
  },
  "data": {
    "aws_iam_policy_document": {
      "github_trust": {
        "//": {
          "metadata": {
            "path": "ci/github_trust",
            "uniqueId": "github_trust"
          }
        },
        "statement": [
          {
            "actions": [
              "sts:AssumeRoleWithWebIdentity"
            ],
            "condition": [
              {
                "test": "StringEquals",
                "values": [
                  "sts.amazonaws.com"
                ],
                "variable": "token.actions.githubusercontent.com:aud"
              },
              {
                "test": "StringLike",
                "values": [
                  "SUBJECT"
                ],
                "variable": "token.actions.githubusercontent.com:sub"
              }
            ],
            "principals": [
              {
                "identifiers": [
                  "${aws_iam_openid_connect_provider.github.arn}"
                ],
                "type": "Federated"
              }
            ]
          }
        ]
      }
    }
  },
  "provider": {
    "aws": [
      {
        "region": "eu-west-1"
      }
    ]
  },
  "resource": {
    "aws_iam_openid_connect_provider": {
      "github": {
        "//": {
          "metadata": {
            "path": "ci/github",
            "uniqueId": "github"
          }
        },
        "client_id_list": [
          "sts.amazonaws.com"
        ],
        "url": "https://token.actions.githubusercontent.com"
      }
    },
    "aws_iam_role": {
      "deploy": {
        "//": {
          "metadata": {
            "path": "ci/deploy",
            "uniqueId": "deploy"
          }
        },
        "assume_role_policy": "${data.aws_iam_policy_document.github_trust.json}",
        "name": "github-deploy"
      },
      "inline": {
        "assume_role_policy": "${jsonencode({\\"Version\\" = \\"2012-10-17\\", \\"Statement\\" = [{\\"Effect\\" = \\"Allow\\", \\"Action\\" = \\"sts:AssumeRoleWithWebIdentity\\", \\"Principal\\" = {\\"Federated\\" = aws_iam_openid_connect_provider.github.arn}, \\"Condition\\" = {\\"StringLike\\" = {\\"token.actions.githubusercontent.com:sub\\" = \\"SUBJECT\\"}}}]})}",
        "name": "github-inline"
      }
    }
  },
  "terraform": {
    "backend": {
      "local": {
        "path": "terraform.ci.tfstate"
      }
    }
  }
}
'''

# The same configuration in the native syntax.
NATIVE = '''resource "aws_iam_openid_connect_provider" "github" {
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_policy_document" "github_trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.github.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringLike"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["SUBJECT"]
    }
  }
}

resource "aws_iam_role" "deploy" {
  name               = "github-deploy"
  assume_role_policy = data.aws_iam_policy_document.github_trust.json
}

resource "aws_iam_role" "inline" {
  name               = "github-inline"
  assume_role_policy = jsonencode({"Version" = "2012-10-17", "Statement" = [{"Effect" = "Allow", "Action" = "sts:AssumeRoleWithWebIdentity", "Principal" = {"Federated" = aws_iam_openid_connect_provider.github.arn}, "Condition" = {"StringLike" = {"token.actions.githubusercontent.com:sub" = "SUBJECT"}}}]})
}
'''


def _scan(directory, files: dict[str, str], monkeypatch, paths=(".",)):
    (directory / ".git").mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    monkeypatch.chdir(directory)
    return run_scan(ScanOptions(paths=list(paths)))


def test_a_cdktf_stack_is_judged_in_its_own_file(tmp_path, monkeypatch):
    result = _scan(tmp_path, {"cdktf.out/stacks/ci/cdk.tf.json": CDKTF_STACK.replace("SUBJECT", "repo:acme/*")}, monkeypatch)
    assert brief(result) == [
        # the policy document's StringLike value, and the value inside jsonencode(): its column
        # counts the escaped quotes before it as the file holds them
        ("TL001", "cdktf.out/stacks/ci/cdk.tf.json", 36, 19, "aws_iam_role.deploy", "high"),
        ("TL001", "cdktf.out/stacks/ci/cdk.tf.json", 88, 325, "aws_iam_role.inline", "high"),
    ]
    inline = result.findings[1]
    assert CDKTF_STACK.replace("SUBJECT", "repo:acme/*").split("\n")[87][inline.span.column - 1: inline.span.end_column - 1] \
        == '\\"repo:acme/*\\"'
    # the role's header is the line naming it, as `resource "aws_iam_role" "deploy" {` is in HCL
    assert [(r.path, r.span.line, r.label) for r in result.findings[0].related] == [
        ("cdktf.out/stacks/ci/cdk.tf.json", 77, "resource")]


def test_a_cdktf_stack_trusting_one_branch_is_clean(tmp_path, monkeypatch):
    stack = CDKTF_STACK.replace("StringLike", "StringEquals").replace("SUBJECT", "repo:acme/app:ref:refs/heads/main")
    result = _scan(tmp_path, {"cdk.tf.json": stack}, monkeypatch)
    assert result.findings == []
    assert result.judged["trusts"] == 2  # both roles were judged, not skipped


def test_json_and_native_syntax_give_the_same_findings(tmp_path, monkeypatch):
    native = _scan(tmp_path / "native", {"main.tf": NATIVE.replace("SUBJECT", "repo:acme/*")}, monkeypatch)
    json_ = _scan(tmp_path / "json", {"main.tf.json": CDKTF_STACK.replace("SUBJECT", "repo:acme/*")}, monkeypatch)

    def same(result):
        return [(f.rule_id, f.severity, f.address, f.message, f.admits) for f in result.findings]

    assert same(json_) == same(native) != []
    assert [f.span.line for f in native.findings] == [21, 33]
    assert [f.span.line for f in json_.findings] == [36, 88]


def test_a_tofu_json_file_replaces_the_tf_json_file_of_its_name(tmp_path, monkeypatch):
    result = _scan(tmp_path, {"iam.tf.json": CDKTF_STACK.replace("SUBJECT", "repo:acme/app:ref:refs/heads/main"),
                              "iam.tofu.json": CDKTF_STACK.replace("SUBJECT", "repo:acme/*")}, monkeypatch)
    assert [(r, p, line) for r, p, line, _, _, _ in brief(result)] == [("TL001", "iam.tofu.json", 36),
                                                                         ("TL001", "iam.tofu.json", 88)]


def test_a_tofu_file_does_not_replace_a_tf_json_file(tmp_path, monkeypatch):
    # OpenTofu pairs a.tofu with a.tf and a.tofu.json with a.tf.json only.
    result = _scan(tmp_path, {"iam.tf.json": CDKTF_STACK.replace("SUBJECT", "repo:acme/*"),
                              "iam.tofu": 'variable "unused" {\n  default = "x"\n}\n'}, monkeypatch)
    assert [(r, p, line) for r, p, line, _, _, _ in brief(result)] == [
        ("TL001", "iam.tf.json", 36), ("TL001", "iam.tf.json", 88)]


def test_the_same_address_in_a_tf_and_a_tf_json_file_is_tl000_at_both(tmp_path, monkeypatch):
    result = _scan(tmp_path, {"main.tf.json": CDKTF_STACK.replace("SUBJECT", "repo:acme/app:ref:refs/heads/main"),
                              "extra.tf": 'resource "aws_iam_role" "deploy" {\n  name = "other"\n}\n'}, monkeypatch)
    duplicates = [(r, p, line, a) for r, p, line, _, a, _ in brief(result) if "defined twice" in
                  next(f.message for f in result.findings if (f.path, f.span.line) == (p, line))]
    assert duplicates == [("TL000", "extra.tf", 1, "aws_iam_role.deploy"), ("TL000", "main.tf.json", 77, "aws_iam_role.deploy")]


def test_an_override_file_is_read_as_the_native_syntax_reads_one(tmp_path, monkeypatch):
    # trustlint does not merge override files (neither *_override.tf): the same address
    # twice is TL000 at both, never one definition silently hiding the other.
    override = '{\n  "resource": {\n    "aws_iam_role": {\n      "deploy": {\n        "name": "renamed"\n      }\n    }\n  }\n}\n'
    result = _scan(tmp_path, {"main.tf.json": CDKTF_STACK.replace("SUBJECT", "repo:acme/app:ref:refs/heads/main"),
                              "main_override.tf.json": override}, monkeypatch)
    assert [(r, p, line, a) for r, p, line, _, a, _ in brief(result)] == [
        ("TL000", "main.tf.json", 77, "aws_iam_role.deploy"), ("TL000", "main_override.tf.json", 4, "aws_iam_role.deploy")]


# -- values across the two syntaxes ------------------------------------------------------------

ROLE_JSON = '''{
  "data": {
    "aws_iam_policy_document": {
      "trust": {
        "statement": {
          "actions": ["sts:AssumeRoleWithWebIdentity"],
          "principals": {
            "type": "Federated",
            "identifiers": ["arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"]
          },
          "condition": [
            {
              "test": "StringEquals",
              "variable": "token.actions.githubusercontent.com:aud",
              "values": ["sts.amazonaws.com"]
            },
            {
              "test": "StringLike",
              "variable": "token.actions.githubusercontent.com:sub",
              "values": VALUES
            }
          ]
        }
      }
    }
  },
  "resource": {
    "aws_iam_role": {
      "ci": {
        "name": "ci",
        "assume_role_policy": "${data.aws_iam_policy_document.trust.json}"
      }
    }
  }
}
'''


@pytest.mark.parametrize("values,variables,expected", [
    # a list variable unwrapped whole: "${var.x}" alone is x's value, not a string
    ('"${var.subjects}"', 'variable "subjects" {\n  type    = list(string)\n  default = ["repo:acme/*"]\n}\n',
     [("TL001", "role.tf.json", 20, 28, "high")]),
    # a template mixing text and a variable
    ('["repo:${var.org}/*"]', 'variable "org" {\n  default = "acme"\n}\n', [("TL001", "role.tf.json", 20, 26, "high")]),
    ('["repo:${var.org}/app:ref:refs/heads/main"]', 'variable "org" {\n  default = "acme"\n}\n', []),
    # a local of the native file, used in the JSON one
    ('"${local.subjects}"', 'locals {\n  subjects = ["repo:acme/*", "repo:acme/app:ref:refs/heads/main"]\n}\n',
     [("TL001", "role.tf.json", 20, 28, "high")]),
])
def test_values_of_a_native_file_reach_the_json_file(tmp_path, monkeypatch, values, variables, expected):
    result = _scan(tmp_path, {"role.tf.json": ROLE_JSON.replace("VALUES", values), "variables.tf": variables}, monkeypatch)
    assert [(r, p, line, col, s) for r, p, line, col, _, s in brief(result)] == expected


def test_values_of_a_json_file_reach_the_native_file(tmp_path, monkeypatch):
    variables = '''{
  "variable": {
    "subject": {
      "type": "string",
      "description": "The workflows that may deploy",
      "default": "repo:acme/*"
    }
  },
  "locals": {
    "provider_arn": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
  }
}
'''
    role = '''resource "aws_iam_role" "ci" {
  name = "ci"
  assume_role_policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = local.provider_arn }
      Condition = {
        StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }
        StringLike   = { "token.actions.githubusercontent.com:sub" = var.subject }
      }
    }]
  })
}
'''
    result = _scan(tmp_path, {"variables.tf.json": variables, "role.tf": role}, monkeypatch)
    assert brief(result) == [("TL001", "role.tf", 10, 70, "aws_iam_role.ci", "high")]


def test_a_variable_default_is_literal_json_never_a_template(tmp_path, monkeypatch):
    # "Strings within this value are taken literally": `${var.org}` in a default is text, not
    # the org variable's value (the owner reads as the literal `${var.org}`, never as acme).
    variables = '{\n  "variable": {\n    "org": {"default": "acme"},\n    "subject": {"default": "repo:${var.org}/*"}\n  }\n}\n'
    result = _scan(tmp_path, {"variables.tf.json": variables,
                              "role.tf.json": ROLE_JSON.replace("VALUES", '["${var.subject}"]')}, monkeypatch)
    assert brief(result) == [("TL001", "role.tf.json", 20, 29, "aws_iam_role.ci", "high")]
    assert result.findings[0].message.endswith("through StringLike repo:${var.org}/*")


def test_a_pre_commit_run_on_the_json_file_alone_reads_its_directory(tmp_path, monkeypatch):
    # pre-commit passes only the changed file: its variables live beside it.
    result = _scan(tmp_path, {"infra/role.tf.json": ROLE_JSON.replace("VALUES", '["repo:${var.org}/*"]'),
                              "infra/variables.tf": 'variable "org" {\n  default = "acme"\n}\n'},
                   monkeypatch, paths=("infra/role.tf.json",))
    assert [(r, p, line) for r, p, line, _, _, _ in brief(result)] == [("TL001", "infra/role.tf.json", 20)]


def test_count_in_the_json_syntax_is_an_expression(tmp_path, monkeypatch):
    # A resource behind a flag is judged as if enabled, naming the setting, as in HCL.
    role = ROLE_JSON.replace("VALUES", '["repo:acme/*"]').replace('"name": "ci",', '"count": "${var.enabled ? 1 : 0}",\n        "name": "ci",')
    result = _scan(tmp_path, {"role.tf.json": role, "variables.tf": 'variable "enabled" {\n  default = false\n}\n'},
                   monkeypatch)
    assert [(r, line, a) for r, _, line, _, a, _ in brief(result)] == [("TL001", 20, "aws_iam_role.ci[0]")]
    assert "count = var.enabled ? 1 : 0" in result.findings[0].message


def test_a_literal_zero_count_in_json_creates_no_role(tmp_path, monkeypatch):
    role = ROLE_JSON.replace("VALUES", '["repo:acme/*"]').replace('"name": "ci",', '"count": 0,\n        "name": "ci",')
    assert _scan(tmp_path, {"role.tf.json": role}, monkeypatch).findings == []


# -- modules -----------------------------------------------------------------------------------

MODULE_ROLE = '''variable "subject" {
  type = string
}

resource "aws_iam_role" "this" {
  name = "ci"
  assume_role_policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
      Condition = {
        StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }
        StringLike   = { "token.actions.githubusercontent.com:sub" = var.subject }
      }
    }]
  })
}
'''

MODULE_CALL_JSON = '''{
  "module": {
    "ci": {
      "//": "generated by tools/render.py",
      "source": "../modules/role",
      "subject": "SUBJECT"
    }
  }
}
'''


def test_a_module_call_in_json_reads_the_local_module(tmp_path, monkeypatch):
    result = _scan(tmp_path, {"live/main.tf.json": MODULE_CALL_JSON.replace("SUBJECT", "repo:acme/*"),
                              "modules/role/main.tf": MODULE_ROLE}, monkeypatch)
    assert brief(result) == [("TL001", "modules/role/main.tf", 14, 70, "module.ci.aws_iam_role.this", "high")]
    assert [(r.path, r.span.line, r.label) for r in result.findings[0].related] == [
        ("modules/role/main.tf", 5, "resource"), ("live/main.tf.json", 3, "module call module.ci")]


def test_a_json_module_call_naming_no_federation_word_still_reaches_the_module(tmp_path, monkeypatch):
    # Only live/ is scanned, and its file names no federation token: the call alone makes it
    # worth reading (the pre-filter knows the JSON form of `source = "../x"`).
    result = _scan(tmp_path, {"live/main.tf.json": MODULE_CALL_JSON.replace("SUBJECT", "repo:acme/*"),
                              "modules/role/main.tf": MODULE_ROLE}, monkeypatch, paths=("live",))
    assert [(r, p, a) for r, p, _, _, a, _ in brief(result)] == [("TL001", "modules/role/main.tf", "module.ci.aws_iam_role.this")]


def test_a_module_written_in_json_is_read_through_a_native_call(tmp_path, monkeypatch):
    module = '''{
  "variable": {
    "subject": {
      "type": "string"
    }
  },
  "resource": {
    "aws_iam_role": {
      "this": {
        "name": "ci",
        "assume_role_policy": "${jsonencode({Statement = [{Effect = \\"Allow\\", Action = \\"sts:AssumeRoleWithWebIdentity\\", Principal = {Federated = \\"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com\\"}, Condition = {StringEquals = {\\"token.actions.githubusercontent.com:aud\\" = \\"sts.amazonaws.com\\"}, StringLike = {\\"token.actions.githubusercontent.com:sub\\" = var.subject}}}]})}"
      }
    }
  }
}
'''
    call = 'module "ci" {\n  source  = "../modules/role"\n  subject = "repo:acme/app:*"\n}\n'
    result = _scan(tmp_path, {"live/main.tf": call, "modules/role/main.tf.json": module}, monkeypatch)
    # one repository's every ref: medium, at the variable inside jsonencode() (as in HCL)
    assert brief(result) == [("TL001", "modules/role/main.tf.json", 11, 390, "module.ci.aws_iam_role.this", "medium")]


# -- GCP and Azure -----------------------------------------------------------------------------

GCP_JSON = '''{
  "resource": {
    "google_iam_workload_identity_pool": {
      "github": {
        "workload_identity_pool_id": "github"
      }
    },
    "google_iam_workload_identity_pool_provider": {
      "github": {
        "workload_identity_pool_id": "${google_iam_workload_identity_pool.github.workload_identity_pool_id}",
        "workload_identity_pool_provider_id": "github",
        "attribute_mapping": {
          "google.subject": "assertion.sub",
          "attribute.repository": "assertion.repository"
        },
        CONDITION"oidc": {
          "issuer_uri": "https://token.actions.githubusercontent.com"
        }
      }
    },
    "google_service_account_iam_member": {
      "deployer": {
        "service_account_id": "projects/acme-prod/serviceAccounts/deployer@acme-prod.iam.gserviceaccount.com",
        "role": "roles/iam.workloadIdentityUser",
        "member": "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/*"
      }
    }
  }
}
'''


@pytest.mark.parametrize("condition,expected", [
    ('"attribute_condition": "assertion.repository_owner == \'acme\'",\n        ',
     [("TL001", "wif.tf.json", 16, 32, "google_service_account_iam_member.deployer", "high")]),
    ('"attribute_condition": "assertion.repository == \'acme/deploy\'",\n        ', []),
    ("", [("TL002", "wif.tf.json", 9, 7, "google_service_account_iam_member.deployer", "critical")]),
], ids=["owner-condition", "one-repository", "no-condition"])
def test_a_gcp_pool_provider_in_json(tmp_path, monkeypatch, condition, expected):
    result = _scan(tmp_path, {"wif.tf.json": GCP_JSON.replace("CONDITION", condition)}, monkeypatch)
    assert brief(result) == expected


AZURE_JSON = '''{
  "resource": {
    "azurerm_user_assigned_identity": {
      "deploy_prod": {
        "name": "id-deploy-prod",
        "resource_group_name": "rg-identities",
        "location": "westeurope",
        "tags": {
          "Environment": "production"
        }
      }
    },
    "azurerm_federated_identity_credential": {
      "github_main": {
        "name": "github-main",
        "resource_group_name": "rg-identities",
        "parent_id": "${azurerm_user_assigned_identity.deploy_prod.id}",
        "issuer": "https://token.actions.githubusercontent.com",
        "subject": "repo:acme/app:ref:refs/heads/main",
        "audience": ["api://AzureADTokenExchange"]
      },
      "github_pr": {
        "name": "github-pull-requests",
        "resource_group_name": "rg-identities",
        "parent_id": "${azurerm_user_assigned_identity.deploy_prod.id}",
        "issuer": "https://token.actions.githubusercontent.com",
        "subject": "SUBJECT",
        "audience": ["api://AzureADTokenExchange"]
      }
    }
  }
}
'''


@pytest.mark.parametrize("subject,expected", [
    # one identity's credentials are one trust: production reachable from pull requests
    ("repo:acme/app:pull_request", [("TL004", "azure.tf.json", 27, 20, "azurerm_user_assigned_identity.deploy_prod", "high")]),
    ("repo:acme/app:environment:production", []),
])
def test_an_azure_federated_credential_in_json(tmp_path, monkeypatch, subject, expected):
    result = _scan(tmp_path, {"azure.tf.json": AZURE_JSON.replace("SUBJECT", subject)}, monkeypatch)
    assert brief(result) == expected


# -- never silent ------------------------------------------------------------------------------

def test_a_malformed_json_file_is_tl000_at_the_error(tmp_path, monkeypatch):
    broken = CDKTF_STACK.replace('"name": "github-deploy"\n', '"name": "github-deploy",\n')  # a trailing comma
    result = _scan(tmp_path, {"cdk.tf.json": broken}, monkeypatch)
    assert brief(result) == [("TL000", "cdk.tf.json", 86, 7, "", "high")]
    assert result.findings[0].message == "invalid JSON: expected a quoted key"


@pytest.mark.parametrize("document,message,line", [
    ('[{"resource": {"aws_iam_role": {}}}]\n', "a Terraform JSON file must hold one JSON object", 1),
    ('{\n  "resources": {"aws_iam_role": {"ci": {"assume_role_policy": "x"}}}\n}\n',
     "'resources' is not a Terraform block type; Terraform rejects this file", 2),
    ('{\n  "resource": {\n    "aws_iam_role": {\n      "ci": "assume_role_policy"\n    }\n  }\n}\n',
     "resource is a block here: a JSON object or an array of objects is expected, and Terraform rejects anything else", 4),
])
def test_a_json_shape_terraform_rejects_is_tl000_at_its_place(tmp_path, monkeypatch, document, message, line):
    result = _scan(tmp_path, {"iam.tf.json": document.replace("x", "token.actions.githubusercontent.com")}, monkeypatch)
    assert [(r, p, ln) for r, p, ln, _, _, _ in brief(result)] == [("TL000", "iam.tf.json", line)]
    assert result.findings[0].message == message


def test_a_nested_block_given_as_an_expression_is_tl000_not_an_empty_policy(tmp_path, monkeypatch):
    # `statement` is a block: a string there is rejected by Terraform, and reading the document
    # as having no statement would pass the role unjudged.
    role = ROLE_JSON.replace("VALUES", '["repo:acme/*"]')
    start = role.index('"statement": {')
    end = role.index('\n      }\n    }\n  },')
    role = role[:start] + '"statement": "${local.statements}"' + role[end:]
    result = _scan(tmp_path, {"role.tf.json": role}, monkeypatch)
    assert ("TL000", "role.tf.json", 5, 22) in [(r, p, line, col) for r, p, line, col, _, _ in brief(result)]
    assert any(f.message.startswith("statement is a block here") for f in result.findings)


def test_an_argument_given_twice_is_tl000_and_the_block_type_given_twice_is_read_twice(tmp_path, monkeypatch):
    # JSON keeps duplicate keys: two "resource" members are two sets of blocks (HCL reads
    # both), while an argument set twice is an error, never the last one silently winning.
    document = '''{
  "resource": {
    "aws_iam_role": {
      "exact": {
        "assume_role_policy": "${jsonencode({Statement = [{Effect = \\"Allow\\", Action = \\"sts:AssumeRoleWithWebIdentity\\", Principal = {Federated = \\"arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com\\"}, Condition = {StringEquals = {\\"token.actions.githubusercontent.com:aud\\" = \\"sts.amazonaws.com\\", \\"token.actions.githubusercontent.com:sub\\" = \\"repo:acme/app:ref:refs/heads/main\\"}}}]})}",
        "name": "exact",
        "name": "again"
      }
    }
  },
  "resource": {
    "aws_iam_role": {
      "wide": {
        "assume_role_policy": "${jsonencode({Statement = [{Effect = \\"Allow\\", Action = \\"sts:AssumeRoleWithWebIdentity\\", Principal = {Federated = \\"arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com\\"}, Condition = {StringEquals = {\\"token.actions.githubusercontent.com:aud\\" = \\"sts.amazonaws.com\\"}, StringLike = {\\"token.actions.githubusercontent.com:sub\\" = \\"repo:acme/*\\"}}}]})}"
      }
    }
  }
}
'''
    result = _scan(tmp_path, {"iam.tf.json": document}, monkeypatch)
    assert [(r, line, a) for r, _, line, _, a, _ in brief(result)] == [("TL000", 7, ""), ("TL001", 14, "aws_iam_role.wide")]
    assert result.findings[0].message == "argument 'name' is set twice in this block; Terraform rejects this"


def test_a_value_not_known_statically_is_explained_never_dropped(tmp_path, monkeypatch):
    role = ROLE_JSON.replace("VALUES", '"${var.subjects}"')
    result = _scan(tmp_path, {"role.tf.json": role, "variables.tf": 'variable "subjects" {\n  type = list(string)\n}\n'},
                   monkeypatch)
    assert result.findings == []
    assert [(u[0], u[1], u[3]) for u in result.unknowns] == [("role.tf.json", 20, "var.subjects")]


def test_a_template_directive_is_explained_never_read_as_text(tmp_path, monkeypatch):
    role = ROLE_JSON.replace("VALUES", '["repo:acme/%{ if var.prod }deploy%{ else }*%{ endif }"]')
    result = _scan(tmp_path, {"role.tf.json": role}, monkeypatch)
    assert result.findings == []
    assert [(u[0], u[1], u[4]) for u in result.unknowns] == [("role.tf.json", 20, "aws_iam_role.ci: template directive")]


def test_an_interpolation_that_does_not_parse_is_tl000_at_its_string(tmp_path, monkeypatch):
    role = ROLE_JSON.replace("VALUES", '["repo:${var.org +}/*"]')
    result = _scan(tmp_path, {"role.tf.json": role}, monkeypatch)
    assert ("TL000", "role.tf.json", 20, 26) in [(r, p, line, col) for r, p, line, col, _, _ in brief(result)]
    assert "invalid template" in next(f.message for f in result.findings if f.rule_id == "TL000")


def test_dynamic_blocks_in_json_are_expanded(tmp_path, monkeypatch):
    document = '''{
  "locals": {
    "subjects": ["repo:acme/app:ref:refs/heads/main", "repo:acme/*"]
  },
  "data": {
    "aws_iam_policy_document": {
      "trust": {
        "statement": {
          "actions": ["sts:AssumeRoleWithWebIdentity"],
          "principals": {
            "type": "Federated",
            "identifiers": ["arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"]
          },
          "condition": {
            "test": "StringEquals",
            "variable": "token.actions.githubusercontent.com:aud",
            "values": ["sts.amazonaws.com"]
          },
          "dynamic": {
            "condition": {
              "for_each": "${{sub = local.subjects}}",
              "iterator": "claim",
              "content": {
                "test": "StringLike",
                "variable": "token.actions.githubusercontent.com:${claim.key}",
                "values": "${claim.value}"
              }
            }
          }
        }
      }
    }
  },
  "resource": {
    "aws_iam_role": {
      "ci": {
        "assume_role_policy": "${data.aws_iam_policy_document.trust.json}"
      }
    }
  }
}
'''
    result = _scan(tmp_path, {"main.tf.json": document}, monkeypatch)
    # the wildcard element of the local's list, through the dynamic block's iterator
    assert brief(result) == [("TL001", "main.tf.json", 3, 55, "aws_iam_role.ci", "high")]


def test_comment_keys_are_comments_only_in_block_bodies(tmp_path, monkeypatch):
    # In an expression a "//" key is an ordinary key: a tag named "//" is data, and the
    # comment at the body level is ignored (it is neither an argument nor a tag).
    role = ROLE_JSON.replace("VALUES", '["repo:acme/app:ref:refs/heads/main"]').replace(
        '"name": "ci",', '"//": "owned by platform",\n        "name": "ci",\n        "tags": {"//": "x", "Environment": "production"},')
    from trustlint.input.discovery import discover
    from trustlint.terraform.configuration import Configuration

    (tmp_path / "role.tf.json").write_text(role)
    discovered = discover([str(tmp_path)], str(tmp_path))
    blocks = Configuration(str(tmp_path)).blocks("", discovered.context[""])
    role_block = next(b for b in blocks if b.labels == ["aws_iam_role", "ci"])
    assert sorted(role_block.attributes) == ["assume_role_policy", "name", "tags"]
    from trustlint.terraform.evaluator import Evaluator, Module

    tags = Evaluator(Module(blocks), role_block.source).attribute(role_block, "tags")
    assert sorted(tags.value) == ["//", "Environment"]
    assert (tags.value["Environment"].span.line, tags.value["Environment"].key_span.column) == (32, 29)


# -- the expression mapping --------------------------------------------------------------------

def _local(text: str):
    """The value of `"x": TEXT` in a locals object, evaluated, and what the reader reported."""
    from trustlint.source import SourceFile
    from trustlint.terraform.evaluator import Evaluator, Module
    from trustlint.terraform.json_syntax import parse_json_syntax

    source = SourceFile("main.tf.json", '{\n  "locals": {\n    "x": ' + text + '\n  }\n}\n')
    blocks, problems = parse_json_syntax(source)
    node = Evaluator(Module(blocks), source).eval(blocks[0].attributes["x"].expr)
    return node, [(p.message, p.span.line, p.span.column) for p in problems]


def _plain(node):
    from trustlint.terraform.nodes import plain

    return plain(node)


@pytest.mark.parametrize("text,value", [
    ('"${[1, 2]}"', [1, 2]),  # a lone interpolation is its value, unconverted
    ('"${true}"', True),
    ('"a${1 + 1}b"', "a2b"),  # anything else is a string
    ('"$${var.x} and %%{ if }"', "${var.x} and %{ if }"),  # escaped template sequences
    ('"$$${\\"x\\"}"', '$${"x"}'),  # `$` then the escape, as HCL's scanner reads `$$${`
    ('"C:\\\\temp\\\\new"', "C:\\temp\\new"),  # JSON unescaped once: no second (HCL) escape pass
    ('"\\u00e9${\\"t\\"}\\ud83d\\ude00"', "\u00e9t\U0001F600"),
    ('"${jsonencode({\\"k\\" = \\"a\\\\nb\\"})}"', {"k": "a\nb"}),  # HCL escapes inside the interpolation
    ('"${replace(\\"a}b\\", \\"}\\", \\"-\\")}"', "a-b"),  # a brace inside a quoted string ends nothing
    ('"${~ \\"trimmed\\" ~}"', "trimmed"),  # strip markers
    ('"${\\n  upper(\\"multi\\")\\n}"', "MULTI"),  # an interpolation over several (escaped) lines
    ("12", 12), ("-1.5e3", -1500.0), ("true", True), ("null", None),
    ('{"Environment": "prod", "tier-${1 + 1}": "${1 + 1}", "//": "kept"}',
     {"Environment": "prod", "tier-2": 2, "//": "kept"}),  # keys are templates, always strings
    ('["${\\"a\\"}", 1, [false]]', ["a", 1, [False]]),
])
def test_json_values_evaluate_as_hcl_would(text, value):
    node, problems = _local(text)
    assert (_plain(node), problems) == (value, [])


@pytest.mark.parametrize("text,literal,expression", [
    # the quote is column 10; an escape is several characters of the file for one of the value
    ('"a\\"b${var.missing}"', (11, 15), (17, 28)),
    ('"\\ud83d\\ude00\\t${var.missing}"', (11, 25), (27, 38)),  # a surrogate pair is one character
    ('"${var.missing}"', None, (13, 24)),  # alone: the expression itself, inside the quotes
])
def test_columns_count_escapes_as_the_file_holds_them(text, literal, expression):
    from trustlint.source import SourceFile
    from trustlint.terraform.hcl import tree_span
    from trustlint.terraform.json_syntax import parse_json_syntax

    source = SourceFile("main.tf.json", '{\n  "locals": {\n    "x": ' + text + '\n  }\n}\n')
    tree = parse_json_syntax(source)[0][0].attributes["x"].expr
    parts = [c.children[0] for c in tree.children if hasattr(c, "data")] if tree.data == "string" else [tree]
    spans = [tree_span(p) for p in parts]
    if literal is not None:
        assert (spans[0].line, spans[0].column, spans[0].end_column) == (3, *literal)
    last = [t for t in parts[-1].children if hasattr(t, "data")][0] if literal is not None else parts[-1]
    assert (tree_span(last).line, tree_span(last).column, tree_span(last).end_column) == (3, *expression)
    assert source.line_text(3)[expression[0] - 1 : expression[1] - 1] == "var.missing"


def test_an_interpolation_the_fast_reader_declines_is_parsed_by_python_hcl2():
    # A directive in a string inside an interpolation: hcl_reader declines, python-hcl2 reads
    # it, and the evaluator explains the directive (never a problem of the file).
    node, problems = _local('"${format(\\"%{ if true }a%{ endif }\\")}"')
    assert problems == []
    assert node.value.reason == "format() depends on an unknown value"


@pytest.mark.parametrize("text,message", [
    ('"${var.a +}"', "invalid template: cannot parse ${var.a +}; Terraform rejects this"),
    ('"repo:${var.org"', "invalid template: an interpolation `${` is never closed; Terraform rejects this"),
])
def test_a_template_that_does_not_parse_is_reported_at_its_string(text, message):
    node, problems = _local(text)
    assert problems == [(message, 3, 10)]
    assert node.is_known is False


def test_hostile_json_strings_stay_linear(tmp_path, monkeypatch):
    # Runs of escapes, of `$${` and of unclosed `${` in a file that names federation: each
    # character is looked at a bounded number of times (no backtracking, no quadratic rescans).
    import time

    values = ['"' + "\\\\" * 200_000 + '"', '"' + "$${" * 100_000 + '"', '"' + "${" * 50_000 + '"',
              '"' + "~}" * 100_000 + "${1}" + '"', '"' + "${1}\\n" * 10_000 + '"',
              '"' + '${format(\\"%{ if x }\\")}\\n' * 1_000 + '"']  # the last ones: python-hcl2 decides
    document = '{\n  "locals": {\n' + ",\n".join(f'    "v{i}": {v}' for i, v in enumerate(values)) + \
        '\n  },\n  "resource": {"aws_iam_role": {"r": {"assume_role_policy": "${local.v0}"}}}\n}\n'
    started = time.monotonic()
    result = _scan(tmp_path, {"main.tf.json": document}, monkeypatch)
    assert time.monotonic() - started < 10
    assert [(f.rule_id, f.span.line) for f in result.findings if "never closed" in f.message] == [("TL000", 5)]


def test_deep_json_nesting_is_tl000_not_a_traceback(tmp_path, monkeypatch):
    document = '{"locals": {"deep": ' + "[" * 5000 + "]" * 5000 + '}, "resource": {"aws_iam_role": {}}}'
    result = _scan(tmp_path, {"main.tf.json": document}, monkeypatch)
    assert [(f.rule_id, f.path) for f in result.findings] == [("TL000", "main.tf.json")]
    assert "nesting deeper than" in result.findings[0].message


def test_an_unrelated_json_file_costs_nothing(tmp_path, monkeypatch):
    # A .tf.json naming no federation token and defining no value is never parsed (the same
    # pre-filter as .tf files), even in a directory that holds a trust.
    from trustlint.input.discovery import discover

    (tmp_path / "iam.tf.json").write_text(CDKTF_STACK.replace("SUBJECT", "repo:acme/*"))
    (tmp_path / "buckets.tf.json").write_text('{"resource": {"aws_s3_bucket": {"logs": {"bucket": "acme-logs"}}}}')
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "main.tf.json").write_text('{"resource": {"aws_s3_bucket": {"b": {"bucket": "b"}}}}')
    context = discover([str(tmp_path)], str(tmp_path)).context
    assert {d: [s.path for s in sources] for d, sources in context.items()} == {"": ["iam.tf.json"]}


def test_json_escapes_do_not_hide_a_trust_from_the_pre_filter(tmp_path, monkeypatch):
    # json.dumps writes \\u escapes: every federation word below is escaped in the file's
    # bytes, and Terraform reads it all the same.
    document = r'''{
  "resource": {
    "aws_iam_r\u006fle": {
      "ci": {
        "assume_r\u006fle_policy": "${jsonencode({Statement = [{Effect = \"Allow\", Action = \"sts:\u0041ssumeRoleWithWebIdentity\", Principal = {Federated = \"arn:aws:iam::1:oidc-pr\u006fvider\/token.acti\u006fns.githubusercontent.com\"}, Condition = {StringEquals = {\"token.acti\u006fns.githubusercontent.com:aud\" = \"sts.amazonaws.com\"}, StringLike = {\"token.acti\u006fns.githubusercontent.com:sub\" = \"repo:acme\/*\"}}}]})}"
      }
    }
  }
}
'''
    result = _scan(tmp_path, {"main.tf.json": document}, monkeypatch)
    assert [(r, line, a) for r, _, line, _, a, _ in brief(result)] == [("TL001", 5, "aws_iam_role.ci")]


def test_the_array_forms_of_blocks_are_read(tmp_path, monkeypatch):
    # "the alternating array and object approach is the most general" (the spec): a block
    # type, each label level and each body may be an array; locals too.
    document = '''{
  "locals": [
    {"org": "acme"},
    {"subject": "repo:${local.org}/*"}
  ],
  "resource": [
    {
      "aws_iam_role": [
        {
          "ci": [
            {
              "provider": "aws.deploy",
              "depends_on": ["aws_iam_openid_connect_provider.github"],
              "lifecycle": {"ignore_changes": ["tags"], "create_before_destroy": true},
              "assume_role_policy": "${jsonencode({Statement = [{Effect = \\"Allow\\", Action = \\"sts:AssumeRoleWithWebIdentity\\", Principal = {Federated = \\"arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com\\"}, Condition = {StringEquals = {\\"token.actions.githubusercontent.com:aud\\" = \\"sts.amazonaws.com\\"}, StringLike = {\\"token.actions.githubusercontent.com:sub\\" = local.subject}}}]})}"
            }
          ]
        }
      ]
    }
  ]
}
'''
    result = _scan(tmp_path, {"main.tf.json": document}, monkeypatch)
    # at the local of the same file holding the wildcard, as in HCL
    assert brief(result) == [("TL001", "main.tf.json", 4, 17, "aws_iam_role.ci", "high")]


def test_a_key_given_twice_in_an_object_value_is_reported():
    node, problems = _local('{"Environment": "dev", "Environment": "production"}')
    assert problems == [("key 'Environment' appears twice in this object; Terraform rejects this", 3, 33)]


def test_a_change_to_a_json_variables_file_is_reported_on_the_trust_reading_it(tmp_path, monkeypatch, capsys):
    # --changed-since and pre-commit (the changed file named alone) follow the finding to the
    # default it reads, across JSON files as across .tf files.
    import json

    from trustlint.cli import main

    from .conftest import git

    variables = '{\n  "variable": {\n    "subject": {\n      "default": "repo:acme/app:ref:refs/heads/main"\n    }\n  }\n}\n'
    monkeypatch.chdir(tmp_path)
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "variables.tf.json").write_text(variables)
    (tmp_path / "role.tf.json").write_text(ROLE_JSON.replace("VALUES", '["${var.subject}"]'))
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    (tmp_path / "variables.tf.json").write_text(variables.replace("app:ref:refs/heads/main", "*"))
    for arguments in (["--changed-since", "HEAD"], ["variables.tf.json"]):
        capsys.readouterr()
        assert main(["scan", "--format", "json", *arguments]) == 1
        report = json.loads(capsys.readouterr().out)
        assert [(f["rule_id"], f["path"], f["line"]) for f in report["findings"]] == [("TL001", "role.tf.json", 20)]


def test_a_suppression_written_in_a_comment_key_is_data_not_a_suppression(tmp_path, monkeypatch):
    # JSON has no comments: a "//" value is a string the change controls, so it cannot switch
    # the gate off for the trust on its line (the same text in an HCL comment does).
    import datetime

    expires = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    line = f'trustlint:ignore[TL001] reason="reviewed" expires={expires}'
    role = ROLE_JSON.replace("VALUES", '["repo:acme/*"], "//": "' + line.replace('"', '\\"') + '"')
    result = _scan(tmp_path / "json", {"role.tf.json": role}, monkeypatch)
    assert [(f.rule_id, f.span.line, f.gating) for f in result.findings if f.rule_id == "TL001"] == [("TL001", 20, True)]
    native = NATIVE.replace("SUBJECT", "repo:acme/*").replace('values   = ["repo:acme/*"]', 'values   = ["repo:acme/*"] # ' + line)
    control = _scan(tmp_path / "native", {"main.tf": native}, monkeypatch)
    assert [(f.rule_id, f.span.line, f.gating) for f in control.findings if f.rule_id == "TL001"] == [
        ("TL001", 21, False), ("TL001", 33, True)]


@pytest.mark.parametrize("files", [
    {"cdk.tf.json": CDKTF_STACK.replace("SUBJECT", "repo:acme/*")},
    {"wif.tf.json": GCP_JSON.replace("CONDITION", "")},
    {"azure.tf.json": AZURE_JSON.replace("SUBJECT", "repo:acme/app:pull_request")},
    {"role.tf.json": ROLE_JSON.replace("VALUES", '["repo:acme/*"]'),
     "other.tf.json": '{"resource": {"aws_s3_bucket": {"logs": {"bucket": "logs-${var.x}"}}, '
                      '"aws_iam_policy": {"deploy": {"policy": "${data.aws_iam_policy_document.trust.json}"}}}}'},
], ids=["cdktf", "gcp", "azure", "buckets"])
def test_leaving_unneeded_json_blocks_unread_changes_no_finding(tmp_path, monkeypatch, files):
    from trustlint.terraform import configuration as terraform

    masked = _scan(tmp_path, files, monkeypatch)
    monkeypatch.setattr(terraform, "SKIP_UNNEEDED_BLOCKS", False)
    whole = _scan(tmp_path, files, monkeypatch)
    assert [(f.rule_id, f.path, f.span, f.address, f.message) for f in masked.findings] == \
        [(f.rule_id, f.path, f.span, f.address, f.message) for f in whole.findings] != []
    assert sorted(masked.unknowns) == sorted(whole.unknowns)


def test_a_large_stack_leaves_its_other_resources_unread(tmp_path):
    from trustlint.source import SourceFile
    from trustlint.terraform.configuration import _json_keep
    from trustlint.terraform.json_syntax import parse_json_syntax

    buckets = ",\n".join(f'      "b{i}": {{"bucket": "acme-{i}", "tags": {{"env": "${{var.env}}"}}}}' for i in range(50))
    text = CDKTF_STACK.replace("SUBJECT", "repo:acme/*").replace(
        '  "resource": {\n', '  "resource": {\n    "aws_s3_bucket": {\n' + buckets + '\n    },\n')
    source = SourceFile("cdk.tf.json", text)
    kept = [".".join(b.labels) for b in parse_json_syntax(source, _json_keep(source))[0] if b.type in ("resource", "data")]
    assert kept == ["aws_iam_policy_document.github_trust", "aws_iam_openid_connect_provider.github",
                    "aws_iam_role.deploy", "aws_iam_role.inline"]
    assert len(parse_json_syntax(source)[0]) == len(kept) + 50 + 2  # and the provider and terraform blocks


def test_a_bug_in_the_json_reader_is_tl000_for_its_file_not_a_stopped_scan(tmp_path, monkeypatch):
    from trustlint.terraform import json_syntax

    def broken(source, keep=None):
        raise KeyError("boom")

    monkeypatch.setattr(json_syntax, "parse_json_syntax", broken)
    result = _scan(tmp_path, {"cdk.tf.json": CDKTF_STACK.replace("SUBJECT", "repo:acme/*"),
                              "other/main.tf": NATIVE.replace("SUBJECT", "repo:acme/*")}, monkeypatch)
    assert [(f.rule_id, f.path, f.span.line) for f in result.findings] == [
        ("TL000", "cdk.tf.json", 1), ("TL001", "other/main.tf", 21), ("TL001", "other/main.tf", 33)]
    assert "internal error KeyError" in result.findings[0].message


def test_a_policy_file_read_with_file_from_json_is_judged_in_that_file(tmp_path, monkeypatch):
    # A template inside a string inside the interpolation: `"${file(\"${path.module}/x\")}"`.
    policy = ('{\n  "Statement": [{\n    "Effect": "Allow",\n    "Action": "sts:AssumeRoleWithWebIdentity",\n'
              '    "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"},\n'
              '    "Condition": {\n      "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},\n'
              '      "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*"}\n    }\n  }]\n}\n')
    role = '{"resource": {"aws_iam_role": {"ci": {"assume_role_policy": "${file(\\"${path.module}/trust.json\\")}"}}}}\n'
    result = _scan(tmp_path, {"infra/trust.json": policy, "infra/main.tf.json": role}, monkeypatch)
    assert brief(result) == [("TL001", "infra/trust.json", 8, 65, "aws_iam_role.ci", "high")]
