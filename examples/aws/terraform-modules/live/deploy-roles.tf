locals {
  repositories = {
    "acme/checkout" = ["environment:production"]
    "acme/search"   = ["environment:production", "ref:refs/heads/*"]
  }
}

# One role per repository through the team's module.
module "deploy_role" {
  source   = "../modules/github-deploy-role"
  for_each = local.repositories

  repository = each.key
  subjects   = each.value
}

# The docs site uses the community module; its subjects list is too broad.
module "docs_role" {
  source  = "terraform-aws-modules/iam/aws//modules/iam-github-oidc-role"
  version = "~> 5.0"

  name                 = "gha-docs-publisher"
  subjects             = ["acme/docs:*"]
  max_session_duration = 7200
}
