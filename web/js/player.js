// The live player: hls.js where the browser has Media Source Extensions,
// native HLS otherwise (Safari on iOS). Shows the offline image while the
// stream is down and starts playing again by itself when it comes back.
//
// hls.js treats a 404 playlist as fatal and never retries it, and stops
// loading once the playlist ends (EXT-X-ENDLIST). So the page never relies on
// hls.js to notice a comeback: whoever owns the player calls setOnline() from
// the server's status (WebSocket frames or GET /api/status), and the player
// builds a fresh hls.js instance each time the stream goes live.
//
// The page calls load() at once, before any status has arrived: the playlist
// and the first parts load in parallel with the status and the chat socket.
// A live playlist starts playback by itself; an ended one (the stream is
// offline) waits, hidden, for the status to say so.
import Hls from '/vendor/hls.min.mjs';
import { CLASSIC_TUNING, HLS_CONFIG, LOW_LATENCY_JUMP_CUSHION_S, LOW_LATENCY_MAX_BEHIND_S, tuneFor } from './player-tuning.js';

const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 10000;
/**
 * After the stream ends, play out what is buffered (the streamer's last words),
 * but never for longer than the server's offline timeout: the offline image
 * shows within that time after OBS stops.
 */
const DRAIN_DEFAULT_MAX_MS = 5000;

export class LivePlayer {
  /**
   * @param {HTMLElement} root the [data-player] element
   * @param {{ playlistUrl?: string, onLatency?: (seconds: number|null) => void,
   *   onPlaylistUrl?: (url: string) => void }} [options]
   */
  constructor(root, options = {}) {
    this.root = root;
    this.video = /** @type {HTMLVideoElement} */ (root.querySelector('[data-player-video]'));
    this.offline = /** @type {HTMLElement} */ (root.querySelector('[data-player-offline]'));
    this.offlineImage = /** @type {HTMLImageElement|null} */ (root.querySelector('[data-player-offline-image]'));
    this.unmute = /** @type {HTMLButtonElement|null} */ (root.querySelector('[data-player-unmute]'));
    this.message = /** @type {HTMLElement|null} */ (root.querySelector('[data-player-message]'));
    this.playlistUrl = options.playlistUrl ?? '/hls/live/index.m3u8';
    this.onLatency = options.onLatency ?? (() => {});
    this.onPlaylistUrl = options.onPlaylistUrl ?? (() => {});

    /** @type {'unknown'|'offline'|'starting'|'live'|'draining'} */
    this.mode = 'unknown';
    this.online = false;
    /** Whether a status has said live or offline yet (until then, a failed early load is tried again). */
    this.statusKnown = false;
    /** Whether the video is shown and asked to play (the status or a live playlist said so). */
    this.revealed = false;
    /** @type {Hls|null} */
    this.hls = null;
    this.native = false;
    this.retries = 0;
    this.retryTimer = 0;
    this.drainTimer = 0;
    this.mediaErrorRecoveredAt = 0;
    this.wasLive = false;
    this.drainMaxMs = DRAIN_DEFAULT_MAX_MS;

    // The player decides when to play: an early load of an ended playlist must not start by itself.
    this.video.autoplay = false;
    this.video.addEventListener('playing', () => {
      this.retries = 0;
      this.#say('');
      this.#updateUnmute();
    });
    this.video.addEventListener('volumechange', () => this.#updateUnmute());
    this.video.addEventListener('ended', () => this.#onEnded());
    this.video.addEventListener('error', () => this.#onNativeError());
    this.unmute?.addEventListener('click', () => {
      this.video.muted = false;
      if (this.video.volume === 0) this.video.volume = 1;
      void this.#play();
      this.video.focus();
    });
    setInterval(() => {
      this.#reportLatency();
      this.#keepUp();
    }, 1000);
  }

  /**
   * Starts loading the stream now, before the status is known: the first
   * frame need not wait for /api/status or the WebSocket. Plays as soon as
   * the playlist turns out to be live, or when setOnline(true) comes.
   */
  load() {
    if (this.mode === 'unknown') this.#start();
  }

  /** The main stream's playlist (from the status): a load already under way with another URL starts over. */
  setPlaylistUrl(url) {
    if (!url || url === this.playlistUrl) return;
    this.playlistUrl = url;
    this.onPlaylistUrl(url);
    if (this.mode === 'live' || this.mode === 'starting') this.#start();
  }

  /** The server's offline timeout (status: streams.NAME.offlineAfterSeconds). */
  setOfflineAfter(seconds) {
    if (Number.isFinite(seconds) && seconds > 0) this.drainMaxMs = Math.max(500, seconds * 1000 - 500);
  }

  /** Tells the player whether the stream is live now. */
  setOnline(online) {
    const was = this.online;
    this.online = online;
    this.statusKnown = true;
    if (online) {
      if (this.mode === 'unknown' || this.mode === 'offline' || this.mode === 'draining') this.#start();
      else if (this.mode === 'live') this.#reveal();
      return;
    }
    if (this.mode === 'unknown' || (this.mode === 'live' && !this.revealed)) {
      // Nothing shown yet (an early load of an ended playlist): straight to the offline image.
      this.#showOffline();
    } else if (was || this.mode === 'starting' || this.mode === 'live') {
      this.#drainThenOffline();
    }
  }

  // ---- states ----

  #start() {
    this.#teardown();
    clearTimeout(this.retryTimer);
    this.mode = 'starting';
    this.revealed = false;
    delete this.root.dataset.lowLatency;
    // A fresh URL per start: a browser cache can never hand back the ended playlist of the last session.
    const url = `${this.playlistUrl}${this.playlistUrl.includes('?') ? '&' : '?'}start=${Date.now().toString(36)}`;

    if (Hls.isSupported()) {
      // Checked first: desktop Chromium answers "maybe" for native HLS but cannot play it.
      const hls = new Hls(HLS_CONFIG);
      // Classic values until the first playlist says otherwise (they are never in the constructor's config).
      Object.assign(hls.config, CLASSIC_TUNING);
      this.hls = hls;
      hls.on(Hls.Events.ERROR, (_event, data) => this.#onHlsError(hls, data));
      hls.on(Hls.Events.LEVEL_LOADED, (_event, data) => this.#onLevelLoaded(hls, data.details));
      hls.attachMedia(this.video);
      hls.loadSource(url);
      // For tests and benches: the hls.js instance behind this player.
      this.root.dispatchEvent(new CustomEvent('player-hls', { detail: { hls } }));
    } else if (this.video.canPlayType('application/vnd.apple.mpegurl')) {
      this.native = true;
      this.video.src = url;
      // Native playback tells nothing about the playlist: the status decides.
      if (this.online) this.#reveal();
    } else {
      this.mode = 'offline';
      this.video.hidden = true;
      this.#say('This browser cannot play the stream here. Use the link below with VLC or mpv.');
      return;
    }
    this.mode = 'live';
    if (this.online) this.#reveal();
  }

  /** Shows the video and plays it (once per start). */
  #reveal() {
    if (this.revealed || this.mode !== 'live') return;
    this.revealed = true;
    this.wasLive = true;
    this.offline.hidden = true;
    this.video.hidden = false;
    void this.#play();
  }

  #drainThenOffline() {
    const ahead = this.#bufferedAhead();
    if (this.mode === 'live' && this.revealed && !this.video.paused && ahead > 0.5) {
      // Let the last seconds (the streamer's goodbye) play out; 'ended' or the timer ends it.
      this.mode = 'draining';
      clearTimeout(this.drainTimer);
      this.drainTimer = setTimeout(() => {
        if (this.mode === 'draining') this.#showOffline();
      }, Math.min(this.drainMaxMs, ahead * 1000 + 1000));
      return;
    }
    this.#showOffline();
  }

  #showOffline() {
    this.#teardown();
    clearTimeout(this.retryTimer);
    this.mode = 'offline';
    this.revealed = false;
    this.video.hidden = true;
    this.offline.hidden = false;
    this.#say('');
    if (this.unmute) this.unmute.hidden = true;
    // The streamer may have uploaded a new image while we were live.
    if (this.wasLive && this.offlineImage) this.offlineImage.src = `/offline-image?v=${Date.now().toString(36)}`;
    this.onLatency(null);
  }

  #teardown() {
    clearTimeout(this.drainTimer);
    if (this.hls) {
      this.hls.destroy();
      this.hls = null;
    }
    if (this.native) {
      this.video.removeAttribute('src');
      this.video.load();
      this.native = false;
    }
  }

  /** Tries again later while the status still says live, or says nothing yet (the early load, before any status). */
  #retrySoon(reason) {
    this.#teardown();
    clearTimeout(this.retryTimer);
    const worthRetrying = () => this.online || !this.statusKnown;
    if (!worthRetrying()) {
      this.#showOffline();
      return;
    }
    this.mode = 'starting';
    const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** this.retries);
    this.retries += 1;
    if (this.retries > 2) this.#say(`Reconnecting to the stream… (${reason})`);
    this.retryTimer = setTimeout(() => {
      if (worthRetrying()) this.#start();
      else this.#showOffline();
    }, delay);
  }

  // ---- events ----

  #onLevelLoaded(hls, details) {
    if (hls !== this.hls) return;
    const lowLatency = tuneFor(hls.config, details);
    this.root.dataset.lowLatency = lowLatency ? 'yes' : 'no';
    // A live playlist is news enough that the stream is on: no need to wait for the status.
    if (details.live) this.#reveal();
  }

  #onHlsError(hls, data) {
    if (hls !== this.hls || !data.fatal) return;
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR && Date.now() - this.mediaErrorRecoveredAt > 10000) {
      this.mediaErrorRecoveredAt = Date.now();
      hls.recoverMediaError();
      return;
    }
    this.#retrySoon(data.details || data.type);
  }

  #onNativeError() {
    if (!this.native) return;
    this.#retrySoon('playback error');
  }

  #onEnded() {
    if (this.mode === 'draining') {
      this.#showOffline();
    } else if (this.mode === 'live' && this.revealed) {
      // The playlist ended although the last status said live: the stream restarted
      // quicker than we polled, or the status is stale. Start over if it is live.
      this.#retrySoon('stream restarted');
    }
  }

  // ---- helpers ----

  async #play() {
    try {
      await this.video.play();
    } catch (err) {
      if (err && err.name === 'NotAllowedError') {
        this.#say('Press play to start the stream.');
      }
      // AbortError: a newer load replaced this one; nothing to do.
    }
  }

  #bufferedAhead() {
    const b = this.video.buffered;
    const t = this.video.currentTime;
    for (let i = 0; i < b.length; i++) {
      if (b.start(i) <= t + 0.1 && b.end(i) > t) return b.end(i) - t;
    }
    return 0;
  }

  #updateUnmute() {
    if (!this.unmute) return;
    this.unmute.hidden = !(this.video.muted && !this.video.hidden && this.mode !== 'offline');
  }

  /**
   * LL-HLS only: far behind the target while playing, jump forward within
   * what is buffered (the jump never waits for data), keeping a cushion ahead
   * from which hls.js closes the rest by playing a little faster.
   */
  #keepUp() {
    const hls = this.hls;
    if (!hls || this.mode !== 'live' || this.root.dataset.lowLatency !== 'yes' || this.video.paused || this.video.seeking) return;
    const target = hls.targetLatency;
    if (target === null || !(hls.latency > target + LOW_LATENCY_MAX_BEHIND_S)) return;
    const now = this.video.currentTime;
    const to = now + this.#bufferedAhead() - LOW_LATENCY_JUMP_CUSHION_S;
    if (to > now + 0.5) this.video.currentTime = to;
  }

  #reportLatency() {
    if (this.mode !== 'live' || !this.hls || !this.revealed) return;
    const latency = this.hls.latency;
    this.onLatency(Number.isFinite(latency) && latency > 0 ? latency : null);
  }

  #say(text) {
    if (!this.message) return;
    this.message.textContent = text;
    this.message.hidden = text === '';
  }
}
