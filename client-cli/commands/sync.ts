/** `tincan sync [--json]`: fetch every conversation; report new, missing and forged messages. */
import type { Command } from 'commander';
import type { ConversationReport } from '../../protocol/client/receive.ts';
import { TincanError } from '../../protocol/errors.ts';
import type { CliContext } from '../context.ts';
import { json, paint } from '../format.ts';
import { withClient } from '../with-client.ts';

export function printReports(ctx: CliContext, reports: ConversationReport[], o: { quiet?: boolean; toErr?: boolean } = {}): number {
  const write = o.toErr ? ctx.err : ctx.out;
  let lines = 0;
  for (const r of reports) {
    const say = (text: string) => (write(`${paint(ctx, 'bold', r.name)}: ${text}\n`), lines++);
    if (r.joined) say('your invite was used; the conversation is ready');
    if (!o.quiet && r.newMessages.length) say(`${r.newMessages.length} new message${r.newMessages.length > 1 ? 's' : ''}`);
    if (r.flushed && !o.quiet) say(`sent ${r.flushed} queued cop${r.flushed > 1 ? 'ies' : 'y'}`);
    if (r.missing) say(paint(ctx, 'yellow', `${r.missing} message${r.missing > 1 ? 's' : ''} from ${r.name} ${r.missing > 1 ? 'are' : 'is'} missing (dropped by a relay?)`));
    if (r.chainBroken) say(paint(ctx, 'yellow', `${r.chainBroken} message${r.chainBroken > 1 ? 's' : ''} from ${r.name} do${r.chainBroken > 1 ? '' : 'es'} not follow the one before (was their device restored from an old copy?)`));
    if (r.forged) say(paint(ctx, 'red', `${r.forged} forged or corrupted envelope${r.forged > 1 ? 's were' : ' was'} rejected`));
    for (const e of dedupe(r.errors)) say(paint(ctx, 'yellow', `warning: ${e}`));
  }
  return lines;
}

function dedupe(errors: { message: string }[]): string[] {
  return [...new Set(errors.map((e) => e.message))];
}

export function registerSync(program: Command, ctx: CliContext): void {
  program
    .command('sync')
    .description('fetch every conversation; report new messages and anything dropped or forged')
    .option('--json', 'print {"conversations": [{name, id, new, missing, forged, joined, sent, errors}]}')
    .action(async (o: { json?: boolean }) => {
      const [report, phonebook] = await withClient(ctx, async (c) => [await c.sync(), await c.list()] as const);
      const convs = report.conversations;
      // Failed only when every location of every conversation failed (one relay down is not a failure).
      const relaysOf = new Map(phonebook.map((p) => [p.id, new Set(p.locations.map((l) => l.relayUrl))]));
      const allFailed =
        convs.length > 0 &&
        convs.every((r) => !r.joined && r.newMessages.length === 0 && [...(relaysOf.get(r.conversationId) ?? [])].every((u) => r.errors.some((e) => e.relayUrl === u)));
      if (o.json) {
        json(ctx, {
          conversations: convs.map((r) => ({
            name: r.name,
            id: r.conversationId,
            new: r.newMessages.map((m) => ({ id: m.id, text: m.text, sentAt: m.sentAt })),
            missing: r.missing,
            forged: r.forged,
            chainBroken: r.chainBroken,
            joined: r.joined,
            sent: r.flushed,
            errors: dedupe(r.errors),
          })),
        });
      } else {
        for (const r of convs) for (const m of r.newMessages) ctx.out(`${paint(ctx, 'bold', r.name)}: ${m.text}\n`);
        const n = printReports(ctx, convs, { quiet: true });
        if (n === 0 && !convs.some((r) => r.newMessages.length)) ctx.out(convs.length ? 'Nothing new.\n' : 'No conversations yet.\n');
      }
      if (allFailed) throw new TincanError('relay-unreachable', 'no relay could be reached; check your network and try again later');
    });
}
