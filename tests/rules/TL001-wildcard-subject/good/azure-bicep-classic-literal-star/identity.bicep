resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-release-signing'
  location: resourceGroup().location
}

// A classic credential matches its subject exactly: the '*' is a literal character, so
// this admits no token at all (GitHub never issues such a subject) and is no wildcard.
resource anyRepository 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = {
  parent: identity
  name: 'github-any-repository'
  properties: {
    issuer: 'https://token.actions.githubusercontent.com'
    subject: 'repo:acme/*'
    audiences: [
      'api://AzureADTokenExchange'
    ]
  }
}
