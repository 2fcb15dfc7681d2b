/**
 * Settings: notifications, this browser's identity, and where the data lives.
 */
import type { AppModel } from '../model.ts';
import { enableNotifications, notificationsSupported } from '../notifications.ts';
import { h } from './dom.ts';

export async function settingsScreen(model: AppModel): Promise<HTMLElement> {
  const status = h('p', { role: 'status' });
  const describe = () => {
    if (!notificationsSupported()) return 'This browser cannot show notifications.';
    if (Notification.permission === 'granted') return 'Notifications are on: you are told about new messages while this tab is in the background.';
    if (Notification.permission === 'denied') return 'Notifications are blocked for this site in the browser settings.';
    return 'Notifications are off.';
  };
  status.textContent = describe();
  const turnOn = h('button', { type: 'button' }, 'Turn on notifications');
  turnOn.disabled = !notificationsSupported() || Notification.permission !== 'default';
  turnOn.addEventListener('click', async () => {
    await enableNotifications();
    status.textContent = describe();
    turnOn.disabled = Notification.permission !== 'default';
  });
  const relay = await model.myRelay();
  return h(
    'div',
    { class: 'page' },
    h('h1', null, 'Settings'),
    h('section', { class: 'card', 'aria-labelledby': 'notif-title' }, h('h2', { id: 'notif-title' }, 'Notifications'), status, turnOn),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'id-title' },
      h('h2', { id: 'id-title' }, 'This browser'),
      h(
        'dl',
        { class: 'facts' },
        h('dt', null, 'Name'),
        h('dd', null, model.me.name),
        h('dt', null, 'Fingerprint'),
        h('dd', { class: 'mono' }, model.me.fingerprint),
        h('dt', null, 'Your relay'),
        h('dd', null, relay ? relay.url : h('a', { href: '#/relay' }, 'none yet: claim one')),
      ),
      h('p', { class: 'muted' }, 'Your keys and history are stored in this browser (IndexedDB) and never sent anywhere. Only one tab at a time runs Tincan, so the encryption state never forks.'),
    ),
  );
}
