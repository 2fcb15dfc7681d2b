// The one HTTP suite of the relay API, run against every adapter: in process, a spawned CGI
// process per request (the real entry, bundled), and the standalone express server.
import { relayHttpSuite } from '../../server/test-support/http-suite.ts';
import { cgiTarget, inProcessTarget, standaloneTarget } from '../../server/test-support/targets.ts';

relayHttpSuite('the core in process', inProcessTarget);
relayHttpSuite('a spawned CGI process', cgiTarget);
relayHttpSuite('the standalone server', standaloneTarget);
