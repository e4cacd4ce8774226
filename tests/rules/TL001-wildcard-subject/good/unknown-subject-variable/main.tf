# Reusable module: the caller passes the exact subject.
variable "subject" {
  description = "Exact sub claim of the workflow allowed to assume the role"
  type        = string
}

variable "role_name" {
  type = string
}

variable "oidc_provider_arn" {
  type = string
}

resource "aws_iam_role" "this" {
  name = var.role_name
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = var.oidc_provider_arn }
      Condition = {
        StringEquals = {
          "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
        }
        StringLike = {
          "token.actions.githubusercontent.com:sub" = var.subject
        }
      }
    }]
  })
}

output "role_arn" {
  value = aws_iam_role.this.arn
}
