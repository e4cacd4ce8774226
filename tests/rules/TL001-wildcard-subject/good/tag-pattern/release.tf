data "aws_caller_identity" "current" {}

locals {
  github_issuer = "token.actions.githubusercontent.com"
}

# Release uploads: only version tags (v1.2.3, ...) of acme/cli.
data "aws_iam_policy_document" "release_trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/${local.github_issuer}"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.github_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringLike"
      variable = "${local.github_issuer}:sub"
      values   = ["repo:acme/cli:ref:refs/tags/v*"]
    }
  }
}

resource "aws_iam_role" "release" {
  name               = "gha-cli-release"
  assume_role_policy = data.aws_iam_policy_document.release_trust.json
}
