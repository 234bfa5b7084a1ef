/** Reads the local chat page's event stream (Server-Sent Events) the way the page does, for node tests. */

export interface ChatItem {
  id: string;
  version: number;
  from: { role: 'bot' | 'user'; name: string; identity?: string };
  text?: string;
  cards: Array<Record<string, any>>;
  timestamp: string;
  replyToId?: string;
}

export interface ChatStream {
  /** The latest version of every item, in arrival order. */
  items(): ChatItem[];
  /** Resolves with the first truthy `pick` over the items (fails after timeoutMs). */
  waitFor<T>(pick: (items: ChatItem[]) => T | undefined, timeoutMs?: number): Promise<T>;
  close(): void;
}

export async function openChatStream(botUrl: string, conversationId: string): Promise<ChatStream> {
  const items = new Map<string, ChatItem>();
  const abort = new AbortController();
  const res = await fetch(`${botUrl}/local-chat/api/conversations/${conversationId}/events`, { signal: abort.signal });
  if (res.status !== 200 || !res.body) throw new Error(`event stream: HTTP ${res.status}`);
  const waiters = new Set<() => void>();
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n');
          if (!/^event: activity$/m.test(block) || !data) continue;
          const item = JSON.parse(data) as ChatItem;
          items.set(item.id, item);
          for (const w of waiters) w();
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    items: () => [...items.values()],
    waitFor(pick, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = pick([...items.values()]);
          if (found) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`chat: condition not met in ${timeoutMs} ms; items: ${JSON.stringify([...items.values()].map((i) => [i.id, i.version, i.text?.slice(0, 40)]))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => abort.abort(),
  };
}
