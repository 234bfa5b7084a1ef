/**
 * How much the diagnosis card carries at each step of its ladder: the builder (diagnosis-card.ts)
 * steps down until the card fits Teams' size limit.
 */
/** How much detail the card carries; the builder steps down this ladder until the card fits. */
export interface DetailLevel {
  evidencePerCheck: number;
  evidenceChars: number;
  fixesPerCheck: number;
  changeChars: number;
  warningsPerFix: number;
  summaryChars: number;
  notes: number;
}

export const DETAIL_LEVELS: readonly DetailLevel[] = [
  { evidencePerCheck: 5, evidenceChars: 600, fixesPerCheck: 3, changeChars: 1500, warningsPerFix: 3, summaryChars: 600, notes: 5 },
  { evidencePerCheck: 3, evidenceChars: 400, fixesPerCheck: 2, changeChars: 1000, warningsPerFix: 2, summaryChars: 400, notes: 3 },
  { evidencePerCheck: 2, evidenceChars: 250, fixesPerCheck: 1, changeChars: 800, warningsPerFix: 2, summaryChars: 300, notes: 3 },
  { evidencePerCheck: 1, evidenceChars: 200, fixesPerCheck: 1, changeChars: 500, warningsPerFix: 1, summaryChars: 300, notes: 2 },
  // The first fix's exact change outlives its warnings and the evidence: it is what gets approved.
  { evidencePerCheck: 0, evidenceChars: 0, fixesPerCheck: 1, changeChars: 500, warningsPerFix: 0, summaryChars: 160, notes: 1 },
  { evidencePerCheck: 0, evidenceChars: 0, fixesPerCheck: 1, changeChars: 300, warningsPerFix: 1, summaryChars: 200, notes: 1 },
  { evidencePerCheck: 0, evidenceChars: 0, fixesPerCheck: 0, changeChars: 0, warningsPerFix: 0, summaryChars: 160, notes: 1 },
];
