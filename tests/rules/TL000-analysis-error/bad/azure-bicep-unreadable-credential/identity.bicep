param identityName string = 'id-image-builder'

var githubCredential = {
  issuer: 'https://token.actions.githubusercontent.com'
  audiences: [
    'api://AzureADTokenExchange'
  ]
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: identityName
  location: resourceGroup().location
}

resource imageBuilds 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = {
  parent: identity
  name: 'github-image-builds'
  properties: {
    ...githubCredential
    subject: 'repo:acme/images:ref:refs/heads/main'
  }
}
