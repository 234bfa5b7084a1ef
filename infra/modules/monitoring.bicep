// Log Analytics (container logs, Application Insights data) and a workspace-based Application
// Insights component: the bot exports its OpenTelemetry traces and metrics there when
// APPLICATIONINSIGHTS_CONNECTION_STRING is set. (Classic, non-workspace components are retired.)

@description('Name of the Log Analytics workspace.')
param workspaceName string

@description('Name of the Application Insights component.')
param appInsightsName string

@description('Azure region.')
param location string

@description('Days Log Analytics keeps data (30 is included in the PerGB2018 price).')
@minValue(30)
@maxValue(730)
param retentionInDays int

@description('Tags for every resource.')
param tags object

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
  }
}

@description('Name of the workspace (the Container Apps environment sends its logs there).')
output workspaceName string = workspace.name

@description('Name of the Application Insights component.')
output appInsightsName string = appInsights.name
