data "aws_caller_identity" "current" {}

variable "repository" {
  type    = string
  default = "acme/reports"
}

resource "aws_iam_role" "reports" {
  name               = "gha-reports"
  assume_role_policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Effect": "Allow",
          "Principal": {
            "Federated": "arn:aws:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/token.actions.githubusercontent.com"
          },
          "Action": "sts:AssumeRoleWithWebIdentity",
          "Condition": {
            "StringEquals": {
              "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
              "token.actions.githubusercontent.com:sub": "repo:${var.repository}:ref:refs/heads/main"
            }
          }
        }
      ]
    }
  EOT
}
