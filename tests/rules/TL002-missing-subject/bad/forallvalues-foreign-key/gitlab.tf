resource "aws_iam_openid_connect_provider" "gitlab" {
  url             = "https://gitlab.com"
  client_id_list  = ["https://gitlab.com"]
  thumbprint_list = ["b3dd7606d2b5a8b4a13771dbecc9ee1cecafa38a"]
}

# Copied from the GitHub role and "adapted": the subject key still names GitHub's issuer.
# GitLab tokens never carry it, and ForAllValues over a missing key is true.
data "aws_iam_policy_document" "gitlab_deploy" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.gitlab.arn]
    }

    condition {
      test     = "StringEquals"
      variable = "gitlab.com:aud"
      values   = ["https://gitlab.com"]
    }

    condition {
      test     = "ForAllValues:StringLike"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:acme/*"]
    }
  }
}

resource "aws_iam_role" "gitlab_deploy" {
  name               = "gitlab-deploy"
  assume_role_policy = data.aws_iam_policy_document.gitlab_deploy.json
}
