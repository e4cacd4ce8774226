param includePr bool = false
var all = ['environment:production', 'pull_request']
var events = [for e in all: if (includePr || e != 'pull_request') e]
resource prod 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-prod'
  location: 'westeurope'
}
resource fics 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = [for (e, i) in events: {
  parent: prod
  name: 'f${i}'
  properties: {
    issuer: 'https://token.actions.githubusercontent.com'
    subject: 'repo:acme/app:${e}'
    audiences: ['api://AzureADTokenExchange']
  }
}]
