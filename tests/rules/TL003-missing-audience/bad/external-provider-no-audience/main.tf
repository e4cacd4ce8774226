data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  # The GitHub provider is managed by the landing-zone stack, not here.
  github_provider_arn = "arn:${data.aws_partition.current.partition}:iam::${local.account_id}:oidc-provider/token.actions.githubusercontent.com"
}

data "aws_iam_policy_document" "lambda_deployer_trust" {
  statement {
    sid     = "DeployFromMain"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.github_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:acme/notifications:ref:refs/heads/main"]
    }
  }
}

resource "aws_iam_role" "lambda_deployer" {
  name               = "gha-notifications-deployer"
  assume_role_policy = data.aws_iam_policy_document.lambda_deployer_trust.json
}
