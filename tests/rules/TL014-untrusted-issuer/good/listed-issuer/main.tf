# A trust on the organisation's own GitLab.
resource "aws_iam_role" "release" {
  name = "gitlab-release"
  assume_role_policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/gitlab.acme.example" }
      Condition = {
        StringEquals = {
          "gitlab.acme.example:aud" = "https://gitlab.acme.example"
          "gitlab.acme.example:sub" = "project_path:acme/release-tools:ref_type:tag:ref:v1.4.0"
        }
      }
    }]
  })
}
