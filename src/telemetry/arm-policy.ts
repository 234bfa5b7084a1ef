/**
 * An Azure SDK pipeline policy that traces and counts every HTTP request to ARM: one CLIENT span per
 * attempt (a child of whatever span is active: the diagnosis), the ARM request counter by status
 * class, and the run-command counter. Added per retry (core-rest-pipeline position 'perRetry') so
 * each attempt that reaches ARM is one span and one count, as ARM's own request log would show.
 *
 * Only method, path and status are recorded: never headers (the bearer token) or bodies, and not
 * the query string (it carries paging tokens).
 */
import { context, SpanKind, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { Telemetry } from './telemetry.js';
import { ATTR, type RunCommandKind } from './instruments.js';

export const ARM_TELEMETRY_POLICY = 'tunnelDoctorArmTelemetryPolicy';

// POST .../Microsoft.Compute/virtualMachineScaleSets/{vmss}/virtualMachines/{id}/runCommand
const VMSS_RUN_COMMAND = /\/providers\/Microsoft\.Compute\/virtualMachineScaleSets\/[^/]+\/virtualMachines\/[^/]+\/runCommand$/i;
// POST .../Microsoft.ContainerService/managedClusters/{name}/runCommand (AKS command invoke)
const AKS_COMMAND_INVOKE = /\/providers\/Microsoft\.ContainerService\/managedClusters\/[^/]+\/runCommand$/i;

export function runCommandKindOf(method: string, path: string): RunCommandKind | undefined {
  if (method.toUpperCase() !== 'POST') return undefined;
  const p = path.replace(/\/+$/, '');
  if (VMSS_RUN_COMMAND.test(p)) return 'vmss-run-command';
  if (AKS_COMMAND_INVOKE.test(p)) return 'aks-command-invoke';
  return undefined;
}

/**
 * A low-cardinality name for an ARM path: the resource type chain without names or ids, e.g.
 * Microsoft.Compute/virtualMachineScaleSets/virtualMachines/runCommand, or subscriptions/resourceGroups.
 */
export function armOperationOf(path: string): string {
  const segments = path.split('/').filter(Boolean);
  const providers = segments.map((s) => s.toLowerCase()).lastIndexOf('providers');
  const rest = providers >= 0 ? segments.slice(providers + 2) : segments;
  const types = rest.filter((_, i) => i % 2 === 0);
  const namespace = providers >= 0 ? segments[providers + 1] : undefined;
  return [namespace, ...types].filter(Boolean).join('/') || '/';
}

export function statusClassOf(status: number | undefined): string {
  return status === undefined || status < 100 ? 'error' : `${Math.floor(status / 100)}xx`;
}

export function armTelemetryPolicy(telemetry: Telemetry): PipelinePolicy {
  return {
    name: ARM_TELEMETRY_POLICY,
    async sendRequest(request, next) {
      const url = new URL(request.url);
      const method = request.method.toUpperCase();
      const kind = runCommandKindOf(method, url.pathname);
      if (kind) telemetry.instruments.runCommands.add(1, { [ATTR.runCommandKind]: kind });
      const attributes: Attributes = {
        [ATTR.httpMethod]: method,
        'url.full': `${url.origin}${url.pathname}`,
        'server.address': url.hostname,
        'azure.arm.operation': armOperationOf(url.pathname),
      };
      if (url.port) attributes['server.port'] = Number(url.port);
      const span = telemetry.tracer.startSpan(`ARM ${method} ${attributes['azure.arm.operation']}`, { kind: SpanKind.CLIENT, attributes }, context.active());
      let status: number | undefined;
      try {
        const response = await next(request);
        status = response.status;
        span.setAttribute('http.response.status_code', status);
        const requestId = response.headers.get('x-ms-request-id');
        if (requestId) span.setAttribute('azure.arm.request_id', requestId);
        if (status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
        return response;
      } catch (err) {
        // The error's code only: its message may quote the URL, its request the headers.
        const code = (err as { code?: unknown }).code;
        span.setAttribute('error.type', typeof code === 'string' ? code : 'request_failed');
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw err;
      } finally {
        telemetry.instruments.armRequests.add(1, { [ATTR.httpMethod]: method, [ATTR.statusClass]: statusClassOf(status) });
        span.end();
      }
    },
  };
}
