// Issue 10's property over the playlist parser: real playlists, randomly
// mutated, never crash it; and a relay fed those playlists, over a source
// whose files may be empty, missing or still being written, never publishes
// a segment whose bytes are not a complete source file.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ErrorCode, SharecastError } from '../../../src/errors.js';
import { parseAppended } from '../../../src/hls/parse-appended.js';
import { MAX_SEGMENT_SECONDS, parsePlaylist } from '../../../src/hls/parse-playlist.js';
import type { SourcePlaylist } from '../../../src/hls/playlist-model.js';
import { checkWholeSegment, type FileLook } from '../../../src/ingest/whole-segment.js';
import { createLogger } from '../../../src/log/logger.js';
import { RelayMetrics } from '../../../src/metrics/relay-metrics.js';
import { Republisher } from '../../../src/stream/republisher.js';
import { SegmentStore } from '../../../src/stream/segment-store.js';
import { FakeSource } from '../../fakes/fake-source.js';
import { box, initBytes, tsBytes } from '../../fakes/media-bytes.js';
import { REAL_PLAYLISTS } from './real-playlists.js';

const NONSENSE = ['-1.0', 'NaN', '1e308', '0', '100000', '', 'x', '60.5', '61', '2', '1.5', '9007199254740993', '-0', '.5', 'Infinity'];
const EXTRA_LINES = [
  '#EXT-X-DISCONTINUITY',
  '#EXT-X-ENDLIST',
  '#EXT-X-TARGETDURATION:100000',
  '#EXT-X-TARGETDURATION:4',
  '#EXT-X-MEDIA-SEQUENCE:-3',
  '#EXT-X-MAP:URI="other_init.mp4"',
  '#EXT-X-BYTERANGE:100@0',
  '#EXT-X-KEY:METHOD=AES-128,URI="k"',
  '#EXT-X-STREAM-INF:BANDWIDTH=1',
  '#EXTINF:2.000000,',
  '#EXTINF:NaN,',
  'extra.ts',
  '../../etc/passwd',
  '/abs/seg.ts',
  'http://192.168.1.20/seg.ts',
  `${'long'.repeat(2500)}.ts`,
  '\uFEFF',
  '#',
];

type Mutation =
  | { kind: 'delete' | 'duplicate'; at: number }
  | { kind: 'swap'; at: number; to: number }
  | { kind: 'number'; at: number; value: string }
  | { kind: 'insert'; at: number; line: string }
  | { kind: 'truncate'; at: number }
  | { kind: 'crlf' | 'bom' };

const position = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('delete' as const, 'duplicate' as const), at: position }),
  fc.record({ kind: fc.constant('swap' as const), at: position, to: position }),
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('number' as const), at: position, value: fc.oneof(fc.constantFrom(...NONSENSE), fc.string({ maxLength: 8 })) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: position, line: fc.oneof(fc.constantFrom(...EXTRA_LINES), fc.string({ maxLength: 20 })) }) },
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({ kind: fc.constantFrom('crlf' as const, 'bom' as const) }),
);

function mutate(text: string, mutations: readonly Mutation[]): string {
  let lines = text.split('\n');
  let eol = '\n';
  let bom = '';
  const index = (at: number) => Math.floor(at * lines.length);
  for (const m of mutations) {
    if (m.kind === 'delete') lines.splice(index(m.at), 1);
    else if (m.kind === 'duplicate') lines.splice(index(m.at), 0, lines[index(m.at)] ?? '');
    else if (m.kind === 'swap') {
      const [a, b] = [index(m.at), index(m.to)];
      [lines[a], lines[b]] = [lines[b] ?? '', lines[a] ?? ''];
    } else if (m.kind === 'number') {
      const i = index(m.at);
      lines[i] = (lines[i] ?? '').replace(/[0-9][0-9.]*/, m.value);
    } else if (m.kind === 'insert') lines.splice(index(m.at), 0, m.line);
    else if (m.kind === 'truncate') {
      const joined = lines.join('\n');
      lines = joined.slice(0, Math.floor(m.at * joined.length)).split('\n');
    } else if (m.kind === 'crlf') eol = '\r\n';
    else bom = '\uFEFF';
  }
  return bom + lines.join(eol);
}

/** Parses, giving the playlist or the SharecastError; anything else thrown fails the property. */
function tryParse(parse: () => SourcePlaylist): SourcePlaylist | SharecastError {
  try {
    return parse();
  } catch (err) {
    assert.ok(err instanceof SharecastError, `threw ${String(err)}`);
    assert.equal(err.code, ErrorCode.PlaylistInvalid);
    assert.ok(err.message.length > 0 && err.message.length < 600 && !err.message.includes('\n'), `a one-line message: ${err.message.slice(0, 100)}`);
    return err;
  }
}

function assertUsable(p: SourcePlaylist): void {
  assert.ok(Number.isInteger(p.targetDuration) && p.targetDuration >= 0 && p.targetDuration <= MAX_SEGMENT_SECONDS, `target duration ${p.targetDuration}`);
  assert.ok(Number.isSafeInteger(p.mediaSequence) && p.mediaSequence >= 0);
  assert.ok(Number.isSafeInteger(p.discontinuitySequence) && p.discontinuitySequence >= 0);
  for (const s of p.segments) {
    assert.ok(s.uri !== '' && s.uri === s.uri.trim());
    if (s.invalid !== undefined) {
      assert.equal(s.duration, 0);
      assert.match(s.invalid, /line \d+: /, 'names the line');
      assert.ok(s.invalid.length < 600);
    } else {
      assert.ok(Number.isFinite(s.duration) && s.duration > 0 && s.duration <= MAX_SEGMENT_SECONDS, `duration ${s.duration}`);
      assert.ok(Math.round(s.duration) <= p.targetDuration, 'the target duration covers every EXTINF');
    }
  }
}

const realText = fc.constantFrom(...Object.values(REAL_PLAYLISTS));

describe('the playlist parser over real playlists, randomly mutated (fast-check)', () => {
  it('never crashes: a usable playlist, or playlist_invalid with a one-line message; a growing list parses alike in part or whole', () => {
    fc.assert(
      fc.property(realText, fc.array(mutationArb, { minLength: 1, maxLength: 8 }), (base, mutations) => {
        const text = mutate(base, mutations);
        const whole = tryParse(() => parsePlaylist(text));
        if (!(whole instanceof SharecastError)) assertUsable(whole);
        // The same text as the next version of the unmutated list: parsed from what it adds, it must agree.
        const prev = tryParse(() => parsePlaylist(base));
        if (prev instanceof SharecastError) return;
        const appended = tryParse(() => parseAppended({ text: base, playlist: prev }, text));
        if (whole instanceof SharecastError) assert.ok(appended instanceof SharecastError, 'both refuse');
        else assert.deepEqual(appended, whole);
      }),
      { numRuns: 3000 },
    );
  });

  it('also takes mutations appended to a growing list (hls_list_size=0) the same in part or whole', () => {
    fc.assert(
      fc.property(realText, fc.array(mutationArb, { maxLength: 4 }), fc.array(fc.oneof(fc.constantFrom(...EXTRA_LINES), fc.constantFrom(...NONSENSE).map((v) => `#EXTINF:${v},`)), { maxLength: 8 }), (base, mutations, added) => {
        const before = mutate(base.replace('#EXT-X-ENDLIST\n', ''), mutations);
        const prev = tryParse(() => parsePlaylist(before));
        if (prev instanceof SharecastError) return;
        const text = `${before}${before.endsWith('\n') ? '' : '\n'}${added.join('\n')}\n`;
        const whole = tryParse(() => parsePlaylist(text));
        const appended = tryParse(() => parseAppended({ text: before, playlist: prev }, text));
        if (whole instanceof SharecastError) assert.ok(appended instanceof SharecastError);
        else {
          assertUsable(whole);
          assert.deepEqual(appended, whole);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

// ---------------------------------------------------------------------------
// The relay over a source whose files may be cut short.

type FileState = 'whole' | 'growing' | 'stale-cut' | 'empty' | 'missing';

/** The bytes of a complete file for `uri`: whole TS packets or whole fMP4 boxes, unique to the URI. */
function completeFile(uri: string): Buffer {
  const tag = Buffer.from(uri.slice(0, 150), 'utf8');
  if (/init/i.test(uri)) return Buffer.concat([initBytes(), box('free', tag)]);
  if (/\.(m4s|mp4)$/i.test(uri)) return Buffer.concat([box('styp'), box('moof', box('mfhd', tag)), box('mdat', Buffer.alloc(700, 7), tag)]);
  const ts = tsBytes(8);
  tag.copy(ts, 4, 0, Math.min(tag.length, 180));
  return ts;
}

const hash = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');
const pick = (uri: string, seed: number, n: number) => parseInt(hash(Buffer.from(`${seed}:${uri}`)).slice(0, 8), 16) % n;

/**
 * A FakeSource whose reads behave like the folder source's: each file is
 * whole, still being written (the first reads see a prefix, and a second look
 * sees it grow), cut short with an old write time (only its bytes can tell),
 * empty, or missing; every read goes through checkWholeSegment.
 */
class CutShortSource extends FakeSource {
  readonly complete = new Set<string>();
  readonly #reads = new Map<string, number>();

  constructor(
    clock: { now: number },
    private readonly seed: number,
  ) {
    super(clock);
  }

  state(uri: string): FileState {
    return (['whole', 'whole', 'growing', 'stale-cut', 'empty', 'missing'] as const)[pick(uri, this.seed, 6)] as FileState;
  }

  override async readSegment(uri: string): Promise<Uint8Array> {
    const state = this.state(uri);
    const full = completeFile(uri);
    if (state !== 'missing') this.files.set(uri, state === 'empty' ? new Uint8Array(0) : full);
    this.complete.add(hash(full));
    const bytes = await super.readSegment(uri);
    const n = (this.#reads.get(uri) ?? 0) + 1;
    this.#reads.set(uri, n);
    const now = Date.now();
    const old = now - 60_000;
    let first: FileLook = { size: bytes.byteLength, mtimeMs: old, at: now };
    let read: Uint8Array = bytes;
    let second: FileLook = first;
    if (state === 'growing' && n <= 1 + pick(uri, this.seed + 1, 3)) {
      read = bytes.subarray(0, 1 + pick(uri, this.seed + n, bytes.byteLength - 1));
      first = { size: read.byteLength, mtimeMs: now, at: now };
      second = { size: bytes.byteLength, mtimeMs: now + 5, at: now + 40 };
    } else if (state === 'stale-cut') {
      // Cut inside a TS packet or a box, with a write time that looks settled: only the container check sees it.
      const cut = 1 + pick(uri, this.seed + 7, bytes.byteLength - 1);
      read = bytes.subarray(0, cut % 188 === 0 ? cut - 1 : cut);
      first = { size: read.byteLength, mtimeMs: old, at: now };
      second = first;
    }
    return checkWholeSegment({ uri, bytes: read, first, look: async () => second, sleep: async () => undefined });
  }
}

describe('the relay over mutated playlists and files cut short (fast-check)', () => {
  it('never publishes a segment or init section whose bytes are not a complete source file, and never fails', async () => {
    await fc.assert(
      fc.asyncProperty(realText, fc.array(fc.array(mutationArb, { maxLength: 4 }), { minLength: 1, maxLength: 5 }), fc.integer({ min: 0, max: 1000 }), async (base, versions, seed) => {
        const errors: string[] = [];
        const logger = createLogger({
          level: 'error',
          destination: new Writable({
            write(chunk: Buffer, _e, done) {
              errors.push(chunk.toString());
              done();
            },
          }),
        });
        const clock = { now: 1_800_000_000_000 };
        const source = new CutShortSource(clock, seed);
        const rep = new Republisher({
          name: 'live',
          source,
          files: new SegmentStore({ maxBytes: 64 * 1024 * 1024 }).stream('live', 'run1'),
          logger,
          metrics: new RelayMetrics({ processMetrics: false }),
          windowSeconds: 6,
          offlineAfterSeconds: 6,
          lowLatency: false,
          now: () => clock.now,
          retryDelaysMs: [0, 0, 0],
        });
        rep.onSourceStatus({ state: 'waiting', since: clock.now });
        // Each version: the real playlist, grown by one segment per version, then mutated.
        for (const [v, mutations] of versions.entries()) {
          const grown = base.replace(/(\n)(#EXT-X-ENDLIST\n?)?$/, `$1#EXTINF:1.000000,\nextra${v}.ts\n`);
          clock.now += 1000;
          rep.onPlaylist({ text: mutate(grown, mutations), name: 'stream.m3u8', observedAt: clock.now });
          await rep.idle();
        }
        const published = [...rep.timeline.segments, ...rep.timeline.retired.map((r) => r.segment)];
        for (const s of published) {
          for (const name of [s.name, ...(s.mapName !== undefined ? [s.mapName] : [])]) {
            const body = rep.published.lookup(name);
            assert.ok(body, `${name} is listed but not servable`);
            assert.ok(source.complete.has(hash(body.bytes)), `${name} (${body.bytes.byteLength} bytes) is not a complete source file`);
          }
        }
        assert.deepEqual(errors, [], 'no unexpected error while republishing');
        await rep.close();
      }),
      { numRuns: 300 },
    );
  });
});
