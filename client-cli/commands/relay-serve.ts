/**
 * `tincan relay serve`: runs the standalone relay (express + ws) from the built bundle, loaded at
 * run time from a computed path (the CLI never imports server/). Owned by this identity when there
 * is one; otherwise the relay makes a one-time setup code, printed with what to do next.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TincanError } from '../../protocol/errors.ts';
import type { CliContext } from '../context.ts';
import { paint } from '../format.ts';

interface StandaloneModule {
  startStandaloneRelay(o: {
    host: string;
    port: number;
    dataDir: string;
    owner: Uint8Array | null;
    webRoot?: string;
    log?: { info(m: string, f?: object): void; warn(m: string, f?: object): void; error(m: string, f?: object): void };
  }): Promise<{ url: string; setupCode: string | null; close(): Promise<void> }>;
}

export function registerRelayServe(relay: Command, ctx: CliContext): void {
  relay
    .command('serve')
    .description('run a standalone relay owned by this identity (WebSocket push, web client at /)')
    .option('--port <n>', 'port to listen on', '8080')
    .option('--host <host>', 'address to listen on (0.0.0.0 for every interface; put TLS in front)', '127.0.0.1')
    .option('--data <dir>', 'folder for the relay database (default: <home>/relay)')
    .option('--web <dir>', 'folder of the web client to serve at / (default: the built dist/web)')
    .option('--verbose', 'log every request')
    .action(async (o: { port: string; host: string; data?: string; web?: string; verbose?: boolean }) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TincanError('bad-request', `--port must be a number from 0 to 65535 (got "${o.port}")`);
      const entry = ['standalone.js', 'main-standalone.js'].map((f) => path.join(ctx.packageRoot, 'dist', 'relay', f)).find((f) => existsSync(f));
      if (!entry) throw new TincanError('not-found', `the relay is not built (no dist/relay/ in ${ctx.packageRoot}); run \`npm run build\` there first`);
      // The built CLI runs as a CommonJS bundle: it imports ES modules through its launcher.
      const importer = (globalThis as { __tincanImport?: (url: string) => Promise<unknown> }).__tincanImport ?? ((url: string) => import(url));
      const mod = (await importer(pathToFileURL(entry).href)) as StandaloneModule;
      const owner = await ctx.loadIdentityPublicKey();
      const web = o.web ? path.resolve(ctx.cwd, o.web) : path.join(ctx.packageRoot, 'dist', 'web');
      const dataDir = path.resolve(ctx.cwd, o.data ?? path.join(ctx.home, 'relay'));
      const line = (level: string) => (msg: string, fields?: object) => ctx.err(`relay ${level}: ${msg}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`);
      const hasWeb = existsSync(path.join(web, 'index.html'));
      let server;
      try {
        server = await mod.startStandaloneRelay({
          host: o.host,
          port,
          dataDir,
          owner,
          ...(hasWeb ? { webRoot: web } : {}),
          log: { info: o.verbose ? line('info') : () => {}, warn: line('warning'), error: line('error') },
        });
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code === 'EADDRINUSE') throw new TincanError('bad-request', `port ${port} on ${o.host} is already in use; pick another with --port N`);
        if (e.code === 'EACCES') throw new TincanError('bad-request', `not allowed to listen on port ${port}; use a port above 1023 (e.g. --port 8080)`);
        throw err;
      }
      const lines = [
        `Relay running at ${paint(ctx, 'bold', server.url)}`,
        hasWeb ? `Web client: ${server.url}/` : `Web client: not served (no ${path.join(web, 'index.html')}; run \`npm run build\` or pass --web DIR)`,
        `Data: ${dataDir}`,
      ];
      if (owner) {
        lines.push('Owner: this identity. Make it your relay with:', `  tincan relay use ${server.url}`);
      } else {
        lines.push(
          '',
          `This relay has no owner yet. One-time setup code: ${paint(ctx, 'bold', server.setupCode ?? '(none)')}`,
          'Claim it from a browser (open the web client above and enter the code), or from a CLI:',
          `  tincan init --name YOUR-NAME && tincan relay use ${server.url} --setup-code ${server.setupCode ?? 'CODE'}`,
        );
      }
      lines.push('Stop with Ctrl-C.', '');
      ctx.out(lines.join('\n'));
      const sig = await ctx.waitForSignal();
      await server.close();
      ctx.out(`Relay stopped (${sig}).\n`);
    });
}
