/** `tincan verify CONV [--yes] [--json]`: safety number and SAS to compare; mark verified. */
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { json, paint } from '../format.ts';
import { withClient } from '../with-client.ts';

const groups = (digits: string, n: number) => digits.match(new RegExp(`.{1,${n}}`, 'g'))?.join(' ') ?? digits;

export function registerVerify(program: Command, ctx: CliContext): void {
  program
    .command('verify')
    .description('show the safety number and short code to compare with your peer, and mark the conversation verified')
    .argument('<conversation>', "the conversation's name or id")
    .option('--yes', 'mark verified without asking (you compared the numbers)')
    .option('--json', 'print {"safetyNumber", "sas", "verified"}')
    .action(async (ref: string, o: { yes?: boolean; json?: boolean }) => {
      await withClient(ctx, async (c) => {
        const v = await c.verification(ref);
        let verified = v.conversation.verified;
        if (o.yes) {
          await c.markVerified(v.conversation.id);
          verified = true;
        }
        if (o.json) return json(ctx, { conversation: v.conversation.name, safetyNumber: v.safetyNumber, sas: v.sas, verified });
        ctx.out(
          `Safety number with ${paint(ctx, 'bold', v.conversation.name)} (the same on both sides; compare in person or on a call):\n\n` +
            `  ${groups(v.safetyNumber, 5)}\n\n` +
            `Short code for this session: ${paint(ctx, 'bold', groups(v.sas, 3))}\n` +
            `Their fingerprint: ${v.peerFingerprint}\n`,
        );
        if (o.yes) return ctx.out(paint(ctx, 'green', 'Marked as verified.\n'));
        if (verified) return ctx.out('Already marked as verified.\n');
        if (await ctx.confirm('Do the numbers match what they see?')) {
          await c.markVerified(v.conversation.id);
          ctx.out(paint(ctx, 'green', 'Marked as verified.\n'));
        } else {
          ctx.out(`Not marked as verified. If the numbers differ, someone may be in the middle: do not trust this conversation.\nOnce they match: tincan verify ${v.conversation.name} --yes\n`);
        }
      });
    });
}
