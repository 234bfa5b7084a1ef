// Example parameters: copy, fill in, then
//   az deployment group what-if -g rg-tunnel-doctor -f infra/main.bicep -p infra/main.bicepparam
using './main.bicep'

param namePrefix = 'tunnel-doctor'
// Built and pushed with: az acr build -r <registry> -t tunnel-doctor:0.1.0 .
param image = '<registry>.azurecr.io/tunnel-doctor:0.1.0'
param registryName = '<registry>'
param botSku = 'F0'
param botDisplayName = 'Tunnel Doctor'
// Empty: every subscription the identity can read.
param subscriptionIds = ''
// Entra object ids (az ad user show --id <upn> --query id -o tsv), comma-separated.
param approverIds = '<approver-object-id>,<second-approver-object-id>'
param requesterIds = ''
param logLevel = 'info'
param minReplicas = 2
param maxReplicas = 4
param storageSku = 'Standard_LRS'
param stateContainerName = 'tunnel-doctor-state'
param logRetentionDays = 30
param tags = {
  owner: 'platform-team'
}
