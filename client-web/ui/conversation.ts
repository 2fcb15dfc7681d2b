/**
 * One conversation: its name and actions (verify, rename, forget), the history as a live log
 * ("Messages"), and the composer ("Message" + "Send"). New messages are appended in place (no
 * re-render), so focus and scroll position stay where the person left them; the log is an ARIA live
 * region, so screen readers announce incoming messages.
 */
import type { AppModel, ConversationView, LocationView, MessageView } from '../model.ts';
import { busy, errorBox, field, h, mount } from './dom.ts';
import { pendingInviteCard } from './invite.ts';

const STATE_LABEL: Record<MessageView['state'], string> = {
  queued: 'Queued',
  sent: 'Sent',
  delivered: 'Delivered to relay',
  received: '',
};

function messageEl(m: MessageView): HTMLElement {
  const state = m.mine ? STATE_LABEL[m.state] : '';
  const time = new Date(m.at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return h(
    'div',
    { class: `msg ${m.mine ? 'mine' : 'theirs'} ${m.state}`, 'data-id': m.id, 'data-state': m.state },
    h('span', { class: 'visually-hidden' }, m.mine ? 'You: ' : 'Them: '),
    h('span', { class: 'text' }, m.text),
    h('span', { class: 'meta' }, h('time', { datetime: new Date(m.at).toISOString() }, time), state ? ` · ${state}` : ''),
  );
}

/** A mounted conversation screen. */
export interface ConversationScreen {
  el: HTMLElement;
  /** Merges messages into the log (new ones appended, known ones updated in place). */
  upsert(messages: MessageView[]): void;
  focusComposer(): void;
}

export async function conversationScreen(model: AppModel, conv: ConversationView): Promise<ConversationScreen> {
  const log = h('div', { class: 'log', role: 'log', 'aria-label': 'Messages', 'aria-live': 'polite', tabindex: '0' });
  const known = new Map<string, HTMLElement>();
  const notice = h('div', { class: 'notice' });

  const upsert = (messages: MessageView[]) => {
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
    log.querySelector(':scope > .empty')?.remove();
    for (const m of messages) {
      const el = messageEl(m);
      const old = known.get(m.id);
      if (old) old.replaceWith(el);
      else log.append(el);
      known.set(m.id, el);
    }
    if (atBottom || messages.some((m) => m.mine)) log.scrollTop = log.scrollHeight;
  };

  const message = h('textarea', { id: 'composer-message', name: 'message', rows: 1, placeholder: 'Write a message', autocomplete: 'off' });
  const send = h('button', { type: 'submit', class: 'primary' }, 'Send');
  const composer = h(
    'form',
    { class: 'composer', 'aria-label': 'Write a message' },
    h('label', { for: 'composer-message', class: 'visually-hidden' }, 'Message'),
    message,
    send,
  );
  const submit = async () => {
    const text = message.value.trim();
    if (!text) return;
    message.value = '';
    notice.replaceChildren();
    try {
      await model.send(conv.id, text);
    } catch (err) {
      message.value = text;
      notice.replaceChildren(errorBox(err));
    }
    message.focus();
  };
  composer.addEventListener('submit', (e) => {
    e.preventDefault();
    void submit();
  });
  message.addEventListener('keydown', (e) => {
    // Enter sends, Shift+Enter makes a new line (as in most messengers).
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void submit();
    }
  });

  const header = h(
    'header',
    null,
    h('a', { class: 'button back-link', href: '#/' }, '← Conversations'),
    h('h1', { id: 'conversation-title' }, conv.name, conv.verified ? h('span', { class: 'status-pill', title: 'Safety number compared' }, ' verified') : null),
    h('a', { class: 'button', href: `#/c/${encodeURIComponent(conv.id)}/verify` }, 'Verify'),
    h('a', { class: 'button', href: `#/c/${encodeURIComponent(conv.id)}/edit` }, 'Rename or forget'),
  );

  const el = h('section', { class: 'conversation', 'aria-labelledby': 'conversation-title' }, header, h('div', { class: 'log-wrap' }), composer);
  // The log sits in the grid's flexible row; notices (errors, pending invite) go above it.
  el.replaceChild(log, el.querySelector('.log-wrap')!);
  log.before(notice);

  if (conv.state === 'invited') {
    const inv = await model.pendingInvite(conv.id);
    if (inv) notice.append(await pendingInviteCard(inv));
    message.disabled = true;
    send.disabled = true;
    message.placeholder = 'You can write once someone joins with your invite';
  }
  const history = await model.messages(conv.id);
  if (history.length === 0) mount(log, h('p', { class: 'empty' }, conv.state === 'invited' ? 'Nobody has joined yet.' : 'No messages yet. Say hello!'));
  else upsert(history);
  requestAnimationFrame(() => (log.scrollTop = log.scrollHeight));
  void model.markRead(conv.id);

  return { el, upsert, focusComposer: () => message.focus() };
}

/** Where a conversation lives (its relays, with their health); add a location or move to a relay I run. */
function locationsCard(model: AppModel, conv: ConversationView): HTMLElement {
  const list = h('ul', { class: 'locations', 'aria-label': 'Locations' });
  const out = h('div');
  const render = (locs: LocationView[]) =>
    list.replaceChildren(
      ...locs.map((l) =>
        h(
          'li',
          { 'data-ok': String(l.ok) },
          h('span', { class: 'relay' }, l.relayUrl),
          ` — ${l.ok ? 'working' : `not answering${l.lastError ? ` (${l.lastError})` : ''}`}`,
          l.retiring ? ' · retiring (read until they have followed)' : '',
          l.onMyRelay ? ' · your relay' : '',
          l.queued ? ` · ${l.queued} waiting` : '',
        ),
      ),
    );
  void model.locations(conv.id).then(render, (err: unknown) => out.replaceChildren(errorBox(err)));
  const address = field({ label: 'Relay address', name: 'location', hint: 'A relay you run (empty: your relay).', placeholder: 'https://example.org/chat' });
  void model.myRelay().then((r) => void (r && !address.input.value && (address.input.value = r.url)), () => undefined);
  const add = h('button', { type: 'submit' }, 'Add location');
  const move = h('button', { type: 'button' }, 'Move here');
  const act = (button: HTMLButtonElement, text: string, fn: (a: string) => Promise<LocationView[]>, done: string) =>
    void busy(button, text, async () => {
      try {
        render(await fn(address.input.value.trim()));
        out.replaceChildren(h('p', { class: 'alert info', role: 'status' }, done));
      } catch (err) {
        out.replaceChildren(errorBox(err));
      }
    });
  const form = h('form', { 'aria-label': 'Add or move a location' }, address.wrap, h('div', { class: 'row' }, add, move));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act(add, 'Adding…', (a) => model.addLocation(conv.id, a || undefined), `Added. ${conv.name} joins it on their next sync.`);
  });
  move.addEventListener('click', () =>
    act(move, 'Moving…', (a) => model.move(conv.id, a), `Moved. ${conv.name} follows on their next sync; the history stays.`),
  );
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'locations-title' },
    h('h2', { id: 'locations-title' }, 'Locations'),
    h('p', { class: 'muted' }, 'The relays this conversation lives on. Messages go to all of them, so it keeps working while one is down.'),
    list,
    out,
    form,
  );
}

/** Rename or forget a conversation. */
export function editScreen(model: AppModel, conv: ConversationView, onDone: (forgotten: boolean) => void): HTMLElement {
  const name = field({ label: 'Name', name: 'name', value: conv.name, required: true, hint: 'Only you see this name.' });
  const out = h('div');
  const save = h('button', { type: 'submit', class: 'primary' }, 'Rename');
  const forget = h('button', { type: 'button', class: 'danger' }, 'Forget conversation');
  const form = h('form', { class: 'card', 'aria-labelledby': 'rename-title' }, h('h2', { id: 'rename-title' }, 'Rename'), name.wrap, save);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void busy(save, 'Saving…', async () => {
      try {
        await model.rename(conv.id, name.input.value.trim());
        onDone(false);
      } catch (err) {
        out.replaceChildren(errorBox(err));
      }
    });
  });
  forget.addEventListener('click', () => {
    if (!confirm(`Forget "${conv.name}"? Its history is deleted from this browser and you leave the conversation.`)) return;
    void busy(forget, 'Forgetting…', async () => {
      try {
        await model.forget(conv.id);
        onDone(true);
      } catch (err) {
        out.replaceChildren(errorBox(err));
      }
    });
  });
  return h(
    'div',
    { class: 'page' },
    h('h1', null, conv.name),
    out,
    form,
    conv.state === 'active' ? locationsCard(model, conv) : null,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'forget-title' },
      h('h2', { id: 'forget-title' }, 'Forget'),
      h('p', { class: 'muted' }, 'Deletes the conversation and its history from this browser and leaves its channels on the relays.'),
      forget,
    ),
    h('a', { href: `#/c/${encodeURIComponent(conv.id)}` }, '← Back to the conversation'),
  );
}

/** Safety number and SAS, to compare with the other person. */
export async function verifyScreen(model: AppModel, conv: ConversationView): Promise<HTMLElement> {
  const out = h('div');
  let v;
  try {
    v = await model.verify(conv.id);
  } catch (err) {
    return h('div', { class: 'page' }, h('h1', null, `Verify ${conv.name}`), errorBox(err));
  }
  const groups = v.safetyNumber.replace(/\s+/g, '').match(/.{1,5}/g) ?? [];
  const mark = h('button', { type: 'button', class: v.verified ? '' : 'primary' }, v.verified ? 'Mark as not verified' : 'Mark as verified');
  mark.addEventListener('click', () =>
    void busy(mark, 'Saving…', async () => {
      try {
        await model.setVerified(conv.id, !v.verified);
        location.hash = `#/c/${encodeURIComponent(conv.id)}`;
      } catch (err) {
        out.replaceChildren(errorBox(err));
      }
    }),
  );
  return h(
    'div',
    { class: 'page' },
    h('h1', null, `Verify ${conv.name}`),
    out,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'sn-title' },
      h('h2', { id: 'sn-title' }, 'Safety number'),
      h('p', { class: 'muted' }, 'Compare these digits with the other person, in person or on a call. If they match, nobody is in between.'),
      h('p', { class: 'digits', 'aria-label': `Safety number ${groups.join(' ')}` }, groups.join(' ')),
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'sas-title' },
      h('h2', { id: 'sas-title' }, 'Short code'),
      h('p', { class: 'muted' }, 'The same six digits appear on both sides while you talk: read them aloud to each other.'),
      h('p', { class: 'digits big' }, v.sas),
    ),
    h('p', null, v.verified ? 'You marked this conversation as verified.' : 'Not verified yet.'),
    h('div', { class: 'row' }, mark, h('a', { href: `#/c/${encodeURIComponent(conv.id)}` }, '← Back to the conversation')),
  );
}
