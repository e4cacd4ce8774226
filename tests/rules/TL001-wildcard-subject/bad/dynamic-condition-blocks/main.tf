variable "name" {
  type    = string
  default = "gha-lambda-layers"
}

data "aws_caller_identity" "this" {}

locals {
  github_issuer = "token.actions.githubusercontent.com"

  # claim => allowed values, rendered as one condition block per claim below
  claims_equal = {
    aud = ["sts.amazonaws.com"]
  }
  # Meant for the lambda-layers-* repositories - but any name starting with "lambda-"
  # matches (lambda-sandbox, lambda-experiments, ...).
  claims_like = {
    sub = ["repo:acme/lambda-*:ref:refs/heads/main"]
  }
}

data "aws_iam_policy_document" "assume" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.this.account_id}:oidc-provider/${local.github_issuer}"]
    }

    dynamic "condition" {
      for_each = local.claims_equal
      content {
        test     = "StringEquals"
        variable = "${local.github_issuer}:${condition.key}"
        values   = condition.value
      }
    }

    dynamic "condition" {
      for_each = local.claims_like
      content {
        test     = "StringLike"
        variable = "${local.github_issuer}:${condition.key}"
        values   = condition.value
      }
    }
  }
}

resource "aws_iam_role" "this" {
  name               = var.name
  assume_role_policy = data.aws_iam_policy_document.assume.json
}
