/**
 * One visual language for every card: a status always has the same colour, icon and word.
 * Colours are the Adaptive Card semantic colours, so each host picks its own accessible shade.
 */
import type { CheckId, CheckStatus, Risk } from '../../engine/report.js';

export type TextColor = 'Default' | 'Good' | 'Attention' | 'Warning' | 'Accent';
export type ContainerStyle = 'default' | 'emphasis' | 'good' | 'attention' | 'warning' | 'accent';

export interface StatusLook {
  color: TextColor;
  icon: string;
  label: string;
}

export const STATUS_LOOK: Readonly<Record<CheckStatus, StatusLook>> = {
  pass: { color: 'Good', icon: '✅', label: 'Passed' },
  fail: { color: 'Attention', icon: '❌', label: 'Failed' },
  warn: { color: 'Warning', icon: '⚠️', label: 'Warning' },
  unknown: { color: 'Default', icon: '❔', label: 'Unknown' },
  'not-applicable': { color: 'Default', icon: '➖', label: 'Not applicable' },
};

/** Titles of the checks, one per cause in Microsoft's tunnel troubleshooting article (docs/checks.md). */
export const CHECK_TITLES: Readonly<Record<CheckId, string>> = {
  'nsg-10250': 'Network security groups allow TCP 10250',
  'ufw-10250': 'UFW on the nodes',
  'iptables-10250': 'iptables on the nodes',
  'egress-tunnel-ports': 'Tunnel egress port',
  'snat-exhaustion': 'SNAT ports on the outbound load balancer',
  'tunnel-agent-health': 'Tunnel agent pods',
};

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
