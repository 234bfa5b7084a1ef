/** Every check, in the report's order (the ids of scenario-format.md). */
import type { Check } from '../diagnose.js';

export const ALL_CHECKS: Check[] = [];
