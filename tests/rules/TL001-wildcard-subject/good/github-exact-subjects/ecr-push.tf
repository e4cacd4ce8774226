resource "aws_iam_openid_connect_provider" "github" {
  url             = "https://token.actions.githubusercontent.com"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1"]
}

locals {
  # One exact subject per repository: pushes to main only.
  ecr_push_subjects = [
    for repo in var.repositories : "repo:${var.github_org}/${repo}:ref:refs/heads/main"
  ]
}

data "aws_iam_policy_document" "ecr_push_trust" {
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
      values   = local.ecr_push_subjects
    }
  }
}

resource "aws_iam_role" "ecr_push" {
  name                 = "gha-ecr-push"
  max_session_duration = 3600
  assume_role_policy   = data.aws_iam_policy_document.ecr_push_trust.json
}
