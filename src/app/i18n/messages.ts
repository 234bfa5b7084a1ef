/**
 * The shape of a message catalog: every user-visible string of the cards and chat replies, per
 * language. Each catalog is typed `Messages`, so a key missing from one language is a compile error.
 * Parameterised messages are functions, so word order (and plural rules) belong to the language.
 *
 * What is NOT here: the engine's free text (check summaries, evidence, unknown reasons, fix titles,
 * Azure error messages). The report contract (scenario-format.md) keeps it English data; the cards
 * show it as detail under a localized headline. Texts the engine or the parser produce with a stable
 * code (approval refusals, command refusals) are translated from the code, with the English text as
 * the fallback (`fromEnglish`-style functions below receive it).
 */
import type { CheckId, CheckStatus, Risk, TunnelKind } from '../../engine/report.js';
import type { ApprovalState } from '../../engine/approvals/request.js';
import type { ApprovalVerb, RefusalCode } from '../../engine/approvals/decide.js';
import type { AuditAction, AuditResult } from '../../store/append-log.js';
import type { CommandRefusal } from '../parse-command.js';

export type Locale = 'en' | 'zh-CN';

/** Commands the help card lists; each has a localized description. */
export type HelpCommandId =
  | 'diagnose-cluster'
  | 'diagnose-short'
  | 'diagnose-in-rg'
  | 'diagnose-in-subscription'
  | 'diagnose-id'
  | 'audit'
  | 'watch'
  | 'unwatch'
  | 'watches'
  | 'help';

/** What a "left out of the card" line counts. */
export type LeftOutKind = 'evidence' | 'fix' | 'note';

export interface Messages {
  locale: Locale;

  /** Status words, shown next to each status icon. */
  status: Readonly<Record<CheckStatus, string>>;
  /** Display names of the six checks (docs/checks.md). */
  checkTitle: Readonly<Record<CheckId, string>>;
  /** One line per check and status, above the engine's (English) summary in other languages. */
  checkHeadline: Readonly<Record<CheckId, Readonly<Record<CheckStatus, string>>>>;
  risk: Readonly<Record<Risk, string>>;
  /** The tunnel kind with the egress it needs. */
  tunnel: Readonly<Record<TunnelKind, string>>;

  common: {
    /** "a, b, c and 990 more" */
    listMore(head: string, more: number): string;
    /** The separator of inline lists ("a, b"). */
    listSeparator: string;
    /** "Failed: " — a label before its text, with the language's colon. */
    label(word: string): string;
    showCommands: string;
    diagnoseButton: string;
    nothingDone: string;
    /** "… (+120 characters)" after cut text. */
    cut(moreChars: number): string;
  };

  diagnosis: {
    diagnosing(name: string, done: number, total: number): string;
    causesFound(count: number, name: string): string;
    incomplete(name: string): string;
    healthy(name: string): string;
    took(ms: number): string;
    /** "6 checks: 2 failed · 1 warning — took 47 s" */
    subtitle(checks: number, parts: string[], took: string | undefined): string;
    tally: Readonly<Record<CheckStatus, (n: number) => string>>;
    fallback(headline: string, failing: string[]): string;
    facts: {
      cluster: string;
      resourceGroup: string;
      location: string;
      tunnel: string;
      apiServer: string;
      private: string;
      public: string;
      outboundType: string;
      unknown: string;
      kubernetes: string;
      nodes: string;
      nodePools: string;
      nodeResourceGroup: string;
    };
    checksHeading: string;
    why: string;
    toResolve: string;
    evidence(count: number): string;
    details: string;
    empty: string;
    nodesHeading(count: number): string;
    affectedHeading(count: number): string;
    notes: string;
    leftOut(kind: LeftOutKind, more: number, anyShown: boolean): string;
    riskLabel(risk: string): string;
    needsApproval: string;
    noApprovalNeeded: string;
    /** " · needs approval · on " before the fix's target. */
    fixMeta(approval: string): string;
    requestFix: string;
    diagnoseAgain: string;
    /** Why the bot cannot apply a fix itself; `english` is the engine's reason. */
    manualFix(english: string): string;
    /** Label before a step the approved plan runs after the fix's change (FixProposal.then). */
    then: string;
  };

  progress: {
    hint: string;
  };

  help: {
    intro: { before: string; after: string };
    commandsHeading: string;
    example: string;
    commands: Readonly<Record<HelpCommandId, string>>;
    demosHeading: string;
    tryLabel: string;
    moreDemos(n: number): string;
    fallback(usages: string[]): string;
  };

  notFound: {
    headline(query: string, resourceGroup: string | undefined): string;
    fallback(query: string, resourceGroup: string | undefined, suggestions: string[]): string;
    searched(count: number): string;
    searchedNone: string;
    resourceGroup: string;
    didYouMean: string;
    noSuggestions: string;
  };

  chooseCluster: {
    headline(count: number, query: string): string;
    pick: string;
    /** A candidate's button: it names what it chooses (its resource group, or its subscription). */
    diagnoseIn(place: string): string;
    where(resourceGroup: string, subscription: string, location: string | undefined): string;
    more(n: number): string;
    fallback(count: number, query: string, candidates: Array<{ name: string; resourceGroup: string }>): string;
  };

  refusal: {
    title: string;
    fallback(reason: string): string;
    /** A refused command (parse-command.ts), from its code; `english` is the parser's reason and hint. */
    command(refusal: CommandRefusal | undefined, english: { reason: string; hint: string }): { reason: string; hint: string };
    unknownButton(verb: string): string;
    unknownButtonHint: string;
  };

  error: {
    somethingWrong: string;
    reference: string;
    /** Generic Azure/app failures (user-message.ts), which are English data. */
    unexpected: string;
    lookupFailed(name: string): string;
    noSubscription(name: string): string;
    knownSubscriptions(known: string[]): string;
    diagnosisFailed(name: string): string;
    noAuditLog: string;
    noAuditLogDetail: string;
    auditReadFailed: string;
    actionFailed: string;
  };

  app: {
    /** The answer to "hi": one line, pointing at the command and at "help". */
    greeting: string;
    unrecognised(text: string): string;
    /** Too many diagnoses waiting (diagnosis-queue.ts): what to do, and when. */
    busy(retryAfterSeconds: number): string;
    /** A queued diagnosis the bot dropped on shutdown. */
    droppedTitle(cluster: string): string;
    dropped: string;
  };

  audit: {
    heading(cluster: string | undefined): string;
    fallback(heading: string, count: number): string;
    empty: string;
    older: string;
    /** The toggle over a request's records. */
    details: string;
    /** One step of a request's story: "approved by Bo at <time>". */
    step(action: string, who: string, at: string): string;
    action: Readonly<Record<AuditAction, string>>;
    result: Readonly<Record<AuditResult, string>>;
    /** The card verbs a refused record names (its `verb`). */
    verb: Readonly<Record<ApprovalVerb, string>>;
    /** A refusal code in a few words, for a refused click in a request's story (its `reason`). */
    reason: Readonly<Record<RefusalCode, string>>;
    /** One refused click in a request's story: "approve by Olive refused at <time> (not an approver)". */
    refusedStep(verb: string, who: string, at: string, why: string): string;
    /** Who a refused click without an Entra id claimed to be: shown, marked as not vouched for. */
    unverified(name: string): string;
  };

  approval: {
    headline: Readonly<Record<ApprovalState, string>>;
    state(state: ApprovalState): string;
    stateWord: Readonly<Record<ApprovalState, string>>;
    fallback(headline: string, fixTitle: string, cluster: string): string;
    notDone: string;
    exactChange: string;
    onTarget: string;
    result: string;
    facts: {
      cluster: string;
      requestedBy: string;
      approvals: string;
      approvalsValue(count: number, required: number, names: string[]): string;
      rejectedBy: string;
      cancelledBy: string;
      expires: string;
      expiryWas: string;
    };
    /** Label of a step the approved plan runs after the change (FixProposal.then). */
    then: string;
    outcome: { change: string; then: string; checkBefore: string; checkAfter: string; note: string; recheck: string };
    buttons: { approve: string; reject: string; cancel: string; refresh: string };
    /** A refusal from the approval flow (decide.ts), from its code; `english` is the engine's message. */
    refusal(code: RefusalCode, english: string): string;
    /** 'not-approver' when the bot can name the approvers to ask (followed by incidentLayout.askApprovers). */
    notApprover: string;
  };

  /** The incident channel's summaries (cards/incident-card.ts). */
  incident: {
    diagnosisHeadline(cluster: string, causes: number): string;
    diagnosisSubtitle(nodes: number): string;
    action: Readonly<Record<AuditAction | 'failedPartial' | 'stillFailing', (cluster: string) => string>>;
    fact: {
      cluster: string;
      resourceGroup: string;
      subscription: string;
      tunnel: string;
      nodes: string;
      by: string;
      at: string;
      request: string;
      result: string;
    };
    result: Readonly<Record<AuditResult, string>>;
    moreChecks(n: number): string;
    affectedNodes: string;
    whatHappened: string;
    footer(cluster: string): string;
    someone: string;
    system: string;
  };

  /** The watch cards and replies (cards/watch-card.ts, watch-commands.ts, watch-scheduler.ts). */
  watch: {
    changedHeading(cluster: string, n: number): string;
    changedSubtitle(checkedAt: string, interval: string): string;
    changedFooter: string;
    changedFallback(cluster: string, changes: string): string;
    diagnoseNow: string;
    stopWatching: string;
    startedHeading(cluster: string, interval: string): string;
    updatedHeading(cluster: string, interval: string, previous: string): string;
    startedMessage: string;
    checkingNote: string;
    noBaselineMessage: string;
    baselineFailedNote(why: string): string;
    lastStateNote(at: string): string;
    stoppedHeading(cluster: string): string;
    stoppedMessage: string;
    notWatchingReason(cluster: string): string;
    notWatchingHint: string;
    severalMatchReason(cluster: string, n: number): string;
    severalMatchHint: string;
    limitConversationReason(limit: number): string;
    limitTotalReason(limit: number): string;
    limitHint: string;
    noConversationReason: string;
    noConversationHint: string;
    unavailableReason: string;
    pausedGoneHeading(cluster: string): string;
    pausedGoneMessage: string;
    pausedFailingHeading(cluster: string): string;
    pausedFailingMessage(n: number, why: string): string;
    resumeNote(cluster: string): string;
    listHeading(n: number): string;
    listEmpty: string;
    listSchedule(interval: string, next: string): string;
    listPaused(reason: string): string;
    listNoBaseline: string;
    listVerdicts(parts: string[]): string;
    listVerdictPart(icon: string, n: number, label: string): string;
    listHint: string;
    listMore(n: number): string;
    pausedGoneReason: string;
    pausedFailingReason: string;
    lookupFailedTitle(cluster: string): string;
    unknownSubscriptionTitle(subscription: string): string;
    unknownSubscriptionMessage(known: string): string;
    commandFailedTitle: string;
  };

  /**
   * The diagnosis card's incident layout (issue 15): root causes first, the facts on one line, the
   * fix's progress in place. `at` arguments are Adaptive Card `{{DATE()}}`/`{{TIME()}}` expressions
   * (the host shows them in the reader's time zone), never plain text.
   */
  incidentLayout: {
    consequence: string;
    coveredByPlan: string;
    nodes: string;
    factsStrip: { kubernetes(version: string): string; nodes(n: number): string };
    asOf(at: string): string;
    passedToggle(n: number): string;
    /** The toggle for the checks that neither failed nor passed, collapsed under a root cause. */
    othersToggle(n: number): string;
    detailsToggle: string;
    changeToggle: string;
    evidenceToggle: string;
    azCommand: string;
    openCluster: string;
    openResource(type: string): string;
    /** "Requested by Ann at 10:02" etc.: the fix's story on the diagnosis card. */
    requestedBy(who: string, at: string): string;
    approvedBy(who: string[], at: string): string;
    expiresIn(minutes: number): string;
    stateLine(state: ApprovalState): string;
    /** Who may approve: by name where the deployment knows names, else how many approvals are needed. */
    whoMayApprove(names: string[], required: number): string;
    /** A fix whose target was already gone when it was to run (Execution.notNeeded): grey, not a failure. */
    notNeeded: { line: string; headline: string; state: string };
    /** After a refused approval: who to ask instead. */
    askApprovers(names: string[]): string;
  };

  /**
   * Fix texts rendered from the fix's kind and data for languages other than the engine's English;
   * English returns the engine's own text (`english`) as it is.
   */
  fixText: {
    title(kind: string, data: { nsg?: string; rule?: string; priority?: number; pod?: string }, english: string): string;
    warnings(kind: string, english: readonly string[]): string[];
    step(kind: string, english: string): string;
    stepResult: Readonly<Record<'succeeded' | 'failed' | 'skipped' | 'not-needed', string>>;
  };

  /** Notices of the fix flow (fix-flow.ts) on the diagnosis and approval cards. */
  fixFlow: {
    badRequestButton: string;
    reportNotStored: string;
    noSuchFix(fixId: string): string;
    manualNotRequested(reason: string): string;
    alreadyRequested: string;
    requested(title: string): string;
    badDecisionButton: string;
    expiredOnRefresh(expiresAt: string, approvals: number, required: number): string;
  };
}
