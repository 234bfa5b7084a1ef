/**
 * Node pools as scale sets: listing them and their instances, and running a constant script
 * on one instance with run-command (RunShellScript / RunPowerShellScript).
 * Run-command rules this module copes with (https://learn.microsoft.com/azure/virtual-machines/linux/run-command#restrictions):
 * one run-command at a time per VM (409 Conflict otherwise), output cut to the last 4096 bytes
 * of stdout and of stderr, not possible on a stopped VM.
 */
import type { RunCommandResult, VirtualMachineScaleSet, VirtualMachineScaleSetVM } from '@azure/arm-compute';
import { expectArmType } from './arm-id.js';
import type { AzureLayer } from './clients.js';
import { isDeadlineAbort, lroOptions } from './clusters.js';
import { AzureError, isAzureError, toAzureError } from './errors.js';
import { RG, POLLS, type SdkPermission } from './operation-permission.js';

export interface ScaleSetInstance {
  vmssId: string;
  instanceId: string;
  /** ARM id of the instance (…/virtualMachineScaleSets/{vmss}/virtualMachines/{instanceId}). */
  id: string;
  computerName: string;
  osType: 'Linux' | 'Windows' | 'unknown';
  /** From instanceView PowerState/<x>: 'running' | 'deallocated' | 'stopped' | 'starting' | … | 'unknown'. */
  powerState: string;
  provisioningState: string;
}

export interface RunCommandOutput {
  stdout: string;
  stderr: string;
  /** True when stdout or stderr reached 4096 bytes: run-command kept only their tails. */
  truncated: boolean;
}

const VMSS_TYPE = 'Microsoft.Compute/virtualMachineScaleSets';
export const RUN_COMMAND_OUTPUT_LIMIT = 4096;

/** Attempts when the VM is busy with another run-command (409 Conflict) or Azure throttles (429). */
const RUN_COMMAND_ATTEMPTS = 5;

const SCALE_SETS_LIST = {
  operation: 'virtualMachineScaleSets.list',
  client: '@azure/arm-compute',
  request: `GET ${RG}/providers/Microsoft.Compute/virtualMachineScaleSets`,
  action: 'Microsoft.Compute/virtualMachineScaleSets/read',
  followUps: [],
  role: 'diagnose',
  why: 'listScaleSets: the node pools in the node resource group.',
} as const satisfies SdkPermission;

export async function listScaleSets(layer: AzureLayer, subscriptionId: string, resourceGroup: string): Promise<VirtualMachineScaleSet[]> {
  try {
    const out: VirtualMachineScaleSet[] = [];
    for await (const s of layer.compute(subscriptionId).virtualMachineScaleSets.list(resourceGroup)) out.push(s);
    return out;
  } catch (e) {
    throw toAzureError(e, `list the scale sets in resource group ${resourceGroup}`, SCALE_SETS_LIST.action);
  }
}

function instanceOf(vmssId: string, vm: VirtualMachineScaleSetVM): ScaleSetInstance {
  const statuses = vm.instanceView?.statuses ?? [];
  const power = statuses.map((s) => s.code ?? '').find((c) => c.startsWith('PowerState/'));
  const os = vm.storageProfile?.osDisk?.osType;
  return {
    vmssId,
    instanceId: vm.instanceId ?? '',
    id: vm.id ?? `${vmssId}/virtualMachines/${vm.instanceId ?? ''}`,
    computerName: vm.osProfile?.computerName ?? vm.instanceView?.computerName ?? '',
    osType: os === 'Linux' || os === 'Windows' ? os : 'unknown',
    powerState: power ? power.slice('PowerState/'.length).toLowerCase() : 'unknown',
    provisioningState: vm.provisioningState ?? 'unknown',
  };
}

const SCALE_SET_VMS_LIST = {
  operation: 'virtualMachineScaleSetVMs.list',
  client: '@azure/arm-compute',
  request: `GET ${RG}/providers/Microsoft.Compute/virtualMachineScaleSets/{vmScaleSetName}/virtualMachines`,
  action: 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines/read',
  followUps: [],
  role: 'diagnose',
  why: 'listScaleSetInstances: nodes with power state ($expand=instanceView).',
} as const satisfies SdkPermission;

/** Every instance of a scale set with its power state (one paged call with $expand=instanceView). */
export async function listScaleSetInstances(layer: AzureLayer, vmssId: string): Promise<ScaleSetInstance[]> {
  const p = expectArmType(vmssId, VMSS_TYPE);
  try {
    const out: ScaleSetInstance[] = [];
    for await (const vm of layer.compute(p.subscriptionId).virtualMachineScaleSetVMs.list(p.resourceGroup, p.name, { expand: 'instanceView' })) {
      out.push(instanceOf(vmssId, vm));
    }
    return out;
  } catch (e) {
    throw toAzureError(e, `list the instances of scale set ${p.name}`, SCALE_SET_VMS_LIST.action);
  }
}

/**
 * Splits the run-command message "Enable succeeded: \n[stdout]\n<out>\n[stderr]\n<err>" into
 * its two streams. The Linux extension prints exactly that, with nothing after stderr
 * (Azure/run-command-extension-linux, main/cmds.go: "\n[stdout]\n%s\n[stderr]\n%s"), so stderr is
 * taken as it stands, its own last newline included.
 */
export function parseRunCommandMessage(message: string): { stdout: string; stderr: string } {
  const outStart = message.indexOf('[stdout]\n');
  const errMarker = message.lastIndexOf('\n[stderr]\n');
  if (outStart < 0 || errMarker < outStart) return { stdout: message, stderr: '' };
  const stdout = message.slice(outStart + '[stdout]\n'.length, errMarker);
  const stderr = message.slice(errMarker + '\n[stderr]\n'.length);
  return { stdout, stderr };
}

export function runCommandOutputOf(result: RunCommandResult): RunCommandOutput {
  const messages = (result.value ?? []).map((s) => s.message ?? '');
  // Linux gives one status; Windows gives StdOut and StdErr as two (ComponentStatus/StdOut/succeeded …).
  const byCode = new Map((result.value ?? []).map((s) => [String(s.code ?? '').toLowerCase(), s.message ?? '']));
  const winOut = [...byCode.entries()].find(([code]) => code.includes('/stdout/'))?.[1];
  const winErr = [...byCode.entries()].find(([code]) => code.includes('/stderr/'))?.[1];
  const { stdout, stderr } = winOut !== undefined || winErr !== undefined ? { stdout: winOut ?? '', stderr: winErr ?? '' } : parseRunCommandMessage(messages.join('\n'));
  const truncated = Buffer.byteLength(stdout, 'utf8') >= RUN_COMMAND_OUTPUT_LIMIT || Buffer.byteLength(stderr, 'utf8') >= RUN_COMMAND_OUTPUT_LIMIT;
  return { stdout, stderr, truncated };
}

const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/**
 * Parameter values reach the script as data, never as code; still, only plain tokens (IPs, ports,
 * chain names, rule numbers) pass. Long enough for probe-kubelet's TARGETS: 1000 IPv4 addresses,
 * comma-separated, are at most 15,999 characters.
 */
const PARAMETER_VALUE = /^[A-Za-z0-9._:/,=@+-]{0,16384}$/;

function validateParameters(parameters: ReadonlyArray<{ name: string; value: string }>): void {
  for (const p of parameters) {
    if (!PARAMETER_NAME.test(p.name) || !PARAMETER_VALUE.test(p.value)) {
      throw new AzureError({
        code: 'InvalidParameter',
        message: `refused run-command parameter ${JSON.stringify(p.name)}=${JSON.stringify(p.value.slice(0, 80))}`,
        userMessage: `A value for the node script was refused (${p.name}): only plain addresses, ports and names can be passed.`,
      });
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A run-command that did not return within the deadline. Run-command needs the VM's outbound
 * connectivity to return results (Learn, "Run scripts in your Linux VM by using action Run
 * Commands", Restrictions: "Outbound connectivity from the VM is required to return the results of
 * the script"), so the likely cause is a node whose egress to AzureCloud on 443 is blocked.
 */
function noResultError(layer: AzureLayer, what: string, instanceId: string, vmss: string, cause: unknown): AzureError {
  const seconds = Math.round(layer.deadlines.runCommandMs / 1000);
  return new AzureError({
    code: 'RunCommandNoResult',
    message: `${what}: no result within ${seconds} s`,
    userMessage: `Instance ${instanceId} of ${vmss} returned no run-command result within ${seconds} s. Run-command returns results over the node's outbound HTTPS (TCP 443 to AzureCloud), so that path is probably blocked.`,
    cause,
  });
}

const SCALE_SET_VMS_RUN_COMMAND = {
  operation: 'virtualMachineScaleSetVMs.runCommand',
  client: '@azure/arm-compute',
  request: `POST ${RG}/providers/Microsoft.Compute/virtualMachineScaleSets/{vmScaleSetName}/virtualMachines/{instanceId}/runCommand`,
  action: 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines/runCommand/action',
  followUps: [...POLLS.compute],
  role: 'diagnose',
  why: 'runShellScript: the constant probe-kubelet / host-firewall / egress scripts; the ufw and iptables fixes run their constant scripts the same way.',
} as const satisfies SdkPermission;

/**
 * Runs a constant script on one scale-set instance and returns its output.
 * Retries while the VM is busy with another run-command (409 Conflict → code 'RunCommandBusy'
 * after the last attempt) and when throttled beyond the SDK's own retries (429, honouring Retry-After).
 */
export async function runShellScript(
  layer: AzureLayer,
  vmssId: string,
  instanceId: string,
  script: readonly string[],
  parameters: ReadonlyArray<{ name: string; value: string }> = [],
  opts: { windows?: boolean } = {},
): Promise<RunCommandOutput> {
  const p = expectArmType(vmssId, VMSS_TYPE);
  if (!/^\d{1,6}$/.test(instanceId)) {
    throw new AzureError({ code: 'InvalidInstanceId', message: `instance id ${JSON.stringify(instanceId)}`, userMessage: `"${instanceId}" is not a scale-set instance id (a number).` });
  }
  validateParameters(parameters);
  const what = `run a script on instance ${instanceId} of ${p.name}`;
  const input = { commandId: opts.windows ? 'RunPowerShellScript' : 'RunShellScript', script: [...script], parameters: parameters.map((x) => ({ name: x.name, value: x.value })) };
  // One deadline for the whole call, 409 retries included.
  const options = lroOptions(layer, layer.deadlines.runCommandMs);
  for (let attempt = 1; ; attempt++) {
    try {
      const poller = layer.compute(p.subscriptionId).virtualMachineScaleSetVMs.runCommand(p.resourceGroup, p.name, instanceId, input, options);
      return runCommandOutputOf(await poller.pollUntilDone({ abortSignal: options.abortSignal }));
    } catch (e) {
      if (isDeadlineAbort(e, options.abortSignal)) throw noResultError(layer, what, instanceId, p.name, e);
      const error = isAzureError(e) ? e : toAzureError(e, what, SCALE_SET_VMS_RUN_COMMAND.action);
      const busy = error.statusCode === 409 && error.code === 'Conflict';
      const throttled = error.statusCode === 429;
      if (!busy && !throttled) throw error;
      const busyError = () =>
        new AzureError({
          code: 'RunCommandBusy',
          statusCode: 409,
          message: `${what}: another run-command kept the VM busy after ${attempt} attempts`,
          userMessage: `Instance ${instanceId} of ${p.name} is still busy with another run-command after ${attempt} attempts. Try again in a few minutes.`,
          cause: e,
        });
      if (attempt >= RUN_COMMAND_ATTEMPTS) throw throttled ? error : busyError();
      const wait = throttled && error.retryAfterMs !== undefined ? error.retryAfterMs : layer.retryBaseMs * 2 ** (attempt - 1);
      await sleep(wait);
      // Out of time while the VM answered 409/429: busy or throttled, not a node that went silent.
      if (options.abortSignal.aborted) throw throttled ? error : busyError();
    }
  }
}

/** This module's SDK operations with their permissions, gathered by rbac-actions.ts into the roles' table. */
export const PERMISSIONS: readonly SdkPermission[] = [SCALE_SETS_LIST, SCALE_SET_VMS_LIST, SCALE_SET_VMS_RUN_COMMAND];
