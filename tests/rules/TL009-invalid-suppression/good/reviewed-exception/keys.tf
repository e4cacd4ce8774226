resource "aws_iam_user" "vendor" {
  name = "vendor-sync"
}

resource "aws_iam_access_key" "vendor" { # trustlint:ignore[TL006] reason="vendor has no OIDC support; key rotated monthly" expires=2027-01-31
  user = aws_iam_user.vendor.name
}
