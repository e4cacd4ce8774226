targetScope = 'resourceGroup'

@description('Short name of the service; identity names are built from it.')
param service string = 'payments'

@description('GitHub organisation that owns the service repository.')
param githubOrganization string = 'acme'

param location string = resourceGroup().location

var repository = '${githubOrganization}/${service}'
var githubIssuer = 'https://token.actions.githubusercontent.com'

resource deployIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${service}-deploy-prod'
  location: location

  // Only the protected production environment may deploy.
  resource githubEnvironment 'federatedIdentityCredentials@2023-01-31' = {
    name: 'github-environment'
    properties: {
      issuer: githubIssuer
      subject: 'repo:${repository}:environment:production'
      audiences: [
        'api://AzureADTokenExchange'
      ]
    }
  }
}

resource migrateIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: format('id-{0}-migrate-prod', service)
  location: location
}

resource githubPullRequest 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = {
  parent: migrateIdentity
  name: 'github-pull-request'
  properties: {
    issuer: githubIssuer
    subject: 'repo:${repository}:pull_request'
    audiences: [
      'api://AzureADTokenExchange'
    ]
  }
}

output deployClientId string = deployIdentity.properties.clientId
output migrateClientId string = migrateIdentity.properties.clientId
