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

/** Re-renders the list inside `nav`, marking `currentId` as the current page. */
export function renderPhonebook(nav: HTMLElement, items: ConversationView[], currentId: string | null): void {
  const ul = nav.querySelector('ul')!;
  if (items.length === 0) {
    mount(ul, h('li', { class: 'empty' }, 'No conversations yet. Create an invite or join one.'));
    return;
  }
  const sorted = [...items].sort((a, b) => b.lastActivity - a.lastActivity);
  mount(
    ul,
    ...sorted.map((c) => {
      const lastText = c.state === 'invited' ? 'Waiting for someone to join' : c.last ? `${c.last.mine ? 'You: ' : ''}${c.last.text}` : 'No messages yet';
      // The link's name is its visible text (with hidden separators), so speech and sight agree.
      const sep = () => h('span', { class: 'visually-hidden' }, ', ');
      return h(
        'li',
        null,
        h(
          'a',
          { href: `#/c/${encodeURIComponent(c.id)}`, 'aria-current': c.id === currentId ? 'page' : false, 'data-conversation': c.id },
          h('span', { class: 'name' }, c.name),
          h('span', { class: 'time' }, c.last ? sep() : null, c.last ? shortTime(c.last.at) : ''),
          h('span', { class: 'last' }, sep(), lastText),
          c.unread > 0 ? h('span', { class: 'unread' }, sep(), String(c.unread), h('span', { class: 'visually-hidden' }, ' unread')) : null,
        ),
      );
    }),
  );
}
