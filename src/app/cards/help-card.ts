/** Every command with an example, and the demo clusters with a button each when there are any. */
import template from '../../../cards/help.json' with { type: 'json' };
import { diagnoseSubmitData } from './card-actions.js';
import { expandCard, type AdaptiveCard } from './card-json.js';
import { firstOf, inertRun, truncate } from './card-text.js';
import { messagesFor, type HelpCommandId, type Locale } from '../i18n/index.js';

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
  {
    usage: 'watch cluster <name> [every 15m]',
    description: 're-diagnose on a schedule (5m to 24h, default 15m) and post here only when a verdict changes',
    example: 'watch cluster aks-prod every 1h',
  },
  { usage: 'unwatch cluster <name>', description: 'stop watching it in this chat', example: 'unwatch cluster aks-prod' },
  { usage: 'watches', description: 'the clusters this chat watches, with their last verdicts', example: 'watches' },
  { usage: 'help', description: 'this card', example: 'help' },
];

/** Which catalog description (src/app/i18n) belongs to each usage; a usage not listed shows its English description. */
const HELP_COMMAND_IDS: Readonly<Record<string, HelpCommandId>> = {
  'diagnose cluster <name>': 'diagnose-cluster',
  'diagnose <name>': 'diagnose-short',
  'diagnose cluster <name> in resource group <rg>': 'diagnose-in-rg',
  'diagnose cluster <name> in subscription <id or name>': 'diagnose-in-subscription',
  'diagnose <managedClusters resource id>': 'diagnose-id',
  'audit [cluster <name>]': 'audit',
  'watch cluster <name> [every 15m]': 'watch',
  'unwatch cluster <name>': 'unwatch',
  watches: 'watches',
  help: 'help',
};

export function helpCommandIdOf(usage: string): HelpCommandId | undefined {
  return HELP_COMMAND_IDS[usage];
}

/** Enough demo rows to pick from without drowning the commands. */
const MAX_DEMOS = 12;

export function helpCard(demo?: ReadonlyArray<DemoClusterEntry>, locale: Locale = 'en'): AdaptiveCard {
  const m = messagesFor(locale);
  const { shown, more } = firstOf(demo ?? [], MAX_DEMOS);
  const described = (usage: string, english: string) => {
    const id = helpCommandIdOf(usage);
    return id ? m.help.commands[id] : english;
  };
  return expandCard(template, {
    t: {
      introBefore: m.help.intro.before,
      introAfter: m.help.intro.after,
      commands: m.help.commandsHeading,
      example: m.help.example,
      demos: m.help.demosHeading,
      try: m.help.tryLabel,
      diagnose: m.common.diagnoseButton,
    },
    fallbackText: m.help.fallback(COMMANDS.map((c) => c.usage)),
    commands: COMMANDS.map((c) => ({ ...c, description: described(c.usage, c.description) })),
    hasDemos: shown.length > 0,
    demos: shown.map((d) => {
      const cluster = inertRun(truncate(d.cluster, 63, m.common.cut));
      return {
        command: `diagnose cluster ${cluster}`,
        title: inertRun(truncate(d.title, 160, m.common.cut)),
        data: diagnoseSubmitData(d.cluster, `diagnose cluster ${d.cluster}`),
      };
    }),
    hasMoreDemos: more > 0,
    moreDemos: m.help.moreDemos(more),
  });
}
