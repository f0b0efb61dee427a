// The chat box: messages, the form, your name, the viewer list. Binds to the
// markup inside a [data-chat] element (see index.html). Every piece of text
// from other people goes into the page with textContent, never as HTML.

import { CLOSE_BANNED } from './chat-client.js';

const MAX_MESSAGES = 300;
const VIEWERS_REFRESH_MS = 10000;

const ERROR_TEXT = {
  rate_limited: 'You are sending messages too quickly.',
  too_long: 'That is too long.',
  invalid: 'That message could not be sent.',
  banned: 'You cannot chat here.',
  chat_disabled: 'Chat is switched off by the streamer.',
  too_many_connections: 'The chat is full right now. Trying again shortly…',
  internal: 'Something went wrong on the server.',
};

export class ChatView {
  /**
   * @param {HTMLElement} root the [data-chat] element
   * @param {import('./chat-client.js').ChatConnection} connection
   */
  constructor(root, connection) {
    this.root = root;
    this.conn = connection;
    const q = (sel) => /** @type {any} */ (root.querySelector(sel));
    this.list = q('[data-chat-messages]');
    this.form = q('[data-chat-form]');
    this.input = q('[data-chat-input]');
    this.sendButton = q('[data-chat-send]');
    this.notice = q('[data-chat-notice]');
    this.stateLine = q('[data-chat-state]');
    this.nameEl = q('[data-chat-name]');
    this.renameButton = q('[data-chat-rename]');
    this.renameForm = q('[data-chat-rename-form]');
    this.nameInput = q('[data-chat-name-input]');
    this.renameCancel = q('[data-chat-rename-cancel]');
    this.viewersSummary = q('[data-viewers-summary]');
    this.viewersList = q('[data-viewers-list]');

    /** @type {{ id: string, name: string } | null} */
    this.me = null;
    this.enabled = true;
    this.banned = false;
    this.blockedUntil = 0;
    this.blockTimer = 0;
    this.noticeTimer = 0;
    /** ref -> text, for putting a refused message back into the input */
    this.pending = new Map();
    this.viewerCount = 0;
    this.viewersTimer = 0;
    this.viewersDebounce = 0;

    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.#send();
    });
    this.renameButton.addEventListener('click', () => this.#openRename());
    this.renameCancel.addEventListener('click', () => this.#closeRename(true));
    this.renameForm.addEventListener('submit', (e) => {
      e.preventDefault();
      this.#rename();
    });
    this.renameForm.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.#closeRename(true);
    });

    connection.addEventListener('frame', (e) => this.#onFrame(/** @type {CustomEvent} */ (e).detail));
    connection.addEventListener('state', (e) => this.#onState(/** @type {CustomEvent} */ (e).detail));
    this.#renderEmpty();
    this.#updateForm();
    this.viewersTimer = setInterval(() => void this.refreshViewers(), VIEWERS_REFRESH_MS);
  }

  // ---- incoming ----

  #onFrame(f) {
    switch (f.type) {
      case 'welcome':
        this.me = f.user;
        this.nameEl.textContent = f.user.name;
        this.enabled = f.chatEnabled !== false;
        this.banned = false;
        if (f.limits?.messageLength) this.input.maxLength = f.limits.messageLength;
        if (f.limits?.nameLength) this.nameInput.maxLength = f.limits.nameLength;
        this.list.replaceChildren();
        for (const m of f.history ?? []) this.#append(this.#messageItem(m));
        this.#renderEmpty();
        this.#scrollToEnd(true);
        this.#setNotice(this.enabled ? '' : ERROR_TEXT.chat_disabled, 'warn', 0);
        this.#updateForm();
        if (typeof f.viewers === 'number') this.viewerCount = f.viewers;
        void this.refreshViewers();
        break;
      case 'chat': {
        const stick = this.#nearEnd();
        this.#append(this.#messageItem(f));
        this.#renderEmpty();
        this.#scrollToEnd(stick || f.user?.id === this.me?.id);
        break;
      }
      case 'hide':
        this.list.querySelector(`li[data-id="${cssEscape(f.id)}"]`)?.remove();
        this.#renderEmpty();
        break;
      case 'rename':
        if (this.me && f.user?.id === this.me.id) {
          this.me = f.user;
          this.nameEl.textContent = f.user.name;
        }
        this.#viewersSoon();
        break;
      case 'system': {
        const stick = this.#nearEnd();
        const li = document.createElement('li');
        li.className = 'system';
        li.textContent = f.text;
        this.#append(li);
        this.#renderEmpty();
        this.#scrollToEnd(stick);
        break;
      }
      case 'chat_state':
        this.enabled = f.enabled !== false;
        this.#setNotice(this.enabled ? '' : ERROR_TEXT.chat_disabled, 'warn', 0);
        this.#updateForm();
        break;
      case 'viewers':
        this.viewerCount = f.count;
        this.#viewersSoon();
        break;
      case 'error':
        this.#onError(f);
        break;
      default:
        break;
    }
  }

  #onError(f) {
    const text = f.ref ? this.pending.get(f.ref) : undefined;
    if (f.ref) this.pending.delete(f.ref);
    if (text !== undefined && this.input.value === '') this.input.value = text;
    let message = f.message || ERROR_TEXT[f.code] || 'Something went wrong.';
    if (f.code === 'rate_limited') {
      const ms = Number(f.retryAfterMs) > 0 ? Number(f.retryAfterMs) : 3000;
      message = `${ERROR_TEXT.rate_limited} Wait ${Math.ceil(ms / 1000)} s.`;
      this.#blockFor(ms);
      this.#setNotice(message, 'warn', ms);
      return;
    }
    if (f.code === 'banned') {
      this.banned = true;
      this.#updateForm();
      this.#setNotice(ERROR_TEXT.banned, 'error', 0);
      return;
    }
    if (f.code === 'chat_disabled') {
      this.enabled = false;
      this.#updateForm();
      this.#setNotice(ERROR_TEXT.chat_disabled, 'warn', 0);
      return;
    }
    this.#setNotice(message, 'error', 6000);
  }

  #onState({ state, retryInMs, closeCode }) {
    if (closeCode === CLOSE_BANNED) {
      this.banned = true;
      this.#setNotice(ERROR_TEXT.banned, 'error', 0);
    }
    if (state === 'open') this.stateLine.textContent = '';
    else if (state === 'connecting') this.stateLine.textContent = 'Connecting…';
    else this.stateLine.textContent = retryInMs ? `Reconnecting in ${Math.ceil(retryInMs / 1000)} s…` : 'Disconnected';
    this.#updateForm();
  }

  // ---- outgoing ----

  #send() {
    const text = this.input.value.trim();
    if (text === '' || !this.#canSend()) return;
    const ref = this.conn.nextRef();
    if (!this.conn.send({ type: 'chat', text, ref })) {
      this.#setNotice('Not connected. Your message is still in the box.', 'error', 4000);
      return;
    }
    this.pending.set(ref, text);
    if (this.pending.size > 20) this.pending.delete(this.pending.keys().next().value);
    this.input.value = '';
    this.input.focus();
  }

  #openRename() {
    this.nameInput.value = this.me?.name ?? '';
    this.renameForm.hidden = false;
    this.renameButton.hidden = true;
    this.nameInput.focus();
    this.nameInput.select();
  }

  #closeRename(refocus) {
    this.renameForm.hidden = true;
    this.renameButton.hidden = false;
    if (refocus) this.renameButton.focus();
  }

  #rename() {
    const name = this.nameInput.value.trim();
    if (name === '' || name === this.me?.name) {
      this.#closeRename(true);
      return;
    }
    if (!this.conn.send({ type: 'rename', name, ref: this.conn.nextRef() })) {
      this.#setNotice('Not connected. Try again in a moment.', 'error', 4000);
      return;
    }
    this.#closeRename(true);
  }

  // ---- viewers ----

  #viewersSoon() {
    clearTimeout(this.viewersDebounce);
    this.viewersDebounce = setTimeout(() => void this.refreshViewers(), 250);
  }

  async refreshViewers() {
    let body;
    try {
      const res = await fetch('/api/viewers', { cache: 'no-store' });
      if (!res.ok) return;
      body = await res.json();
    } catch {
      return;
    }
    const all = Array.isArray(body.viewers) ? body.viewers : [];
    // Page viewers have their chat name; bare players (VLC, mpv, embeds) have none.
    const viewers = all.filter((v) => typeof v.name === 'string');
    const count = typeof body.count === 'number' ? body.count : all.length;
    this.viewerCount = count;
    this.viewersSummary.textContent = count === 1 ? '1 watching' : `${count} watching`;
    const items = viewers.map((v) => {
      const li = document.createElement('li');
      li.dataset.userId = v.id;
      li.textContent = v.name;
      if (this.me && v.id === this.me.id) {
        const you = document.createElement('span');
        you.className = 'you';
        you.textContent = ' (you)';
        li.append(you);
      }
      return li;
    });
    const others = count - viewers.length;
    if (others > 0) {
      const li = document.createElement('li');
      li.className = 'note';
      li.textContent = others === 1 ? '+ 1 watching in a player' : `+ ${others} watching in a player`;
      items.push(li);
    }
    this.viewersList.replaceChildren(...items);
  }

  // ---- helpers ----

  #messageItem(m) {
    const li = document.createElement('li');
    li.dataset.id = m.id;
    if (m.user?.id) li.dataset.userId = m.user.id;
    if (this.me && m.user?.id === this.me.id) li.classList.add('mine');
    const author = document.createElement('span');
    author.className = 'author';
    author.textContent = m.user?.name ?? '?';
    const text = document.createElement('span');
    text.className = 'text';
    text.textContent = m.text;
    li.append(author, text);
    if (m.at) {
      const when = new Date(m.at);
      if (!Number.isNaN(when.getTime())) li.title = when.toLocaleTimeString();
    }
    return li;
  }

  #append(li) {
    this.list.querySelector('li.empty')?.remove();
    this.list.append(li);
    while (this.list.children.length > MAX_MESSAGES) this.list.firstElementChild?.remove();
  }

  #renderEmpty() {
    const hasMessages = this.list.querySelector('li:not(.empty)');
    const placeholder = this.list.querySelector('li.empty');
    if (hasMessages) placeholder?.remove();
    else if (!placeholder) {
      const li = document.createElement('li');
      li.className = 'empty';
      li.textContent = 'No messages yet. Say hello!';
      this.list.append(li);
    }
  }

  #nearEnd() {
    return this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 60;
  }

  #scrollToEnd(yes) {
    if (yes) this.list.scrollTop = this.list.scrollHeight;
  }

  #canSend() {
    return this.conn.open && this.enabled && !this.banned && Date.now() >= this.blockedUntil;
  }

  #blockFor(ms) {
    this.blockedUntil = Date.now() + ms;
    this.#updateForm();
    clearTimeout(this.blockTimer);
    this.blockTimer = setTimeout(() => this.#updateForm(), ms + 50);
  }

  #updateForm() {
    const usable = this.enabled && !this.banned;
    this.input.disabled = !usable;
    this.sendButton.disabled = !this.#canSend();
    this.input.placeholder = !this.enabled ? 'Chat is off' : this.banned ? 'You cannot chat here' : 'Say something…';
  }

  #setNotice(text, kind, clearAfterMs) {
    clearTimeout(this.noticeTimer);
    this.notice.textContent = text;
    this.notice.dataset.kind = kind;
    if (text && clearAfterMs > 0) {
      this.noticeTimer = setTimeout(() => {
        this.notice.textContent = '';
      }, clearAfterMs);
    }
  }
}

function cssEscape(s) {
  return typeof CSS !== 'undefined' && CSS.escape ? CSS.escape(String(s)) : String(s).replace(/["\\]/g, '\\$&');
}
