locals {
  cluster_name = "payments-eu"
  # Issuer of the cluster's service account tokens, without the scheme.
  oidc_issuer = "oidc.eks.eu-west-1.amazonaws.com/id/5C3A1B2D4E5F60718293A4B5C6D7E8F9"
  namespace   = "payments"
}

resource "aws_iam_openid_connect_provider" "eks" {
  url             = "https://${local.oidc_issuer}"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"]
}

data "aws_iam_policy_document" "payments_irsa" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    effect  = "Allow"

    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.eks.arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }

    # Every service account of the namespace, including ones created later.
    condition {
      test     = "StringLike"
      variable = "${local.oidc_issuer}:sub"
      values   = ["system:serviceaccount:${local.namespace}:*"]
    }
  }
}

resource "aws_iam_role" "payments_irsa" {
  name               = "${local.cluster_name}-payments-irsa"
  assume_role_policy = data.aws_iam_policy_document.payments_irsa.json
}
