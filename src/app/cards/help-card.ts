/** Every command with an example, and the demo clusters with a button each when there are any. */
import template from '../../../cards/help.json' with { type: 'json' };
import { diagnoseSubmitData } from './card-actions.js';
import { expandCard, type AdaptiveCard } from './card-json.js';
import { firstOf, inertRun, plural, truncate } from './card-text.js';

export interface DemoClusterEntry {
  cluster: string;
  title: string;
}

/** What parse-command.ts understands; keep the two in step. */
export const COMMANDS: ReadonlyArray<{ usage: string; description: string; example: string }> = [
  { usage: 'diagnose cluster <name>', description: 'find the cluster in every subscription I can read, and diagnose it', example: 'diagnose cluster aks-prod' },
  { usage: 'diagnose <name>', description: 'the same, shorter', example: 'diagnose aks-prod' },
  {
    usage: 'diagnose cluster <name> in resource group <rg>',
    description: 'when several clusters share the name',
    example: 'diagnose cluster aks-prod in resource group rg-prod',
  },
  {
    usage: 'diagnose cluster <name> in subscription <id or name>',
    description: 'look in one subscription only',
    example: 'diagnose cluster aks-prod in subscription Production',
  },
  {
    usage: 'diagnose <managedClusters resource id>',
    description: 'exactly this cluster',
    example: 'diagnose /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod',
  },
  { usage: 'audit [cluster <name>]', description: 'who requested, approved and executed which fix, newest first', example: 'audit cluster aks-prod' },
  { usage: 'help', description: 'this card', example: 'help' },
];

/** Enough demo rows to pick from without drowning the commands. */
const MAX_DEMOS = 12;

export function helpCard(demo?: ReadonlyArray<DemoClusterEntry>): AdaptiveCard {
  const { shown, more } = firstOf(demo ?? [], MAX_DEMOS);
  return expandCard(template, {
    fallbackText: `Tunnel Doctor commands: ${COMMANDS.map((c) => c.usage).join('; ')}`,
    commands: COMMANDS,
    hasDemos: shown.length > 0,
    demos: shown.map((d) => {
      const cluster = inertRun(truncate(d.cluster, 63));
      return {
        command: `diagnose cluster ${cluster}`,
        title: inertRun(truncate(d.title, 160)),
        data: diagnoseSubmitData(d.cluster, `diagnose cluster ${d.cluster}`),
      };
    }),
    hasMoreDemos: more > 0,
    moreDemos: `and ${plural(more, 'more demo cluster')}`,
  });
}
