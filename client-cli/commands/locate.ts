/**
 * `tincan locate CONV [--add [URL]] [--remove URL] [--json]`: a conversation's locations (the
 * channels on relays where it lives) with their health; adds one on a relay I run (default: my
 * relay) or retires one, telling the peer inside the encrypted session.
 */
import type { Command } from 'commander';
import type { LocationsChange, LocationsView } from '../../protocol/client/locations.ts';
import { TincanError } from '../../protocol/errors.ts';
import type { CliContext } from '../context.ts';
import { json, paint } from '../format.ts';
import { withClient } from '../with-client.ts';

/** Prints what a change of locations did (shared with `tincan move`). */
export function printChange(ctx: CliContext, name: string, r: LocationsChange): void {
  for (const u of r.added) ctx.out(`Added a location on ${u}.\n`);
  for (const u of r.removed) {
    if (r.retiring.includes(u)) ctx.out(`Retiring the location on ${u}: no new messages go there; it is still read until ${name} has followed, then left.\n`);
    else ctx.out(`Retired the location on ${u}.\n`);
  }
  if (r.told > 0) ctx.out(`${name} was told through ${r.told} location${r.told > 1 ? 's' : ''}; their client follows on its next sync.\n`);
  else if (r.added.length || r.removed.length)
    ctx.out(`${paint(ctx, 'yellow', 'Queued')}: no location of "${name}" answers right now; ${name} is told as soon as one does (\`tincan sync\`).\n`);
  for (const e of dedupe(r.errors)) ctx.err(`${paint(ctx, 'yellow', 'warning')}: ${e}\n`);
}

const dedupe = (errors: { message: string }[]) => [...new Set(errors.map((e) => e.message))];

export function changeJson(r: LocationsChange) {
  return {
    conversation: r.conversation.name,
    added: r.added,
    removed: r.removed,
    told: r.told,
    retiring: r.retiring,
    locations: r.conversation.locations.map((l) => ({ relay: l.relayUrl, channel: l.channelId, ok: l.health.ok, retiring: l.retiring !== undefined })),
    errors: dedupe(r.errors),
  };
}

function printView(ctx: CliContext, v: LocationsView): void {
  const now = Date.now();
  ctx.out(`${paint(ctx, 'bold', v.conversation.name)} lives on ${v.locations.length} location${v.locations.length === 1 ? '' : 's'}:\n`);
  for (const l of v.locations) {
    const health = l.ok ? paint(ctx, 'green', 'ok') : paint(ctx, 'red', `failing (${l.failures}×${l.nextRetryAt > now ? `, next try in ${Math.ceil((l.nextRetryAt - now) / 1000)} s` : ''})`);
    const extra = [l.retiring ? 'retiring: read until the peer has followed' : '', l.onMyRelay ? 'my relay' : '', l.queued ? `${l.queued} queued` : ''].filter(Boolean).join(', ');
    ctx.out(`  ${l.relayUrl}  ${health}${extra ? `  ${paint(ctx, 'dim', extra)}` : ''}\n`);
    if (!l.ok && l.lastError) ctx.out(`    ${paint(ctx, 'dim', l.lastError)}\n`);
  }
  for (const o of v.pendingOffers) ctx.out(`  ${o.relayUrl}  ${paint(ctx, 'yellow', 'offered by the peer, not joined yet (retried on every sync)')}\n`);
}

export function registerLocate(program: Command, ctx: CliContext): void {
  program
    .command('locate')
    .description("show a conversation's locations and their health; add one on a relay you run, or retire one")
    .argument('<conversation>', "the conversation's name or id")
    .option('--add [url]', 'add a location on a relay you run (default: your relay, `tincan relay use`) and tell the peer')
    .option('--remove <url>', 'retire the location on this relay (or channel id) and tell the peer')
    .option('--json', 'print {conversation, locations: [{relay, channel, ok, failures, lastError, onMyRelay, queued}]}, or the change made')
    .addHelpText(
      'after',
      `
Examples:
  tincan locate bob                         where the conversation with bob lives, and how each relay is doing
  tincan locate bob --add                   also keep it on my relay (e.g. after setting up my first relay)
  tincan locate bob --add https://me.example/chat
  tincan locate bob --remove http://old.example:8080`,
    )
    .action(async (ref: string, o: { add?: string | true; remove?: string; json?: boolean }) => {
      if (o.add !== undefined && o.remove !== undefined) throw new TincanError('bad-request', 'give either --add or --remove, not both (or use `tincan move CONV --to URL`)');
      await withClient(ctx, async (c) => {
        if (o.add !== undefined || o.remove !== undefined) {
          const conv = await c.conversation(ref);
          const r = o.remove !== undefined ? await c.removeLocation(conv.id, o.remove) : await c.addLocation(conv.id, o.add === true ? undefined : o.add);
          if (o.json) return json(ctx, changeJson(r));
          return printChange(ctx, conv.name, r);
        }
        const v = await c.locations(ref);
        if (o.json) {
          return json(ctx, {
            conversation: v.conversation.name,
            locations: v.locations.map((l) => ({ relay: l.relayUrl, channel: l.channelId, ok: l.ok, failures: l.failures, lastError: l.lastError, onMyRelay: l.onMyRelay, queued: l.queued, retiring: l.retiring })),
            pendingOffers: v.pendingOffers.map((p) => ({ relay: p.relayUrl, channel: p.channelId })),
          });
        }
        printView(ctx, v);
      });
    });
}
