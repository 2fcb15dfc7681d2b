/**
 * Showing an invite: as text ("Invite", read-only), as a link to this web client (the invite stays
 * in the URL fragment, which browsers never send to a server) and as a QR code of that link.
 */
import QRCode from 'qrcode';
import type { InviteView } from '../model.ts';
import { h, newId } from './dom.ts';

/** An <img> with the QR code of `text` (an SVG data URL, so it scales and prints crisply). */
export async function qrImage(text: string, alt: string): Promise<HTMLImageElement> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2, color: { dark: '#000000', light: '#ffffff' } });
  return h('img', { class: 'qr', alt, src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`, width: 256, height: 256 });
}

function copyButton(label: string, source: () => HTMLInputElement | HTMLTextAreaElement): HTMLButtonElement {
  const b = h('button', { type: 'button' }, label);
  b.addEventListener('click', async () => {
    const el = source();
    try {
      await navigator.clipboard.writeText(el.value);
    } catch {
      // Clipboard API refused (no permission, not focused): select the text so Ctrl+C works.
      el.focus();
      el.select();
      document.execCommand?.('copy');
    }
    const text = b.textContent;
    b.textContent = 'Copied';
    setTimeout(() => (b.textContent = text), 1500);
  });
  return b;
}

/** The invite as text, link and QR code, with copy buttons. */
export async function inviteCard(inv: InviteView, title: string): Promise<HTMLElement> {
  const textId = newId('invite');
  const linkId = newId('invite-link');
  const text = h('textarea', { id: textId, readOnly: true, rows: 4, class: 'invite-text', spellcheck: 'false' });
  text.value = inv.text;
  const link = h('input', { id: linkId, type: 'text', readOnly: true, class: 'mono', spellcheck: 'false' });
  link.value = inv.link;
  const expires = new Date(inv.expiresAt).toLocaleString();
  return h(
    'section',
    { class: 'card invite', 'aria-labelledby': `${textId}-title` },
    h('h2', { id: `${textId}-title` }, title),
    h('p', { class: 'muted' }, `Give this to one person: it works once, until ${expires}. Anyone who has it can join, so send it privately.`),
    h('div', { class: 'field' }, h('label', { for: textId }, 'Invite'), text),
    h('div', { class: 'row' }, copyButton('Copy invite', () => text)),
    h('div', { class: 'field' }, h('label', { for: linkId }, 'Invite link'), link, h('span', { class: 'hint' }, 'Opens Tincan in a browser and joins; nothing to install.')),
    h('div', { class: 'row' }, copyButton('Copy link', () => link)),
    await qrImage(inv.link, 'Invite QR code'),
  );
}

/** Shown in a conversation whose invite nobody used yet. */
export async function pendingInviteCard(inv: InviteView): Promise<HTMLElement> {
  const card = await inviteCard(inv, 'Waiting for someone to join');
  card.classList.add('pending');
  return card;
}
