# Humans sign in through IAM Identity Center; this user only exists for the
# break-glass console login and has no access key.
resource "aws_iam_user" "breakglass" {
  name          = "breakglass-console"
  force_destroy = false
}

resource "aws_iam_user_login_profile" "breakglass" {
  user                    = aws_iam_user.breakglass.name
  password_reset_required = true
}

resource "aws_iam_role" "ci_uploader" {
  name = "gha-artifact-uploader"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
      Condition = {
        StringEquals = {
          "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
          "token.actions.githubusercontent.com:sub" = "repo:acme/buildfarm:ref:refs/heads/main"
        }
      }
    }]
  })
}
