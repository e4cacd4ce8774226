variable "open" {}
resource "aws_iam_role" "r" {
  name = "r"
  assume_role_policy = <<JSON
{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
 "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
 "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
   "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/%{ if var.open ~}
*%{ else }app:ref:refs/heads/main%{ endif }"}}}]}
JSON
}
