/**
 * `tincan move CONV --to URL [--from URL...]`: moves a conversation to a relay you run — adds a
 * location there, tells the peer inside the encrypted session, retires the old location. History
 * and session stay. Works while the old relay is down, as long as another location answers.
 */
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { json } from '../format.ts';
import { withClient } from '../with-client.ts';
import { changeJson, printChange } from './locate.ts';

export function registerMove(program: Command, ctx: CliContext): void {
  program
    .command('move')
    .description('move a conversation to a relay you run: add a location there, tell the peer, retire the old one')
    .argument('<conversation>', "the conversation's name or id")
    .requiredOption('--to <url>', 'the relay to move to (one you run: `tincan relay serve`, or set up with `tincan relay use`)')
    .option('--from <url...>', 'the location(s) to retire (default: the ones on relays you own, else the failing ones, else the only one)')
    .option('--json', 'print {conversation, added, removed, told, retiring, locations, errors}')
    .addHelpText(
      'after',
      `
Examples:
  tincan move bob --to https://new.example/chat             my old relay is gone: continue on the new one
  tincan move bob --to http://127.0.0.1:9090 --from http://old.example:8080`,
    )
    .action(async (ref: string, o: { to: string; from?: string[]; json?: boolean }) => {
      await withClient(ctx, async (c) => {
        const conv = await c.conversation(ref);
        const r = await c.move(conv.id, { to: o.to, ...(o.from ? { from: o.from } : {}) });
        if (o.json) return json(ctx, changeJson(r));
        printChange(ctx, conv.name, r);
        const mine = await c.myRelay();
        if (mine && r.removed.includes(mine) && !r.added.includes(mine)) {
          ctx.out(`Your relay is still ${mine}; new invites go there. Make the new one yours with: tincan relay use ${o.to}\n`);
        }
      });
    });
}
