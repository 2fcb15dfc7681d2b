/** `tincan list [--json]`: the phonebook. */
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { ago, json, paint } from '../format.ts';
import { withClient } from '../with-client.ts';

function host(url: string): string {
  try {
    const u = new URL(url);
    return u.host + (u.pathname === '/' ? '' : u.pathname);
  } catch {
    return url;
  }
}

export function registerList(program: Command, ctx: CliContext): void {
  program
    .command('list')
    .description('the phonebook: conversations with their locations, unread counts and last activity')
    .option('--json', 'print an array of {id, name, state, peer, locations, unread, lastActivity, verified, queued}')
    .action(async (o: { json?: boolean }) => {
      const all = await withClient(ctx, (c) => c.list());
      if (o.json) {
        return json(
          ctx,
          all.map((c) => ({
            id: c.id,
            name: c.name,
            state: c.state,
            peer: c.peerName,
            locations: c.locations.map((l) => ({ relay: l.relayUrl, ok: l.ok })),
            unread: c.unread,
            lastActivity: c.lastActivity,
            verified: c.verified,
            queued: c.queued,
            inviteExpiresAt: c.inviteExpiresAt,
          })),
        );
      }
      if (all.length === 0) return ctx.out('No conversations yet. Invite someone: tincan invite --name FRIEND\n');
      const now = Date.now();
      const width = Math.min(24, Math.max(...all.map((c) => c.name.length)));
      const lines = all.map((c) => {
        const name = paint(ctx, 'bold', c.name.padEnd(width));
        const unread = c.unread > 0 ? paint(ctx, 'green', `${c.unread} unread`.padEnd(10)) : ''.padEnd(10);
        const invite =
          c.inviteExpiresAt !== null && c.inviteExpiresAt < now
            ? paint(ctx, 'red', `invite expired (\`tincan forget ${c.name}\`)`)
            : paint(ctx, 'yellow', 'invite pending');
        const state = c.state === 'invited' ? invite : c.verified ? 'verified' : '';
        const locs = c.locations.map((l) => (l.ok ? host(l.relayUrl) : paint(ctx, 'red', `${host(l.relayUrl)} (failing)`))).join(', ');
        const queued = c.queued > 0 ? paint(ctx, 'yellow', ` ${c.queued} queued`) : '';
        return `${name}  ${unread}  ${ago(c.lastActivity, now).padEnd(11)}  ${locs}${queued}${state ? `  ${state}` : ''}`;
      });
      ctx.out(`${lines.join('\n')}\n`);
    });
}
