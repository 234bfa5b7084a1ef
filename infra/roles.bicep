// The two least-privilege custom roles and their assignment to the bot's managed identity.
// Actions come from infra/roles/*.json (the files `az role definition create` takes too), so the
// Bicep and the CLI path create the same roles; test/deploy/role-coverage.test.ts checks those
// files against every Azure SDK operation the code calls.
//   az deployment sub create -l <region> -f infra/roles.bicep -p principalId=<identityPrincipalId>
// Needs Owner or User Access Administrator (roleDefinitions/write, roleAssignments/write).
targetScope = 'subscription'

@description('Object (principal) id of the bot\'s managed identity: the identityPrincipalId output of main.bicep.')
param principalId string

@description('Assign at these resource groups (the cluster\'s, its node resource group MC_…, and any holding a custom VNet, NSG or route table). Empty: at the whole subscription.')
param resourceGroupNames array = []

@description('Also assign the remediate role (the bot may then apply approved fixes). false: diagnosis only.')
param assignRemediate bool = true

var diagnose = loadJsonContent('roles/tunnel-doctor-diagnose.json')
var remediate = loadJsonContent('roles/tunnel-doctor-remediate.json')

resource diagnoseRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, 'tunnel-doctor-diagnose')
  properties: {
    roleName: diagnose.Name
    description: diagnose.Description
    type: 'CustomRole'
    permissions: [
      {
        actions: diagnose.Actions
        notActions: diagnose.NotActions
        dataActions: diagnose.DataActions
        notDataActions: diagnose.NotDataActions
      }
    ]
    // The JSON's placeholder scope is replaced by this subscription.
    assignableScopes: [
      subscription().id
    ]
  }
}

resource remediateRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, 'tunnel-doctor-remediate')
  properties: {
    roleName: remediate.Name
    description: remediate.Description
    type: 'CustomRole'
    permissions: [
      {
        actions: remediate.Actions
        notActions: remediate.NotActions
        dataActions: remediate.DataActions
        notDataActions: remediate.NotDataActions
      }
    ]
    assignableScopes: [
      subscription().id
    ]
  }
}

resource diagnoseAtSubscription 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (empty(resourceGroupNames)) {
  name: guid(subscription().id, principalId, diagnoseRole.id)
  properties: {
    roleDefinitionId: diagnoseRole.id
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource remediateAtSubscription 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (empty(resourceGroupNames) && assignRemediate) {
  name: guid(subscription().id, principalId, remediateRole.id)
  properties: {
    roleDefinitionId: remediateRole.id
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

module diagnoseAtResourceGroups 'modules/role-assignment-rg.bicep' = [
  for rg in resourceGroupNames: {
    name: 'td-diagnose-${uniqueString(rg)}'
    scope: resourceGroup(rg)
    params: {
      roleDefinitionId: diagnoseRole.id
      principalId: principalId
    }
  }
]

module remediateAtResourceGroups 'modules/role-assignment-rg.bicep' = [
  for rg in (assignRemediate ? resourceGroupNames : []): {
    name: 'td-remediate-${uniqueString(rg)}'
    scope: resourceGroup(rg)
    params: {
      roleDefinitionId: remediateRole.id
      principalId: principalId
    }
  }
]

@description('ARM id of the diagnose role definition.')
output diagnoseRoleId string = diagnoseRole.id

@description('ARM id of the remediate role definition.')
output remediateRoleId string = remediateRole.id
