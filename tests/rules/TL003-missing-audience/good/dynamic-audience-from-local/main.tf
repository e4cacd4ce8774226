locals {
  conditions = [
    { test = "StringEquals", variable = "token.actions.githubusercontent.com:aud", values = ["sts.amazonaws.com"] },
    { test = "StringEquals", variable = "token.actions.githubusercontent.com:sub", values = ["repo:acme/app:ref:refs/heads/main"] },
  ]
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"]
    }
    dynamic "condition" {
      for_each = local.conditions
      content {
        test     = condition.value.test
        variable = condition.value.variable
        values   = condition.value.values
      }
    }
  }
}

resource "aws_iam_role" "this" {
  name               = "app"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}
