// Lets the bot's managed identity pull its image from an Azure Container Registry in this
// resource group (built-in role AcrPull), so the container app needs no registry password.

@description('Name of the existing Azure Container Registry (in this resource group).')
param registryName string

@description('Object (principal) id of the bot\'s managed identity.')
param principalId string

// Built-in role "AcrPull".
// https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/containers#acrpull
var acrPull = '7f951dda-4ed3-4680-a7ca-43fe172d538d'

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {
  name: registryName
}

resource pull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: registry
  name: guid(registry.id, principalId, acrPull)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrPull)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

@description('Login server of the registry, e.g. myregistry.azurecr.io.')
output loginServer string = registry.properties.loginServer
