// Shared by the benchmarks: print each figure beside its target, and write them all as JSON.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** e.g. "<= 1.3x node -e 0"; omitted for reference figures. */
  target?: string;
  /** Whether the target is met; omitted for reference figures. */
  met?: boolean;
}

export function report(area: string, figures: Figure[]): void {
  for (const f of figures) {
    const status = f.met === undefined ? '' : f.met ? '  [met]' : '  [MISSED]';
    const target = f.target ? `  (target ${f.target})` : '';
    console.log(`${f.name}: ${Number.isInteger(f.value) ? f.value : f.value.toFixed(3)} ${f.unit}${target}${status}`);
  }
  const dir = path.resolve(import.meta.dirname, '..', 'bench-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${area}.json`), JSON.stringify({ area, at: new Date().toISOString(), node: process.version, figures }, null, 2));
}

/** Median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The p-th percentile (0..100). */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
