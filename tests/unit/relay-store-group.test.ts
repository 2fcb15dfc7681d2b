// The SQLite store's group commit (standalone relay): what a turn of the event loop wrote is
// durable — visible to another connection — exactly when settled() resolves, not before. (The
// whole Store contract with group commit on runs in relay-store.test.ts.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ChannelId, MemberKey } from '../../server/core/ports.ts';
import { mergeLimits } from '../../server/relay-config.ts';
import { createSqliteStore } from '../../server/store/sqlite-store.ts';

describe('SQLite store group commit', () => {
  it('commits the writes of one turn together, when settled() resolves', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tincan-store-'));
    const file = path.join(dir, 'relay.db');
    const store = createSqliteStore({ file, groupCommit: true });
    const other = createSqliteStore({ file, busyTimeoutMs: 50 });
    const limits = mergeLimits({});
    const channel = new Uint8Array(randomBytes(16)) as ChannelId;
    const member = new Uint8Array(randomBytes(32)) as MemberKey;
    expect(store.settled()).toBeNull();
    store.atomically(() => store.openChannel({ channel, member, now: Date.now(), limits }));
    const posted = store.atomically(() => store.postEnvelope({ channel, member, id: new Uint8Array(randomBytes(16)), data: new Uint8Array([1, 2, 3]), now: Date.now(), limits }));
    expect(posted).toEqual({ seq: 1, duplicate: false });
    // A failing request inside the group undoes only itself.
    expect(() => store.atomically(() => store.openChannel({ channel, member, now: Date.now(), limits }))).toThrow(/already exists/);
    const pending = store.settled();
    expect(pending).not.toBeNull();
    // Same connection: sees its own writes. Another process: nothing yet.
    expect(store.lastSeq(channel)).toBe(1);
    expect(other.channelState(channel)).toBeNull();
    await pending;
    expect(store.settled()).toBeNull();
    expect(other.channelState(channel)).toEqual({ members: 1, lastSeq: 1 });
    // Closing commits a group still open.
    store.atomically(() => store.postEnvelope({ channel, member, id: new Uint8Array(randomBytes(16)), data: new Uint8Array([4]), now: Date.now(), limits }));
    store.close();
    expect(other.lastSeq(channel)).toBe(2);
    other.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
