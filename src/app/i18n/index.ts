/**
 * The bot's languages: English and Simplified Chinese, chosen per activity from its `locale`
 * (Teams sends the client's UI language as a BCP 47 tag, e.g. "en-US", "zh-CN";
 * https://learn.microsoft.com/microsoftteams/platform/resources/bot-v3/bot-conversations/bots-conv-format#localization).
 */
import { userMessageOf } from '../../user-message.js';
import { en } from './messages.en.js';
import { zhCN } from './messages.zh-CN.js';
import type { Locale, Messages } from './messages.js';

export type { HelpCommandId, LeftOutKind, Locale, Messages } from './messages.js';
export { en, zhCN };

export const LOCALES: readonly Locale[] = ['en', 'zh-CN'];

/**
 * The catalog language for an activity's locale. Simplified Chinese (zh, zh-CN, zh-SG, zh-Hans-*)
 * → 'zh-CN'. Traditional Chinese (zh-TW, zh-HK, zh-MO, zh-Hant-*) gets English rather than
 * Simplified script, which readers of Traditional do not expect. Anything else, or nothing → 'en'.
 */
export function localeOf(raw?: string): Locale {
  if (typeof raw !== 'string') return 'en';
  const subtags = raw.trim().replace(/_/g, '-').toLowerCase().split('-').filter(Boolean);
  if (subtags[0] !== 'zh') return 'en';
  if (subtags.includes('hant')) return 'en';
  if (subtags.includes('hans')) return 'zh-CN';
  const region = subtags.slice(1).find((s) => /^[a-z]{2}$/.test(s));
  if (region === 'tw' || region === 'hk' || region === 'mo') return 'en';
  return 'zh-CN';
}

const CATALOGS: Readonly<Record<Locale, Messages>> = { en, 'zh-CN': zhCN };

/** The catalog of a locale (or of an activity's raw locale tag). */
export function messagesFor(locale: Locale | string | undefined): Messages {
  return CATALOGS[locale === 'en' || locale === 'zh-CN' ? locale : localeOf(locale)];
}

/**
 * The one sentence a user sees for an error (user-message.ts), in the card's language where the bot
 * wrote it itself; Azure's own explanations stay as Azure wrote them (English data).
 */
export function userMessageIn(m: Messages, err: unknown): string {
  const message = userMessageOf(err);
  return message === en.error.unexpected ? m.error.unexpected : message;
}
