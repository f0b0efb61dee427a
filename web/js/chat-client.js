// The WebSocket to /ws: chat, presence and live status (docs/chat-protocol.md).
// Reconnects by itself with a growing delay; pings every few seconds so the
// server counts this page as a viewer.

const TOKEN_KEY = 'sharecast.viewerToken';
const PING_MS = 4000;
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 15000;
/** Close codes from the server (docs/chat-protocol.md). */
export const CLOSE_BANNED = 4003;
const BANNED_RETRY_MS = 60000;

/**
 * Events: 'frame' (detail: a server frame), 'state' (detail: { state, retryInMs?, closeCode? })
 * where state is 'connecting' | 'open' | 'closed'.
 */
export class ChatConnection extends EventTarget {
  constructor({ path = '/ws' } = {}) {
    super();
    this.path = path;
    /** @type {WebSocket|null} */
    this.ws = null;
    this.state = 'closed';
    this.attempts = 0;
    this.retryTimer = 0;
    this.pingTimer = 0;
    this.refCounter = 0;
    this.stopped = false;
    this.closeCode = 0;
  }

  get open() {
    return this.state === 'open';
  }

  connect() {
    this.stopped = false;
    clearTimeout(this.retryTimer);
    const token = readToken();
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const url = `${scheme}//${location.host}${this.path}${token ? `?token=${encodeURIComponent(token)}` : ''}`;
    let ws;
    try {
      ws = new WebSocket(url);
    } catch {
      this.#scheduleReconnect();
      return;
    }
    this.ws = ws;
    this.#setState('connecting');
    ws.addEventListener('open', () => {
      if (ws !== this.ws) return;
      this.attempts = 0;
      this.#setState('open');
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.send({ type: 'ping' }), PING_MS);
    });
    ws.addEventListener('message', (event) => {
      if (ws !== this.ws || typeof event.data !== 'string') return;
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (!frame || typeof frame.type !== 'string') return;
      if (frame.type === 'welcome' && typeof frame.token === 'string') writeToken(frame.token);
      this.dispatchEvent(new CustomEvent('frame', { detail: frame }));
    });
    ws.addEventListener('close', (event) => {
      if (ws !== this.ws) return;
      clearInterval(this.pingTimer);
      this.ws = null;
      this.closeCode = event.code;
      if (!this.stopped) this.#scheduleReconnect(event.code);
      else this.#setState('closed');
    });
    // 'error' is always followed by 'close'; nothing to do here.
  }

  close() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    this.ws?.close(1000);
    this.ws = null;
    this.#setState('closed');
  }

  /** Sends a frame; false when the socket is not open. */
  send(frame) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** A fresh reference to match an error frame to the request that caused it. */
  nextRef() {
    this.refCounter += 1;
    return `r${this.refCounter}`;
  }

  #scheduleReconnect(closeCode) {
    // Banned: the server will refuse us; try again rarely, in case the ban is lifted.
    const base = closeCode === CLOSE_BANNED ? BANNED_RETRY_MS : Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** this.attempts);
    const delay = Math.round(base * (0.75 + Math.random() * 0.5));
    this.attempts += 1;
    this.#setState('closed', delay, closeCode);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  #setState(state, retryInMs, closeCode) {
    this.state = state;
    this.dispatchEvent(new CustomEvent('state', { detail: { state, retryInMs, closeCode } }));
  }
}

function readToken() {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

function writeToken(token) {
  try {
    localStorage.setItem(TOKEN_KEY, token);
  } catch {
    // Storage blocked (private mode, iframe rules): the name just will not survive a reload.
  }
}
