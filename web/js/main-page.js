// The viewer's page (/): player, title, live badge, viewer count, chat.
import { ChatConnection } from './chat-client.js';
import { ChatView } from './chat-view.js';
import { PageState } from './page-state.js';
import { LivePlayer } from './player.js';
import { StatusPoller } from './status.js';

const latencyEl = document.querySelector('[data-bind="latency"]');
const player = new LivePlayer(/** @type {HTMLElement} */ (document.querySelector('[data-player]')), {
  onLatency: (s) => {
    if (latencyEl) latencyEl.textContent = s === null ? '' : `${s.toFixed(1)} s behind live`;
  },
  onPlaylistUrl: () => showLink(),
});
const state = new PageState({ player });
// The playlist first: the video need not wait for the status or the chat socket.
player.load();

// Status: WebSocket frames when connected, and polling (fast while the socket is down).
const poller = new StatusPoller({ onStatus: (s, at) => state.applyStatus(s, at), intervalMs: 3000 });
const chat = new ChatConnection();
chat.addEventListener('frame', (e) => state.applyFrame(/** @type {CustomEvent} */ (e).detail));
chat.addEventListener('state', (e) => {
  const open = /** @type {CustomEvent} */ (e).detail.state === 'open';
  poller.setInterval(open ? 15000 : 3000);
});
new ChatView(/** @type {HTMLElement} */ (document.querySelector('[data-chat]')), chat);
poller.start();
chat.connect();

// The raw playlist link, for VLC and mpv.
const link = /** @type {HTMLAnchorElement|null} */ (document.querySelector('[data-bind="playlist-link"]'));
const urlText = document.querySelector('[data-bind="playlist-url"]');
function showLink() {
  const absolute = new URL(player.playlistUrl, location.href).href;
  if (link) link.href = absolute;
  if (urlText) urlText.textContent = absolute;
}
showLink();
const copyButton = document.querySelector('[data-copy-playlist]');
copyButton?.addEventListener('click', async () => {
  const text = new URL(player.playlistUrl, location.href).href;
  try {
    await navigator.clipboard.writeText(text);
    copyButton.textContent = 'Copied';
  } catch {
    // No clipboard on plain http: select the text so Ctrl+C works.
    if (urlText) getSelection()?.selectAllChildren(urlText);
    copyButton.textContent = 'Press Ctrl+C to copy';
  }
  setTimeout(() => (copyButton.textContent = 'Copy link'), 2500);
});
