variable "policy" {}
variable "subject" {}
variable "issuer" {}
variable "pool" {}
resource "aws_iam_role" "from_var" {
  name               = "from-var"
  assume_role_policy = var.policy
}
resource "aws_iam_role" "templated" {
  name               = "templated"
  assume_role_policy = templatefile("${path.module}/missing.json.tpl", {})
}
resource "azurerm_federated_identity_credential" "fic" {
  name                = "fic"
  resource_group_name = "rg"
  parent_id           = azurerm_user_assigned_identity.id.id
  audience            = ["api://AzureADTokenExchange"]
  issuer              = var.issuer
  subject             = var.subject
}
resource "azurerm_user_assigned_identity" "id" {
  name                = "id"
  resource_group_name = "rg"
  location            = "westeurope"
}
resource "google_iam_workload_identity_pool_provider" "p" {
  workload_identity_pool_id          = var.pool
  workload_identity_pool_provider_id = "p"
  attribute_mapping = { "google.subject" = "assertion.sub" }
  oidc { issuer_uri = "https://token.actions.githubusercontent.com" }
}
