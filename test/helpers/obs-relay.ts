import { startObs, type Obs } from './ffmpeg.js';
import { startRelay, type Relay } from './relay.js';
import { RelayWatcher, type WatcherOptions } from './relay-watcher.js';
import { waitFor } from './wait.js';

/** ffmpeg writing HLS into a folder as OBS would, sharecast relaying it, and a viewer watching the relay. */
export interface ObsRelay {
  obs: Obs;
  relay: Relay;
  watcher: RelayWatcher;
  /** Stops the viewer, kills ffmpeg, stops sharecast. */
  stop(): Promise<void>;
}

/** Starts all three and waits until the relay's playlist holds 4 segments. `relayArgs` name the source. */
export async function startObsRelay(dir: string, relayArgs: string[], watch: WatcherOptions = {}): Promise<ObsRelay> {
  const obs = startObs({ dir, playlist: 'stream.m3u8', hlsTime: 1, listSize: 6 });
  const relay = await startRelay(relayArgs);
  const watcher = new RelayWatcher(relay, 'live', watch).start(100);
  const stop = async (): Promise<void> => {
    await watcher.stop();
    await obs.kill();
    await relay.stop();
  };
  try {
    await waitFor('4 segments in the relay playlist', () => (watcher.latest?.segments.length ?? 0) >= 4, 40_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { obs, relay, watcher, stop };
}
