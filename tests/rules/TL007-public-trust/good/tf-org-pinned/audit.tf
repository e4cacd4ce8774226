variable "organization_id" {
  description = "AWS Organizations id whose accounts may assume the audit role"
  type        = string
  default     = "o-a1b2c3d4e5"
}

data "aws_iam_policy_document" "org_audit_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalOrgID"
      values   = [var.organization_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:PrincipalArn"
      values   = ["arn:aws:iam::*:role/security-audit-*"]
    }
  }
}

resource "aws_iam_role" "org_audit" {
  name               = "org-security-audit"
  assume_role_policy = data.aws_iam_policy_document.org_audit_trust.json
}
