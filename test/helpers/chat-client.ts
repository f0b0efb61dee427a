import WebSocket from 'ws';

/** A frame from the server, loosely typed for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Frame = { type: string; [key: string]: any };

export interface ChatClientOptions {
  token?: string;
  userAgent?: string;
  /** Connect from this local address (127.0.0.x) to look like another machine. */
  localAddress?: string;
}

/**
 * A real WebSocket client for the chat: keeps every frame it receives and
 * lets a test wait for the next one that matches.
 */
export class ChatClient {
  readonly ws: WebSocket;
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #consumed = new Set<number>();
  #waiters: (() => void)[] = [];

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Frame);
      for (const w of this.#waiters.splice(0)) w();
    });
    ws.on('error', () => {});
  }

  /** Opens a socket to /ws (resolves when open, before the welcome). */
  static open(baseUrl: string, o: ChatClientOptions = {}): Promise<ChatClient> {
    const url = new URL('/ws', baseUrl.replace(/^http/, 'ws'));
    if (o.token !== undefined) url.searchParams.set('token', o.token);
    const ws = new WebSocket(url, {
      headers: o.userAgent !== undefined ? { 'User-Agent': o.userAgent } : {},
      ...(o.localAddress !== undefined ? { localAddress: o.localAddress } : {}),
    });
    const client = new ChatClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  /** Opens a socket and waits for the welcome frame. */
  static async connect(baseUrl: string, o: ChatClientOptions = {}): Promise<ChatClient & { welcome: Frame }> {
    const c = await ChatClient.open(baseUrl, o);
    const welcome = await c.next((f) => f.type === 'welcome');
    return Object.assign(c, { welcome });
  }

  get user(): { id: string; name: string } {
    return (this as unknown as { welcome: Frame }).welcome['user'];
  }

  get token(): string {
    return (this as unknown as { welcome: Frame }).welcome['token'];
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The first frame not yet taken that matches, waiting up to `timeoutMs` for it. */
  async next(match: (f: Frame) => boolean, timeoutMs = 5000, what = 'a matching frame'): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = 0; i < this.frames.length; i++) {
        const f = this.frames[i] as Frame;
        if (!this.#consumed.has(i) && match(f)) {
          this.#consumed.add(i);
          return f;
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got: ${JSON.stringify(this.frames).slice(0, 2000)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits for the next frame of a type. */
  nextOfType(type: string, timeoutMs = 5000): Promise<Frame> {
    return this.next((f) => f.type === type, timeoutMs, `a "${type}" frame`);
  }

  /** True if a frame matching arrived (taken or not) within `ms`. */
  async receivesWithin(match: (f: Frame) => boolean, ms: number): Promise<boolean> {
    try {
      await this.next(match, ms);
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    const t = setTimeout(() => this.ws.terminate(), 1000);
    await this.closed;
    clearTimeout(t);
  }
}
