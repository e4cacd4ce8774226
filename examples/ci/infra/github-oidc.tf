# GitHub Actions as an OIDC identity provider, and the roles the storefront's workflows assume.

resource "aws_iam_openid_connect_provider" "github" {
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}

# Production deployments (deploy.yml, job deploy-production, environment production).
resource "aws_iam_role" "storefront_deploy" {
  name = "storefront-deploy"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = aws_iam_openid_connect_provider.github.arn }
      Condition = {
        StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }
        StringLike   = { "token.actions.githubusercontent.com:sub" = "repo:acme/storefront:*" }
      }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "storefront_deploy" {
  role       = aws_iam_role.storefront_deploy.name
  policy_arn = "arn:aws:iam::123456789012:policy/storefront-deploy"
}

# Staging deployments (deploy.yml, job deploy-staging).
resource "aws_iam_role" "storefront_staging_deploy" {
  name = "storefront-staging-deploy"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = aws_iam_openid_connect_provider.github.arn }
      Condition = {
        StringEquals = {
          "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
          "token.actions.githubusercontent.com:sub" = "repo:acme/storefront:environment:staging"
        }
      }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "storefront_staging_deploy" {
  role       = aws_iam_role.storefront_staging_deploy.name
  policy_arn = "arn:aws:iam::123456789012:policy/storefront-staging-deploy"
}

# Static assets published from main (ci.yml, job publish-assets).
resource "aws_iam_role" "storefront_assets" {
  name = "storefront-assets"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = aws_iam_openid_connect_provider.github.arn }
      Condition = {
        StringEquals = {
          "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
          "token.actions.githubusercontent.com:sub" = "repo:acme/storefront:ref:refs/heads/main"
        }
      }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "storefront_assets" {
  role       = aws_iam_role.storefront_assets.name
  policy_arn = "arn:aws:iam::123456789012:policy/storefront-assets-upload"
}
