/** `tincan join INVITE [--name LABEL] [--json]`. */
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { json, paint } from '../format.ts';
import { withClient } from '../with-client.ts';

export function registerJoin(program: Command, ctx: CliContext): void {
  program
    .command('join')
    .description('join a conversation with a one-time invite (text or link)')
    .argument('<invite>', 'the invite: tincan:... or the web link')
    .option('--name <label>', 'what you will call this person (default: the name in the invite)')
    .option('--json', 'print {"conversation", "id", "locations"}')
    .action(async (invite: string, o: { name?: string; json?: boolean }) => {
      const r = await withClient(ctx, (c) => c.join(invite, o.name ? { name: o.name } : {}));
      const locations = r.conversation.locations.map((l) => l.relayUrl);
      if (o.json) return json(ctx, { conversation: r.conversation.name, id: r.conversation.id, locations });
      for (const e of r.errors) ctx.err(`warning: ${e.message}\n`);
      ctx.out(
        `Joined ${paint(ctx, 'bold', r.conversation.name)} on ${locations.join(' and ')}.\n` +
          `Say hello: tincan send ${quote(r.conversation.name)} "hi"   ·   compare safety numbers: tincan verify ${quote(r.conversation.name)}\n`,
      );
    });
}

export function quote(name: string): string {
  return /^[\w.@-]+$/.test(name) ? name : `'${name.replace(/'/g, `'\\''`)}'`;
}
