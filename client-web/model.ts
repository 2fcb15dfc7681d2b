/**
 * What the screens see: plain view data and a handful of intents. model-engine.ts implements it
 * over the shared client engine (protocol/client); the screens never touch the engine, the store or
 * the network directly, so they stay small and the engine stays the one place with protocol logic.
 */

/** One line of the phonebook. */
export interface ConversationView {
  id: string;
  name: string;
  /** 'invited': my invite is out and nobody joined yet. */
  state: 'invited' | 'active';
  unread: number;
  verified: boolean;
  lastActivity: number;
  last: { text: string; mine: boolean; at: number } | null;
}

/** One message of a conversation. */
export interface MessageView {
  id: string;
  mine: boolean;
  kind: string;
  text: string;
  at: number;
  /**
   * Mine: 'queued' (saved here, no relay took it yet), 'sent' (posted, relay has not confirmed every
   * location), 'delivered' (a relay stored it). Theirs: 'received'.
   */
  state: 'queued' | 'sent' | 'delivered' | 'received';
}

/** The relay this person owns (where invites are created), if any. */
export interface MyRelayView {
  url: string;
  owned: boolean;
}

export interface InviteView {
  conversationId: string;
  /** "tincan:…" */
  text: string;
  /** `${webBase}/#join=…` */
  link: string;
  expiresAt: number;
}

export interface VerifyView {
  safetyNumber: string;
  sas: string;
  verified: boolean;
  peerName: string;
}

/** One location of a conversation (a channel on a relay) and how it is doing. */
export interface LocationView {
  relayUrl: string;
  ok: boolean;
  lastError: string | null;
  /** On the relay this person owns. */
  onMyRelay: boolean;
  /** Copies of my messages still waiting for it. */
  queued: number;
  /** Being retired: still read until the other person has followed, then left. */
  retiring: boolean;
}

/** Something changed; screens re-read what they show. */
export type ModelEvent =
  | { type: 'phonebook' }
  | { type: 'messages'; conversationId: string; incoming: MessageView[] }
  | { type: 'connection'; online: boolean };

/** The intents the screens use. Every method rejects with TincanError on failure. */
export interface AppModel {
  readonly me: { name: string; fingerprint: string };
  phonebook(): Promise<ConversationView[]>;
  conversation(id: string): Promise<ConversationView | null>;
  messages(conversationId: string): Promise<MessageView[]>;
  send(conversationId: string, text: string): Promise<void>;
  markRead(conversationId: string): Promise<void>;
  rename(conversationId: string, name: string): Promise<void>;
  forget(conversationId: string): Promise<void>;
  verify(conversationId: string): Promise<VerifyView>;
  setVerified(conversationId: string, verified: boolean): Promise<void>;
  myRelay(): Promise<MyRelayView | null>;
  /** Claims the relay at `address` with its setup code and makes it my relay. */
  claimRelay(address: string, setupCode: string): Promise<MyRelayView>;
  /** Makes `address` my relay when I already own it (e.g. after claiming it from the CLI with this key). */
  useRelay(address: string): Promise<MyRelayView>;
  createInvite(name: string): Promise<InviteView>;
  /** The invite of a conversation still waiting for its guest. */
  pendingInvite(conversationId: string): Promise<InviteView | null>;
  join(inviteText: string): Promise<{ conversationId: string }>;
  /** Where a conversation lives (its locations) and how each relay is doing. */
  locations(conversationId: string): Promise<LocationView[]>;
  /** Adds a location on a relay I own (default: my relay) and tells the other person. */
  addLocation(conversationId: string, address?: string): Promise<LocationView[]>;
  /** Moves the conversation to a relay I own: a location there, the other person told, the old location retired. */
  move(conversationId: string, address: string): Promise<LocationView[]>;
  subscribe(listener: (e: ModelEvent) => void): () => void;
  /** Stops live sync and closes the store (this tab lost the writer lock). */
  stop(): Promise<void>;
}
