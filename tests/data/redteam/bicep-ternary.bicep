param usePr bool = false
resource prod 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-prod'
  location: 'westeurope'
}
resource ficEnv 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = {
  parent: prod
  name: 'env'
  properties: {
    issuer: 'https://token.actions.githubusercontent.com'
    subject: 'repo:acme/app:environment:production'
    audiences: ['api://AzureADTokenExchange']
  }
}
resource ficPr 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = {
  parent: prod
  name: 'pr'
  properties: {
    issuer: 'https://token.actions.githubusercontent.com'
    subject: usePr ? 'repo:acme/app:pull_request' : 'repo:acme/app:environment:production'
    audiences: ['api://AzureADTokenExchange']
  }
}
