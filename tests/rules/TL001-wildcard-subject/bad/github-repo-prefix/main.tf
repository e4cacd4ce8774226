locals {
  github_oidc_arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
  repository      = "acme/web"
}

# "Any branch of acme/web" - but the pattern has no ":" after the repository name,
# so acme/web-admin, acme/webhooks, ... match as well.
resource "aws_iam_role" "web_assets" {
  name = "gha-web-assets"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Action    = "sts:AssumeRoleWithWebIdentity"
        Principal = { Federated = local.github_oidc_arn }
        Condition = {
          StringEquals = {
            "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
          }
          StringLike = {
            "token.actions.githubusercontent.com:sub" = "repo:${local.repository}*"
          }
        }
      }
    ]
  })
}

resource "aws_iam_role_policy_attachment" "web_assets" {
  role       = aws_iam_role.web_assets.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonS3FullAccess"
}
