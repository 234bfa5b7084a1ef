// Tunnel Doctor on Azure: a user-assigned managed identity (the bot's Azure AND Bot Framework
// identity), the Azure Bot with its Teams channel, Azure Container Apps (two or more replicas),
// the Blob state store they share, and Log Analytics + Application Insights.
// Deploy:  az deployment group what-if  -g <rg> -f infra/main.bicep -p infra/main.bicepparam
//          az deployment group create   -g <rg> -f infra/main.bicep -p infra/main.bicepparam
// The custom roles that let the identity read (and fix) clusters are separate: infra/roles.bicep.
targetScope = 'resourceGroup'

@description('Azure region of the regional resources (the Azure Bot itself is global).')
param location string = resourceGroup().location

@description('Prefix of every resource name: lowercase letters, digits and hyphens.')
@minLength(3)
@maxLength(16)
param namePrefix string = 'tunnel-doctor'

@description('Container image of the bot, e.g. myregistry.azurecr.io/tunnel-doctor:1.0.0 (built with az acr build).')
param image string

@description('Name of an Azure Container Registry in this resource group to pull the image from with the managed identity (AcrPull is granted); empty when the image is public.')
param registryName string = ''

@description('Azure Bot pricing tier: F0 (free) or S1. Teams is a standard channel, free on both.')
@allowed([
  'F0'
  'S1'
])
param botSku string = 'F0'

@description('Bot name shown in Teams.')
param botDisplayName string = 'Tunnel Doctor'

@description('Comma-separated subscription ids to search for clusters (AZURE_SUBSCRIPTION_IDS); empty = every subscription the identity can read.')
param subscriptionIds string = ''

@description('Comma-separated Entra object ids of the people who may approve fixes (APPROVER_IDS); empty = nothing can be approved.')
param approverIds string = ''

@description('Comma-separated Entra object ids of the people who may request fixes (REQUESTER_IDS); empty = anyone in the bot\'s tenant.')
param requesterIds string = ''

@description('Log level of the bot (LOG_LEVEL).')
@allowed([
  'debug'
  'info'
  'warn'
  'error'
])
param logLevel string = 'info'

@description('Fewest replicas. Two or more: the instances share state through Blob Storage, so a button clicked on one finishes what another started.')
@minValue(1)
@maxValue(10)
param minReplicas int = 2

@description('Most replicas (HTTP scale rule: 50 concurrent requests per replica).')
@minValue(1)
@maxValue(30)
param maxReplicas int = 4

@description('Replication of the state storage account: Standard_LRS, or Standard_ZRS where the region has availability zones.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param storageSku string = 'Standard_LRS'

@description('Blob container for the bot state (STATE_BLOB_CONTAINER).')
@minLength(3)
@maxLength(63)
param stateContainerName string = 'tunnel-doctor-state'

@description('Days Log Analytics keeps the logs and telemetry.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

@description('Tags put on every resource.')
param tags object = {}

var suffix = uniqueString(resourceGroup().id, namePrefix)
// Storage account names: 3-24 lowercase letters and digits, unique across Azure.
var storageAccountName = take('${toLower(replace(namePrefix, '-', ''))}${suffix}', 24)
var allTags = union({ app: 'tunnel-doctor' }, tags)

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: '${namePrefix}-id'
    location: location
    tags: allTags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    workspaceName: '${namePrefix}-logs'
    appInsightsName: '${namePrefix}-ai'
    location: location
    retentionInDays: logRetentionDays
    tags: allTags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: storageAccountName
    location: location
    skuName: storageSku
    containerName: stateContainerName
    principalId: identity.outputs.principalId
    tags: allTags
  }
}

module registryPull 'modules/registry-pull.bicep' = if (!empty(registryName)) {
  name: 'registry-pull'
  params: {
    registryName: registryName
    principalId: identity.outputs.principalId
  }
}

module app 'modules/container-app.bicep' = {
  name: 'container-app'
  // The image pull needs AcrPull in place first.
  dependsOn: [
    registryPull
  ]
  params: {
    environmentName: '${namePrefix}-env'
    appName: namePrefix
    location: location
    image: image
    registryServer: empty(registryName) ? '' : '${toLower(registryName)}${environment().suffixes.acrLoginServer}'
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    tenantId: identity.outputs.tenantId
    workspaceName: monitoring.outputs.workspaceName
    appInsightsName: monitoring.outputs.appInsightsName
    stateBlobEndpoint: storage.outputs.blobEndpoint
    stateContainerName: storage.outputs.containerName
    subscriptionIds: subscriptionIds
    approverIds: approverIds
    requesterIds: requesterIds
    logLevel: logLevel
    minReplicas: minReplicas
    maxReplicas: maxReplicas
    tags: allTags
  }
}

module bot 'modules/bot.bicep' = {
  name: 'bot'
  params: {
    name: '${namePrefix}-${suffix}'
    displayName: botDisplayName
    sku: botSku
    messagingEndpoint: 'https://${app.outputs.fqdn}/api/messages'
    identityClientId: identity.outputs.clientId
    identityId: identity.outputs.id
    tenantId: identity.outputs.tenantId
    tags: allTags
  }
}

@description('Client id of the managed identity: BOT_ID for `npm run package` (the Teams app id) and MicrosoftAppId.')
output botId string = identity.outputs.clientId

@description('Object id of the managed identity: principalId for infra/roles.bicep.')
output identityPrincipalId string = identity.outputs.principalId

@description('https://<fqdn> of the bot; /readyz answers 200 when it is ready.')
output appUrl string = 'https://${app.outputs.fqdn}'

@description('The messaging endpoint registered on the Azure Bot.')
output messagingEndpoint string = bot.outputs.endpoint

@description('Name of the Azure Bot resource.')
output botName string = bot.outputs.name

@description('STATE_BLOB_ACCOUNT_URL the replicas share.')
output stateBlobAccountUrl string = storage.outputs.blobEndpoint
