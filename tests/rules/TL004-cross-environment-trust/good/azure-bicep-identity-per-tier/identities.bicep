var githubIssuer = 'https://token.actions.githubusercontent.com'
var repository = 'acme/orders'

@description('Deployment tiers, each with its own identity and GitHub environment.')
param tiers array = [
  {
    name: 'prod'
    environment: 'production'
  }
  {
    name: 'staging'
    environment: 'staging'
  }
]

resource identities 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = [for tier in tiers: {
  name: 'id-orders-deploy-${tier.name}'
  location: resourceGroup().location
  tags: {
    Environment: tier.environment
  }
}]

// Each tier's identity trusts only that tier's protected environment.
@batchSize(1)
resource environmentCredentials 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = [for (tier, i) in tiers: {
  parent: identities[i]
  name: 'github-${tier.environment}'
  properties: {
    issuer: githubIssuer
    subject: 'repo:${repository}:environment:${tier.environment}'
    audiences: [
      'api://AzureADTokenExchange'
    ]
  }
}]

resource pullRequestIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-orders-preview-dev'
  location: resourceGroup().location
  tags: {
    Environment: 'dev'
  }

  resource pullRequests 'federatedIdentityCredentials' = {
    name: 'github-pull-requests'
    properties: {
      issuer: githubIssuer
      subject: 'repo:${repository}:pull_request'
      audiences: [
        'api://AzureADTokenExchange'
      ]
    }
  }
}
