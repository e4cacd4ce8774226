resource "aws_iam_access_key" "k[2J" {
  user = "ci]8;;http://evil"
}
