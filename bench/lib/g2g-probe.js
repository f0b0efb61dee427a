// Injected into the viewer page by bench/glass-to-glass.ts before the page's
// own scripts run (page.addInitScript), after window.__g2gConfig was set to
// the layout of bench/lib/time-code.ts. It leaves the page and its player
// alone and only watches:
// - every frame the <video> presents (requestVideoFrameCallback): the strip of
//   squares is drawn into a small canvas and read back as the capture time;
//   the sample is Date.now() minus that time;
// - the video's 'playing', 'waiting' and 'seeking' events (stalls);
// - the hls.js instance the player announces ('player-hls'): its latency and
//   target, its stall errors, and how long each part, segment and playlist
//   took to load.
// Plain JavaScript: the bench reads window.__g2g back with page.evaluate.
(() => {
  const cfg = window.__g2gConfig;
  const cells = 2 + cfg.valueBits + cfg.checkBits;
  const width = cells * cfg.cell;
  const probe = {
    openedAt: Date.now(),
    firstFrameAt: 0,
    firstPlayingAt: 0,
    /** [Date.now(), delay ms] per decoded frame */
    samples: [],
    misreads: 0,
    waiting: [],
    seeking: [],
    hlsStalls: [],
    /** [Date.now(), hls.latency, hls.targetLatency, playbackRate] every 500 ms */
    latency: [],
    /** [Date.now(), kind, ms]: kind is 'part', 'segment' or 'playlist', ms from request to the last byte */
    loads: [],
    /** What hls.js and the video element told: [ms since opened, what]; loads only for the first 40 entries. */
    log: [],
  };
  // Loads are kept for the first 40 entries, and around each stall: the 30 events before it and 5 s after.
  const recent = [];
  let verboseUntil = 0;
  const note = (what, always = true) => {
    const entry = [Date.now() - probe.openedAt, what];
    recent.push(entry);
    if (recent.length > 30) recent.shift();
    if (probe.log.length < 600 && (always || probe.log.length < 40 || Date.now() < verboseUntil)) probe.log.push(entry);
  };
  const stalled = () => {
    for (const e of recent) if (!probe.log.includes(e)) probe.log.push(e);
    verboseUntil = Date.now() + 5000;
  };
  window.__g2g = probe;
  let hls = null;
  // Which track ran dry at a stall: the SourceBuffers' ends, by type.
  const sourceBuffers = [];
  const addSourceBuffer = MediaSource.prototype.addSourceBuffer;
  MediaSource.prototype.addSourceBuffer = function (type) {
    const sb = addSourceBuffer.call(this, type);
    sourceBuffers.push({ type: type.split('/')[0], sb });
    return sb;
  };
  const ends = () =>
    sourceBuffers
      .map(({ type, sb }) => {
        try {
          return `${type} to ${sb.buffered.length ? sb.buffered.end(sb.buffered.length - 1).toFixed(2) : '-'}`;
        } catch {
          return '';
        }
      })
      .filter((t) => t !== '')
      .join(', ');

  document.addEventListener('player-hls', (e) => {
    hls = e.detail.hls;
    const mine = hls;
    mine.on('hlsError', (_name, data) => {
      if (mine === hls && data.details === 'bufferStalledError') probe.hlsStalls.push(Date.now());
      const where = data.context && data.context.url ? data.context.url : data.frag ? `${data.frag.type} ${data.frag.sn}${data.part ? `.${data.part.index}` : ''}` : '';
      const why = data.reason || (data.error && data.error.message) || '';
      note(`error ${data.details}${data.fatal ? ' (fatal)' : ''}${data.response && data.response.code ? ` (HTTP ${data.response.code})` : ''} ${where.split('/').pop()}${why ? `: ${why}` : ''}`);
    });
    mine.on('hlsFragLoaded', (_name, data) => {
      if (data.frag.type !== 'main') return;
      const stats = (data.part || data.frag).stats;
      probe.loads.push([Date.now(), data.part ? 'part' : 'segment', stats.loading.end - stats.loading.start]);
    });
    mine.on('hlsFragLoading', (_name, data) => {
      note(`loading ${data.frag.type} ${data.frag.sn}${data.part ? `.${data.part.index}` : ''} at ${data.frag.start.toFixed(2)}`, false);
    });
    mine.on('hlsAudioTrackLoaded', (_name, data) => {
      const d = data.details;
      note(`audio playlist: to ${d.edge.toFixed(2)} s, ${d.partList ? d.partList.length : 0} parts`, false);
    });
    mine.on('hlsFragBuffered', (_name, data) => {
      note(`buffered ${data.frag.type} ${data.frag.sn}${data.part ? `.${data.part.index}` : ''}`, false);
    });
    mine.on('hlsLevelLoaded', (_name, data) => {
      const d = data.details;
      note(`playlist: ${d.fragments.length} segments to ${d.edge.toFixed(2)} s, ${d.partList ? d.partList.length : 0} parts, ${d.live ? 'live' : 'ended'}`, false);
      const stats = data.stats;
      if (stats) probe.loads.push([Date.now(), 'playlist', stats.loading.end - stats.loading.start]);
    });
  }, true);

  setInterval(() => {
    if (hls && hls.media && !hls.media.paused) probe.latency.push([Date.now(), hls.latency, hls.targetLatency, hls.media.playbackRate]);
  }, 500);

  function level(data, c) {
    // The mean of the square's middle half, over the three colour channels.
    let sum = 0;
    let n = 0;
    const from = c * cfg.cell + cfg.cell / 4;
    const to = c * cfg.cell + (3 * cfg.cell) / 4;
    for (let y = cfg.cell / 4; y < (3 * cfg.cell) / 4; y++) {
      for (let x = from; x < to; x++) {
        const i = (y * width + x) * 4;
        sum += data[i] + data[i + 1] + data[i + 2];
        n += 3;
      }
    }
    return sum / n;
  }

  function decode(data) {
    const white = level(data, 0);
    const black = level(data, 1);
    if (white - black < 100) return -1;
    const mid = (white + black) / 2;
    let value = 0;
    for (let b = 0; b < cfg.valueBits; b++) value = value * 2 + (level(data, 2 + b) > mid ? 1 : 0);
    let check = 0;
    for (let b = 0; b < cfg.checkBits; b++) check = check * 2 + (level(data, 2 + cfg.valueBits + b) > mid ? 1 : 0);
    const sum = (Math.floor(value / 65536) + (Math.floor(value / 256) % 256) + (value % 256)) % 256;
    return sum === check ? value : -1;
  }

  function watch(video) {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = cfg.cell;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    const onFrame = () => {
      const now = Date.now();
      if (video.videoWidth >= width && !video.hidden) {
        ctx.drawImage(video, 0, 0, width, cfg.cell, 0, 0, width, cfg.cell);
        const value = decode(ctx.getImageData(0, 0, width, cfg.cell).data);
        if (value < 0) probe.misreads += 1;
        else {
          if (!probe.firstFrameAt) probe.firstFrameAt = now;
          probe.samples.push([now, now - (cfg.epochMs + value)]);
        }
      }
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
    video.addEventListener('playing', () => {
      if (!probe.firstPlayingAt) probe.firstPlayingAt = Date.now();
      note(`playing at ${video.currentTime.toFixed(2)}`);
    });
    video.addEventListener('waiting', () => {
      if (probe.firstPlayingAt) probe.waiting.push(Date.now());
      note(`waiting at ${video.currentTime.toFixed(2)} (${ends()})`);
      if (probe.firstPlayingAt) stalled();
    });
    video.addEventListener('seeking', () => {
      probe.seeking.push(Date.now());
      note(`seeking to ${video.currentTime.toFixed(2)}`);
    });
  }

  document.addEventListener('DOMContentLoaded', () => {
    const video = document.querySelector('video');
    if (video) watch(video);
  });
})();
