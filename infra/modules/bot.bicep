// The Azure Bot registration and its Microsoft Teams channel. The bot's identity is the
// user-assigned managed identity (msaAppType UserAssignedMSI): MicrosoftAppId = its client id,
// no password. Azure Bot resources are global; new registrations cannot be MultiTenant.
// https://learn.microsoft.com/azure/bot-service/bot-service-quickstart-registration

@description('Name of the Azure Bot resource (globally unique handle).')
param name string

@description('Display name shown in Teams.')
param displayName string

@description('F0 (free, standard channels such as Teams are free anyway) or S1.')
@allowed([
  'F0'
  'S1'
])
param sku string

@description('https://<fqdn>/api/messages of the container app.')
param messagingEndpoint string

@description('Client id of the user-assigned managed identity (msaAppId).')
param identityClientId string

@description('ARM id of the user-assigned managed identity (msaAppMSIResourceId).')
param identityId string

@description('Entra tenant of the identity (msaAppTenantId).')
param tenantId string

@description('Tags for every resource.')
param tags object

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: name
  location: 'global'
  tags: tags
  kind: 'azurebot'
  sku: {
    name: sku
  }
  properties: {
    displayName: displayName
    endpoint: messagingEndpoint
    msaAppId: identityClientId
    msaAppType: 'UserAssignedMSI'
    msaAppMSIResourceId: identityId
    msaAppTenantId: tenantId
  }
}

resource teams 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: {
      isEnabled: true
    }
  }
}

@description('Name of the Azure Bot resource.')
output name string = bot.name

@description('The messaging endpoint the Bot Connector Service calls.')
output endpoint string = bot.properties.endpoint

@description('Name of the Teams channel resource.')
output teamsChannel string = teams.name
