/** `tincan relay use URL [--setup-code CODE]`: record "my relay" after checking that I own it. */
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { json } from '../format.ts';
import { withClient } from '../with-client.ts';

export function registerRelayUse(relay: Command, ctx: CliContext): void {
  relay
    .command('use')
    .description('make URL "my relay" (it must be owned by this identity; claims an unowned relay with --setup-code)')
    .argument('<url>', 'the relay base URL, e.g. http://127.0.0.1:8080 or https://example.org/chat')
    .option('--setup-code <code>', 'the one-time code an unclaimed relay printed')
    .option('--json', 'print {"relay", "transports", "owner"}')
    .action(async (url: string, o: { setupCode?: string; json?: boolean }) => {
      const { info, relayUrl } = await withClient(ctx, async (c) => {
        const info = await c.useRelay(url, o.setupCode ? { setupCode: o.setupCode } : {});
        return { info, relayUrl: await c.myRelay() };
      });
      if (o.json) return json(ctx, { relay: relayUrl, transports: info.transports, owner: info.owner });
      ctx.out(`My relay is now ${relayUrl} (owned by you; ${info.transports.includes('ws') ? 'live push over WebSocket' : 'long polling'}).\nNext: \`tincan invite --name FRIEND\`.\n`);
    });
}
