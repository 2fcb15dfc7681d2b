/**
 * The app once an identity is unlocked: top bar, phonebook navigation, and the current screen in
 * <main>, chosen by the URL fragment (#/c/<id>, #/join, #/relay, #/invite/<id>, #/settings), so the
 * back button and reloads work. Model events update the phonebook and the open conversation live.
 */
import type { AppModel, ConversationView, ModelEvent } from '../model.ts';
import { conversationScreen, editScreen, verifyScreen, type ConversationScreen } from './conversation.ts';
import { errorBox, h, mount } from './dom.ts';
import { joinScreen, relayScreen } from './forms.ts';
import { inviteCard } from './invite.ts';
import { phonebookNav, renderPhonebook } from './phonebook.ts';
import { settingsScreen } from './settings.ts';
import { notifyIncoming } from '../notifications.ts';

export interface ShellOptions {
  /** An invite from the link this page was opened with (#join=…), joined right away. */
  pendingJoin: string | null;
  onJoinHandled(): void;
  /** The relay that served this page (default "Relay address"). */
  pageRelay: string;
}

export function startShell(root: HTMLElement, model: AppModel, opts: ShellOptions): { stop(): void } {
  const online = h('span', { class: 'status-pill', role: 'status' });
  const setOnline = (on: boolean) => {
    online.textContent = on ? '' : 'Offline: messages wait in the queue';
    online.classList.toggle('offline', !on);
    online.hidden = on;
  };
  setOnline(navigator.onLine);
  const top = h(
    'header',
    { class: 'topbar' },
    h('a', { class: 'skip-link', href: '#main' }, 'Skip to content'),
    h('p', { class: 'brand' }, h('img', { src: './icon-192.png', alt: '' }), 'Tincan'),
    online,
    h('span', { class: 'spacer' }),
    h('span', { class: 'who' }, model.me.name),
    h('a', { class: 'toplink', href: '#/relay' }, 'Relay'),
    h('a', { class: 'toplink', href: '#/settings' }, 'Settings'),
  );
  const nav = phonebookNav({ onNewInvite: () => void newInvite() });
  const main = h('main', { id: 'main', tabindex: '-1' });
  root.className = 'shell';
  mount(root, top, nav, main);
  // The skip link targets <main> without changing the route.
  top.querySelector('.skip-link')!.addEventListener('click', (e) => {
    e.preventDefault();
    main.focus();
  });

  let currentId: string | null = null;
  let screen: ConversationScreen | null = null;
  let renderSeq = 0;

  const refreshNav = async () => renderPhonebook(nav, await model.phonebook(), currentId);

  const show = (...children: Node[]) => {
    screen = null;
    mount(main, ...children);
  };

  async function newInvite() {
    const mine = await model.myRelay();
    if (!mine) {
      location.hash = '#/relay';
      return;
    }
    show(h('div', { class: 'page' }, h('p', { role: 'status' }, 'Creating an invite…')));
    try {
      const inv = await model.createInvite('');
      await refreshNav();
      location.hash = `#/invite/${encodeURIComponent(inv.conversationId)}`;
    } catch (err) {
      show(h('div', { class: 'page' }, h('h1', null, 'New invite'), errorBox(err)));
    }
  }

  async function route() {
    const seq = ++renderSeq;
    const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
    const [what, id, sub] = parts;
    currentId = what === 'c' || what === 'invite' ? (id ?? null) : null;
    root.classList.toggle('list-view', !what);
    void refreshNav();
    const conv: ConversationView | null = currentId ? await model.conversation(currentId) : null;
    if (seq !== renderSeq) return;
    if (what === 'c' && conv) {
      if (sub === 'verify') show(await verifyScreen(model, conv));
      else if (sub === 'edit') show(editScreen(model, conv, (gone) => (location.hash = gone ? '#/' : `#/c/${encodeURIComponent(conv.id)}`)));
      else {
        const s = await conversationScreen(model, conv);
        if (seq !== renderSeq) return;
        show(s.el);
        screen = s;
        // A message stored while the screen was being built found no screen to add it to: read again.
        void model.messages(conv.id).then((all) => screen === s && s.upsert(all));
        if (document.activeElement === document.body || !document.activeElement) s.focusComposer();
      }
    } else if (what === 'invite' && conv) {
      const inv = await model.pendingInvite(conv.id);
      if (seq !== renderSeq) return;
      if (!inv) location.hash = `#/c/${encodeURIComponent(conv.id)}`;
      else show(h('div', { class: 'page' }, await inviteCard(inv, 'New invite'), h('a', { href: `#/c/${encodeURIComponent(conv.id)}` }, 'Open the conversation')));
    } else if (what === 'join') {
      const prefill = opts.pendingJoin ?? undefined;
      const auto = opts.pendingJoin !== null;
      opts.pendingJoin = null;
      show(
        joinScreen(model, {
          prefill,
          auto,
          onJoined: (cid) => {
            opts.onJoinHandled();
            location.hash = `#/c/${encodeURIComponent(cid)}`;
          },
        }),
      );
      if (auto) opts.onJoinHandled();
    } else if (what === 'relay') {
      show(relayScreen(model, await model.myRelay(), opts.pageRelay, () => void newInviteAfterClaim()));
    } else if (what === 'settings') {
      show(await settingsScreen(model));
    } else {
      show(home(model));
    }
    if (seq === renderSeq && what !== 'c') main.focus({ preventScroll: true });
  }

  async function newInviteAfterClaim() {
    await newInvite();
  }

  const unsubscribe = model.subscribe((e: ModelEvent) => {
    if (e.type === 'connection') setOnline(e.online);
    if (e.type === 'phonebook') void refreshNav();
    // The invite on screen was just used: show the conversation it became.
    if ((e.type === 'phonebook' || e.type === 'messages') && location.hash.startsWith('#/invite/') && currentId) {
      const id = currentId;
      void model.conversation(id).then((c) => {
        if (c?.state === 'active' && currentId === id) location.hash = `#/c/${encodeURIComponent(id)}`;
      });
    }
    if (e.type === 'messages') {
      void refreshNav();
      if (screen && currentId === e.conversationId) {
        void model.messages(e.conversationId).then((all) => screen?.upsert(all));
        if (!document.hidden) void model.markRead(e.conversationId);
      }
      const theirs = e.incoming.filter((m) => !m.mine);
      if (theirs.length && (document.hidden || currentId !== e.conversationId)) {
        void model.conversation(e.conversationId).then((c) => c && notifyIncoming(c, theirs));
      }
    }
  });
  const onHash = () => void route();
  window.addEventListener('hashchange', onHash);
  const onVisible = () => {
    if (!document.hidden && currentId) void model.markRead(currentId).then(refreshNav);
  };
  document.addEventListener('visibilitychange', onVisible);
  const onOnline = () => setOnline(navigator.onLine);
  window.addEventListener('online', onOnline);
  window.addEventListener('offline', onOnline);

  if (opts.pendingJoin !== null) history.replaceState(null, '', '#/join');
  void route();

  return {
    stop() {
      unsubscribe();
      window.removeEventListener('hashchange', onHash);
      document.removeEventListener('visibilitychange', onVisible);
      window.removeEventListener('online', onOnline);
      window.removeEventListener('offline', onOnline);
    },
  };
}

function home(model: AppModel): HTMLElement {
  return h(
    'div',
    { class: 'page' },
    h('h1', null, `Hello, ${model.me.name}`),
    h(
      'section',
      { class: 'card' },
      h('p', null, 'Pick a conversation, or start one:'),
      h('ul', null, h('li', null, h('strong', null, 'New invite'), ' makes a one-time invite (text, link and QR code) on your relay for one person.'), h('li', null, h('strong', null, 'Join'), ' takes an invite someone gave you.')),
    ),
    h('section', { class: 'card' }, h('h2', null, 'Your identity'), h('dl', { class: 'facts' }, h('dt', null, 'Name'), h('dd', null, model.me.name), h('dt', null, 'Fingerprint'), h('dd', { class: 'mono' }, model.me.fingerprint))),
  );
}
