# Lets any workflow of the organisation pull cached build artifacts.
data "aws_iam_policy_document" "artifacts_reader_trust" {
  statement {
    sid     = "GitHubActions"
    effect  = "Allow"
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

resource "aws_iam_role" "artifacts_reader" {
  name               = "gha-artifacts-reader"
  assume_role_policy = data.aws_iam_policy_document.artifacts_reader_trust.json
}

data "aws_iam_policy_document" "artifacts_read" {
  statement {
    actions   = ["s3:GetObject", "s3:ListBucket"]
    resources = ["arn:aws:s3:::${var.artifact_bucket}", "arn:aws:s3:::${var.artifact_bucket}/*"]
  }
}

resource "aws_iam_role_policy" "artifacts_read" {
  name   = "artifacts-read"
  role   = aws_iam_role.artifacts_reader.id
  policy = data.aws_iam_policy_document.artifacts_read.json
}
