// /embed/video: the player only, for iframes. Status by polling (no chat socket).
import { PageState } from './page-state.js';
import { LivePlayer } from './player.js';
import { StatusPoller } from './status.js';

const player = new LivePlayer(/** @type {HTMLElement} */ (document.querySelector('[data-player]')));
const state = new PageState({ player });
player.load();
new StatusPoller({ onStatus: (s, at) => state.applyStatus(s, at), intervalMs: 3000 }).start();
