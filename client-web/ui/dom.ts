/**
 * The few DOM helpers the screens need instead of a framework: `h()` builds elements, `field()`
 * builds a labelled input (so every control has an accessible name), `errorBox()` shows a failure
 * in words a person can act on. Text is always set as text, never as HTML.
 */
import { TincanError } from '../../protocol/errors.ts';

type Child = Node | string | null | undefined | false;
type Props = Record<string, unknown> & { on?: Record<string, (e: Event) => void> };

/** Creates an element: props set attributes (or properties for `value`, `checked`), children append. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (k === 'on') for (const [ev, fn] of Object.entries(v as Record<string, (e: Event) => void>)) el.addEventListener(ev, fn);
      else if (k === 'value' || k === 'checked' || k === 'disabled' || k === 'readOnly') (el as unknown as Record<string, unknown>)[k] = v;
      else if (v === true) el.setAttribute(k, '');
      else if (v !== false && v !== null && v !== undefined) el.setAttribute(k, String(v));
    }
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

let uid = 0;
/** A unique element id. */
export const newId = (prefix: string) => `${prefix}-${++uid}`;

/** A label + input (or textarea) pair with an optional hint, wired by id and aria-describedby. */
export function field(o: {
  label: string;
  name: string;
  type?: string;
  value?: string;
  hint?: string;
  multiline?: boolean;
  readOnly?: boolean;
  required?: boolean;
  autocomplete?: string;
  placeholder?: string;
}): { wrap: HTMLDivElement; input: HTMLInputElement | HTMLTextAreaElement } {
  const id = newId(o.name);
  const hintId = o.hint ? `${id}-hint` : undefined;
  const common = {
    id,
    name: o.name,
    'aria-describedby': hintId,
    autocomplete: o.autocomplete ?? 'off',
    required: o.required ?? false,
    placeholder: o.placeholder,
    readOnly: o.readOnly ?? false,
    spellcheck: 'false',
  };
  const input = o.multiline ? h('textarea', { ...common, rows: 4 }) : h('input', { ...common, type: o.type ?? 'text' });
  input.value = o.value ?? '';
  const wrap = h('div', { class: 'field' }, h('label', { for: id }, o.label), input, o.hint ? h('span', { class: 'hint', id: hintId }, o.hint) : null);
  return { wrap, input };
}

/** What to tell a person for an error, by code. */
export function explain(err: unknown): { title: string; detail: string } {
  if (err instanceof TincanError) {
    const byCode: Partial<Record<string, string>> = {
      'invite-used': 'This invite was already used. An invite lets exactly one person join; ask for a new one.',
      'invite-expired': 'This invite has expired. Ask the person who sent it for a new one.',
      'invite-invalid': 'The relay does not know this invite. Check that you copied all of it, or ask for a new one.',
      'invite-malformed': 'This does not look like a Tincan invite. It starts with "tincan:" or is a link containing "#join=".',
      'relay-unreachable': 'The relay could not be reached. Check your connection; queued messages are sent when it answers again.',
      'setup-code-invalid': 'That setup code is not right. Use the code printed by `tincan relay serve` or written by `tincan relay bundle` (UPLOAD.md).',
      'already-claimed': 'This relay already has an owner. Only its owner can create invites on it.',
      'not-owner': 'You do not own this relay, so you cannot create invites on it. Claim your own relay first.',
      'passphrase-wrong': 'That passphrase is not right. Try again.',
      'rate-limited': 'The relay asks to slow down. Try again in a minute.',
    };
    return { title: err.message, detail: byCode[err.code] ?? '' };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { title: message || 'Something went wrong.', detail: '' };
}

/** An alert box (role="alert") explaining `err`. */
export function errorBox(err: unknown): HTMLElement {
  const { title, detail } = explain(err);
  return h('div', { class: 'alert error', role: 'alert' }, h('strong', null, title), detail ? h('p', { class: 'detail' }, detail) : null);
}

/** Replaces the children of `el`. */
export function mount(el: Element, ...children: Child[]): void {
  el.replaceChildren(...(children.filter((c) => c !== null && c !== undefined && c !== false) as Array<Node | string>));
}

/** "14:05" today, "Mon 14:05" this week, else a date. */
export function shortTime(ms: number, now = Date.now()): string {
  const d = new Date(ms);
  const sameDay = new Date(now).toDateString() === d.toDateString();
  const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  if (sameDay) return time;
  if (now - ms < 6 * 86400_000) return `${d.toLocaleDateString(undefined, { weekday: 'short' })} ${time}`;
  return d.toLocaleDateString();
}

/** Runs `fn` while `button` is disabled and shows `busyText`; restores the button after. */
export async function busy<T>(button: HTMLButtonElement, busyText: string, fn: () => Promise<T>): Promise<T> {
  const text = button.textContent;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  // Keep the accessible name stable (tests and screen readers look buttons up by name).
  button.setAttribute('aria-label', text ?? '');
  button.textContent = busyText;
  try {
    return await fn();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    button.removeAttribute('aria-label');
    button.textContent = text;
  }
}
