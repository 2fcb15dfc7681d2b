/**
 * The phonebook: the navigation landmark "Conversations" with the actions that make conversations
 * (New invite, Join) and one link per conversation with its unread count and last message.
 */
import type { ConversationView } from '../model.ts';
import { h, mount, shortTime } from './dom.ts';

export interface PhonebookHandlers {
  onNewInvite(): void;
}

/** Builds the (empty) navigation element; fill it with renderPhonebook. */
export function phonebookNav(handlers: PhonebookHandlers): HTMLElement {
  const nav = h('nav', { class: 'phonebook', 'aria-label': 'Conversations' });
  nav.append(
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', class: 'primary', on: { click: () => handlers.onNewInvite() } }, 'New invite'),
      h('button', { type: 'button', on: { click: () => (location.hash = '#/join') } }, 'Join'),
    ),
    h('ul', { role: 'list' }),
  );
  return nav;
}

/**
 * Re-renders the list inside `nav`, marking `currentId` as the current page. Each conversation keeps
 * its link element across re-renders (only its content, place and aria-current change), and the
 * link's children take no pointer events (styles.css): a message arriving between the press and the
 * release of a click on a conversation re-renders the list, and a replaced element would lose that
 * click (the browser sends no click when press and release hit different elements).
 */
export function renderPhonebook(nav: HTMLElement, items: ConversationView[], currentId: string | null): void {
  const ul = nav.querySelector('ul')!;
  if (items.length === 0) {
    mount(ul, h('li', { class: 'empty' }, 'No conversations yet. Create an invite or join one.'));
    return;
  }
  const kept = new Map<string, HTMLLIElement>();
  for (const li of Array.from(ul.children)) {
    const id = li.querySelector('a')?.dataset['conversation'];
    if (id) kept.set(id, li as HTMLLIElement);
    else li.remove();
  }
  const sorted = [...items].sort((a, b) => b.lastActivity - a.lastActivity);
  sorted.forEach((c, i) => {
    let li = kept.get(c.id);
    kept.delete(c.id);
    if (!li) li = h('li', null, h('a', { href: `#/c/${encodeURIComponent(c.id)}`, 'data-conversation': c.id }));
    const a = li.querySelector('a')!;
    if (c.id === currentId) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
    const content = linkContent(c);
    if (a.innerHTML !== content.innerHTML) a.replaceChildren(...Array.from(content.childNodes));
    if (ul.children[i] !== li) ul.insertBefore(li, ul.children[i] ?? null);
  });
  for (const gone of kept.values()) gone.remove();
}

/** The inside of a conversation's link: name, time, last message, unread count. */
function linkContent(c: ConversationView): HTMLElement {
  const lastText = c.state === 'invited' ? 'Waiting for someone to join' : c.last ? `${c.last.mine ? 'You: ' : ''}${c.last.text}` : 'No messages yet';
  // The link's name is its visible text (with hidden separators), so speech and sight agree.
  const sep = () => h('span', { class: 'visually-hidden' }, ', ');
  return h(
    'div',
    null,
    h('span', { class: 'name' }, c.name),
    h('span', { class: 'time' }, c.last ? sep() : null, c.last ? shortTime(c.last.at) : ''),
    h('span', { class: 'last' }, sep(), lastText),
    c.unread > 0 ? h('span', { class: 'unread' }, sep(), String(c.unread), h('span', { class: 'visually-hidden' }, ' unread')) : null,
  );
}
