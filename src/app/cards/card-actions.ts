/**
 * `data` of the Action.Submit buttons that send a command back. Teams delivers `msteams.text` as the
 * message text (messageBack) and the rest as `activity.value`; Web Chat sends `data` as
 * `activity.value`. Either way the server re-parses and re-validates it: card data is untrusted.
 * https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-actions#adaptive-cards-actions
 */

export interface DiagnoseSubmitData {
  action: 'diagnose';
  /** An ARM id of a managed cluster, or a cluster name; the app parses it as `diagnose <clusterId>`. */
  clusterId: string;
  msteams: { type: 'messageBack'; text: string; displayText: string };
}

export interface HelpSubmitData {
  action: 'help';
  msteams: { type: 'messageBack'; text: string; displayText: string };
}

/** `target` is an ARM id or a cluster name; `shown` is what the chat shows as the user's message. */
export function diagnoseSubmitData(target: string, shown: string): DiagnoseSubmitData {
  return {
    action: 'diagnose',
    clusterId: target,
    msteams: { type: 'messageBack', text: `diagnose ${target}`, displayText: shown },
  };
}

export function helpSubmitData(): HelpSubmitData {
  return { action: 'help', msteams: { type: 'messageBack', text: 'help', displayText: 'help' } };
}
