ci_members = [
  "principalSet://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/github-actions/attribute.repository_owner/acme",
]
