variable "tfc_hostname" {
  type    = string
  default = "app.terraform.io"
}

variable "tfc_organization" {
  type    = string
  default = "acme"
}

variable "tfc_project" {
  type    = string
  default = "platform"
}

resource "aws_iam_openid_connect_provider" "tfc" {
  url             = "https://${var.tfc_hostname}"
  client_id_list  = ["aws.workload.identity"]
  thumbprint_list = ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"]
}

# Dynamic provider credentials for every workspace of the platform project.
resource "aws_iam_role" "tfc_platform" {
  name = "tfc-platform-apply"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = aws_iam_openid_connect_provider.tfc.arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "${var.tfc_hostname}:aud" = one(aws_iam_openid_connect_provider.tfc.client_id_list)
        }
        StringLike = {
          "${var.tfc_hostname}:sub" = "organization:${var.tfc_organization}:project:${var.tfc_project}:workspace:*:run_phase:apply"
        }
      }
    }]
  })
}
