# What the deploy roles may do once assumed.

resource "aws_iam_role_policy" "deploy_prod" {
  name = "deploy-payments-api"
  role = aws_iam_role.deploy_prod.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["ecs:UpdateService", "ecs:DescribeServices", "ecr:GetAuthorizationToken", "ecr:BatchGetImage"]
      Resource = "*"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "ci_readonly" {
  role       = aws_iam_role.ci_readonly.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

# Migrations run the schema tool, which creates its own task role: iam:PassRole on "*" lets
# whoever holds this role hand any role in the account to a task they start.
resource "aws_iam_policy" "migrations" {
  name = "payments-migrations"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = ["rds:ModifyDBCluster", "rds:DescribeDBClusters", "ecs:RunTask"], Resource = "*" },
      { Effect = "Allow", Action = "iam:PassRole", Resource = "*" },
    ]
  })
}

resource "aws_iam_role_policy_attachment" "migrations_prod" {
  role       = aws_iam_role.migrations_prod.name
  policy_arn = aws_iam_policy.migrations.arn
}
