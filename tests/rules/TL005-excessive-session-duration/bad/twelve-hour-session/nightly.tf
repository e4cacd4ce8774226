data "aws_iam_policy_document" "nightly_trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:acme/monorepo:ref:refs/heads/main"]
    }
  }
}

resource "aws_iam_role" "nightly_build" {
  name                 = "gha-monorepo-nightly"
  max_session_duration = var.max_session_hours * 3600
  assume_role_policy   = data.aws_iam_policy_document.nightly_trust.json
}
