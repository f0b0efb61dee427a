// Polls GET /api/status. The page also gets status over the chat WebSocket;
// polling is the fallback (fast while the socket is down, slow while it is up)
// and the only source for the video embed.

/**
 * @typedef {{ online: boolean, title: string, viewers: number, stream: string|null,
 *   streams: Record<string, { online: boolean, playlistUrl: string }> }} Status
 */

export class StatusPoller {
  /** @param {{ onStatus: (s: Status, requestedAt: number) => void, intervalMs?: number }} options */
  constructor({ onStatus, intervalMs = 3000 }) {
    this.onStatus = onStatus;
    this.intervalMs = intervalMs;
    this.timer = 0;
    this.inFlight = false;
    this.stopped = false;
  }

  start() {
    this.stopped = false;
    void this.refresh();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Changes the polling interval (takes effect from the next poll). */
  setInterval(ms) {
    if (ms === this.intervalMs) return;
    this.intervalMs = ms;
    if (!this.stopped && !this.inFlight) this.#schedule();
  }

  /** Fetches the status now. */
  async refresh() {
    if (this.inFlight) return;
    this.inFlight = true;
    clearTimeout(this.timer);
    const requestedAt = performance.now();
    try {
      const res = await fetch('/api/status', { cache: 'no-store', headers: { Accept: 'application/json' } });
      if (res.ok) this.onStatus(await res.json(), requestedAt);
    } catch {
      // The server is unreachable: keep the last state and try again later.
    } finally {
      this.inFlight = false;
      if (!this.stopped) this.#schedule();
    }
  }

  #schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), this.intervalMs);
  }
}
