variable "a" {}
variable "b" {}
variable "c" {}
variable "d" {}
resource "aws_iam_role" "r" {
  name = var.a ? "x" : "y"
  max_session_duration = var.b ? 3600 : 43200

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect = "Allow"
      Action = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
      Condition = {
        StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com", "token.actions.githubusercontent.com:sub" = var.d ? "repo:acme/app:ref:refs/heads/main" : "repo:acme/app:ref:refs/heads/dev" }
      }
    }]
  })
}
