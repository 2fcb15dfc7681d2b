'use strict';
// Stand-in for the npm package `bindings`, shipped as relay/node_modules/bindings/index.js in the
// upload bundle. better-sqlite3 is its only user here (`require('bindings')('better_sqlite3.node')`),
// and in the bundle the addon sits at one fixed place, so this skips the real package's search of a
// dozen candidate folders and its stack-trace trick: about 1-2 ms per CGI request.
const path = require('path');

module.exports = function bindings(opts) {
  const name = typeof opts === 'string' ? opts : opts.bindings;
  const file = name.endsWith('.node') ? name : `${name}.node`;
  return require(path.join(__dirname, '..', 'better-sqlite3', 'build', 'Release', file));
};
