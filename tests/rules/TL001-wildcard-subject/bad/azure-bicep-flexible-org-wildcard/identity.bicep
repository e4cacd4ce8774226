@description('Name of the identity the container build pushes with.')
param identityName string = 'id-container-registry-push'

@description('Which workflows may push: a claims matching pattern.')
param subjectPattern string = 'repo:acme/*'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2025-01-31-preview' = {
  name: identityName
  location: resourceGroup().location
}

// A flexible credential: claimsMatchingExpression instead of a subject.
resource acmeRepositories 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2025-01-31-preview' = {
  parent: identity
  name: 'acme-repositories'
  properties: {
    issuer: 'https://token.actions.githubusercontent.com'
    audiences: [
      'api://AzureADTokenExchange'
    ]
    claimsMatchingExpression: {
      languageVersion: 1
      value: format('claims[\'sub\'] matches \'{0}\'', subjectPattern)
    }
  }
}
