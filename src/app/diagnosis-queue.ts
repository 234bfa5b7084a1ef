/**
 * Admission for chat diagnoses: a few run at once, a few more wait, the rest are told to come back.
 * One conversation flooding the bot (200 `diagnose` messages) must not starve itself or others:
 * without a bound, every queued diagnosis posts its progress card into the conversation's paced
 * delivery (Teams allows ~60 posts per 30 s per conversation, paced-delivery.ts), and a `help` there
 * waited behind all of them. So each conversation may hold `perConversation` diagnoses (running or
 * waiting), the bot `maxQueued` in all, and the rest are refused at once with "busy, try again in
 * N s" — said once per conversation until one of its diagnoses finishes, so the refusals do not
 * flood the conversation either. `help`, `audit` and card clicks never pass through here.
 */

export interface DiagnosisQueueOptions {
  /** Diagnoses running at once (Azure calls, run-commands). */
  concurrency: number;
  /** Diagnoses one conversation may have running or waiting. */
  perConversation: number;
  /** Diagnoses the whole bot may have running or waiting. */
  maxQueued: number;
  /** The assumed length of one diagnosis until some have finished (for "try again in N s"). */
  typicalMs?: number;
  now?: () => number;
}

export const DEFAULT_DIAGNOSIS_QUEUE: DiagnosisQueueOptions = { concurrency: 4, perConversation: 3, maxQueued: 40 };

export type Admission =
  | { ok: true; ticket: DiagnosisTicket }
  | {
      ok: false;
      /** 'conversation': this chat has enough running; 'bot': the bot as a whole is full. */
      scope: 'conversation' | 'bot';
      retryAfterSeconds: number;
      /** False when this conversation was already told it is busy and nothing has finished since. */
      tell: boolean;
    };

export interface DiagnosisTicket {
  /** Resolves when the diagnosis may start; rejects with DiagnosisDropped if the bot stops first. */
  started: Promise<void>;
  /** Call exactly once when the diagnosis ends (or was dropped). */
  done(): void;
}

/** The bot stopped (SIGTERM) before this queued diagnosis could start: nothing was diagnosed. */
export class DiagnosisDropped extends Error {
  constructor() {
    super('The bot stopped before this diagnosis started.');
    this.name = 'DiagnosisDropped';
  }
}

export interface DiagnosisQueue {
  admit(conversationId: string): Admission;
  /** Running and waiting diagnoses. */
  size(): number;
  /** Refuses new work and drops what has not started; returns how many were dropped. */
  close(): number;
}

interface Waiting {
  conversationId: string;
  start(): void;
  drop(): void;
}

export function createDiagnosisQueue(options: Partial<DiagnosisQueueOptions> = {}): DiagnosisQueue {
  const opts = { ...DEFAULT_DIAGNOSIS_QUEUE, ...options };
  const now = opts.now ?? (() => Date.now());
  const held = new Map<string, number>();
  const told = new Set<string>();
  const waiting: Waiting[] = [];
  let running = 0;
  let total = 0;
  let closed = false;
  // A running average of finished diagnoses, for the retry hint.
  let typicalMs = opts.typicalMs ?? 60_000;

  function retryAfterSeconds(): number {
    const rounds = Math.ceil((waiting.length + 1) / opts.concurrency);
    return Math.max(5, Math.ceil((typicalMs * rounds) / 1000));
  }

  function startNext(): void {
    while (running < opts.concurrency && waiting.length > 0) {
      running += 1;
      waiting.shift()!.start();
    }
  }

  return {
    admit(conversationId) {
      const mine = held.get(conversationId) ?? 0;
      const scope = closed || total >= opts.maxQueued ? 'bot' : mine >= opts.perConversation ? 'conversation' : undefined;
      if (scope) {
        const tell = !told.has(conversationId);
        told.add(conversationId);
        return { ok: false, scope, retryAfterSeconds: retryAfterSeconds(), tell };
      }
      held.set(conversationId, mine + 1);
      total += 1;
      let began = 0;
      let finished = false;
      let startedFlag = false;
      let resolveStart!: () => void;
      let rejectStart!: (err: Error) => void;
      const started = new Promise<void>((resolve, reject) => {
        resolveStart = resolve;
        rejectStart = reject;
      });
      // A drop nobody awaits yet must not become an unhandled rejection.
      started.catch(() => {});
      const entry: Waiting = {
        conversationId,
        start: () => {
          startedFlag = true;
          began = now();
          resolveStart();
        },
        drop: () => rejectStart(new DiagnosisDropped()),
      };
      waiting.push(entry);
      startNext();
      return {
        ok: true,
        ticket: {
          started,
          done() {
            if (finished) return;
            finished = true;
            const left = (held.get(conversationId) ?? 1) - 1;
            if (left > 0) held.set(conversationId, left);
            else held.delete(conversationId);
            total -= 1;
            // A slot freed here: the next refusal in this conversation is worth saying again.
            told.delete(conversationId);
            if (startedFlag) {
              running -= 1;
              typicalMs = Math.round(typicalMs * 0.7 + (now() - began) * 0.3);
            } else {
              const i = waiting.indexOf(entry);
              if (i >= 0) waiting.splice(i, 1);
            }
            startNext();
          },
        },
      };
    },
    size: () => total,
    close() {
      closed = true;
      const dropped = waiting.splice(0, waiting.length);
      for (const w of dropped) w.drop();
      return dropped.length;
    },
  };
}
