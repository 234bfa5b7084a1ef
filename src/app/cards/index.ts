/** The cards the app sends; each built from domain data (the Report, lookup results), never raw Azure objects. */
export { CARD_BYTE_BUDGET, CARD_CONTENT_TYPE, CARD_VERSION, TEAMS_MESSAGE_LIMIT_BYTES, asAttachment, cardBytes, type AdaptiveCard } from './card-json.js';
export { diagnoseSubmitData, helpSubmitData, type DiagnoseSubmitData, type HelpSubmitData } from './card-actions.js';
export { CHECK_TITLES, STATUS_LOOK, type StatusLook } from './status-look.js';
export { inertMarkdown, inertRun } from './card-text.js';
export { diagnosisCard, type DiagnosisCardOptions } from './diagnosis-card.js';
export { progressCard, type FinishedCheck } from './progress-card.js';
export { COMMANDS, helpCard, type DemoClusterEntry } from './help-card.js';
export { clusterNotFoundCard, type ClusterNotFoundInput } from './cluster-not-found-card.js';
export { chooseClusterCard, type ChooseClusterInput, type ClusterCandidate } from './choose-cluster-card.js';
export { refusalCard, type RefusalInput } from './refusal-card.js';
export { errorCard, redactSecrets, type ErrorCardInput } from './error-card.js';
export { approvalCard, refreshUserIdsOf, MAX_REFRESH_USER_IDS, type ApprovalButtons, type ApprovalCardInput, type RequestActionData } from './approval-card.js';
export { auditCard, AUDIT_CARD_RECORDS } from './audit-card.js';
export { WATCH_TEXT, watchChangeCard, watchesCard, watchStateCard, type WatchChangeInput, type WatchListEntry, type WatchStateInput } from './watch-card.js';
