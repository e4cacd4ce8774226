# A trust on gitlab.com, while the organisation runs its own GitLab.
resource "aws_iam_role" "release" {
  name = "gitlab-release"
  assume_role_policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/gitlab.com" }
      Condition = {
        StringEquals = {
          "gitlab.com:aud" = "https://gitlab.com"
          "gitlab.com:sub" = "project_path:acme/release-tools:ref_type:tag:ref:v1.4.0"
        }
      }
    }]
  })
}
