// Journey 1 + 4 + 5 through the upload bundle under a real Apache, with the real `tincan` binary:
// alice makes the bundle with `tincan relay bundle` (so she owns the relay), it is copied into the
// document root as an upload would be, `tincan relay check` approves the host, and then alice and
// bob (two TINCAN_HOMEs) do invite → join → chat both ways exactly as with `tincan relay serve`.
// Once with mod_rewrite (base URL = the folder) and once without it (base URL = folder/index.cgi).
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { hasApache, installAsUpload, nodeForWebUser, makeDocroot, startApache, type WebServer } from './support/web-servers.ts';
import { cliJourney, expectedCliJourney, repoRoot } from './support/relay-journey.ts';
import { ok, tempDirs, tincan } from './cli-harness.ts';

const run = hasApache() && existsSync(path.join(repoRoot, 'dist/cgi/relay.js')) && existsSync(path.join(repoRoot, 'dist/cli/main.js'));
const tmp = tempDirs();
const servers: WebServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
  tmp.cleanup();
});

async function bundleUploadAndServe(rewrite: boolean) {
  const homes = { alice: path.join(tmp.make(), 'alice'), bob: path.join(tmp.make(), 'bob'), carol: path.join(tmp.make(), 'carol') };
  await ok(homes.alice, ['init', '--name', 'alice']);
  const site = path.join(tmp.make(), 'site');
  const made = await ok(homes.alice, ['relay', 'bundle', '--out', site, '--node', nodeForWebUser()]);
  expect(made).toContain('Owner: this identity');
  const docroot = makeDocroot();
  installAsUpload(site, path.join(docroot, 'chat'));
  const web = await startApache({ docroot, rewrite });
  servers.push({ ...web, stop: async () => (await web.stop(), rmSync(docroot, { recursive: true, force: true })) });
  return { homes, web, folder: `${web.origin}/chat`, docroot };
}

describe.runIf(run)('tincan CLI journey through the CGI bundle under Apache', () => {
  it('with mod_rewrite: check approves the host, then invite, join, chat both ways', async () => {
    const { homes, folder, docroot } = await bundleUploadAndServe(true);
    const check = await tincan(homes.alice, ['relay', 'check', folder]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain(`Verdict: this host runs the relay. Base URL: ${folder}\n`);

    const j = await cliJourney(folder, homes);
    expect(j).toMatchObject(expectedCliJourney);
    expect(j.secondJoin.code).toBe(4);
    expect(j.secondJoin.stderr).toContain('already used');
    expect(j.synced).toContain('your invite was used');
    // The relay's files hold no plaintext.
    const db = readFileSync(path.join(docroot, 'chat', 'data', 'relay.db'));
    expect(db.includes(Buffer.from('through CGI'))).toBe(false);
  });

  it('without mod_rewrite: check names the fallback base URL, and the journey works through it', async () => {
    const { homes, folder } = await bundleUploadAndServe(false);
    const check = await tincan(homes.alice, ['relay', 'check', folder]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain('rewriting is not active');
    expect(check.stdout).toContain(`Base URL: ${folder}/index.cgi\n`);

    const j = await cliJourney(`${folder}/index.cgi`, homes);
    expect(j).toMatchObject(expectedCliJourney);
    expect(j.secondJoin.code).toBe(4);
  });

  it('a bundle made before `tincan init` is claimed with its setup code, then carries the journey', async () => {
    const homes = { alice: path.join(tmp.make(), 'alice'), bob: path.join(tmp.make(), 'bob'), carol: path.join(tmp.make(), 'carol') };
    const site = path.join(tmp.make(), 'site');
    const made = await ok(homes.alice, ['relay', 'bundle', '--out', site, '--node', nodeForWebUser()]);
    const code = /^ {4}([0-9A-Z]{5}(?:-[0-9A-Z]{5}){3})$/m.exec(made)?.[1];
    expect(code, made).toBeDefined();
    expect(readFileSync(path.join(site, 'UPLOAD.md'), 'utf8')).toContain(`--setup-code ${code}`);
    const docroot = makeDocroot();
    installAsUpload(site, path.join(docroot, 'chat'));
    const web = await startApache({ docroot });
    servers.push({ ...web, stop: async () => (await web.stop(), rmSync(docroot, { recursive: true, force: true })) });
    const folder = `${web.origin}/chat`;
    await ok(homes.alice, ['init', '--name', 'alice']);
    const wrong = await tincan(homes.alice, ['relay', 'use', folder, '--setup-code', 'AAAAA-BBBBB-CCCCC-DDDDD']);
    expect(wrong.code).not.toBe(0);
    await ok(homes.alice, ['relay', 'use', folder, '--setup-code', code!]);
    const j = await cliJourney(folder, homes);
    expect(j).toMatchObject(expectedCliJourney);
  });
});
