# A team's own wrapper: one deploy role per repository, trusted for the given subjects.
variable "repository" {
  description = "owner/name of the repository that deploys with this role"
  type        = string
}

variable "subjects" {
  description = "sub claims (after repo:OWNER/NAME:) allowed to assume the role"
  type        = list(string)
  default     = ["environment:production"]
}

variable "max_session_duration" {
  type    = number
  default = 3600
}

data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringLike"
      variable = "token.actions.githubusercontent.com:sub"
      values   = [for s in var.subjects : "repo:${var.repository}:${s}"]
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = "gha-${replace(var.repository, "/", "-")}"
  max_session_duration = var.max_session_duration
  assume_role_policy   = data.aws_iam_policy_document.trust.json
}
