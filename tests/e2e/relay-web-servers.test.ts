// The relay HTTP suite once more, through the CGI entry behind a real Apache (mod_cgi +
// mod_rewrite, .htaccess) and a real lighttpd (mod_cgi), as on shared hosting; and the data
// folder is not downloadable.
import { describe, expect, it } from 'vitest';
import { relayHttpSuite } from '../../server/test-support/http-suite.ts';
import { webServerTarget } from '../../server/test-support/targets.ts';

relayHttpSuite('the CGI entry under a real Apache', webServerTarget('apache'));
relayHttpSuite('the CGI entry under a real lighttpd', webServerTarget('lighttpd'));

describe('the data folder under a web server', () => {
  for (const kind of ['apache', 'lighttpd'] as const) {
    it(`is not served by ${kind}`, async () => {
      const t = await webServerTarget(kind)();
      try {
        expect((await t.send('GET', '/v1/info')).status).toBe(200);
        const r = await fetch(`${t.url}/data/relay.db`);
        expect(r.status).toBeGreaterThanOrEqual(400);
        expect(await r.text()).not.toContain('SQLite format');
      } finally {
        await t.close();
      }
    });
  }
});
