/**
 * One visual language for every card: a status always has the same colour, icon and word.
 * Colours are the Adaptive Card semantic colours, so each host picks its own accessible shade.
 */
import type { CheckId, CheckStatus, Risk } from '../../engine/report.js';
import { en, type Messages } from '../i18n/index.js';

export type TextColor = 'Default' | 'Good' | 'Attention' | 'Warning' | 'Accent';
export type ContainerStyle = 'default' | 'emphasis' | 'good' | 'attention' | 'warning' | 'accent';

export interface StatusLook {
  color: TextColor;
  icon: string;
  label: string;
}

/** English looks; `statusLook` gives the same colour and icon with the word of another language. */
export const STATUS_LOOK: Readonly<Record<CheckStatus, StatusLook>> = {
  pass: { color: 'Good', icon: '✅', label: en.status.pass },
  fail: { color: 'Attention', icon: '❌', label: en.status.fail },
  warn: { color: 'Warning', icon: '⚠️', label: en.status.warn },
  unknown: { color: 'Default', icon: '❔', label: en.status.unknown },
  'not-applicable': { color: 'Default', icon: '➖', label: en.status['not-applicable'] },
};

export function statusLook(status: CheckStatus, m: Messages): StatusLook {
  const look = STATUS_LOOK[status] ?? STATUS_LOOK.unknown;
  return { ...look, label: m.status[status] ?? look.label };
}

/** English titles of the checks, one per cause in Microsoft's tunnel troubleshooting article (docs/checks.md); `Messages.checkTitle` per language. */
export const CHECK_TITLES: Readonly<Record<CheckId, string>> = en.checkTitle;

export const RISK_COLOR: Readonly<Record<Risk, TextColor>> = {
  low: 'Good',
  medium: 'Warning',
  high: 'Attention',
};

/** The banner of a card: headline colour and icon, and the container style behind it. */
export interface Banner {
  icon: string;
  color: TextColor;
  style: ContainerStyle;
}

export const BANNER = {
  good: { icon: '✅', color: 'Good', style: 'good' },
  attention: { icon: '❌', color: 'Attention', style: 'attention' },
  warning: { icon: '⚠️', color: 'Warning', style: 'warning' },
  working: { icon: '⏳', color: 'Accent', style: 'emphasis' },
  info: { icon: 'ℹ️', color: 'Default', style: 'emphasis' },
  refused: { icon: '🚫', color: 'Attention', style: 'attention' },
  question: { icon: '❔', color: 'Default', style: 'emphasis' },
} as const satisfies Record<string, Banner>;
