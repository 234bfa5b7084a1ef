/**
 * Conversations the bot may post into later without a turn (an incident channel, a watch's chat):
 * their handles, kept in the durable state store under `conversation/<id>` so they survive restarts
 * and are shared by every bot instance. Teams only lets a bot post proactively into a conversation
 * it knows the reference of (service URL, tenant, conversation id), and tells it that reference when
 * it is installed (conversationUpdate / installationUpdate) or spoken to.
 */
import type { ConversationHandle } from '../app/events.js';
import type { StateStore } from '../store/state-store.js';
import { conversationKeyOf } from './paced-delivery.js';

export interface ConversationStore {
  /** Keeps (or refreshes) the handle; unconditional, last writer wins (any instance's is as good). */
  remember(handle: ConversationHandle): Promise<void>;
  /** The bot was uninstalled or removed: never post there again. */
  forget(conversationId: string): Promise<void>;
  find(conversationId: string): Promise<ConversationHandle | undefined>;
}

/** A channel thread (`<channel>;messageid=<root>`) is stored as its channel. */
export function conversationStateKey(conversationId: string): string {
  return `conversation/${conversationKeyOf(conversationId)}`;
}

interface StoredConversation {
  handle: ConversationHandle;
  savedAt: string;
}

function isHandle(value: unknown): value is ConversationHandle {
  const h = value as ConversationHandle | undefined;
  return !!h && typeof h.id === 'string' && typeof h.channelId === 'string' && h.ref !== undefined;
}

export function createConversationStore(state: StateStore, now: () => Date = () => new Date()): ConversationStore {
  // What this instance last wrote, so a chatty channel costs one write, not one per message.
  const written = new Map<string, string>();
  return {
    async remember(handle) {
      const key = conversationStateKey(handle.id);
      const json = JSON.stringify(handle);
      if (written.get(key) === json) return;
      const item: StoredConversation = { handle, savedAt: now().toISOString() };
      await state.write({ [key]: { ...item } });
      written.set(key, json);
    },
    async forget(conversationId) {
      const key = conversationStateKey(conversationId);
      written.delete(key);
      await state.delete([key]);
    },
    async find(conversationId) {
      const key = conversationStateKey(conversationId);
      const item = (await state.read([key]))[key] as Partial<StoredConversation> | undefined;
      return isHandle(item?.handle) ? item.handle : undefined;
    },
  };
}
