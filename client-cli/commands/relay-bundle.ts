/**
 * `tincan relay bundle --out DIR [--node PATH] [--base-path /chat] [--force]`: writes the folder to
 * upload to shared hosting (see deploy/write-relay-bundle.ts for what is in it). The relay's owner is
 * this CLI's identity; without one, the bundle carries a one-time setup code instead, printed here
 * and written into UPLOAD.md.
 */
import type { Command } from 'commander';
import path from 'node:path';
import { findPackageRoot, writeRelayBundle } from '../../deploy/write-relay-bundle.ts';
import type { CliContext } from '../context.ts';

/**
 * What the relay bundle/check commands need from the CLI's context (a subset, so tests can pass a
 * small object). `packageRoot` defaults to the Tincan folder found from this file.
 */
export type RelayCommandContext = Pick<CliContext, 'out' | 'err' | 'home' | 'loadIdentityPublicKey'> & Partial<Pick<CliContext, 'cwd' | 'packageRoot'>>;

function kib(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${Math.round(n / 1024)} KiB`;
}

export function registerRelayBundle(relay: Command, ctx: RelayCommandContext): void {
  relay
    .command('bundle')
    .description('write a folder to upload to shared hosting (Apache/lighttpd with CGI): the relay, its SQLite module, the web client, .htaccess and UPLOAD.md')
    .requiredOption('--out <dir>', 'folder to write (must be empty, or use --force)')
    .option('--node <path>', "absolute path of Node on the host, for index.cgi's shebang (default: this machine's node)")
    .option('--base-path <path>', 'URL path the folder will be served at, e.g. /chat: adds a RewriteBase (rarely needed: Apache 2.4 works out the folder itself; some ~user or proxied setups need it)')
    .option('--force', 'replace the bundle files in a non-empty --out (its data/ folder is kept)')
    .addHelpText(
      'after',
      `
Example:
  tincan relay bundle --out site/ --node /usr/bin/node
  # upload site/ to public_html/chat/ (keep permissions), then:
  tincan relay check https://example.org/chat`,
    )
    .action(async (opts: { out: string; node?: string; basePath?: string; force?: boolean }) => {
      const owner = await ctx.loadIdentityPublicKey();
      const out = path.resolve(ctx.cwd ?? '.', opts.out);
      const r = writeRelayBundle({
        root: ctx.packageRoot ?? findPackageRoot(import.meta.url),
        out,
        nodePath: opts.node,
        basePath: opts.basePath,
        owner,
        force: opts.force === true,
      });
      const lines = [
        `Wrote the relay bundle to ${r.out}`,
        `  index.cgi + relay/relay.js  ${kib(r.relayBytes)}`,
        `  SQLite module               ${kib(r.sqliteBytes)} (better-sqlite3 for ${r.supportedNode}, ${r.platform}${r.glibc ? `, glibc >= ${r.glibc}` : ''})`,
        `  web client                  ${r.webPlaceholder ? 'not built: a placeholder index.html (run `npm run build` and bundle again)' : kib(r.webBytes)}`,
        '',
      ];
      if (r.setupCode) {
        lines.push(
          'No identity here (run `tincan init` first to own the relay directly), so the relay waits to be claimed.',
          `One-time setup code (also in UPLOAD.md; keep it secret until used):`,
          '',
          `    ${r.setupCode}`,
          '',
          'After the upload, claim it from the web client (settings), or with:',
          `    tincan relay use https://your.host/path-of-the-folder --setup-code ${r.setupCode}`,
          '',
        );
      } else {
        lines.push('Owner: this identity (only you can open channels on the relay).', '');
      }
      for (const w of r.warnings) lines.push(`Note: ${w}`);
      lines.push(
        'Next: upload the folder as it is (binary mode, keep permissions: index.cgi and folders 755, files 644),',
        'make data/ writable by the account CGI scripts run as, then run:',
        '    tincan relay check https://your.host/path-of-the-folder',
        'Read UPLOAD.md in the folder for details.',
      );
      ctx.out(lines.join('\n') + '\n');
    });
}
