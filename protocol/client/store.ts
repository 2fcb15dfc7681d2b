/**
 * The ClientStore port: where a client keeps its identity, phonebook, history, outbox and pending
 * invites. Records are plain, structured-clone-able data (Uint8Array for bytes), so a store may
 * keep them as they are (IndexedDB) or serialize them (SQLite, see serialize.ts).
 *
 * Writes go through one method, `apply(changes)`, which must be atomic: every change in the batch
 * is visible after it resolves, or none is (also after a crash). The engine computes a whole step
 * (for example: new session state + outgoing message + its outbox copies) and applies it in one
 * batch BEFORE talking to any relay, so a crash can never lose or fork ratchet state.
 * A batch never waits on anything but the store, which suits IndexedDB's auto-committing
 * transactions. Stores must pass `test-support/store-contract.ts`.
 *
 * Concurrency: the engine reads fresh records at the start of every operation and keeps none
 * across operations; a host that runs several processes or tabs on one store serializes
 * operations itself (the CLI holds a cross-process lock, the web client may use Web Locks).
 */
import type { LocationOffer } from './payloads.ts';

/** This device's identity. */
export interface IdentityRecord {
  /** How this person calls themselves (shown to peers in invites and hello payloads). */
  name: string;
  /** crypto.encodeIdentity(DeviceIdentity): secret keys included. */
  device: Uint8Array;
  /** Ed25519 identity public key (also the owner key of relays this person runs). */
  signPublic: Uint8Array;
  createdAt: number;
}

/** How one location has been doing lately (failed locations are retried with backoff). */
export interface LocationHealth {
  ok: boolean;
  /** Consecutive failures. */
  failures: number;
  /** Do not try again before this (Unix ms); 0 = any time. */
  nextRetryAt: number;
  lastError: string | null;
}

/** One channel on one relay where a conversation lives. */
export interface LocationRecord {
  relayUrl: string;
  /** Channel id, base64url (16 bytes). */
  channelId: string;
  /** My member key for this channel alone. */
  memberPublic: Uint8Array;
  memberSecret: Uint8Array;
  /** Last relay seq processed (fetch `after`). */
  cursor: number;
  /** Last seq acknowledged to the relay. */
  acked: number;
  health: LocationHealth;
  /** 'invite' = a channel of the invite (index i), 'extra' = added later (hello/locations payload). */
  origin: 'invite' | 'extra';
  /** For origin 'invite': the derivation index in the invite. */
  inviteIndex?: number;
  /**
   * Set while the location is being retired (locations.ts): no new copies go there, queued ones are
   * still posted and it is still read, until the peer's messages no longer need it; then it is
   * dropped and its channel left. `afterSeq`: the peer retired it in its payload of this seq (I
   * need everything up to it). `peerMoved`: a peer message arrived through another location since.
   */
  retiring?: { since: number; afterSeq?: number; peerMoved?: boolean };
}

/** The peer as learned from first contact. */
export interface PeerRecord {
  sign: Uint8Array;
  dh: Uint8Array;
  dhCert: Uint8Array;
  /** The name the peer gave itself (hello / invite label). */
  name: string;
}

/** One entry of the phonebook. */
export interface ConversationRecord {
  /** Local id, base64url of 16 random bytes; never sent anywhere. */
  id: string;
  /** The name I call this conversation by (unique in the phonebook). */
  name: string;
  /** 'invited': my invite is out, nobody joined yet. 'active': a session exists. */
  state: 'invited' | 'active';
  peer: PeerRecord | null;
  /** crypto.encodeSession(session), or null while 'invited'. */
  session: Uint8Array | null;
  locations: LocationRecord[];
  /** Last seq I sent (payload seq of my messages starts at 1). */
  sendSeq: number;
  /** payloadHash(msgId) of my last message, for the next prevHash (32 zero bytes before the first). */
  sendPrevHash: Uint8Array;
  /** Peer seqs: every seq <= recvContiguous was received; recvAhead holds received seqs above it. */
  recvContiguous: number;
  recvAhead: number[];
  /** payloadHash of the peer's message at recvContiguous when it arrived in order, else null/absent. */
  recvLastHash?: Uint8Array | null;
  /** Peer seqs already reported as missing (so each gap is reported once). */
  reportedMissing: number[];
  verified: boolean;
  unread: number;
  createdAt: number;
  lastActivity: number;
  /** For invites I made: encodePendingInvite, kept to recognize join copies on further invite relays. */
  invite: Uint8Array | null;
  /** Locations the peer offered (hello / 'locations' payloads) that I have not joined yet. */
  offers?: LocationOffer[];
}

/** One message of a conversation's history (text and system notes). */
export interface MessageRecord {
  conversationId: string;
  /** base64url msgId (16 bytes) from the payload; unique per conversation. */
  id: string;
  /** Display order key (fractional so that late peer messages fall in seq order). */
  ord: number;
  direction: 'in' | 'out';
  /** Sender's payload seq. */
  seq: number;
  kind: string;
  text: string;
  sentAt: number;
  receivedAt: number;
  /** out: 'queued' (no relay took it yet) or 'sent'; in: 'unread' or 'read'. */
  status: 'queued' | 'sent' | 'unread' | 'read';
}

/** One copy of a message still to be posted to one location. */
export interface OutboxRecord {
  /** Envelope id (base64url 16 bytes), stable across retries. */
  id: string;
  conversationId: string;
  messageId: string;
  relayUrl: string;
  channelId: string;
  data: Uint8Array;
  createdAt: number;
  attempts: number;
}

/** An invite I handed out and that nobody used yet (one-time: deleted once someone joins). */
export interface PendingInviteRecord {
  conversationId: string;
  /** crypto.encodePendingInvite */
  pending: Uint8Array;
  expiresAt: number;
  createdAt: number;
}

/** Small named values: 'myRelay' (string), 'movedAt' (number), ... */
export type MetaValue = string | number | boolean | null;

/** One write of an atomic batch. */
export type StoreChange =
  | { type: 'put-identity'; identity: IdentityRecord }
  | { type: 'put-meta'; key: string; value: MetaValue }
  | { type: 'put-conversation'; conversation: ConversationRecord }
  | { type: 'delete-conversation'; id: string } // also its messages, outbox, pending invite, seen ids
  | { type: 'put-message'; message: MessageRecord }
  | { type: 'put-outbox'; entry: OutboxRecord }
  | { type: 'delete-outbox'; id: string }
  | { type: 'put-pending-invite'; invite: PendingInviteRecord }
  | { type: 'delete-pending-invite'; conversationId: string }
  | { type: 'add-seen'; conversationId: string; envelopeId: string };

/** The storage port. All methods may be called in any order; `apply` is atomic. */
export interface ClientStore {
  /** This device's identity, or null before `init`. */
  getIdentity(): Promise<IdentityRecord | null>;
  /** A meta value, or null when unset. */
  getMeta(key: string): Promise<MetaValue>;
  /** Every conversation (the phonebook), in creation order. */
  listConversations(): Promise<ConversationRecord[]>;
  getConversation(id: string): Promise<ConversationRecord | null>;
  /** Messages of a conversation in display order (ascending `ord`); with `limit`, the last `limit`. */
  listMessages(conversationId: string, opts?: { limit?: number }): Promise<MessageRecord[]>;
  getMessage(conversationId: string, id: string): Promise<MessageRecord | null>;
  /** Outbox entries (of one conversation, or all), oldest first. */
  listOutbox(conversationId?: string): Promise<OutboxRecord[]>;
  listPendingInvites(): Promise<PendingInviteRecord[]>;
  /** Whether an envelope id was recorded with 'add-seen' (my own posts). */
  hasSeen(conversationId: string, envelopeId: string): Promise<boolean>;
  /** Applies every change, atomically, in order. */
  apply(changes: StoreChange[]): Promise<void>;
  close(): Promise<void>;
}
