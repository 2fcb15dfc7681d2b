/**
 * `tincan export FILE` / `tincan import FILE`: the whole phonebook and history, sealed under a
 * passphrase (Argon2id). Importing is a move: the exported home stops sending.
 */
import type { Command } from 'commander';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TincanError } from '../../protocol/errors.ts';
import type { CliContext } from '../context.ts';
import { withClient } from '../with-client.ts';

async function passphrase(ctx: CliContext, file: string | undefined, twice: boolean): Promise<string> {
  if (file) {
    const text = readFileSync(path.resolve(ctx.cwd, file), 'utf8').split(/\r?\n/)[0] ?? '';
    if (!text) throw new TincanError('bad-request', `the passphrase file ${file} is empty`);
    return text;
  }
  const env = ctx.env['TINCAN_PASSPHRASE'];
  if (env) return env;
  const p = await ctx.readSecret('Passphrase: ');
  if (!p) throw new TincanError('bad-request', 'the passphrase may not be empty');
  if (twice && (await ctx.readSecret('Again: ')) !== p) throw new TincanError('bad-request', 'the two passphrases differ; nothing was written');
  return p;
}

export function registerExport(program: Command, ctx: CliContext): void {
  program
    .command('export')
    .description('write the phonebook, keys and history to FILE, encrypted under a passphrase (this home then stops sending)')
    .argument('<file>', 'where to write the export')
    .option('--passphrase-file <file>', 'read the passphrase from the first line of this file (else TINCAN_PASSPHRASE, else a prompt)')
    .option('--force', 'overwrite FILE')
    .addHelpText('after', '\nImporting is a move: after an export this home refuses to send, so that the two copies cannot fork the conversations.')
    .action(async (file: string, o: { passphraseFile?: string; force?: boolean }) => {
      const out = path.resolve(ctx.cwd, file);
      if (existsSync(out) && !o.force) throw new TincanError('bad-request', `${out} exists; pick another file or add --force`);
      const pass = await passphrase(ctx, o.passphraseFile, true);
      const r = await withClient(ctx, (c) => c.exportSealed(pass));
      writeFileSync(out, r.sealed, { mode: 0o600 });
      ctx.out(
        `Exported ${r.conversations} conversation${r.conversations === 1 ? '' : 's'} and ${r.messages} message${r.messages === 1 ? '' : 's'} to ${out}.\n` +
          `This home is now retired and will not send any more (importing is a move).\n` +
          `On the other machine: tincan import ${path.basename(out)}\n`,
      );
    });

  program
    .command('import')
    .description('restore an export into this (empty) home')
    .argument('<file>', 'a file written by tincan export')
    .option('--passphrase-file <file>', 'read the passphrase from the first line of this file (else TINCAN_PASSPHRASE, else a prompt)')
    .action(async (file: string, o: { passphraseFile?: string }) => {
      const inFile = path.resolve(ctx.cwd, file);
      if (!existsSync(inFile)) throw new TincanError('not-found', `there is no file ${inFile}`);
      const sealed = new Uint8Array(readFileSync(inFile));
      const pass = await passphrase(ctx, o.passphraseFile, false);
      const r = await withClient(ctx, (c) => c.importSealed(sealed, pass));
      ctx.out(
        `Imported ${r.name}: ${r.conversations} conversation${r.conversations === 1 ? '' : 's'}, ${r.messages} message${r.messages === 1 ? '' : 's'} (exported ${new Date(r.exportedAt).toLocaleString()}).\n` +
          `Do not use the old home any more. \`tincan sync\` fetches what arrived meanwhile.\n`,
      );
    });
}
