// The chat's rate limit counts when frames arrived, not when the hub got to
// them: paced messages handled together after a stall are all accepted.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ChatHub } from '../../../src/chat/chat-hub.js';
import type { ChatServerFrame } from '../../../src/chat/protocol.js';
import { ViewerTokens } from '../../../src/chat/viewer-tokens.js';
import { DataDir } from '../../../src/store/data-dir.js';
import { StreamRegistry } from '../../../src/stream/stream-registry.js';
import { ViewerPresence } from '../../../src/viewers/viewer-presence.js';
import { nullLogger } from '../../fakes/null-logger.js';
import { makeDataDir, removeDataDir } from '../../helpers/chat-server.js';
import { waitFor } from '../../helpers/wait.js';

describe('chat rate limit and arrival times', () => {
  it('accepts messages sent 800 ms apart that the hub handles all at once after a 4 s stall', async (t) => {
    const root = makeDataDir();
    const tokens = new ViewerTokens(randomBytes(32));
    const broadcast: ChatServerFrame[] = [];
    const hub = await ChatHub.open({
      dataDir: new DataDir(root),
      logger: nullLogger,
      streams: new StreamRegistry(),
      presence: new ViewerPresence({ playerId: (k) => k }),
      tokens,
      broadcast: (f) => broadcast.push(f),
      reservedNames: () => [],
    });
    t.after(async () => {
      await hub.close();
      removeDataDir(root);
    });
    const sent: string[] = [];
    const joined = hub.connect({ token: undefined, ip: '127.0.0.1', userAgent: 'test' }, { send: (b) => sent.push(b.toString()), close: () => {} });
    assert.ok(joined);
    const stallEnd = Date.now();
    const arrivals = [-4000, -3200, -2400, -1600, -800, 0].map((d) => stallEnd + d);
    arrivals.forEach((at, i) => hub.receive(joined.conn, { type: 'chat', text: `paced ${i}`, ref: `m${i}` }, at));
    await waitFor('all six messages broadcast', () => broadcast.filter((f) => f.type === 'chat').length === 6, 5000, 10);
    assert.deepEqual(sent, [], 'no error frame (no rate_limited)');
  });
});
