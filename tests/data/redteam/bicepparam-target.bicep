param subject string = 'repo:acme/app:environment:production'
resource prod 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-prod'
  location: 'westeurope'
  resource env 'federatedIdentityCredentials' = {
    name: 'env'
    properties: {
      issuer: 'https://token.actions.githubusercontent.com'
      subject: 'repo:acme/app:environment:production'
      audiences: ['api://AzureADTokenExchange']
    }
  }
}
resource pr 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = {
  parent: prod
  name: 'pr'
  properties: {
    issuer: 'https://token.actions.githubusercontent.com'
    subject: subject
    audiences: ['api://AzureADTokenExchange']
  }
}
