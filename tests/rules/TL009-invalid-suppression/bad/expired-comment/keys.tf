resource "aws_iam_user" "uploader" {
  name = "artifact-uploader"
}

# Kept while the uploader moves to OIDC.
# trustlint:ignore[TL006] reason="migration to OIDC tracked in INFRA-412" expires=2025-06-30
resource "aws_iam_access_key" "uploader" {
  user = aws_iam_user.uploader.name
}
