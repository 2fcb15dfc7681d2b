// The upload bundle under a real lighttpd 1.4 with mod_cgi (CGI as www-data). lighttpd ignores
// .htaccess, so the server includes the sample deploy/lighttpd.conf (deny data/, relay/, the config
// and UPLOAD.md; route <folder>/v1/... to index.cgi).
// Covers: the relay journey through the rewritten and the fallback URLs, private files never served,
// and `tincan relay check` on it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { hasLighttpd, installAsUpload, makeDocroot, startLighttpd } from './support/web-servers.ts';
import { makeBundle, newKeys, relayClient, relayJourney } from './support/relay-journey.ts';
import { checkRelay } from '../../client-cli/commands/relay-check.ts';

const run = hasLighttpd() && existsSync(path.resolve(import.meta.dirname, '../../dist/cgi/relay.js'));

describe.runIf(run)('relay bundle under lighttpd mod_cgi', () => {
  const owner = newKeys();
  let docroot: string;
  let bundleOut: string;
  let web: Awaited<ReturnType<typeof startLighttpd>>;
  let folder: string;
  beforeAll(async () => {
    const bundle = makeBundle({ owner: owner.publicKey });
    bundleOut = bundle.out;
    docroot = makeDocroot();
    installAsUpload(bundle.out, path.join(docroot, 'chat'));
    // The very sample users are told to install (deploy/lighttpd.conf), for a bundle at /chat.
    web = await startLighttpd({ docroot, include: path.resolve(import.meta.dirname, '../../deploy/lighttpd.conf') });
    folder = `${web.origin}/chat`;
  });
  afterAll(async () => {
    await web?.stop();
    rmSync(docroot, { recursive: true, force: true });
    rmSync(path.dirname(bundleOut), { recursive: true, force: true });
  });

  it('shows the web client and answers /v1/info and /v1/check', async () => {
    const page = await fetch(`${folder}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    expect((await relayClient(folder).info()).owner).toBe(Buffer.from(owner.publicKey).toString('base64url'));
    const check = await (await fetch(`${folder}/v1/check`, { headers: { 'X-Tincan-Auth': 'probe' } })).json();
    expect(check).toMatchObject({ dataWritable: true, authHeaderReceived: true, adapter: 'cgi', sqlite: { journalMode: 'wal' } });
  });

  it('carries the relay journey through rewritten URLs', async () => {
    const j = await relayJourney(folder, owner);
    expect(j.secondUse).toBe('invite-used');
    expect(j.bobSaw).toEqual(['hi bob (opaque bytes to the relay)', 'hi alice']);
    expect(j.aliceSaw).toEqual(j.bobSaw);
  });

  it('carries the relay journey through the fallback index.cgi URLs', async () => {
    const j = await relayJourney(`${folder}/index.cgi`, owner);
    expect(j.bobSaw).toEqual(['hi bob (opaque bytes to the relay)', 'hi alice']);
  });

  it('never serves the database, its WAL, the config or the code', async () => {
    const db = path.join(docroot, 'chat', 'data', 'relay.db');
    expect(existsSync(db)).toBe(true);
    const head = readFileSync(db).subarray(0, 16);
    for (const p of ['data/relay.db', 'data/relay.db-wal', 'data/', 'config.json', 'relay/relay.js', 'relay/better_sqlite3.node', 'UPLOAD.md', '.htaccess', 'data/.htaccess']) {
      const res = await fetch(`${folder}/${p}`);
      const bytes = Buffer.from(await res.arrayBuffer());
      expect([403, 404], `${p} answered ${res.status}`).toContain(res.status);
      expect(bytes.includes(head)).toBe(false);
    }
  });

  it('`tincan relay check` reports a good host', async () => {
    const report = await checkRelay(folder);
    expect(report.items.filter((i) => i.status !== 'ok')).toEqual([]);
    expect(report.baseUrl).toBe(folder);
  });
});
