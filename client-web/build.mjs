// Builds the web client into one static folder (dist/web/) that every relay serves at its base URL:
// the standalone relay from its webRoot, the CGI bundle as plain files next to index.cgi. Every URL
// in the output is relative, so the folder works at "/" and under a sub-path like "/chat/".
//
// Output: index.html, app-<hash>.js (+ lazily loaded chunks/), app-<hash>.css, sw.js (the service
// worker, which precaches exactly the files listed here), manifest.webmanifest, icon-*.png.
// libsodium-wrappers' ESM build carries its WebAssembly inline (base64), so no .wasm file is fetched.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { deflateSync, gzipSync } from 'node:zlib';
import path from 'node:path';

/**
 * Builds the web client.
 * @param {{root: string, outdir: string, minify?: boolean}} o  root: the repository; outdir: where to write
 * @returns {Promise<{files: string[], initialFiles: string[], initialGzipBytes: number}>}
 */
export async function buildWeb({ root, outdir, minify = true }) {
  const src = path.join(root, 'client-web');
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });

  const app = await build({
    entryPoints: { app: path.join(src, 'main.ts') },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome105', 'firefox110', 'safari16'],
    minify,
    sourcemap: 'linked',
    entryNames: '[name]-[hash]',
    chunkNames: 'chunks/[name]-[hash]',
    assetNames: 'assets/[name]-[hash]',
    metafile: true,
    legalComments: 'linked',
    logLevel: 'warning',
    // libsodium's Emscripten glue names Node modules inside runtime checks it never takes in a browser.
    external: ['crypto', 'fs', 'path', 'url', 'worker_threads'],
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const css = await build({
    entryPoints: { app: path.join(src, 'styles.css') },
    outdir,
    bundle: true,
    minify,
    entryNames: '[name]-[hash]',
    metafile: true,
    logLevel: 'warning',
  });

  const outputs = (meta) => Object.keys(meta.outputs).map((f) => path.relative(outdir, path.resolve(f)).split(path.sep).join('/'));
  const jsFiles = outputs(app.metafile).filter((f) => !f.endsWith('.map') && !f.endsWith('.LEGAL.txt'));
  const entryJs = jsFiles.find((f) => /^app-[^/]+\.js$/.test(f));
  const cssFile = outputs(css.metafile).find((f) => f.endsWith('.css'));
  if (!entryJs || !cssFile) throw new Error('web build: entry outputs missing');
  // Chunks the entry imports statically load with it; dynamic ones (the Argon2id build) load on demand.
  const entryMeta = Object.entries(app.metafile.outputs).find(([f]) => f.endsWith(entryJs))[1];
  const staticChunks = entryMeta.imports.filter((i) => i.kind === 'import-statement').map((i) => path.relative(outdir, path.resolve(i.path)).split(path.sep).join('/'));

  // The service worker is built after the app so that it can list the app's files.
  const icons = writeIcons(outdir);
  const html = readFileSync(path.join(src, 'index.html'), 'utf8')
    .replace('%CSS%', cssFile)
    .replace('%JS%', entryJs)
    .replace('%PRELOADS%', staticChunks.map((c) => `<link rel="modulepreload" href="./${c}">`).join('\n    '));
  writeFileSync(path.join(outdir, 'index.html'), html);
  writeFileSync(path.join(outdir, 'manifest.webmanifest'), JSON.stringify(manifest(icons), null, 2));

  const shell = ['./', 'index.html', 'manifest.webmanifest', entryJs, cssFile, ...staticChunks, ...icons.map((i) => i.src)];
  const version = createHash('sha256').update(shell.join('\n') + html).digest('hex').slice(0, 16);
  await build({
    entryPoints: [path.join(src, 'sw.ts')],
    outfile: path.join(outdir, 'sw.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify,
    logLevel: 'warning',
    define: { __SHELL__: JSON.stringify(shell), __VERSION__: JSON.stringify(version) },
  });

  const initialFiles = [entryJs, cssFile, ...staticChunks, 'index.html'];
  const initialGzipBytes = initialFiles.reduce((n, f) => n + gzipSync(readFileSync(path.join(outdir, f)), { level: 9 }).length, 0);
  return { files: [...jsFiles, cssFile, 'index.html', 'sw.js', 'manifest.webmanifest', ...icons.map((i) => i.src)], initialFiles, initialGzipBytes };
}

function manifest(icons) {
  return {
    name: 'Tincan',
    short_name: 'Tincan',
    description: 'End-to-end encrypted conversations through relays anyone can run.',
    start_url: './',
    scope: './',
    display: 'standalone',
    background_color: '#f6f7f9',
    theme_color: '#1f6f78',
    icons: icons.map(({ src, size }) => ({ src, sizes: `${size}x${size}`, type: 'image/png', purpose: 'any maskable' })),
  };
}

// ---- icons: a tin can drawn into a PNG, so the build needs no image tools ----
function writeIcons(outdir) {
  return [192, 512].map((size) => {
    const src = `icon-${size}.png`;
    writeFileSync(path.join(outdir, src), drawIcon(size));
    return { src, size };
  });
}

function drawIcon(size) {
  const px = new Uint8Array(size * size * 4);
  const bg = [31, 111, 120];
  const can = [240, 244, 245];
  const ridge = [176, 196, 200];
  const u = size / 16;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let c = bg;
      const inCan = x >= 5 * u && x < 11 * u && y >= 3.5 * u && y < 12.5 * u;
      const rimTop = Math.hypot((x - 8 * u) / (3 * u), (y - 3.5 * u) / (0.9 * u)) <= 1;
      const rimBottom = Math.hypot((x - 8 * u) / (3 * u), (y - 12.5 * u) / (0.9 * u)) <= 1;
      if (inCan || rimBottom) c = can;
      if (inCan && (Math.abs(y - 6.5 * u) < 0.25 * u || Math.abs(y - 9.5 * u) < 0.25 * u)) c = ridge;
      if (rimTop) c = Math.hypot((x - 8 * u) / (2.6 * u), (y - 3.5 * u) / (0.6 * u)) <= 1 ? ridge : can;
      const o = (y * size + x) * 4;
      px[o] = c[0]; px[o + 1] = c[1]; px[o + 2] = c[2]; px[o + 3] = 255;
    }
  }
  return encodePng(size, size, px);
}

function encodePng(w, h, rgba) {
  const raw = new Uint8Array((w * 4 + 1) * h);
  for (let y = 0; y < h; y++) raw.set(rgba.subarray(y * w * 4, (y + 1) * w * 4), y * (w * 4 + 1) + 1);
  const chunk = (type, data) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'latin1');
    Buffer.from(data).copy(out, 8);
    out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', new Uint8Array())]);
}

function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}
