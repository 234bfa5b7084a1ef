/**
 * The local chat page's conversations, in memory: what a Teams client would show. The bot's own
 * activities arrive through the connector emulation (POST = a new message, PUT = update in place);
 * the user's messages are added by the page API as Teams echoes them. Subscribers (the page's event
 * stream) hear every change. Local mode only, so nothing here survives a restart.
 */
import { randomUUID } from 'node:crypto';

/** One message as the page renders it: text via textContent, cards through the adaptivecards renderer. */
export interface ChatItem {
  id: string;
  /** Bumped on every update in place: the page drops a user's own view of a card once it is stale. */
  version: number;
  from: { role: 'bot' | 'user'; name: string; identity?: string };
  text?: string;
  /** Adaptive Card contents of the activity's card attachments. */
  cards: object[];
  timestamp: string;
  replyToId?: string;
}

export type ChatListener = (item: ChatItem) => void;

export interface LocalConversations {
  /** A new conversation id ("local-chat-<uuid>"). */
  create(): string;
  has(conversationId: string): boolean;
  /** Records a message; returns its id, or undefined when the conversation is unknown. */
  add(conversationId: string, item: Omit<ChatItem, 'id' | 'version'>): ChatItem | undefined;
  /** Replaces an activity's content; undefined when the conversation or the activity is unknown. */
  update(conversationId: string, activityId: string, change: Pick<ChatItem, 'text' | 'cards'>): ChatItem | undefined;
  get(conversationId: string, activityId: string): ChatItem | undefined;
  list(conversationId: string): ChatItem[];
  subscribe(conversationId: string, listener: ChatListener): () => void;
  /** Drops every listener (server shutdown). */
  clearListeners(): void;
}

/** Bounds for a page left open all night, or a script hammering the routes. */
export const MAX_CONVERSATIONS = 50;
export const MAX_ITEMS_PER_CONVERSATION = 500;

interface Conversation {
  items: Map<string, ChatItem>;
  listeners: Set<ChatListener>;
  nextId: number;
}

const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/** The Adaptive Cards among a Bot Framework activity's attachments; others are not rendered. */
export function cardsOfActivity(activity: Record<string, unknown>): object[] {
  const attachments = Array.isArray(activity.attachments) ? activity.attachments : [];
  return attachments
    .filter((a): a is { contentType: string; content: object } => !!a && typeof a === 'object' && (a as { contentType?: unknown }).contentType === CARD_CONTENT_TYPE)
    .map((a) => a.content)
    .filter((c) => !!c && typeof c === 'object');
}

export function createLocalConversations(): LocalConversations {
  const conversations = new Map<string, Conversation>();

  const notify = (c: Conversation, item: ChatItem) => {
    for (const listener of c.listeners) listener(item);
  };

  return {
    create() {
      if (conversations.size >= MAX_CONVERSATIONS) {
        // Maps iterate in insertion order: the oldest conversation goes first.
        const oldest = conversations.keys().next().value;
        if (oldest !== undefined) conversations.delete(oldest);
      }
      const id = `local-chat-${randomUUID()}`;
      conversations.set(id, { items: new Map(), listeners: new Set(), nextId: 1 });
      return id;
    },
    has: (id) => conversations.has(id),
    add(conversationId, item) {
      const c = conversations.get(conversationId);
      if (!c) return undefined;
      if (c.items.size >= MAX_ITEMS_PER_CONVERSATION) {
        const oldest = c.items.keys().next().value;
        if (oldest !== undefined) c.items.delete(oldest);
      }
      const stored: ChatItem = { ...item, id: `${item.from.role}-${c.nextId++}`, version: 1 };
      c.items.set(stored.id, stored);
      notify(c, stored);
      return stored;
    },
    update(conversationId, activityId, change) {
      const c = conversations.get(conversationId);
      const existing = c?.items.get(activityId);
      if (!c || !existing) return undefined;
      const { text, ...rest } = existing;
      const updated: ChatItem = { ...rest, ...(change.text ? { text: change.text } : {}), cards: change.cards, version: existing.version + 1 };
      c.items.set(activityId, updated);
      notify(c, updated);
      return updated;
    },
    get: (conversationId, activityId) => conversations.get(conversationId)?.items.get(activityId),
    list: (conversationId) => [...(conversations.get(conversationId)?.items.values() ?? [])],
    subscribe(conversationId, listener) {
      const c = conversations.get(conversationId);
      if (!c) return () => {};
      c.listeners.add(listener);
      return () => c.listeners.delete(listener);
    },
    clearListeners() {
      for (const c of conversations.values()) c.listeners.clear();
    },
  };
}
