/**
 * The text files of an upload bundle: the Apache .htaccess files and UPLOAD.md. Kept apart from the
 * writer so that the rules can be read (and reviewed) in one place.
 *
 * .htaccess rules use only what shared hosts commonly allow (`AllowOverride All`, or at least
 * FileInfo + Options + Indexes). Deliberately absent: `CGIPassAuth` (a 500 for the whole folder
 * without the AuthConfig override — we use the custom header X-Tincan-Auth instead, which Apache
 * always passes) and `CGIScriptTimeout` (not allowed in .htaccess). `RewriteRule` needs
 * `Options +SymLinksIfOwnerMatch` or Apache answers 403.
 */

export function htaccess(o: { basePath: string | null }): string {
  return `# Tincan relay (written by \`tincan relay bundle\`). Needs Apache with mod_cgi and, for this
# folder, "AllowOverride All" (at least: FileInfo Options Indexes). See UPLOAD.md.
Options +ExecCGI -Indexes +SymLinksIfOwnerMatch
AddHandler cgi-script .cgi
DirectoryIndex index.html

# Authentication needs no rule here: clients sign requests in the X-Tincan-Auth header, which Apache
# hands to CGI scripts as is (it drops only Authorization, and CGIPassAuth would turn this folder
# into a 500 on hosts without the AuthConfig override).

# Never serve the configuration. (data/ and relay/ carry their own .htaccess that denies them.)
<IfModule mod_alias.c>
  RedirectMatch 404 "/((config|package)\\.json|UPLOAD\\.md)$"
</IfModule>

<IfModule mod_rewrite.c>
  RewriteEngine On
${o.basePath ? `  RewriteBase ${o.basePath}/\n` : ''}  RewriteRule ^(data|relay)(/|$) - [R=404,L]
  RewriteRule ^((config|package)\\.json|UPLOAD\\.md)$ - [R=404,L]
  # The relay API: <this folder>/v1/... runs index.cgi/v1/... (the path arrives as PATH_INFO).
  # Without mod_rewrite, clients use <this folder>/index.cgi as the relay's base URL instead.
  RewriteRule ^v1(/.*)?$ index.cgi/v1$1 [L]
</IfModule>

# The web client's files are served by Apache directly. Pages, the service worker and the manifest
# are revalidated on every visit, so an updated bundle shows at once; files whose names carry a
# content hash (app-3FQ2ZK7L.js) never change and are cached for a year; the rest for an hour.
<IfModule mod_headers.c>
  <FilesMatch "\\.(js|mjs|css|svg|png|jpg|webp|ico|woff2|wasm)$">
    Header set Cache-Control "public, max-age=3600"
  </FilesMatch>
  <FilesMatch "-[A-Z0-9]{8}\\.(js|mjs|css|wasm)$">
    Header set Cache-Control "public, max-age=31536000, immutable"
  </FilesMatch>
  <FilesMatch "(\\.html?|^sw\\.js|\\.webmanifest)$">
    Header set Cache-Control "no-cache"
  </FilesMatch>
  <FilesMatch "\\.(md|cgi)$">
    Header set X-Content-Type-Options "nosniff"
  </FilesMatch>
</IfModule>
<IfModule mod_mime.c>
  AddType text/javascript .js .mjs
  AddType application/manifest+json .webmanifest
  AddType application/wasm .wasm
  AddType text/plain .md
  AddCharset utf-8 .html .js .mjs .css .md .json
</IfModule>
`;
}

/** For data/ and relay/: nothing in there is for the web (the relay reads it from disk). */
export function privateHtaccess(what: string): string {
  return `# This folder holds ${what}: it is read from disk by index.cgi and must never be served.
# RedirectMatch needs only the FileInfo override (like the rest of this bundle), so it cannot turn
# the folder into a 500 on hosts that do not allow AuthConfig.
<IfModule mod_alias.c>
  RedirectMatch 404 ".*"
</IfModule>
<IfModule !mod_alias.c>
  Require all denied
</IfModule>
Options -Indexes
`;
}

export interface GuideFacts {
  nodePath: string;
  basePath: string | null;
  setupCode: string | null;
  ownerKey: string | null;
  supportedNode: string;
  platform: string;
  glibc: string | null;
  abi: string;
  webPlaceholder: boolean;
}

export function uploadGuide(f: GuideFacts): string {
  const folder = f.basePath ?? '/chat';
  const ex = `https://example.org${folder}`;
  return `# Uploading this Tincan relay

This folder is a complete Tincan relay for shared hosting (Apache with CGI, or lighttpd). Upload it
**as it is** — every file, including the hidden \`.htaccess\` files — to a folder under your web
root, for example \`public_html${folder}/\`, so that it answers at \`${ex}/\`.

## 1. Upload

- Use binary mode (SFTP does this; in FTP clients choose "binary"), and keep the permissions:
  \`index.cgi\` **755**, folders **755**, every other file **644**. Never 775 or 777: suEXEC refuses
  to run scripts in group- or world-writable folders.
- \`index.cgi\` starts with \`#!${f.nodePath} --v8-pool-size=1\`. That must be the path of Node **on
  the host** (shared hosts reset PATH for CGI scripts, so it must be absolute). If your host has
  Node elsewhere, make the bundle again with \`tincan relay bundle --node /that/path\`.
- The \`data/\` folder must be writable by the account the CGI script runs as. On hosts with suEXEC
  (most cPanel/CloudLinux hosts) that is you, and nothing needs to change. On hosts where CGI runs as
  the web server's user (\`www-data\`, \`apache\`, \`nobody\`), make \`data/\` owned by that user, or
  ask your host to. \`tincan relay check\` tells you which case you are in.

## 2. Check the host

Open \`${ex}/\` in a browser: you should see the ${f.webPlaceholder ? 'relay\'s start page (this bundle has no web client)' : 'Tincan web client'}.
Then open \`${ex}/check.html\`, or run

    tincan relay check ${ex}

It prints, one line each, what works on this host: Node version, the SQLite module, whether
\`data/\` is writable and **not** readable from the web, WAL journal or its fallback, whether the
\`X-Tincan-Auth\` header reaches the relay, and which base URL to use. The same facts are at
\`${ex}/v1/check\` (JSON).

### The relay's base URL

- With \`mod_rewrite\` allowed (the usual case): **\`${ex}\`** — \`${ex}/v1/info\` answers.
- Without rewriting (\`${ex}/v1/info\` gives 404 but \`${ex}/index.cgi/v1/info\` answers): use
  **\`${ex}/index.cgi\`** as the base URL everywhere (in \`tincan relay use\`, in invites, in the web
  client).

## 3. ${f.setupCode ? 'Claim the relay (one-time setup code)' : 'Owner'}

${
  f.setupCode
    ? `This bundle was made without a Tincan identity, so the relay has no owner yet. Whoever first
presents this one-time setup code becomes its owner:

    ${f.setupCode}

Claim it from the web client (open \`${ex}/\`, and in its settings enter this relay's address and
the code), or from the command line:

    tincan relay use ${ex} --setup-code ${f.setupCode}

The code works once; after that the relay refuses every other claim. Keep it secret until then,
and delete this file from the host once the relay is claimed (it is not needed to run the relay).`
    : `The relay's owner is the identity that made this bundle (public key \`${f.ownerKey}\`). Only that
identity can open channels here; everyone else joins through invites. Nothing to do.`
}

## 4. Which hosts can run this bundle

- **Node:** ${f.supportedNode}.
  - The bundled SQLite module (better-sqlite3, \`relay/better_sqlite3.node\`) is native code for
    **${f.platform}**, glibc ${f.glibc ? `**${f.glibc} or newer**` : '(version not detected)'}, and exactly one Node ABI (${f.abi}).
  - On **Node 22.13 or newer** the relay does not need it: when the module does not load, it uses
    Node's built-in \`node:sqlite\` instead (any platform).
  - Any other Node (older majors, 22.0–22.12) answers every request with a 500; \`tincan relay check\`
    and \`check.html\` name the mismatch.
  - Signatures are checked with libsodium's addon (\`relay/sodium-native.node\`, N-API: the same
    file works on every Node version of the platform). Where it does not load, the relay uses
    Node's own \`node:crypto\` instead: same answers, about 2 ms slower per request.
- **To make a bundle for another Node or platform:** on a machine with that Node (same major
  version and platform as the host, and a glibc no newer than the host's), install Tincan
  (\`npm install\` builds better-sqlite3 for that Node) and run \`tincan relay bundle --node <path on the host>\` there.
- **Web servers:** Apache 2.4 with mod_cgi (mod_rewrite recommended), or lighttpd with mod_cgi
  (see \`deploy/lighttpd.conf\` in the Tincan sources: lighttpd ignores \`.htaccess\`, so the same
  rules must go into its configuration), or nginx + fcgiwrap (\`deploy/nginx-fcgiwrap.conf\`).

## 5. What is private

\`config.json\`, \`data/\` (the database, its \`-wal\`/\`-shm\` files, the code cache), \`relay/\` and
this \`UPLOAD.md\` (it may hold the setup code) must never be readable over HTTP; the \`.htaccess\`
files deny them and \`tincan relay check\` verifies it.
The relay stores only encrypted envelopes; it cannot read messages.

## 6. Speed

Each request starts a fresh Node process. The first request after an upload compiles the relay and
stores a V8 code cache in \`data/\`; later requests start faster. The cache is rebuilt by itself
after Node is upgraded.
`;
}
