# "Temporary" role for the migration spike; the Condition block was never added.
resource "aws_iam_role" "migration_spike" {
  name = "gha-migration-spike"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "GitHubActions"
        Effect    = "Allow"
        Action    = "sts:AssumeRoleWithWebIdentity"
        Principal = { Federated = aws_iam_openid_connect_provider.github.arn }
      }
    ]
  })
}

resource "aws_iam_role_policy_attachment" "migration_spike" {
  role       = aws_iam_role.migration_spike.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonRDSFullAccess"
}
