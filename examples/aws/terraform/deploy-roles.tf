# Production deployments: only the protected "production" environment of payments-api.
resource "aws_iam_role" "deploy_prod" {
  name = "gha-payments-deploy-prod"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = aws_iam_openid_connect_provider.github.arn }
      Condition = {
        StringEquals = {
          "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
          "token.actions.githubusercontent.com:sub" = local.prod_subject
        }
      }
    }]
  })
  tags = merge(local.tags, { Environment = "production" })
}

# Staging: the staging environment and the main branch of the same repository.
resource "aws_iam_role" "deploy_staging" {
  name                 = "gha-payments-deploy-staging"
  max_session_duration = 3600
  assume_role_policy   = data.aws_iam_policy_document.staging_trust.json
}

data "aws_iam_policy_document" "staging_trust" {
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
        "repo:${var.github_org}/${var.app_repo}:environment:staging",
        "repo:${var.github_org}/${var.app_repo}:ref:refs/heads/main",
      ]
    }
  }
}

# Read-only access for "any CI job of the org" - the wildcard lets every repository in.
resource "aws_iam_role" "ci_readonly" {
  name               = "gha-ci-readonly"
  assume_role_policy = data.aws_iam_policy_document.ci_trust.json
}

data "aws_iam_policy_document" "ci_trust" {
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
      values   = ["repo:${var.github_org}/*"]
    }
  }
}

# Database migrations in production, but the trust also lets pull requests in.
resource "aws_iam_role" "migrations_prod" {
  name = "gha-payments-migrations-prod"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = aws_iam_openid_connect_provider.github.arn }
      Condition = {
        StringEquals = {
          "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
        }
        StringLike = {
          "token.actions.githubusercontent.com:sub" = [
            "repo:acme/payments-api:environment:production",
            "repo:acme/payments-api:pull_request",
          ]
        }
      }
    }]
  })
}
