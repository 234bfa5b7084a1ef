// Azure Container Apps: one environment and the bot's app. External HTTPS ingress to port 3978
// (the Bot Connector Service calls https://<fqdn>/api/messages), the user-assigned identity
// attached, probes on /healthz (alive) and /readyz (Azure layer and state store reachable), and
// at least two replicas sharing the Blob state store.

@description('Name of the Container Apps environment.')
param environmentName string

@description('Name of the container app.')
param appName string

@description('Azure region.')
param location string

@description('Container image, e.g. myregistry.azurecr.io/tunnel-doctor:1.0.0.')
param image string

@description('Login server of the registry the image is pulled from with the managed identity (AcrPull), or empty for a public image.')
param registryServer string

@description('ARM id of the bot\'s user-assigned managed identity.')
param identityId string

@description('Client id of that identity.')
param identityClientId string

@description('Entra tenant of that identity.')
param tenantId string

@description('Log Analytics workspace receiving the container logs.')
param workspaceName string

@description('Application Insights component receiving traces and metrics.')
param appInsightsName string

@description('Blob endpoint of the state account.')
param stateBlobEndpoint string

@description('Blob container of the state.')
param stateContainerName string

@description('Comma-separated subscription ids to search for clusters; empty = every subscription the identity can read.')
param subscriptionIds string

@description('Comma-separated Entra object ids allowed to approve fixes.')
param approverIds string

@description('Comma-separated Entra object ids allowed to request fixes; empty = anyone in an allowed tenant.')
param requesterIds string

@description('debug, info, warn or error.')
param logLevel string

@description('Fewest replicas (2 or more: one can restart while the other answers).')
param minReplicas int

@description('Most replicas.')
param maxReplicas int

@description('Tags for every resource.')
param tags object

// The port src/config.ts reads from PORT (default 3978) and the Bot Framework samples use.
var port = 3978

// Pulled with the managed identity (AcrPull), no registry password; none for a public image.
var registries = empty(registryServer) ? [] : [
  {
    server: registryServer
    identity: identityId
  }
]

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: workspaceName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource managedEnvironment 'Microsoft.App/managedEnvironments@2025-01-01' = {
  name: environmentName
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: workspace.properties.customerId
        sharedKey: workspace.listKeys().primarySharedKey
      }
    }
  }
}

resource app 'Microsoft.App/containerApps@2025-01-01' = {
  name: appName
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    managedEnvironmentId: managedEnvironment.id
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        targetPort: port
        transport: 'http'
        allowInsecure: false
        traffic: [
          {
            latestRevision: true
            weight: 100
          }
        ]
      }
      registries: registries
      secrets: [
        {
          name: 'appinsights-connection-string'
          value: appInsights.properties.ConnectionString
        }
      ]
    }
    template: {
      containers: [
        {
          name: 'tunnel-doctor'
          image: image
          resources: {
            cpu: json('0.5')
            memory: '1Gi'
          }
          // Names and meanings: src/config.ts and .env.example (test/deploy/infra.test.ts holds them equal).
          env: [
            { name: 'PORT', value: string(port) }
            { name: 'LOG_LEVEL', value: logLevel }
            { name: 'AZURE_MODE', value: 'azure' }
            { name: 'AZURE_SUBSCRIPTION_IDS', value: subscriptionIds }
            // DefaultAzureCredential picks this user-assigned identity (not a system-assigned one).
            { name: 'AZURE_CLIENT_ID', value: identityClientId }
            { name: 'MicrosoftAppId', value: identityClientId }
            { name: 'MicrosoftAppType', value: 'UserAssignedMSI' }
            { name: 'MicrosoftAppTenantId', value: tenantId }
            { name: 'STATE_STORE', value: 'blob' }
            { name: 'STATE_BLOB_ACCOUNT_URL', value: stateBlobEndpoint }
            { name: 'STATE_BLOB_CONTAINER', value: stateContainerName }
            { name: 'APPROVER_IDS', value: approverIds }
            { name: 'REQUESTER_IDS', value: requesterIds }
            { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', secretRef: 'appinsights-connection-string' }
          ]
          probes: [
            {
              type: 'Liveness'
              httpGet: {
                path: '/healthz'
                port: port
              }
              initialDelaySeconds: 5
              periodSeconds: 10
              failureThreshold: 3
            }
            {
              type: 'Readiness'
              httpGet: {
                path: '/readyz'
                port: port
              }
              initialDelaySeconds: 5
              periodSeconds: 10
              failureThreshold: 3
            }
          ]
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: [
          {
            name: 'http-requests'
            http: {
              metadata: {
                concurrentRequests: '50'
              }
            }
          }
        ]
      }
    }
  }
}

@description('Host name of the app, e.g. tunnel-doctor.<hash>.<region>.azurecontainerapps.io.')
output fqdn string = app.properties.configuration.ingress.fqdn
