locals {
  envs = {
    production = { subject = "repo:acme/shop:environment:production" }
    sandbox    = { subject = "repo:acme/*" }
  }
  apps = { api = "production", scratch = "sandbox" }
}
data "aws_iam_policy_document" "trust" {
  for_each = local.envs
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringLike"
      variable = "token.actions.githubusercontent.com:sub"
      values   = [each.value.subject]
    }
  }
}
resource "aws_iam_role" "app" {
  for_each           = local.apps
  name               = "app-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.trust[each.value].json
}
