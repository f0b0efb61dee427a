// /embed/chat: the chat only, for iframes and OBS browser sources.
import { ChatConnection } from './chat-client.js';
import { ChatView } from './chat-view.js';
import { PageState } from './page-state.js';

const state = new PageState({ baseTitle: 'Chat' });
const chat = new ChatConnection();
chat.addEventListener('frame', (e) => state.applyFrame(/** @type {CustomEvent} */ (e).detail));
new ChatView(/** @type {HTMLElement} */ (document.querySelector('[data-chat]')), chat);
chat.connect();
