/**
 * A page's timeline for diagnosing a failed journey: every console line, page error, request
 * (method, URL, how long it took, status or failure), navigation (hash changes) and WebSocket frame,
 * stamped with the milliseconds since the trace started. Under load a journey that fails says where
 * the time went: `printTracesOnFailure()` prints the timelines of a test that failed.
 *
 *   const t0 = Date.now();
 *   const traces: PageTrace[] = [];
 *   printTracesOnFailure(() => traces, () => web.accessLog().join('\n'));
 *   traces.push(tracePage(page, 'alice', t0));
 */
import { afterEach } from 'vitest';
import type { Page } from 'playwright-core';

export interface PageTrace {
  note(line: string): void;
  dump(): string;
}

export function tracePage(page: Page, label: string, t0 = Date.now()): PageTrace {
  const lines: string[] = [];
  const at = () => String(Date.now() - t0).padStart(6);
  const note = (line: string) => void lines.push(`${at()} ${label} ${line}`);
  const started = new Map<object, number>();
  page.on('console', (m) => note(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => note(`pageerror: ${e.message}`));
  page.on('framenavigated', (f) => f === page.mainFrame() && note(`navigated ${f.url()}`));
  page.on('request', (r) => {
    started.set(r, Date.now());
    note(`> ${r.method()} ${r.url()}`);
  });
  page.on('requestfinished', (r) => {
    void r.response().then((res) => note(`< ${res?.status() ?? '?'} ${r.method()} ${r.url()} ${Date.now() - (started.get(r) ?? t0)} ms`), () => undefined);
  });
  page.on('requestfailed', (r) => note(`x ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ''} ${Date.now() - (started.get(r) ?? t0)} ms`));
  page.on('websocket', (ws) => {
    note(`ws open ${ws.url()}`);
    ws.on('framereceived', (f) => note(`ws < ${String(f.payload).slice(0, 120)}`));
    ws.on('framesent', (f) => note(`ws > ${String(f.payload).slice(0, 120)}`));
    ws.on('close', () => note(`ws closed ${ws.url()}`));
  });
  return { note, dump: () => lines.join('\n') };
}

/**
 * After each test that failed, prints the pages' timelines merged in time order (and `extra()`,
 * e.g. a web server's access log with request start times).
 */
export function printTracesOnFailure(traces: () => PageTrace[], extra?: () => string): void {
  afterEach((ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    const merged = traces().flatMap((t) => t.dump().split('\n')).filter(Boolean).sort();
    let more = '';
    try {
      more = extra?.() ?? '';
    } catch (err) {
      more = `(could not add more: ${String(err)})`;
    }
    console.log(`---- timeline of "${ctx.task.name}" (ms since the suite started)\n${merged.join('\n')}${more ? `\n---- more\n${more}` : ''}`);
  });
}
