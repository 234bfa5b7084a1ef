// One role assignment at resource-group scope (roles.bicep calls it per resource group).

@description('ARM id of the role definition to assign.')
param roleDefinitionId string

@description('Object (principal) id of the bot\'s managed identity.')
param principalId string

resource assignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, roleDefinitionId)
  properties: {
    roleDefinitionId: roleDefinitionId
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

@description('ARM id of the assignment.')
output id string = assignment.id
