// The admin page (/admin): title, offline image, chat moderation, and the OBS
// settings for push streams (with their keys, which only this page shows).
// Talks to /api/admin/* with "Authorization: Bearer <token>"; the token stays
// in this browser (session storage, or local storage when "remember" is ticked).

import { pushPanel } from './admin-push.js';

const TOKEN_KEY = 'sharecast.adminToken';
const REFRESH_MS = 3000;

const $ = (sel) => /** @type {any} */ (document.querySelector(sel));
const loginSection = $('[data-admin-login]');
const loginForm = $('[data-admin-login-form]');
const loginResult = $('[data-admin-login-result]');
const tokenInput = $('#admin-token');
const remember = $('[data-admin-remember]');
const panel = $('[data-admin-panel]');
const logout = $('[data-admin-logout]');
const badge = $('[data-admin-badge]');
const viewerCount = $('[data-admin-viewer-count]');
const titleForm = $('[data-admin-title-form]');
const titleInput = $('#admin-title');
const titleResult = $('[data-admin-title-result]');
const imagePreview = $('[data-admin-image-preview]');
const imageInfo = $('[data-admin-image-info]');
const imageForm = $('[data-admin-image-form]');
const imageFile = $('#admin-image-file');
const imageReset = $('[data-admin-image-reset]');
const imageResult = $('[data-admin-image-result]');
const chatState = $('[data-admin-chat-state]');
const chatToggle = $('[data-admin-chat-toggle]');
const chatResult = $('[data-admin-chat-result]');
const messagesList = $('[data-admin-messages]');
const viewersList = $('[data-admin-viewers]');
const bansList = $('[data-admin-bans]');
const pushSection = $('[data-admin-push]');
const pushStreams = $('[data-admin-push-streams]');
const pushResult = $('[data-admin-push-result]');
const renderPush = pushPanel({ section: pushSection, container: pushStreams, button, act: (fn) => act(pushResult, fn) });

let token = readToken();
let refreshTimer = 0;
let chatEnabled = true;
let titleEdited = false;
/** userId -> last known name (from messages and viewers), for the ban list */
const names = new Map();

class Unauthorized extends Error {}

// ---------- API ----------

async function api(method, path, body, contentType = 'application/json') {
  const headers = { Authorization: `Bearer ${token}` };
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = contentType;
    payload = contentType === 'application/json' ? JSON.stringify(body) : body;
  }
  const res = await fetch(path, { method, headers, body: payload, cache: 'no-store' });
  const data = await res.json().catch(() => ({}));
  if (res.status === 401) throw new Unauthorized(data?.error?.message ?? 'the token was refused');
  if (!res.ok) throw new Error(data?.error?.message ?? `${res.status} ${res.statusText}`);
  return data;
}

async function publicJson(path) {
  const res = await fetch(path, { cache: 'no-store' });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return res.json();
}

// ---------- sign in / out ----------

loginForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  token = tokenInput.value.trim();
  if (!token) return;
  say(loginResult, 'Checking…');
  try {
    await api('GET', '/api/admin/chat/bans');
  } catch (err) {
    say(loginResult, err instanceof Unauthorized ? 'That token is not right.' : `Could not check the token: ${err.message}`, 'error');
    token = '';
    return;
  }
  storeToken(token, remember.checked);
  tokenInput.value = '';
  say(loginResult, '');
  showPanel();
});

logout.addEventListener('click', () => signOut(''));

function signOut(message) {
  clearTimeout(refreshTimer);
  token = '';
  storeToken('', false);
  panel.hidden = true;
  logout.hidden = true;
  loginSection.hidden = false;
  say(loginResult, message, message ? 'error' : undefined);
  tokenInput.focus();
}

function showPanel() {
  loginSection.hidden = true;
  panel.hidden = false;
  logout.hidden = false;
  titleEdited = false;
  void refresh();
  void refreshImageInfo();
}

// ---------- title ----------

titleInput.addEventListener('input', () => (titleEdited = true));
titleForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  await act(titleResult, async () => {
    const r = await api('PUT', '/api/admin/title', { title: titleInput.value });
    titleEdited = false;
    titleInput.value = r.title;
    return 'Title saved. Viewers see it now.';
  });
});

// ---------- offline image ----------

imageForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const file = imageFile.files?.[0];
  if (!file) return;
  await act(imageResult, async () => {
    await api('PUT', '/api/admin/offline-image', file, file.type || 'application/octet-stream');
    imageFile.value = '';
    await refreshImageInfo();
    return 'Offline image saved.';
  });
});

imageReset.addEventListener('click', async () => {
  await act(imageResult, async () => {
    await api('DELETE', '/api/admin/offline-image');
    await refreshImageInfo();
    return 'Back to the default image.';
  });
});

async function refreshImageInfo() {
  try {
    const info = await api('GET', '/api/admin/offline-image');
    const origin = { uploaded: 'uploaded here', configured: 'from --offline-image', builtin: 'the built-in default' }[info.origin] ?? info.origin;
    imageInfo.textContent = `Now showing ${origin} (${info.contentType}, ${Math.ceil(info.bytes / 1024)} KiB).`;
    imagePreview.src = `/offline-image?v=${Date.now().toString(36)}`;
  } catch (err) {
    if (err instanceof Unauthorized) signOut('The token was refused. Sign in again.');
  }
}

// ---------- chat ----------

chatToggle.addEventListener('click', async () => {
  await act(chatResult, async () => {
    const r = await api('POST', chatEnabled ? '/api/admin/chat/disable' : '/api/admin/chat/enable');
    setChatEnabled(r.chatEnabled);
    return r.chatEnabled ? 'Chat is on again.' : 'Chat is off for everyone.';
  });
});

function setChatEnabled(enabled) {
  chatEnabled = enabled;
  chatState.textContent = enabled ? 'on' : 'off';
  chatToggle.textContent = enabled ? 'Disable chat' : 'Enable chat';
}

function renderMessages(messages) {
  syncList(messagesList, messages.slice().reverse(), (m) => m.id, (m) => {
    const li = document.createElement('li');
    const text = document.createElement('span');
    text.className = 'grow';
    const who = document.createElement('span');
    who.className = 'who';
    who.textContent = m.user?.name ?? '?';
    const body = document.createElement('span');
    body.textContent = m.text;
    text.append(who, body);
    if (m.at) text.title = new Date(m.at).toLocaleString();
    const hide = button('Hide', `Hide this message from ${m.user?.name ?? 'this user'}`, async () => {
      await act(chatResult, async () => {
        await api('POST', '/api/admin/chat/hide', { id: m.id });
        li.remove();
        emptyNote(messagesList, 'No messages.');
        return 'Message hidden.';
      });
    });
    li.append(text, hide, banButton(m.user?.id, m.user?.name));
    return li;
  }, 'No messages.');
}

function renderViewers(viewers) {
  const named = viewers.filter((v) => typeof v.name === 'string');
  const players = viewers.length - named.length;
  const rows = named.map((v) => ({ ...v, key: v.id }));
  if (players > 0) rows.push({ key: `players:${players}`, players });
  syncList(viewersList, rows, (v) => v.key, (v) => {
    const li = document.createElement('li');
    const text = document.createElement('span');
    text.className = 'grow';
    if (v.players) {
      text.textContent = v.players === 1 ? '1 player without the page (VLC, mpv, embed)' : `${v.players} players without the page (VLC, mpv, embeds)`;
      text.classList.add('muted');
      li.append(text);
    } else {
      text.textContent = v.name;
      li.append(text, banButton(v.id, v.name));
    }
    return li;
  }, 'Nobody is watching.');
}

function renderBans(bans) {
  syncList(bansList, bans, (b) => b.userId, (b) => {
    const li = document.createElement('li');
    const text = document.createElement('span');
    text.className = 'grow';
    const name = names.get(b.userId);
    text.textContent = name ? `${name} (${b.userId})` : b.userId;
    if (b.at) text.title = `banned ${new Date(b.at).toLocaleString()}`;
    li.append(
      text,
      button('Unban', `Lift the ban on ${name ?? b.userId}`, async () => {
        await act(chatResult, async () => {
          await api('POST', '/api/admin/chat/unban', { userId: b.userId });
          li.remove();
          emptyNote(bansList, 'Nobody is banned.');
          return 'Ban lifted.';
        });
      }),
    );
    return li;
  }, 'Nobody is banned.');
}

/** A ban button that asks once more before it acts (no pop-up dialogs). */
function banButton(userId, name) {
  const b = button('Ban', `Ban ${name ?? 'this user'} from the chat`, async () => {
    if (b.dataset.armed !== '1') {
      b.dataset.armed = '1';
      b.textContent = 'Sure? Ban';
      b.classList.add('danger');
      setTimeout(() => {
        b.dataset.armed = '';
        b.textContent = 'Ban';
        b.classList.remove('danger');
      }, 4000);
      return;
    }
    await act(chatResult, async () => {
      const r = await api('POST', '/api/admin/chat/ban', { userId });
      void refresh();
      return `${name ?? 'User'} banned; ${r.hidden ?? 0} message(s) hidden.`;
    });
  });
  if (!userId) b.disabled = true;
  return b;
}

// ---------- refresh loop ----------

async function refresh() {
  clearTimeout(refreshTimer);
  if (!token) return;
  try {
    const [status, chat, viewers, bans, push] = await Promise.all([
      publicJson('/api/status'),
      publicJson('/api/chat'),
      publicJson('/api/viewers'),
      api('GET', '/api/admin/chat/bans'),
      api('GET', '/api/admin/push'),
    ]);
    badge.dataset.state = status.online ? 'live' : 'offline';
    badge.textContent = status.online ? 'Live' : 'Offline';
    viewerCount.textContent = status.viewers === 1 ? '1 viewer' : `${status.viewers} viewers`;
    if (!titleEdited && document.activeElement !== titleInput) titleInput.value = status.title ?? '';
    for (const m of chat.messages ?? []) if (m.user?.id) names.set(m.user.id, m.user.name);
    for (const v of viewers.viewers ?? []) if (v.name) names.set(v.id, v.name);
    setChatEnabled(chat.chatEnabled !== false);
    renderMessages(chat.messages ?? []);
    renderViewers(viewers.viewers ?? []);
    renderBans(bans.bans ?? []);
    renderPush(push.streams ?? []);
  } catch (err) {
    if (err instanceof Unauthorized) {
      signOut('The token was refused. Sign in again.');
      return;
    }
    // The server is unreachable for a moment: keep what is shown and try again.
  }
  refreshTimer = setTimeout(() => void refresh(), REFRESH_MS);
}

// ---------- helpers ----------

/**
 * Updates a list in place by key: rows that stay keep their elements (and the
 * keyboard focus), new rows are created, gone rows removed, order follows items.
 */
function syncList(list, items, keyOf, render, emptyText) {
  const existing = new Map();
  for (const li of list.children) if (li.dataset.key) existing.set(li.dataset.key, li);
  const wanted = items.map((item) => {
    const key = String(keyOf(item));
    let li = existing.get(key);
    if (!li) {
      li = render(item);
      li.dataset.key = key;
    }
    existing.delete(key);
    return li;
  });
  for (const li of existing.values()) li.remove();
  list.querySelector('li.empty')?.remove();
  wanted.forEach((li, i) => {
    if (list.children[i] !== li) list.insertBefore(li, list.children[i] ?? null);
  });
  emptyNote(list, emptyText);
}

function emptyNote(list, text) {
  const hasRows = list.querySelector('li:not(.empty)');
  const note = list.querySelector('li.empty');
  if (hasRows) note?.remove();
  else if (!note) {
    const li = document.createElement('li');
    li.className = 'empty';
    li.textContent = text;
    list.append(li);
  }
}

function button(label, ariaLabel, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.setAttribute('aria-label', ariaLabel);
  b.addEventListener('click', () => void onClick());
  return b;
}

/** Runs an admin action and reports its outcome in `where`. */
async function act(where, fn) {
  say(where, 'Working…');
  try {
    say(where, await fn(), 'ok');
  } catch (err) {
    if (err instanceof Unauthorized) signOut('The token was refused. Sign in again.');
    else say(where, err.message, 'error');
  }
}

function say(el, text, kind) {
  el.textContent = text;
  if (kind) el.dataset.kind = kind;
  else delete el.dataset.kind;
}

function readToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? localStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

function storeToken(value, persist) {
  try {
    sessionStorage.removeItem(TOKEN_KEY);
    localStorage.removeItem(TOKEN_KEY);
    if (value) (persist ? localStorage : sessionStorage).setItem(TOKEN_KEY, value);
  } catch {
    // Storage blocked: the token lasts until the page is closed.
  }
}

// ---------- start ----------

if (token) showPanel();
else tokenInput.focus();
