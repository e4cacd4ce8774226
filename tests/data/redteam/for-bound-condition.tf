variable "env" {}
resource "aws_iam_role" "r" {
  name = "r"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [for e in ["dev", "prod"] : e == var.env ? (e == "dev" ? {
      Effect = "Allow"
      Action = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = aws_iam_openid_connect_provider.gh.arn }
      Condition = {
        StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }
        StringLike = { "token.actions.githubusercontent.com:sub" = "repo:acme/*" }
      }
    } : {
      Effect = "Deny"
      Action = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = aws_iam_openid_connect_provider.gh.arn }
    }) : {
      Effect = "Allow"
      Action = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = aws_iam_openid_connect_provider.gh.arn }
      Condition = {
        StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com", "token.actions.githubusercontent.com:sub" = "repo:acme/app:ref:refs/heads/main" }
      }
    }]
  })
}
resource "aws_iam_openid_connect_provider" "gh" {
  url = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}
