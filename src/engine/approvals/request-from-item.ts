/**
 * The one check between a stored approval item and the code that acts on it: a damaged or foreign
 * record (wrong id, unknown state, missing parts) is treated as absent, never acted on.
 */
import type { StateItem } from '../../store/state-store.js';
import { APPROVAL_STATES, type ApprovalRequest } from './request.js';

/** A stored item as a request, or undefined when it is not one (so a damaged record is never acted on). */
export function requestFromItem(id: string, item: StateItem | undefined): ApprovalRequest | undefined {
  if (!item) return undefined;
  const { eTag: _eTag, ...value } = item;
  const request = value as unknown as ApprovalRequest;
  const wellFormed =
    request.id === id &&
    (APPROVAL_STATES as readonly string[]).includes(request.state) &&
    typeof request.fix === 'object' &&
    request.fix !== null &&
    typeof request.requester === 'object' &&
    request.requester !== null &&
    Array.isArray(request.approvals) &&
    Array.isArray(request.history) &&
    typeof request.planHash === 'string' &&
    typeof request.expiresAt === 'string';
  return wellFormed ? request : undefined;
}
