/** Sample records for store tests and benchmarks (no test framework imported here). */
import type { ConversationRecord, MessageRecord } from '../store.ts';

const bytes = (...xs: number[]) => Uint8Array.from(xs);

export function sampleConversation(id: string, name = id): ConversationRecord {
  return {
    id,
    name,
    state: 'active',
    peer: { sign: bytes(1, 2, 3), dh: bytes(4), dhCert: bytes(5), name: 'peer' },
    session: bytes(9, 9, 9, 0, 255),
    locations: [
      {
        relayUrl: 'http://127.0.0.1:1',
        channelId: 'AAAAAAAAAAAAAAAAAAAAAA',
        memberPublic: new Uint8Array(32).fill(7),
        memberSecret: new Uint8Array(64).fill(8),
        cursor: 3,
        acked: 2,
        health: { ok: true, failures: 0, nextRetryAt: 0, lastError: null },
        origin: 'invite',
        inviteIndex: 0,
      },
    ],
    sendSeq: 0,
    sendPrevHash: new Uint8Array(32),
    recvContiguous: 0,
    recvAhead: [],
    reportedMissing: [],
    verified: false,
    unread: 0,
    createdAt: 1000,
    lastActivity: 1000,
    invite: null,
  };
}

export function sampleMessage(conversationId: string, id: string, ord: number): MessageRecord {
  return { conversationId, id, ord, direction: 'in', seq: ord, kind: 'text', text: `m${ord} ✓`, sentAt: ord, receivedAt: ord + 1, status: 'unread' };
}

