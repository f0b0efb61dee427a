// What the top bar and the player show: title, live/offline, viewer count.
// Fed by status polls and by WebSocket frames, whichever arrives first.

export class PageState {
  /** @param {{ player?: import('./player.js').LivePlayer, baseTitle?: string }} options */
  constructor({ player, baseTitle = 'sharecast' } = {}) {
    this.player = player;
    this.baseTitle = baseTitle;
    this.online = undefined;
    this.title = '';
    this.viewers = undefined;
    /** When the last WebSocket frame with state arrived (performance.now()). */
    this.frameAt = -Infinity;
  }

  /**
   * From GET /api/status. A poll that was sent before the latest WebSocket
   * frame may carry older news: it is ignored rather than allowed to undo it.
   */
  applyStatus(s, requestedAt = performance.now()) {
    const main = s.streams && s.stream ? s.streams[s.stream] : undefined;
    if (main?.playlistUrl) this.player?.setPlaylistUrl(main.playlistUrl);
    if (typeof main?.offlineAfterSeconds === 'number') this.player?.setOfflineAfter(main.offlineAfterSeconds);
    if (requestedAt < this.frameAt) return;
    if (typeof s.title === 'string') this.setTitle(s.title);
    if (typeof s.viewers === 'number') this.setViewers(s.viewers);
    if (typeof s.online === 'boolean') this.setOnline(s.online);
  }

  /** From the chat WebSocket: welcome, status, title and viewers frames. */
  applyFrame(f) {
    if (['welcome', 'status', 'title', 'viewers'].includes(f.type)) this.frameAt = performance.now();
    if (f.type === 'welcome') {
      if (typeof f.title === 'string') this.setTitle(f.title);
      if (typeof f.viewers === 'number') this.setViewers(f.viewers);
      if (typeof f.online === 'boolean') this.setOnline(f.online);
    } else if (f.type === 'status' && typeof f.online === 'boolean') this.setOnline(f.online);
    else if (f.type === 'title' && typeof f.title === 'string') this.setTitle(f.title);
    else if (f.type === 'viewers' && typeof f.count === 'number') this.setViewers(f.count);
  }

  setOnline(online) {
    if (online === this.online) return;
    this.online = online;
    for (const badge of document.querySelectorAll('[data-bind="badge"]')) {
      badge.dataset.state = online ? 'live' : 'offline';
      badge.textContent = online ? 'Live' : 'Offline';
    }
    this.player?.setOnline(online);
  }

  setTitle(title) {
    if (title === this.title) return;
    this.title = title;
    const shown = title.trim() || this.baseTitle;
    for (const el of document.querySelectorAll('[data-bind="title"]')) el.textContent = shown;
    document.title = shown;
  }

  setViewers(count) {
    if (count === this.viewers) return;
    this.viewers = count;
    for (const el of document.querySelectorAll('[data-bind="viewer-count"]')) {
      el.textContent = count === 1 ? '1 viewer' : `${count} viewers`;
    }
  }
}
