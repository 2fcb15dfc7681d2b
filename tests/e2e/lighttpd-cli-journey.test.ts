// The CLI journey through the upload bundle under a real lighttpd with mod_cgi and the shipped
// deploy/lighttpd.conf: `tincan relay bundle` → copy as uploaded → `tincan relay check` → invite,
// join, chat both ways with the real `tincan` binary and two TINCAN_HOMEs.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { hasLighttpd, installAsUpload, nodeForWebUser, makeDocroot, startLighttpd, type WebServer } from './support/web-servers.ts';
import { cliJourney, expectedCliJourney, repoRoot } from './support/relay-journey.ts';
import { ok, tempDirs, tincan } from './cli-harness.ts';

const run = hasLighttpd() && existsSync(path.join(repoRoot, 'dist/cgi/relay.js')) && existsSync(path.join(repoRoot, 'dist/cli/main.js'));
const tmp = tempDirs();
let web: WebServer | undefined;
let docroot: string | undefined;
afterAll(async () => {
  await web?.stop();
  if (docroot) rmSync(docroot, { recursive: true, force: true });
  tmp.cleanup();
});

describe.runIf(run)('tincan CLI journey through the CGI bundle under lighttpd', () => {
  it('check approves the host, then invite, join, chat both ways', async () => {
    const homes = { alice: path.join(tmp.make(), 'alice'), bob: path.join(tmp.make(), 'bob'), carol: path.join(tmp.make(), 'carol') };
    await ok(homes.alice, ['init', '--name', 'alice']);
    const site = path.join(tmp.make(), 'site');
    await ok(homes.alice, ['relay', 'bundle', '--out', site, '--node', nodeForWebUser()]);
    docroot = makeDocroot();
    installAsUpload(site, path.join(docroot, 'chat'));
    web = await startLighttpd({ docroot, include: path.join(repoRoot, 'deploy/lighttpd.conf') });
    const folder = `${web.origin}/chat`;

    const check = await tincan(homes.alice, ['relay', 'check', folder]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain(`Base URL: ${folder}\n`);

    const j = await cliJourney(folder, homes);
    expect(j).toMatchObject(expectedCliJourney);
    expect(j.secondJoin.code).toBe(4);
  });
});
