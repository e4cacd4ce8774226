resource "aws_iam_role" "r" {
  assume_role_policy = jsonencode({
    Statement = [{
