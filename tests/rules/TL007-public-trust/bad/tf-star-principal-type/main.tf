locals {
  bucket_name = "acme-public-datasets"
}

# Lets researchers from partner accounts pull the datasets with their own credentials.
resource "aws_iam_role" "dataset_reader" {
  name               = "public-dataset-reader"
  assume_role_policy = data.aws_iam_policy_document.dataset_reader_trust.json
}

data "aws_iam_policy_document" "dataset_reader_trust" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["true"]
    }
  }
}

data "aws_iam_policy_document" "dataset_read" {
  statement {
    actions   = ["s3:GetObject", "s3:ListBucket"]
    resources = ["arn:aws:s3:::${local.bucket_name}", "arn:aws:s3:::${local.bucket_name}/*"]
  }
}

resource "aws_iam_role_policy" "dataset_read" {
  role   = aws_iam_role.dataset_reader.id
  policy = data.aws_iam_policy_document.dataset_read.json
}
