/**
 * The form screens: create an identity, unlock, join with an invite, claim or choose a relay,
 * settings. Each returns its element; failures are shown inside the form (role="alert").
 */
import type { AppModel, MyRelayView } from '../model.ts';
import { busy, errorBox, field, h } from './dom.ts';
import { TincanError } from '../../protocol/errors.ts';

function form(title: string, intro: (Node | string)[], ...body: Node[]): { el: HTMLFormElement; out: HTMLElement } {
  const out = h('div', { class: 'form-errors' });
  const el = h('form', { class: 'card', 'aria-labelledby': 'form-title', novalidate: true }, h('h1', { id: 'form-title' }, title), ...intro.map((p) => (typeof p === 'string' ? h('p', { class: 'muted' }, p) : p)), out, ...body);
  return { el, out };
}

/** First visit: a name, an optional passphrase, "Create identity". */
export function setupScreen(opts: { invitedBy: string | null; onCreate(name: string, passphrase: string): Promise<void> }): HTMLElement {
  const name = field({ label: 'Your name', name: 'name', autocomplete: 'nickname', required: true, hint: 'Shown to the people you talk with. You can use a nickname.' });
  const pass = field({ label: 'Passphrase (optional)', name: 'passphrase', type: 'password', autocomplete: 'new-password', hint: 'Locks your keys and history in this browser. If you forget it, they cannot be recovered.' });
  const create = h('button', { type: 'submit', class: 'primary' }, 'Create identity');
  const intro: string[] = [
    'Tincan keeps your keys and your history in this browser only. Nothing is sent anywhere except encrypted messages.',
  ];
  if (opts.invitedBy !== null) intro.unshift(`You were invited${opts.invitedBy ? ` by ${opts.invitedBy}` : ''}. Create your identity, then you join the conversation.`);
  const f = form('Welcome to Tincan', intro, name.wrap, pass.wrap, create);
  f.el.addEventListener('submit', (e) => {
    e.preventDefault();
    const n = name.input.value.trim();
    if (!n) {
      f.out.replaceChildren(errorBox(new Error('Please enter a name.')));
      name.input.focus();
      return;
    }
    void busy(create, 'Creating…', async () => {
      try {
        await opts.onCreate(n, pass.input.value);
      } catch (err) {
        f.out.replaceChildren(errorBox(err));
      }
    });
  });
  return h('div', { class: 'welcome' }, f.el);
}

/** A passphrase-locked browser: "Passphrase", "Unlock". */
export function unlockScreen(onUnlock: (passphrase: string) => Promise<void>): HTMLElement {
  const pass = field({ label: 'Passphrase', name: 'passphrase', type: 'password', autocomplete: 'current-password', required: true });
  const unlock = h('button', { type: 'submit', class: 'primary' }, 'Unlock');
  const f = form('Unlock Tincan', ['Your keys and history in this browser are locked with your passphrase.'], pass.wrap, unlock);
  f.el.addEventListener('submit', (e) => {
    e.preventDefault();
    void busy(unlock, 'Unlocking…', async () => {
      try {
        await onUnlock(pass.input.value);
      } catch (err) {
        f.out.replaceChildren(errorBox(err));
        pass.input.select();
      }
    });
  });
  return h('div', { class: 'welcome' }, f.el);
}

/** Join with an invite: "Invite key", "Join conversation". */
export function joinScreen(model: AppModel, opts: { prefill?: string; auto?: boolean; onJoined(id: string): void }): HTMLElement {
  const key = field({ label: 'Invite key', name: 'invite', multiline: true, value: opts.prefill ?? '', required: true, hint: 'Paste the invite you were given: text starting with "tincan:" or a link.' });
  const join = h('button', { type: 'submit', class: 'primary' }, 'Join conversation');
  const f = form('Join a conversation', [], key.wrap, join);
  const run = () =>
    busy(join, 'Joining…', async () => {
      f.out.replaceChildren();
      try {
        const { conversationId } = await model.join(key.input.value.trim());
        opts.onJoined(conversationId);
      } catch (err) {
        f.out.replaceChildren(errorBox(err));
        (f.out.firstElementChild as HTMLElement | null)?.setAttribute('tabindex', '-1');
      }
    });
  f.el.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!key.input.value.trim()) {
      f.out.replaceChildren(errorBox(new TincanError('invite-malformed', 'Paste an invite first.')));
      return;
    }
    void run();
  });
  if (opts.auto && opts.prefill) queueMicrotask(() => void run());
  return h('div', { class: 'page' }, f.el);
}

/** Claim a relay with its setup code, or choose one already owned. */
export function relayScreen(model: AppModel, current: MyRelayView | null, defaultAddress: string, onDone: (r: MyRelayView) => void): HTMLElement {
  const address = field({ label: 'Relay address', name: 'relay', type: 'url', value: current?.url ?? defaultAddress, required: true, hint: 'The address of a Tincan relay, e.g. https://example.org/chat' });
  const code = field({ label: 'Setup code', name: 'setup-code', autocomplete: 'one-time-code', hint: 'Printed once by `tincan relay serve` or written by `tincan relay bundle` into UPLOAD.md. Leave empty if this browser already owns the relay.' });
  const claim = h('button', { type: 'submit', class: 'primary' }, 'Claim relay');
  const use = h('button', { type: 'button' }, 'Use relay');
  const intro: (Node | string)[] = [
    'To create invites you need a relay of your own. A new relay is claimed once, with the setup code it printed; from then on only you can open conversations on it.',
  ];
  if (current) intro.unshift(h('p', { class: 'alert info', role: 'status' }, `Your relay: ${current.url}`));
  const f = form('Your relay', intro, address.wrap, code.wrap, h('div', { class: 'row' }, claim, use));
  f.el.addEventListener('submit', (e) => {
    e.preventDefault();
    void busy(claim, 'Claiming…', async () => {
      f.out.replaceChildren();
      try {
        if (!code.input.value.trim()) throw new TincanError('setup-code-invalid', 'Enter the setup code the relay printed.');
        onDone(await model.claimRelay(address.input.value.trim(), code.input.value.trim()));
      } catch (err) {
        f.out.replaceChildren(errorBox(err));
      }
    });
  });
  use.addEventListener('click', () =>
    void busy(use, 'Checking…', async () => {
      f.out.replaceChildren();
      try {
        onDone(await model.useRelay(address.input.value.trim()));
      } catch (err) {
        f.out.replaceChildren(errorBox(err));
      }
    }),
  );
  return h('div', { class: 'page' }, f.el);
}
