param identityName string = 'id-docs-publisher'

@description('Audiences the GitHub token must carry.')
param audiences array = [
  'https://github.com/acme'
]

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: identityName
  location: resourceGroup().location
}

resource githubDocsMain 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = {
  name: '${identity.name}/github-docs-main'
  properties: {
    issuer: 'https://token.actions.githubusercontent.com'
    subject: 'repo:acme/docs:ref:refs/heads/main'
    audiences: audiences
  }
  dependsOn: [
    identity
  ]
}
