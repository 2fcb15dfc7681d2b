// Reads the import graph of every TypeScript file and fails on the edges STYLE.md forbids, so the
// shape (portable protocol, framework-free relay core, lean CGI entry, independent clients) stays true.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const rel = (p: string) => path.relative(root, p).split(path.sep).join('/');

function walk(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else if (/\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

const IMPORT_RE = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'"`;]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

interface Node { file: string; internal: string[]; external: string[]; typeOnly: Set<string>; source: string }

function parse(file: string): Node {
  const source = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const internal: string[] = [];
  const external: string[] = [];
  const typeOnly = new Set<string>();
  for (const m of source.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2]!;
    const isType = /^\s*(?:import|export)\s+type\s/.test(m[0].replace(/^[\s;]/, ''));
    if (spec.startsWith('.')) {
      const target = path.resolve(path.dirname(file), spec);
      internal.push(target);
      if (isType) typeOnly.add(target);
    } else {
      external.push(spec);
      if (isType) typeOnly.add(spec);
    }
  }
  return { file, internal, external, typeOnly, source };
}

const files = ['protocol', 'server', 'client-cli', 'client-web', 'deploy'].flatMap((d) => walk(path.join(root, d)));
const graph = new Map(files.map((f) => [f, parse(f)]));
const isTest = (f: string) => /\.test\.ts$|[\\/]test-support[\\/]/.test(f);
const production = files.filter((f) => !isTest(f));

function top(file: string): string {
  return rel(file).split('/')[0]!;
}

describe('import graph', () => {
  it('finds the project files', () => {
    expect(production.length).toBeGreaterThan(3);
  });

  it('protocol/ imports nothing of ours outside protocol/ and no Node built-ins', () => {
    const bad: string[] = [];
    for (const f of production.filter((f) => top(f) === 'protocol')) {
      const n = graph.get(f)!;
      for (const t of n.internal) if (top(t) !== 'protocol') bad.push(`${rel(f)} -> ${rel(t)}`);
      for (const e of n.external) if (e.startsWith('node:') || ['fs', 'path', 'crypto', 'os'].includes(e)) bad.push(`${rel(f)} -> ${e}`);
      if (/\bprocess\.|\bBuffer\b|\brequire\(/.test(n.source)) bad.push(`${rel(f)} uses a Node-only global`);
    }
    expect(bad).toEqual([]);
  });

  it('clients never import server/ and never import each other', () => {
    const bad: string[] = [];
    for (const f of production) {
      const from = top(f);
      if (from !== 'client-cli' && from !== 'client-web') continue;
      for (const t of graph.get(f)!.internal) {
        const to = top(t);
        if (to === 'server' || (to.startsWith('client-') && to !== from)) bad.push(`${rel(f)} -> ${rel(t)}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('server/core imports no framework, database, socket or Node built-in, and never touches process', () => {
    const bad: string[] = [];
    for (const f of production.filter((f) => rel(f).startsWith('server/core/'))) {
      const n = graph.get(f)!;
      for (const e of n.external) if (!n.typeOnly.has(e) && (e.startsWith('node:') || ['express', 'ws', 'better-sqlite3'].includes(e))) bad.push(`${rel(f)} -> ${e}`);
      for (const t of n.internal) if (!rel(t).startsWith('server/core/') && top(t) !== 'protocol') bad.push(`${rel(f)} -> ${rel(t)}`);
      if (/\bprocess\./.test(n.source)) bad.push(`${rel(f)} touches process`);
    }
    expect(bad).toEqual([]);
  });

  it('only adapters and main-* files touch process, env, stdin or stdout in the relay', () => {
    const bad = production
      .filter((f) => top(f) === 'server' && !/server\/(adapters\/|main-)/.test(rel(f)))
      .filter((f) => /\bprocess\.(env|stdin|stdout|exit|argv|on)\b/.test(graph.get(f)!.source))
      .map(rel);
    expect(bad).toEqual([]);
  });

  it('the CGI entry loads neither express nor ws, directly or transitively', () => {
    const entry = path.join(root, 'server/main-cgi.ts');
    expect(existsSync(entry)).toBe(true);
    const seen = new Set<string>();
    const externals = new Set<string>();
    const stack = [entry];
    while (stack.length) {
      const f = stack.pop()!;
      const resolved = [f, `${f}.ts`].find((c) => graph.has(c));
      if (!resolved || seen.has(resolved)) continue;
      seen.add(resolved);
      const n = graph.get(resolved)!;
      for (const e of n.external) if (!n.typeOnly.has(e)) externals.add(e);
      for (const t of n.internal) if (!n.typeOnly.has(t)) stack.push(t);
    }
    expect([...externals].filter((e) => e === 'express' || e === 'ws' || e.startsWith('express/') || e.startsWith('ws/'))).toEqual([]);
  });
});
