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

/** Words for people, by error code: a title (used when the engine's message speaks CLI) and a hint. */
const WORDS: Partial<Record<string, { title: string; hint: string }>> = {
  'invite-used': { title: 'This invite was already used.', hint: 'An invite lets exactly one person join.' },
  'invite-expired': { title: 'This invite has expired.', hint: 'Ask the person who sent it for a new one.' },
  'invite-invalid': { title: 'The relay does not know this invite.', hint: 'Check that you copied all of it, or ask for a new one.' },
  'invite-malformed': { title: 'This is not a Tincan invite.', hint: 'An invite is text starting with "tincan:" or a link containing "#join=".' },
  'relay-unreachable': { title: 'The relay could not be reached.', hint: 'Check your connection and the address. Queued messages are sent when it answers again.' },
  'setup-code-invalid': { title: 'That setup code is not right.', hint: 'Use the code printed by `tincan relay serve`, or the one `tincan relay bundle` wrote into UPLOAD.md.' },
  'already-claimed': { title: 'This relay already has an owner.', hint: 'Only its owner can create invites on it. Claim a relay of your own, or use one you already own.' },
  'not-owner': { title: 'You do not own this relay.', hint: 'Claim it with its setup code, or choose a relay you own.' },
  'not-initialized': { title: 'You have no relay yet.', hint: 'Claim one under "Relay" to create invites.' },
  'passphrase-wrong': { title: 'That passphrase is not right.', hint: 'Try again.' },
  'rate-limited': { title: 'The relay asks to slow down.', hint: 'Try again in a minute.' },
};

const sentence = (t: string) => {
  const s = t.trim();
  return s ? `${s[0]!.toUpperCase()}${s.slice(1)}${/[.!?]$/.test(s) ? '' : '.'}` : s;
};

/** What to tell a person for an error: the engine's message unless it speaks CLI, plus a hint. */
export function explain(err: unknown): { title: string; detail: string } {
  if (err instanceof TincanError) {
    const words = WORDS[err.code];
    // Engine messages written for the terminal (they name `tincan …` commands) get web words.
    if (words && /`/.test(err.message)) return { title: words.title, detail: words.hint };
    return { title: sentence(err.message), detail: words?.hint ?? '' };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { title: sentence(message) || 'Something went wrong.', detail: '' };
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
