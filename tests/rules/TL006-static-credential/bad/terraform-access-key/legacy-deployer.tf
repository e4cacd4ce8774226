# Kept "just in case" after the move to GitHub OIDC.
resource "aws_iam_user" "deployer" {
  name = "legacy-deployer"
  path = "/ci/"

  tags = {
    Team = "platform"
  }
}

resource "aws_iam_user_policy_attachment" "deployer" {
  user       = aws_iam_user.deployer.name
  policy_arn = "arn:aws:iam::aws:policy/PowerUserAccess"
}

resource "aws_iam_access_key" "deployer" {
  user    = aws_iam_user.deployer.name
  pgp_key = "keybase:acme_ops"
}

output "deployer_access_key_id" {
  value = aws_iam_access_key.deployer.id
}

output "deployer_secret" {
  value     = aws_iam_access_key.deployer.encrypted_secret
  sensitive = true
}
