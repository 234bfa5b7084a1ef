/**
 * A fix's title, warnings and plan steps in the card's language. The engine writes them in English
 * (the report contract keeps them as data); other languages render them from the fix's kind and
 * data (NSG, rule, priority, pod), as refusals are rendered from their codes, so a Chinese approver
 * reads in Chinese what they sign. The exact change stays verbatim in every language.
 */
import type { FixProposal } from '../../engine/report.js';
import type { Messages } from '../i18n/index.js';
import { parseArmId } from './fix-commands.js';

export interface LocalFixText {
  title: string;
  warnings: string[];
  /** One line per FixProposal.then step, in order. */
  then: string[];
}

/** What the localized title names: the NSG and rule of an NSG change, the pod of a pod restart. */
function titleData(fix: Pick<FixProposal, 'kind' | 'target' | 'change'>): { nsg?: string; rule?: string; priority?: number; pod?: string } {
  const nsg = parseArmId(fix.target)?.name;
  if (fix.kind === 'recreate-tunnel-pods') return { pod: fix.target.split('/').pop() ?? fix.target };
  const deletion = /^DELETE\s+(\S+)$/.exec(fix.change.trim());
  if (deletion) return { ...(nsg ? { nsg } : {}), rule: deletion[1]!.split('/').pop() ?? '' };
  try {
    const body = JSON.parse(fix.change) as { name?: unknown; properties?: { priority?: unknown } };
    return {
      ...(nsg ? { nsg } : {}),
      ...(typeof body.name === 'string' ? { rule: body.name } : {}),
      ...(typeof body.properties?.priority === 'number' ? { priority: body.properties.priority } : {}),
    };
  } catch {
    return nsg ? { nsg } : {};
  }
}

export function localFixText(fix: Pick<FixProposal, 'kind' | 'target' | 'change' | 'title' | 'warnings' | 'then'>, m: Messages): LocalFixText {
  const steps = fix.then ?? [];
  return {
    title: m.fixText.title(fix.kind, titleData(fix), fix.title),
    warnings: m.fixText.warnings(fix.kind, fix.warnings ?? []),
    then: steps.map((s) => m.fixText.step(s.kind, s.change)),
  };
}
