variable "repository" {
  type    = string
  default = "acme/search-indexer"
}

data "aws_caller_identity" "current" {}

# Reindex jobs may run from any branch ("so feature branches can test against real data").
resource "aws_iam_role" "reindex" {
  name               = "gha-search-reindex"
  assume_role_policy = <<-EOF
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
              "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"
            },
            "StringLike": {
              "token.actions.githubusercontent.com:sub": "repo:${var.repository}:ref:refs/heads/*"
            }
          }
        }
      ]
    }
  EOF
}
