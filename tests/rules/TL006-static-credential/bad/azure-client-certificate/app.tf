resource "azuread_application" "agent" {
  display_name = "build-agent"
}

resource "azuread_application_certificate" "agent" {
  application_id = azuread_application.agent.id
  type           = "AsymmetricX509Cert"
  value          = file("${path.module}/agent.pem")
  end_date       = "2028-01-01T00:00:00Z"
}
