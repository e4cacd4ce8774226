resource "aws_iam_openid_connect_provider" "github" {
  url             = "https://token.actions.githubusercontent.com"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1"]
}

locals {
  repository = "${var.github_org}/${var.service}"
}

# Production schema migrations. The pull_request subject was added so that
# PRs can run `migrate --dry-run` against the production database.
data "aws_iam_policy_document" "migrations_trust" {
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
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values = [
        "repo:${local.repository}:environment:production",
        "repo:${local.repository}:pull_request",
      ]
    }
  }
}

resource "aws_iam_role" "migrations" {
  name               = "gha-${var.service}-migrations-prod"
  assume_role_policy = data.aws_iam_policy_document.migrations_trust.json
}
