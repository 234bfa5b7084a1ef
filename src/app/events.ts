/**
 * The app's own event and reply types: the transport (Bot Framework, the CLI, tests) turns its input
 * into these, so the app never sees botbuilder and could move to the Microsoft 365 Agents SDK.
 */

export interface Caller {
  /** Channel user id (Teams: "29:…"). */
  id: string;
  /** Entra object id, when the channel gives one (Teams does). Authorisation uses this, never a name. */
  aadObjectId?: string;
  name?: string;
  tenantId?: string;
}

export interface MessageEvent {
  kind: 'message';
  /** The text as typed; untrusted. */
  text: string;
  /** Action.Submit data (Web Chat) or messageBack value (Teams); untrusted. */
  value?: unknown;
  caller: Caller;
  conversationId: string;
  locale?: string;
  correlationId: string;
}

export interface Reply {
  text?: string;
  card?: object;
}

/** Where replies go. `send` returns the new activity's id so a later reply can replace it in place. */
export interface ReplyChannel {
  send(reply: Reply): Promise<string | undefined>;
  update(activityId: string, reply: Reply): Promise<void>;
}
