// The admin page's "OBS anywhere" card: for each push stream, the settings to
// paste into OBS's Custom Output (FFmpeg), filled in for this server (its
// address, the stream's key). The key is masked until "Show key" is pressed.

/**
 * What OBS's Custom Output (FFmpeg) needs for each way of pushing, the same as
 * the README's "OBS anywhere" (which says why each setting is there).
 */
export const PUSH_RECIPES = [
  {
    title: 'HLS: works with every OBS',
    path: 'hls',
    container: 'hls',
    muxer: 'method=PUT http_persistent=1 ignore_io_errors=1 hls_time=1 hls_list_size=6 hls_flags=delete_segments+independent_segments',
    note: 'about 4 s behind live',
  },
  {
    title: 'Lowest delay: chunked CMAF, relayed as LL-HLS',
    path: 'dash',
    container: 'dash',
    muxer: 'method=PUT http_persistent=1 ignore_io_errors=1 streaming=1 ldash=1 seg_duration=1 frag_duration=0.2 frag_type=duration use_template=1 use_timeline=0 hls_playlist=1 master_m3u8_publish_rate=10 window_size=10 remove_at_exit=0',
    note: 'about 1.5 s behind live',
  },
];

const MASK = '••••••••';

/**
 * The push streams' settings, made once per stream and key; the pusher line
 * is updated on each refresh. `button(label, ariaLabel, onClick)` and
 * `act(fn)` are the page's own (admin.js).
 */
export function pushPanel({ section, container, button, act }) {
  /** stream name -> its block and the key it was made with (kept out of the DOM's attributes). */
  const blocks = new Map();
  return (streams) => {
    section.hidden = streams.length === 0;
    const names = new Set(streams.map((s) => s.name));
    for (const [name, b] of blocks) {
      if (names.has(name)) continue;
      b.element.remove();
      blocks.delete(name);
    }
    for (const s of streams) {
      let b = blocks.get(s.name);
      if (!b || b.key !== s.key) {
        const element = pushBlock(s, { button, act });
        if (b) b.element.replaceWith(element);
        else container.append(element);
        b = { element, key: s.key };
        blocks.set(s.name, b);
      }
      b.element.querySelector('[data-admin-pusher]').textContent = s.pusher
        ? `Pushed from ${s.pusher.address}${s.pusher.uploading > 0 ? ` (${s.pusher.uploading} upload(s) coming in)` : ''}, last data ${agoText(s.pusher.lastSeen)}.`
        : 'Nothing pushed to this stream since sharecast started.';
    }
  };
}

function pushBlock(s, { button, act }) {
  const block = document.createElement('div');
  block.className = 'push-stream';
  const h = document.createElement('h3');
  h.textContent = `Stream "${s.name}" (key ${s.keyOrigin === 'config' ? 'from the configuration' : 'generated, kept in the data folder'})`;
  const pusher = document.createElement('p');
  pusher.className = 'muted';
  pusher.dataset.adminPusher = '';
  block.append(h, pusher);
  for (const r of PUSH_RECIPES) {
    const title = document.createElement('p');
    const strong = document.createElement('strong');
    strong.textContent = r.title;
    const note = text(` (${r.note})`);
    note.className = 'muted';
    title.append(strong, note);
    const list = document.createElement('ul');
    list.className = 'admin-list';
    list.dataset.adminPushRecipe = r.container;
    const url = `${location.origin}${s.paths[r.path]}`;
    const masked = url.replace(s.key, MASK);
    const urlCode = code(masked);
    urlCode.dataset.adminPushUrl = '';
    const copy = (value, what) => copyButton(value, what, button, act);
    const show = button('Show key', `Show the stream key of ${s.name}`, async () => {
      const hidden = urlCode.textContent === masked;
      urlCode.textContent = hidden ? url : masked;
      show.textContent = hidden ? 'Hide key' : 'Show key';
    });
    list.append(
      setting('File path or URL', urlCode, show, copy(url, 'the URL, key included')),
      setting('Container Format', code(r.container)),
      setting('Muxer Settings', code(r.muxer), copy(r.muxer, 'the muxer settings')),
      setting('Keyframe interval', text('1 s: your frame rate in frames (30 at 30 fps, 60 at 60 fps)')),
      setting('Encoders', text('video libx264 (or your GPU\'s H.264 encoder) with preset=veryfast tune=zerolatency; audio aac')),
    );
    block.append(title, list);
  }
  const where = document.createElement('p');
  where.className = 'muted';
  where.textContent = `The address is the one this page was opened at (${location.origin}). OBS must reach it: from outside your home, use the name your reverse proxy answers on (https://…), not localhost.`;
  block.append(where);
  return block;
}

function setting(name, value, ...buttons) {
  const li = document.createElement('li');
  const grow = document.createElement('span');
  grow.className = 'grow';
  const who = document.createElement('span');
  who.className = 'who';
  who.textContent = name;
  grow.append(who, value);
  li.append(grow, ...buttons);
  return li;
}

function code(t) {
  const c = document.createElement('code');
  c.textContent = t;
  return c;
}

function text(t) {
  const span = document.createElement('span');
  span.textContent = t;
  return span;
}

function copyButton(value, what, button, act) {
  return button('Copy', `Copy ${what}`, async () => {
    await act(async () => {
      await copyText(value);
      return `Copied ${what}.`;
    });
  });
}

/** The clipboard API needs a secure page (https or localhost); elsewhere, the old way. */
async function copyText(value) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(value);
    return;
  }
  const area = document.createElement('textarea');
  area.value = value;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('this browser would not copy: select the text and copy it by hand');
}

function agoText(iso) {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 2 ? 'just now' : s < 120 ? `${s} s ago` : `${Math.round(s / 60)} min ago`;
}
