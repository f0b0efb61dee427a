// The admin page's "Streams" card and the slate line of the offline-image card.
// Each stream's state (live, offline with the slate, ended) from /api/status,
// updated on every refresh of the page, and an "End stream" button that asks
// first (a <dialog>) and then calls POST /api/admin/streams/NAME/end.

/**
 * What a stream's /api/status entry means for the streamer: a short badge
 * (its data-state: live, slate, offline, ended) and a sentence.
 */
export function streamState(s) {
  if (s.online) return { state: 'live', badge: 'Live', text: 'OBS is sending; viewers watch it.' };
  if (s.ended) {
    return { state: 'ended', badge: 'Ended', text: 'The playlist has ended (EXT-X-ENDLIST) and players stopped. The next time OBS starts, a new stream begins at the same address.' };
  }
  if (s.slate) {
    const which = s.slate === 'built-in' ? 'the built-in offline slate' : 'the offline slate made from your image';
    return { state: 'slate', badge: 'Offline', text: `OBS is away. Players get ${which} and go on by themselves when OBS is back.` };
  }
  if (!s.segments) return { state: 'offline', badge: 'Offline', text: 'Nothing from OBS yet.' };
  return { state: 'offline', badge: 'Offline', text: 'OBS is away.' };
}

/**
 * The Streams card. `button(label, ariaLabel, onClick)` and `act(where, fn)`
 * are the page's own (admin.js); `api(method, path)` calls the admin API with
 * the token; `changed()` asks the page to refresh now. Returns the render
 * function, for each /api/status body.
 */
export function streamsPanel({ list, result, dialog, button, act, api, changed }) {
  /** stream name -> its row's elements */
  const rows = new Map();
  const confirmEnd = endDialog(dialog);

  async function end(name) {
    if (!(await confirmEnd(name))) {
      say(result, `Stream "${name}" not ended.`);
      return;
    }
    await act(result, async () => {
      let s;
      try {
        s = await api('POST', `/api/admin/streams/${encodeURIComponent(name)}/end`);
      } catch (err) {
        err.message = `Could not end stream "${name}": ${err.message}`;
        throw err;
      }
      if (s && typeof s === 'object' && s.name === name) update(rows.get(name), s);
      changed();
      return `Stream "${name}" ended: its playlist has ended and every player stops at its end. When OBS starts again, a new stream begins at the same address.`;
    });
  }

  return (status) => {
    const streams = Object.values(status.streams ?? {});
    // The main stream first, the others in the order the status gives them.
    streams.sort((a, b) => (b.name === status.stream) - (a.name === status.stream));
    const names = new Set(streams.map((s) => s.name));
    for (const [name, row] of rows) {
      if (names.has(name)) continue;
      row.li.remove();
      rows.delete(name);
    }
    list.querySelector('li.empty')?.remove();
    streams.forEach((s, i) => {
      let row = rows.get(s.name);
      if (!row) {
        row = streamRow(s.name, button, () => end(s.name));
        rows.set(s.name, row);
      }
      if (list.children[i] !== row.li) list.insertBefore(row.li, list.children[i] ?? null);
      update(row, s);
    });
    if (streams.length === 0 && !list.querySelector('li.empty')) {
      const li = document.createElement('li');
      li.className = 'empty';
      li.textContent = 'No streams.';
      list.append(li);
    }
  };
}

function streamRow(name, button, onEnd) {
  const li = document.createElement('li');
  li.dataset.adminStream = name;
  const label = document.createElement('span');
  label.className = 'who';
  label.textContent = name;
  const state = document.createElement('span');
  state.className = 'grow stream-state';
  state.setAttribute('role', 'status');
  state.dataset.adminStreamState = '';
  const badge = document.createElement('span');
  badge.className = 'badge';
  const text = document.createElement('span');
  text.className = 'muted';
  state.append(badge, text);
  const endButton = button('End stream', `End stream ${name}`, onEnd);
  endButton.classList.add('danger');
  endButton.dataset.adminStreamEnd = '';
  li.append(label, state, endButton);
  return { li, state, badge, text, endButton, name };
}

function update(row, s) {
  if (!row) return;
  const { state, badge, text } = streamState(s);
  if (row.state.dataset.state === state && row.text.textContent === text) return;
  row.state.dataset.state = state;
  row.badge.dataset.state = state === 'live' ? 'live' : 'offline';
  row.badge.textContent = badge;
  row.text.textContent = ` ${text}`;
  row.state.setAttribute('aria-label', `Stream ${row.name}: ${badge}. ${text}`);
  // Nothing to end: the playlist already ended, or OBS never sent anything.
  row.endButton.disabled = s.ended === true || (!s.online && !s.segments);
}

/** The confirm step: resolves true when the streamer confirms, false on Cancel or Escape. */
function endDialog(dialog) {
  const heading = dialog.querySelector('[data-admin-end-heading]');
  const text = dialog.querySelector('[data-admin-end-text]');
  const confirm = dialog.querySelector('[data-admin-end-confirm]');
  return (name) =>
    new Promise((resolve) => {
      heading.textContent = `End the stream "${name}" for good?`;
      text.textContent =
        'This stops every player for good: the playlist ends (EXT-X-ENDLIST), and players elsewhere (VLC, smart TVs, hls.js or video.js on other sites) stop and do not come back by themselves, even when OBS sends again; their viewers have to reload. ' +
        'sharecast\u2019s own page picks up the next stream by itself. To pause instead, just stop OBS: players show the offline slate and go on when you are back.';
      confirm.setAttribute('aria-label', `End stream ${name} for good`);
      dialog.returnValue = '';
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'end'), { once: true });
      dialog.showModal();
    });
}

/** The offline-image card's lines on the slate, from GET /api/admin/offline-image's `slate`. */
export function renderSlate({ info, problem }, slate) {
  if (!slate) {
    info.textContent = '';
    problem.hidden = true;
    return;
  }
  info.dataset.slate = !slate.enabled ? 'off' : slate.making ? 'making' : slate.showing === 'built-in' ? 'built-in' : slate.showing ? 'custom' : 'none';
  const others = 'other players (VLC, smart TVs, embeds on other sites)';
  setText(
    info,
    !slate.enabled
      ? `The offline slate is off (--no-offline-slate): when OBS goes away the playlist ends, and ${others} stop there.`
      : slate.making
        ? `Making the offline slate from this image… Until it is ready, ${others} get the built-in slate while OBS is away.`
        : slate.showing === 'built-in'
          ? `While OBS is away, ${others} get the built-in offline slate ("The stream is offline").`
          : slate.showing
            ? `While OBS is away, ${others} get an offline slate made from this image.`
            : `No offline slate can be shown: ${others} stop when OBS goes away.`,
  );
  problem.hidden = !slate.problem;
  // An alert: set only when it changes, so a screen reader says it once.
  setText(problem, slate.problem ? `Offline slate problem: ${slate.problem}.${slate.showing === 'built-in' ? ' Players get the built-in slate instead.' : ''}` : '');
}

function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

function say(el, text) {
  el.textContent = text;
  delete el.dataset.kind;
}
