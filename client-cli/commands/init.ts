/** `tincan init --name NAME` and `tincan whoami [--json]`. */
import type { Command } from 'commander';
import { TincanError } from '../../protocol/errors.ts';
import type { CliContext } from '../context.ts';
import { json, paint } from '../format.ts';
import { withClient } from '../with-client.ts';

export function registerInit(program: Command, ctx: CliContext): void {
  program
    .command('init')
    .description("create this device's identity (keys stay in this home)")
    .requiredOption('--name <name>', 'how you want to be called (shown to people you invite)')
    .option('--json', 'print {"name", "fingerprint", "home"}')
    .action(async (o: { name: string; json?: boolean }) => {
      const r = await withClient(ctx, (c) => c.init(o.name));
      if (o.json) return json(ctx, { ...r, home: ctx.home });
      ctx.out(
        `Created the identity ${paint(ctx, 'bold', r.name)} in ${ctx.home}\n` +
          `Fingerprint: ${r.fingerprint}\n\n` +
          `Next: run a relay (\`tincan relay serve\`) or use one you own (\`tincan relay use URL\`),\n` +
          `then invite someone: \`tincan invite --name FRIEND\`.\n`,
      );
    });

  program
    .command('whoami')
    .description('show your name, fingerprint and relay')
    .option('--json', 'print {"name", "fingerprint", "relay", "home"}')
    .action(async (o: { json?: boolean }) => {
      const me = await withClient(ctx, (c) => c.whoami());
      if (!me) throw new TincanError('not-initialized', `there is no identity in ${ctx.home} yet; create one with \`tincan init --name YOUR-NAME\``);
      if (o.json) return json(ctx, { name: me.name, fingerprint: me.fingerprint, relay: me.myRelay, home: ctx.home });
      ctx.out(`${paint(ctx, 'bold', me.name)}\nFingerprint: ${me.fingerprint}\nRelay: ${me.myRelay ?? 'none yet (`tincan relay use URL`)'}\nHome: ${ctx.home}\n`);
    });
}
