// The Blob state store several bot instances share (approvals, reports, audit log, watch leases).
// Shared keys are off: the bot reaches it with its managed identity (STATE_BLOB_ACCOUNT_URL +
// DefaultAzureCredential), authorised by Storage Blob Data Contributor on this account.

@description('Name of the storage account (3-24 lowercase letters and digits, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Replication, e.g. Standard_LRS or Standard_ZRS (where the region has zones).')
param skuName string

@description('Blob container holding the bot state (STATE_BLOB_CONTAINER).')
param containerName string

@description('Object (principal) id of the bot\'s managed identity.')
param principalId string

@description('Tags for every resource.')
param tags object

// Built-in role "Storage Blob Data Contributor": read, write, delete and lease blobs.
// https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/storage#storage-blob-data-contributor
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource account 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: account
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource container 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = {
  parent: blobService
  name: containerName
  properties: {
    publicAccess: 'None'
  }
}

resource blobDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: account
  name: guid(account.id, principalId, storageBlobDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

@description('Blob endpoint, e.g. https://<account>.blob.core.windows.net/ (STATE_BLOB_ACCOUNT_URL).')
output blobEndpoint string = account.properties.primaryEndpoints.blob

@description('Name of the blob container.')
output containerName string = container.name
