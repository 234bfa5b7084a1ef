/**
 * Scale-set instances and their NICs, synthesised from scenario nodes in the shapes
 * Compute (virtualMachineScaleSets/virtualMachines) and Network
 * (virtualMachineScaleSets/…/networkInterfaces) return them.
 */
import { createHash } from 'node:crypto';
import type { ArmResource, ScenarioNode } from '../scenario/types.js';
import type { Estate } from './estate.js';
import { nicConfigurationsOf, nodeNetwork, primaryOf, vmssName } from './node-network.js';

type Json = Record<string, any>;

/** A stable GUID from text, so a VM's vmId and a NIC's MAC stay the same between reads. */
function stableGuid(text: string): string {
  const h = createHash('sha256').update(text.toLowerCase()).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const POWER_STATE_TEXT: Record<string, string> = {
  running: 'VM running',
  deallocated: 'VM deallocated',
  deallocating: 'VM deallocating',
  stopped: 'VM stopped',
  stopping: 'VM stopping',
  starting: 'VM starting',
};

export function vmId(node: ScenarioNode): string {
  return `${node.vmss}/virtualMachines/${node.instanceId}`;
}

export function instanceView(node: ScenarioNode): Json {
  const power = node.powerState.toLowerCase();
  const time = '2026-11-25T09:00:00.0000000+00:00';
  const running = power === 'running';
  return {
    platformUpdateDomain: 0,
    platformFaultDomain: 0,
    computerName: node.computerName,
    osName: node.osType === 'Windows' ? 'Windows Server 2022 Datacenter' : 'ubuntu',
    osVersion: node.osType === 'Windows' ? '10.0.20348' : '22.04',
    vmAgent: {
      vmAgentVersion: node.osType === 'Windows' ? '2.7.41491.1102' : '2.11.1.12',
      statuses: running
        ? [{ code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Ready', message: 'Guest Agent is running', time }]
        : [{ code: 'ProvisioningState/Unavailable', level: 'Warning', displayStatus: 'Not Ready', message: 'VM status blob is found but not yet populated.', time }],
    },
    disks: [{ name: `${vmssName(node.vmss)}_${node.instanceId}_OsDisk_1`, statuses: [{ code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', time }] }],
    statuses: [
      { code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', time },
      { code: `PowerState/${power}`, level: 'Info', displayStatus: POWER_STATE_TEXT[power] ?? `VM ${power}` },
    ],
  };
}

export function nicIdOf(node: ScenarioNode, nicConfigName: string): string {
  return `${vmId(node)}/networkInterfaces/${nicConfigName}`;
}

export function scaleSetVm(estate: Estate, node: ScenarioNode, withInstanceView: boolean): Json {
  const vmss = estate.resource(node.vmss);
  const profile: Json = vmss?.properties?.virtualMachineProfile ?? {};
  const configs = nicConfigurationsOf(vmss);
  const primaryNic = primaryOf(configs);
  const nicNames = configs.length > 0 ? configs.map((c) => String(c.name)) : [vmssName(node.vmss)];
  const linux = node.osType === 'Linux';
  const properties: Json = {
    latestModelApplied: true,
    modelDefinitionApplied: 'VirtualMachineScaleSet',
    vmId: stableGuid(vmId(node)),
    hardwareProfile: { vmSize: String(vmss?.sku?.name ?? 'Standard_D4ds_v5') },
    storageProfile: {
      ...(profile.storageProfile?.imageReference ? { imageReference: profile.storageProfile.imageReference } : {}),
      osDisk: {
        osType: node.osType,
        name: `${vmssName(node.vmss)}_${node.instanceId}_OsDisk_1`,
        createOption: 'FromImage',
        caching: profile.storageProfile?.osDisk?.caching ?? 'ReadOnly',
        diskSizeGB: 128,
      },
      dataDisks: [],
    },
    osProfile: {
      computerName: node.computerName,
      adminUsername: profile.osProfile?.adminUsername ?? 'azureuser',
      ...(linux
        ? { linuxConfiguration: profile.osProfile?.linuxConfiguration ?? { disablePasswordAuthentication: true, provisionVMAgent: true } }
        : { windowsConfiguration: profile.osProfile?.windowsConfiguration ?? { provisionVMAgent: true, enableAutomaticUpdates: false } }),
      secrets: [],
      allowExtensionOperations: true,
      requireGuestProvisionSignal: true,
    },
    networkProfile: {
      networkInterfaces: nicNames.map((n) => ({ id: nicIdOf(node, n), ...(n === String(primaryNic?.name ?? nicNames[0]) ? { properties: { primary: true } } : {}) })),
    },
    networkProfileConfiguration: { networkInterfaceConfigurations: configs },
    provisioningState: 'Succeeded',
  };
  if (withInstanceView) properties.instanceView = instanceView(node);
  return {
    id: vmId(node),
    name: `${vmssName(node.vmss)}_${node.instanceId}`,
    type: 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines',
    location: vmss?.location ?? 'eastus',
    ...(vmss?.tags ? { tags: vmss.tags } : {}),
    instanceId: node.instanceId,
    sku: { name: String(vmss?.sku?.name ?? 'Standard_D4ds_v5'), tier: 'Standard' },
    properties,
  };
}

function macOf(text: string): string {
  const h = createHash('sha256').update(text.toLowerCase()).digest('hex').toUpperCase();
  return `00-22-48-${h.slice(0, 2)}-${h.slice(2, 4)}-${h.slice(4, 6)}`;
}

/** Every NIC of one instance, one per NIC configuration of the VMSS model. */
export function scaleSetNics(estate: Estate, node: ScenarioNode): Json[] {
  const vmss = estate.resource(node.vmss);
  const configs = nicConfigurationsOf(vmss);
  const net = nodeNetwork(estate, node);
  const list: Json[] = configs.length > 0 ? configs : [{ name: net.nicConfigName, properties: { primary: true, ipConfigurations: [{ name: net.ipConfigName, properties: { primary: true } }] } }];
  const primaryName = String(primaryOf(list)?.name);
  return list.map((config) => {
    const isPrimaryNic = String(config.name) === primaryName;
    const nicId = nicIdOf(node, String(config.name));
    const ipConfigs: Json[] = Array.isArray(config.properties?.ipConfigurations) ? config.properties.ipConfigurations : [];
    const primaryIpName = String(primaryOf(ipConfigs)?.name);
    const nic: Json = {
      id: nicId,
      name: String(config.name),
      etag: nicEtag(nicId),
      type: 'Microsoft.Network/networkInterfaces',
      location: vmss?.location ?? 'eastus',
      properties: {
        provisioningState: 'Succeeded',
        resourceGuid: stableGuid(nicId),
        ipConfigurations: ipConfigs.map((ipc) => {
          const p: Json = ipc.properties ?? {};
          const primaryIp = isPrimaryNic && String(ipc.name) === primaryIpName;
          const props: Json = {
            provisioningState: 'Succeeded',
            privateIPAllocationMethod: 'Dynamic',
            privateIPAddressVersion: p.privateIPAddressVersion ?? 'IPv4',
            primary: p.primary ?? primaryIp,
          };
          if (primaryIp) props.privateIPAddress = node.privateIp;
          if (p.subnet) props.subnet = { id: p.subnet.id };
          if (p.loadBalancerBackendAddressPools) props.loadBalancerBackendAddressPools = p.loadBalancerBackendAddressPools;
          if (p.loadBalancerInboundNatPools) props.loadBalancerInboundNatRules = [];
          if (p.applicationSecurityGroups) props.applicationSecurityGroups = p.applicationSecurityGroups;
          if (p.publicIPAddressConfiguration) props.publicIPAddress = { id: `${nicId}/ipConfigurations/${ipc.name}/publicIPAddresses/${p.publicIPAddressConfiguration.name}` };
          return { id: `${nicId}/ipConfigurations/${ipc.name}`, name: String(ipc.name), etag: nicEtag(nicId), properties: props };
        }),
        // Azure gives every NIC its VNet's internal DNS suffix, set or not (REST spec
        // NetworkInterfaceDnsSettings.internalDomainNameSuffix, readOnly: "a DNS entry is created for
        // the primary NIC of the VM"; example Microsoft.Network/stable/2024-07-01/examples/VmssNetworkInterfaceList.json).
        dnsSettings: { dnsServers: [], appliedDnsServers: [], internalDomainNameSuffix: internalDnsSuffixOf(vmss?.location ?? 'eastus', node.vmss) },
        macAddress: macOf(nicId),
        enableAcceleratedNetworking: config.properties?.enableAcceleratedNetworking ?? false,
        enableIPForwarding: config.properties?.enableIPForwarding ?? false,
        primary: isPrimaryNic,
        virtualMachine: { id: vmId(node) },
        nicType: 'Standard',
      },
    };
    const nsgId = config.properties?.networkSecurityGroup?.id;
    if (typeof nsgId === 'string') nic.properties.networkSecurityGroup = { id: nsgId };
    return nic;
  });
}

/** `<26 letters>.<2 letters>.internal.cloudapp.net`, as Azure forms it; the same for every NIC of a scale set. */
function internalDnsSuffixOf(location: string, vmssId: string): string {
  const h = createHash('sha256').update(vmssId.toLowerCase()).digest();
  const letters = [...h].map((b) => String.fromCharCode(97 + (b % 26))).join('');
  return `${letters.slice(0, 26)}.${location.slice(0, 2).toLowerCase() || 'bx'}.internal.cloudapp.net`;
}

function nicEtag(nicId: string): string {
  return `W/"${stableGuid(`${nicId}#etag`)}"`;
}

export function vmssLocation(estate: Estate, vmssId: string): string {
  const vmss: ArmResource | undefined = estate.resource(vmssId);
  return vmss?.location ?? 'eastus';
}
