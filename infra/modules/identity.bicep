// The bot's one identity: its Azure identity (DefaultAzureCredential picks it through AZURE_CLIENT_ID)
// AND its Bot Framework identity (Azure Bot msaAppType UserAssignedMSI, msaAppId = its client id):
// no app registration and no client secret to rotate.
// https://learn.microsoft.com/azure/bot-service/provision-and-publish-a-bot (user-assigned managed identity)

@description('Name of the user-assigned managed identity.')
param name string

@description('Azure region of the identity.')
param location string

@description('Tags for every resource.')
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

@description('ARM id of the identity (msaAppMSIResourceId, the container app identity).')
output id string = identity.id

@description('Client id: the bot\'s MicrosoftAppId, AZURE_CLIENT_ID and the Teams manifest BOT_ID.')
output clientId string = identity.properties.clientId

@description('Object (principal) id: what role assignments name.')
output principalId string = identity.properties.principalId

@description('Entra tenant of the identity (MicrosoftAppTenantId).')
output tenantId string = identity.properties.tenantId
