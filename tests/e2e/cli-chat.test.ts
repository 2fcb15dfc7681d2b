// `tincan chat` driven through a real pseudo-terminal (tmux): a typed line reaches the peer, and
// an incoming message appears on screen without a key being pressed, above the prompt.
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { type ReadItem, bin, ok, okJson, pair, tempDirs } from './cli-harness.ts';

const tmp = tempDirs();
const socket = `tincan-e2e-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const stops: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  try {
    tmux('kill-server');
  } catch {
    /* already gone */
  }
  for (const s of stops) await s();
  tmp.cleanup();
});

async function screenUntil(pred: (screen: string) => boolean, what: string, ms = 20000): Promise<string> {
  const end = Date.now() + ms;
  let screen = '';
  while (Date.now() < end) {
    screen = tmux('capture-pane', '-p', '-t', 'chat');
    if (pred(screen)) return screen;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}; screen:\n${screen}`);
}

describe('tincan chat in a terminal', () => {
  it('sends typed lines and shows incoming messages live', async () => {
    const { alice, bob, relay } = await pair(tmp);
    stops.push(relay.stop);
    await ok(bob, ['send', 'alice', 'earlier message']);
    const cmd = `env -u NODE_EXTRA_CA_CERTS NO_COLOR=1 TINCAN_HOME='${alice}' '${process.execPath}' '${bin}' chat bob; sleep 30`;
    tmux('new-session', '-d', '-s', 'chat', '-x', '120', '-y', '30', cmd);
    await screenUntil((s) => s.includes('Chat with bob') && s.includes('earlier message') && /^>/m.test(s), 'the chat to start');

    // A line typed at the prompt is sent.
    tmux('send-keys', '-t', 'chat', '-l', 'typed in the terminal');
    tmux('send-keys', '-t', 'chat', 'Enter');
    await screenUntil((s) => /me: typed in the terminal/.test(s), 'the sent line');
    const got = await okJson<ReadItem[]>(bob, ['read', 'alice']);
    expect(got.map((m) => m.text)).toContain('typed in the terminal');

    // Half a line typed, then a message arrives: it shows up without a key press, and what was
    // being typed is still on the prompt.
    tmux('send-keys', '-t', 'chat', '-l', 'half typ');
    await ok(bob, ['send', 'alice', 'pushed while you type']);
    const screen = await screenUntil((s) => s.includes('bob: pushed while you type'), 'the incoming message');
    const lines = screen.split('\n').map((l) => l.trimEnd()).filter(Boolean);
    expect(lines.at(-1)).toBe('> half typ');
    tmux('send-keys', '-t', 'chat', '-l', 'ed');
    tmux('send-keys', '-t', 'chat', 'Enter');
    await screenUntil((s) => s.includes('me: half typed'), 'the finished line');

    tmux('send-keys', '-t', 'chat', '-l', '/quit');
    tmux('send-keys', '-t', 'chat', 'Enter');
    const after = await okJson<ReadItem[]>(bob, ['read', 'alice']);
    expect(after.map((m) => m.text)).toEqual(['earlier message', 'typed in the terminal', 'pushed while you type', 'half typed']);
    // Messages shown in the chat count as read.
    expect((await okJson<{ unread: number }[]>(alice, ['list']))[0]!.unread).toBe(0);
  });
});
