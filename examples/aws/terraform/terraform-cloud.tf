# HCP Terraform dynamic provider credentials for the networking workspace (apply runs only).
resource "aws_iam_openid_connect_provider" "tfc" {
  url             = "https://app.terraform.io"
  client_id_list  = ["aws.workload.identity"]
  thumbprint_list = ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"]
}

resource "aws_iam_role" "tfc_networking" {
  name = "tfc-networking-apply"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = aws_iam_openid_connect_provider.tfc.arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "app.terraform.io:aud" = one(aws_iam_openid_connect_provider.tfc.client_id_list)
          "app.terraform.io:sub" = "organization:acme:project:platform:workspace:networking-prod:run_phase:apply"
        }
      }
    }]
  })
}
