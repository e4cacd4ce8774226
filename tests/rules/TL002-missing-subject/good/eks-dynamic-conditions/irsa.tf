variable "cluster_oidc_issuer_url" {
  type    = string
  default = "https://oidc.eks.us-east-1.amazonaws.com/id/A1B2C3D4E5F60718293A4B5C6D7E8F90"
}

variable "service_account" {
  type = object({ namespace = string, name = string })
  default = {
    namespace = "kube-system"
    name      = "external-dns"
  }
}

locals {
  issuer = replace(var.cluster_oidc_issuer_url, "https://", "")

  # One StringEquals condition per claim.
  irsa_conditions = {
    aud = "sts.amazonaws.com"
    sub = "system:serviceaccount:${var.service_account.namespace}:${var.service_account.name}"
  }
}

data "aws_iam_openid_connect_provider" "cluster" {
  url = var.cluster_oidc_issuer_url
}

data "aws_iam_policy_document" "external_dns_assume" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [data.aws_iam_openid_connect_provider.cluster.arn]
    }

    dynamic "condition" {
      for_each = local.irsa_conditions
      content {
        test     = "StringEquals"
        variable = "${local.issuer}:${condition.key}"
        values   = [condition.value]
      }
    }
  }
}

resource "aws_iam_role" "external_dns" {
  name               = "external-dns-irsa"
  assume_role_policy = data.aws_iam_policy_document.external_dns_assume.json
}
