/** `tincan invite [--name LABEL] [--relay URL] [--expires DURATION] [--json]`. */
import type { Command } from 'commander';
import { TincanError } from '../../protocol/errors.ts';
import type { CliContext } from '../context.ts';
import { json, paint, parseDuration } from '../format.ts';
import { withClient } from '../with-client.ts';

export function registerInvite(program: Command, ctx: CliContext): void {
  program
    .command('invite')
    .description('open a channel on your relay and print a one-time invite (text, web link, QR code)')
    .option('--name <label>', 'what you will call this person (default: the name they give)')
    .option('--relay <url...>', 'relay(s) you own to put the invite on (default: your relay)')
    .option('--expires <duration>', 'how long the invite stays valid: 30m, 12h, 7d', '7d')
    .option('--json', 'print {"invite", "link", "conversation"}')
    .action(async (o: { name?: string; relay?: string[]; expires: string; json?: boolean }) => {
      const ttl = parseDuration(o.expires);
      if (ttl === null || ttl <= 0) throw new TincanError('bad-request', `--expires takes a duration like 30m, 12h or 7d (got "${o.expires}")`);
      const r = await withClient(ctx, (c) =>
        c.createInvite({ ...(o.name ? { name: o.name } : {}), ...(o.relay ? { relays: o.relay } : {}), expiresInMs: ttl }),
      );
      if (o.json) return json(ctx, { invite: r.invite, link: r.link, conversation: r.conversation.name, id: r.conversation.id, expiresAt: r.expiresAt });
      const { default: QRCode } = await import('qrcode');
      // The terminal renderer uses ANSI colours (a light quiet zone on dark terminals); without
      // colour, plain block characters.
      const qr = ctx.color ? await QRCode.toString(r.link, { type: 'terminal', small: true }) : await QRCode.toString(r.link, { type: 'utf8' });
      ctx.out(
        `One-time invite for ${paint(ctx, 'bold', r.conversation.name)} (expires ${new Date(r.expiresAt).toLocaleString()}):\n\n` +
          `  ${r.invite}\n\n` +
          `Web link (the part after # never reaches a server):\n  ${r.link}\n\n${qr}\n` +
          `Give it to them over a channel you trust. They run:\n  tincan join '${r.invite}'\n` +
          `or open the link. \`tincan sync\` (or chat/watch) notices when they have joined.\n`,
      );
    });
}
