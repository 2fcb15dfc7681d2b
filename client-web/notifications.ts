/**
 * Browser notifications for incoming messages, shown only when the person turned them on and the
 * tab is hidden (or another conversation is open). Nothing leaves the page: the notification is
 * made locally from the decrypted message.
 */
import type { ConversationView, MessageView } from './model.ts';

/** Whether notifications can be asked for in this browser. */
export const notificationsSupported = () => typeof Notification === 'function';

/** Asks for permission (must run from a click). Returns whether notifications are allowed now. */
export async function enableNotifications(): Promise<boolean> {
  if (!notificationsSupported()) return false;
  if (Notification.permission === 'granted') return true;
  return (await Notification.requestPermission()) === 'granted';
}

/** Shows one notification for new messages of a conversation, if allowed. */
export function notifyIncoming(conv: ConversationView, messages: MessageView[]): void {
  if (!notificationsSupported() || Notification.permission !== 'granted' || !document.hidden) return;
  const last = messages[messages.length - 1];
  if (!last) return;
  const n = new Notification(conv.name, {
    body: messages.length > 1 ? `${messages.length} new messages` : last.text.slice(0, 140),
    tag: `tincan-${conv.id}`,
    icon: './icon-192.png',
  });
  n.onclick = () => {
    window.focus();
    location.hash = `#/c/${encodeURIComponent(conv.id)}`;
    n.close();
  };
}
