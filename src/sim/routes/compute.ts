/**
 * Compute: scale sets, their instances (synthesised from scenario nodes, `$expand=instanceView`
 * honoured) and run-command on an instance — a long-running operation that executes the script
 * against the node's simulated host, one at a time per VM, never on a stopped VM.
 */
import type { ScenarioNode } from '../../scenario/types.js';
import { ArmHttpError, badRequest, ok, resourceGroupNotFound, resourceNotFound } from '../arm-http.js';
import type { Estate } from '../estate.js';
import { runNodeScript } from '../host/run-script.js';
import { runCommandEnvelope, windowsRunCommandEnvelope } from '../run-command-envelope.js';
import { instanceView, scaleSetVm, vmssLocation } from '../vmss-synth.js';
import { idFromPath, page, param, RG, route, SUB, type Route, type RouteContext } from '../world.js';

const VMSS_TYPE = 'Microsoft.Compute/virtualMachineScaleSets';
const VMSS = `${RG}/providers/Microsoft.Compute/virtualMachineScaleSets/(?<vmss>[^/]+)`;
const VM = `${VMSS}/virtualMachines/(?<i>[^/]+)`;

export interface ScaleSetHit {
  estate: Estate;
  vmssId: string;
}

/** The estate serving a scale set: the one with the VMSS resource or with nodes in it. */
export function scaleSetOf(ctx: RouteContext): ScaleSetHit {
  const requested = idFromPath(ctx, 8);
  for (const estate of ctx.world.estates) {
    const resource = estate.resource(requested);
    if (resource) return { estate, vmssId: resource.id };
    const node = estate.nodesOf(requested)[0];
    if (node) return { estate, vmssId: node.vmss };
  }
  if (!ctx.world.estates.some((e) => e.hasResourceGroup(param(ctx, 'sub'), param(ctx, 'rg')))) throw resourceGroupNotFound(param(ctx, 'rg'));
  throw resourceNotFound(VMSS_TYPE, param(ctx, 'vmss'), param(ctx, 'rg'));
}

export function instanceOf(ctx: RouteContext): ScaleSetHit & { node: ScenarioNode } {
  const hit = scaleSetOf(ctx);
  const node = hit.estate.node(hit.vmssId, param(ctx, 'i'));
  if (!node) throw resourceNotFound(`${VMSS_TYPE}/${param(ctx, 'vmss')}/virtualMachines`, param(ctx, 'i'), param(ctx, 'rg'));
  return { ...hit, node };
}

function wantsInstanceView(ctx: RouteContext): boolean {
  return (ctx.query.get('$expand') ?? '').toLowerCase() === 'instanceview';
}

const SHELL_FOR: Record<string, 'Linux' | 'Windows'> = { runshellscript: 'Linux', runpowershellscript: 'Windows' };

/**
 * Run-command returns its result over the VM's own outbound connection (Learn, "Run scripts in your
 * Linux VM by using action Run Commands", Restrictions: "Outbound connectivity from the VM is
 * required to return the results of the script"; scripts may run up to 90 minutes and cannot be
 * cancelled). A public Azure endpoint on TCP 443 stands for AzureCloud:443 here: when the node
 * cannot reach it, the operation does not finish — it stays InProgress and keeps the VM busy — until
 * the path opens again (a fix), when the result is reported.
 */
const AZURE_CLOUD_HOST = 'management.azure.com';

function resultsReturn(ctx: RouteContext, estate: Estate, node: ScenarioNode): boolean {
  return ctx.world.oracle(estate).probe(node, AZURE_CLOUD_HOST, 443, 'tcp') === 'open';
}

function validateRunCommandBody(body: any): { commandId: string; script: string[]; parameters: Array<{ name: string; value: string }> } {
  if (typeof body !== 'object' || body === null || typeof body.commandId !== 'string') {
    throw badRequest('InvalidParameter', "Required parameter 'commandId' is missing (null).");
  }
  const script = body.script ?? [];
  if (!Array.isArray(script) || script.some((l: unknown) => typeof l !== 'string')) throw badRequest('InvalidParameter', "The value of parameter 'script' is invalid: expected an array of strings.");
  const parameters = body.parameters ?? [];
  if (!Array.isArray(parameters) || parameters.some((p: any) => typeof p?.name !== 'string' || typeof (p?.value ?? '') !== 'string')) {
    throw badRequest('InvalidParameter', "The value of parameter 'parameters' is invalid: expected [{ name, value }].");
  }
  return { commandId: body.commandId, script, parameters: parameters.map((p: any) => ({ name: p.name, value: p.value ?? '' })) };
}

export const computeRoutes: Route[] = [
  route('vmss.listAll', 'GET', `${SUB}/providers/Microsoft.Compute/virtualMachineScaleSets`, (ctx) =>
    page(ctx, ctx.world.estates.flatMap((e) => e.resourcesOfType(VMSS_TYPE, param(ctx, 'sub')))),
  ),
  route('vmss.list', 'GET', `${RG}/providers/Microsoft.Compute/virtualMachineScaleSets`, (ctx) => {
    const [sub, rg] = [param(ctx, 'sub'), param(ctx, 'rg')];
    if (!ctx.world.estates.some((e) => e.hasResourceGroup(sub, rg))) throw resourceGroupNotFound(rg);
    return page(ctx, ctx.world.estates.flatMap((e) => e.resourcesOfType(VMSS_TYPE, sub, rg)));
  }),
  route('vmss.get', 'GET', VMSS, (ctx) => ok(ctx.world.require(idFromPath(ctx, 8), VMSS_TYPE).resource)),
  route('vmss.vms.list', 'GET', `${VMSS}/virtualMachines`, (ctx) => {
    const { estate, vmssId } = scaleSetOf(ctx);
    return page(ctx, estate.nodesOf(vmssId).map((n) => scaleSetVm(estate, n, wantsInstanceView(ctx))));
  }),
  route('vmss.vm.get', 'GET', VM, (ctx) => {
    const { estate, node } = instanceOf(ctx);
    return ok(scaleSetVm(estate, node, wantsInstanceView(ctx)));
  }),
  route('vmss.vm.instanceView', 'GET', `${VM}/instanceView`, (ctx) => ok(instanceView(instanceOf(ctx).node))),
  route('vmss.vm.runCommand', 'POST', `${VM}/runCommand`, (ctx) => {
    const { estate, vmssId, node } = instanceOf(ctx);
    const { commandId, script, parameters } = validateRunCommandBody(ctx.body);
    const vmName = `${param(ctx, 'vmss')}_${node.instanceId}`;
    const shellOs = SHELL_FOR[commandId.toLowerCase()];
    if (!shellOs) throw new ArmHttpError(404, 'NotFound', `The entity was not found in this Azure location: run command '${commandId}'.`);
    if (shellOs !== node.osType) {
      throw new ArmHttpError(409, 'OperationNotAllowed', `Run command '${commandId}' is not supported for the ${node.osType} operating system of VM '${vmName}'.`);
    }
    const power = node.powerState.toLowerCase();
    if (power !== 'running') {
      throw new ArmHttpError(409, 'OperationNotAllowed', `Operation 'RunCommand' is not allowed on VM '${vmName}' since the VM is ${power === 'deallocated' ? 'deallocated' : 'not running'}.`);
    }
    const lockKey = `vm:${vmssId.toLowerCase()}/${node.instanceId}`;
    if (ctx.world.board.busy(lockKey)) {
      throw new ArmHttpError(409, 'Conflict', 'Run command extension execution is in progress. Please wait for completion before invoking a run command.');
    }
    ctx.world.stats.runCommands++;
    const op = ctx.world.board.start({
      estate,
      subscriptionId: param(ctx, 'sub'),
      provider: 'Microsoft.Compute',
      location: vmssLocation(estate, vmssId),
      durationMs: ctx.world.scaled(estate.latency.runCommandMs),
      lockKey,
      holdWhile: () => !resultsReturn(ctx, estate, node),
      work: () => {
        const result = runNodeScript(node, script, parameters, ctx.world.oracle(estate));
        const envelope = node.osType === 'Windows' ? windowsRunCommandEnvelope : runCommandEnvelope;
        return { result: { status: 200, body: envelope(result.stdout, result.stderr) } };
      },
    });
    return { status: 202, headers: ctx.world.board.headers(op, ctx.baseUrl, ctx.apiVersion) };
  }),
];
