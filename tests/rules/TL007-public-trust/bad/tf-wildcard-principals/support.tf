data "aws_iam_policy_document" "support_trust" {
  statement {
    sid     = "AnySupportEngineer"
    actions = ["sts:AssumeRole", "sts:TagSession"]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
  }
}

resource "aws_iam_role" "support" {
  name               = "customer-support-readonly"
  assume_role_policy = data.aws_iam_policy_document.support_trust.json
}

resource "aws_iam_role_policy_attachment" "support" {
  role       = aws_iam_role.support.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
