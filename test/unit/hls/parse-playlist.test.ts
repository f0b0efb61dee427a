import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ErrorCode, SharecastError } from '../../../src/errors.js';
import { MAX_SEGMENT_SECONDS, parsePlaylist } from '../../../src/hls/parse-playlist.js';

/** Asserts that parsing fails with a PlaylistInvalid error whose message matches. */
function assertInvalid(text: string, message: RegExp): void {
  assert.throws(
    () => parsePlaylist(text),
    (err: unknown) => {
      assert.ok(err instanceof SharecastError, `expected a SharecastError, got ${String(err)}`);
      assert.equal(err.code, ErrorCode.PlaylistInvalid);
      assert.match(err.message, message);
      assert.ok(!err.message.includes('\n'), 'the message is one line');
      return true;
    },
  );
}

// What ffmpeg's hls muxer (OBS "Custom Output (FFmpeg)" / recording to HLS) writes.
const OBS_TS = [
  '#EXTM3U',
  '#EXT-X-VERSION:3',
  '#EXT-X-TARGETDURATION:2',
  '#EXT-X-MEDIA-SEQUENCE:12',
  '#EXTINF:2.000000,',
  '2026-11-20 18-04-15 12.ts',
  '#EXTINF:2.000000,',
  '2026-11-20 18-04-15 13.ts',
  '#EXTINF:1.966667,',
  '2026-11-20 18-04-15 14.ts',
  '',
].join('\n');

const FMP4_V7 = [
  '#EXTM3U',
  '#EXT-X-VERSION:7',
  '#EXT-X-TARGETDURATION:4',
  '#EXT-X-MEDIA-SEQUENCE:0',
  '#EXT-X-INDEPENDENT-SEGMENTS',
  '#EXT-X-MAP:URI="init.mp4"',
  '#EXTINF:4.000000,',
  'stream0.m4s',
  '#EXTINF:4.000000,',
  'stream1.m4s',
  '',
].join('\n');

describe('parsePlaylist: what OBS and ffmpeg write', () => {
  it('reads a version 3 MPEG-TS playlist with spaces in the names', () => {
    const p = parsePlaylist(OBS_TS);
    assert.equal(p.version, 3);
    assert.equal(p.targetDuration, 2);
    assert.equal(p.mediaSequence, 12);
    assert.equal(p.discontinuitySequence, 0);
    assert.equal(p.endList, false);
    assert.equal(p.independentSegments, false);
    assert.deepEqual(
      p.segments.map((s) => [s.uri, s.duration, s.discontinuity, s.mapUri]),
      [
        ['2026-11-20 18-04-15 12.ts', 2, false, undefined],
        ['2026-11-20 18-04-15 13.ts', 2, false, undefined],
        ['2026-11-20 18-04-15 14.ts', 1.966667, false, undefined],
      ],
    );
  });

  it('reads CRLF line endings the same as LF', () => {
    assert.deepEqual(parsePlaylist(OBS_TS.replace(/\n/g, '\r\n')), parsePlaylist(OBS_TS));
  });

  it('reads a playlist that starts with a UTF-8 byte order mark', () => {
    assert.deepEqual(parsePlaylist(`\uFEFF${OBS_TS}`), parsePlaylist(OBS_TS));
    assert.deepEqual(parsePlaylist(`\uFEFF${OBS_TS.replace(/\n/g, '\r\n')}`), parsePlaylist(OBS_TS));
  });

  it('reads a version 7 fMP4 playlist with its EXT-X-MAP init section', () => {
    const p = parsePlaylist(FMP4_V7);
    assert.equal(p.version, 7);
    assert.equal(p.targetDuration, 4);
    assert.equal(p.independentSegments, true);
    assert.deepEqual(
      p.segments.map((s) => [s.uri, s.mapUri]),
      [
        ['stream0.m4s', 'init.mp4'],
        ['stream1.m4s', 'init.mp4'],
      ],
    );
  });

  it('follows a change of EXT-X-MAP in the middle of the playlist', () => {
    const text = FMP4_V7.replace('stream1.m4s', 'x').replace('#EXTINF:4.000000,\nx', '#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="init 2.mp4"\n#EXTINF:4.000000,\nb0.m4s');
    const p = parsePlaylist(text);
    assert.deepEqual(
      p.segments.map((s) => [s.uri, s.mapUri, s.discontinuity]),
      [
        ['stream0.m4s', 'init.mp4', false],
        ['b0.m4s', 'init 2.mp4', true],
      ],
    );
  });

  it('reads version 6 with EXT-X-PROGRAM-DATE-TIME, keeping the text as written', () => {
    const text = [
      '#EXTM3U',
      '#EXT-X-VERSION:6',
      '#EXT-X-TARGETDURATION:2',
      '#EXT-X-MEDIA-SEQUENCE:3',
      '#EXT-X-PROGRAM-DATE-TIME:2026-11-20T18:04:21.000+0100',
      '#EXTINF:2.000000,',
      'stream3.ts',
      '#EXT-X-PROGRAM-DATE-TIME:2026-11-20T18:04:23.000+0100',
      '#EXTINF:2.000000,',
      'stream4.ts',
      '#EXTINF:2.000000,',
      'stream5.ts',
    ].join('\n');
    const p = parsePlaylist(text);
    assert.equal(p.version, 6);
    assert.deepEqual(
      p.segments.map((s) => s.programDateTime),
      ['2026-11-20T18:04:21.000+0100', '2026-11-20T18:04:23.000+0100', undefined],
    );
  });

  it('reads EXT-X-DISCONTINUITY and EXT-X-DISCONTINUITY-SEQUENCE', () => {
    const text = [
      '#EXTM3U',
      '#EXT-X-VERSION:3',
      '#EXT-X-TARGETDURATION:2',
      '#EXT-X-MEDIA-SEQUENCE:40',
      '#EXT-X-DISCONTINUITY-SEQUENCE:2',
      '#EXTINF:2.0,',
      'a40.ts',
      '#EXT-X-DISCONTINUITY',
      '#EXTINF:2.0,',
      'a41.ts',
      '#EXTINF:2.0,',
      'a42.ts',
    ].join('\n');
    const p = parsePlaylist(text);
    assert.equal(p.discontinuitySequence, 2);
    assert.deepEqual(
      p.segments.map((s) => s.discontinuity),
      [false, true, false],
    );
  });

  it('sees EXT-X-ENDLIST (and a VOD playlist type) as the end of the stream', () => {
    assert.equal(parsePlaylist(`${OBS_TS}#EXT-X-ENDLIST\n`).endList, true);
    assert.equal(parsePlaylist(OBS_TS.replace('#EXT-X-VERSION:3', '#EXT-X-VERSION:3\n#EXT-X-PLAYLIST-TYPE:VOD')).endList, true);
    assert.equal(parsePlaylist(OBS_TS.replace('#EXT-X-VERSION:3', '#EXT-X-VERSION:3\n#EXT-X-PLAYLIST-TYPE:EVENT')).endList, false);
  });

  it('raises the target duration to the longest rounded EXTINF when the source understates it', () => {
    const p = parsePlaylist(OBS_TS.replace('#EXTINF:1.966667,', '#EXTINF:3.6,'));
    assert.equal(p.targetDuration, 4);
  });

  it('accepts a playlist with a header and no segment yet', () => {
    const p = parsePlaylist('#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n');
    assert.deepEqual(p.segments, []);
    assert.equal(p.endList, false);
  });

  it('reads hls_list_size=0 with thousands of segments, all of them, in order', () => {
    const n = 20_000;
    const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:2', '#EXT-X-MEDIA-SEQUENCE:0'];
    for (let i = 0; i < n; i++) lines.push('#EXTINF:2.000000,', `2026-11-20 18-04-15 ${i}.ts`);
    const p = parsePlaylist(lines.join('\r\n'));
    assert.equal(p.segments.length, n);
    assert.equal(p.segments[0]?.uri, '2026-11-20 18-04-15 0.ts');
    assert.equal(p.segments[n - 1]?.uri, `2026-11-20 18-04-15 ${n - 1}.ts`);
    // (How fast is measured in bench/, not asserted here.)
  });
});

describe('parsePlaylist: clear errors for what cannot be relayed', () => {
  it('refuses a multivariant (master) playlist and says to use the media playlist', () => {
    const master = [
      '#EXTM3U',
      '#EXT-X-STREAM-INF:BANDWIDTH=6000000,RESOLUTION=1920x1080',
      'stream_1080.m3u8',
      '#EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1280x720',
      'stream_720.m3u8',
    ].join('\n');
    assertInvalid(master, /master.*media playlist/);
  });

  it('refuses text that is not a playlist', () => {
    assertInvalid('', /does not start with #EXTM3U/);
    assertInvalid('hello world', /does not start with #EXTM3U/);
    assertInvalid('<html><body>404</body></html>', /does not start with #EXTM3U/);
    assertInvalid('\u0000\u0001\u0002binary', /does not start with #EXTM3U/);
  });

  it('refuses byte-range segments (hls_flags single_file) and says what to do', () => {
    const tsSingle = [
      '#EXTM3U',
      '#EXT-X-VERSION:4',
      '#EXT-X-TARGETDURATION:2',
      '#EXT-X-MEDIA-SEQUENCE:0',
      '#EXTINF:2.000000,',
      '#EXT-X-BYTERANGE:188000@0',
      'stream.ts',
      '#EXTINF:2.000000,',
      '#EXT-X-BYTERANGE:190000@188000',
      'stream.ts',
    ].join('\n');
    assertInvalid(tsSingle, /byte-range.*single_file/);
    const fmp4Single = [
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      '#EXT-X-TARGETDURATION:2',
      '#EXT-X-MAP:URI="stream.m4s",BYTERANGE="800@0"',
      '#EXTINF:2.000000,',
      '#EXT-X-BYTERANGE:5000@800',
      'stream.m4s',
    ].join('\n');
    assertInvalid(fmp4Single, /byte-range/);
  });

  it('refuses a segment without #EXTINF', () => {
    const noExtinf = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:2', '#EXTINF:2.0,', 'a.ts', 'b.ts'].join('\n');
    assertInvalid(noExtinf, /"b\.ts".*#EXTINF/);
    const noHeaderEither = ['#EXTM3U', 'a.ts'].join('\n');
    assertInvalid(noHeaderEither, /"a\.ts".*#EXTINF/);
  });

  it('refuses encrypted segments', () => {
    const text = OBS_TS.replace('#EXT-X-MEDIA-SEQUENCE:12', '#EXT-X-MEDIA-SEQUENCE:12\n#EXT-X-KEY:METHOD=AES-128,URI="key.bin"');
    assertInvalid(text, /encrypted/);
  });
});

describe('parsePlaylist: nonsense durations are refused, naming the line (issue 10, items 2 and 3)', () => {
  const withExtinf = (value: string) => OBS_TS.replace('#EXTINF:2.000000,\n2026-11-20 18-04-15 13.ts', `#EXTINF:${value},\n2026-11-20 18-04-15 13.ts`);

  for (const value of ['-1.0', 'NaN', '1e308', 'Infinity', '', '0x10', '2.0.1', ' ', '+2', '1e1']) {
    it(`marks the segment after #EXTINF:${value} as invalid, with its line, and keeps the others`, () => {
      const p = parsePlaylist(withExtinf(value));
      assert.deepEqual(p.segments.map((x) => x.invalid === undefined), [true, false, true]);
      const bad = p.segments[1];
      assert.equal(bad?.uri, '2026-11-20 18-04-15 13.ts');
      assert.equal(bad?.duration, 0);
      assert.ok((bad?.invalid ?? '').startsWith(`segment "2026-11-20 18-04-15 13.ts": line 7: "#EXTINF:${value},"`), bad?.invalid);
      assert.match(bad?.invalid ?? '', /is not a duration/);
      assert.equal(p.targetDuration, 2, 'an invalid segment does not move the target duration');
    });
  }

  it('refuses 0 seconds and anything over the 60 s cap per segment, and accepts 60', () => {
    assert.match(parsePlaylist(withExtinf('0')).segments[1]?.invalid ?? '', /line 7: "#EXTINF:0," is a duration of 0 seconds/);
    assert.match(parsePlaylist(withExtinf('100000')).segments[1]?.invalid ?? '', /line 7: "#EXTINF:100000," is longer than the 60 s a segment may last/);
    assert.match(parsePlaylist(withExtinf('60.5')).segments[1]?.invalid ?? '', /longer than the 60 s/);
    const sixty = parsePlaylist(withExtinf('60'));
    assert.equal(sixty.segments[1]?.invalid, undefined);
    assert.equal(sixty.targetDuration, 60);
  });

  it('refuses a playlist whose target duration is over 60 s or not a number, naming the line', () => {
    assertInvalid(OBS_TS.replace('#EXT-X-TARGETDURATION:2', '#EXT-X-TARGETDURATION:100000'), /^line 3: "#EXT-X-TARGETDURATION:100000" is more than the 60 s a segment may last$/);
    assertInvalid(OBS_TS.replace('#EXT-X-TARGETDURATION:2', '#EXT-X-TARGETDURATION:-2'), /^line 3: .* is not a number of seconds$/);
    assertInvalid(OBS_TS.replace('#EXT-X-TARGETDURATION:2', '#EXT-X-TARGETDURATION:1e308'), /^line 3: /);
    assert.equal(parsePlaylist(OBS_TS.replace('#EXT-X-TARGETDURATION:2', '#EXT-X-TARGETDURATION:60')).targetDuration, 60);
  });

  it('refuses sequence numbers that are not numbers (m3u8-parser reads "-3" as 0 and "1e400" as 1)', () => {
    assertInvalid(OBS_TS.replace('#EXT-X-MEDIA-SEQUENCE:12', '#EXT-X-MEDIA-SEQUENCE:-3'), /^line 4: "#EXT-X-MEDIA-SEQUENCE:-3" is not a sequence number$/);
    assertInvalid(OBS_TS.replace('#EXT-X-MEDIA-SEQUENCE:12', '#EXT-X-MEDIA-SEQUENCE:1e400'), /line 4/);
    assertInvalid(OBS_TS.replace('#EXT-X-MEDIA-SEQUENCE:12', '#EXT-X-MEDIA-SEQUENCE:12\n#EXT-X-DISCONTINUITY-SEQUENCE:99999999999999999999'), /line 5: .*DISCONTINUITY-SEQUENCE/);
  });

  it('names lines as they stand in the file, with CRLF and a byte order mark too', () => {
    const text = `\uFEFF${withExtinf('NaN').replace(/\n/g, '\r\n')}`;
    assert.match(parsePlaylist(text).segments[1]?.invalid ?? '', /line 7: "#EXTINF:NaN,"/);
  });

  it('cuts a huge line short in its message', () => {
    const p = parsePlaylist(withExtinf(`${'9'.repeat(10_000)}x`));
    assert.ok((p.segments[1]?.invalid ?? '').length < 400);
  });
});

describe('parsePlaylist: fuzz', () => {
  const isPlaylistInvalid = (text: string): boolean => {
    try {
      parsePlaylist(text);
      return true;
    } catch (err) {
      return err instanceof SharecastError && err.code === ErrorCode.PlaylistInvalid && err.message.length > 0;
    }
  };

  it('never throws anything but a playlist_invalid SharecastError, whatever the string', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (s) => isPlaylistInvalid(s)), { numRuns: 2000 });
    fc.assert(fc.property(fc.string({ maxLength: 400 }), (s) => isPlaylistInvalid(`#EXTM3U\n${s}`)), { numRuns: 2000 });
  });

  it('never throws anything else for playlist-like lines in any order', () => {
    const line = fc.oneof(
      fc.constantFrom(
        '#EXT-X-VERSION:3',
        '#EXT-X-VERSION:',
        '#EXT-X-VERSION:x',
        '#EXT-X-TARGETDURATION:2',
        '#EXT-X-TARGETDURATION:-1',
        '#EXT-X-TARGETDURATION:',
        '#EXT-X-MEDIA-SEQUENCE:5',
        '#EXT-X-MEDIA-SEQUENCE:-3',
        '#EXT-X-MEDIA-SEQUENCE:1e400',
        '#EXT-X-DISCONTINUITY-SEQUENCE:1',
        '#EXT-X-DISCONTINUITY',
        '#EXT-X-ENDLIST',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXT-X-PLAYLIST-TYPE:VOD',
        '#EXT-X-MAP:URI="init.mp4"',
        '#EXT-X-MAP:URI=""',
        '#EXT-X-MAP:',
        '#EXT-X-MAP:URI="i.mp4",BYTERANGE="1@0"',
        '#EXT-X-BYTERANGE:100@0',
        '#EXT-X-BYTERANGE:',
        '#EXT-X-KEY:METHOD=AES-128,URI="k"',
        '#EXT-X-KEY:METHOD=NONE',
        '#EXT-X-KEY:',
        '#EXT-X-PROGRAM-DATE-TIME:2026-11-20T18:04:15.000Z',
        '#EXT-X-PROGRAM-DATE-TIME:garbage',
        '#EXT-X-DATERANGE:ID="x"',
        '#EXT-X-STREAM-INF:BANDWIDTH=1',
        '#EXT-X-PART:DURATION=1,URI="p"',
        '#EXT-X-DEFINE:',
        '#EXT-X-START:TIME-OFFSET=x',
        '#EXTINF:2.0,',
        '#EXTINF:0,',
        '#EXTINF:-1,',
        '#EXTINF:abc,',
        '#EXTINF:1e400,',
        '#EXTINF:',
        'seg.ts',
        ' ',
        '',
        '#',
      ),
      fc.string({ maxLength: 30 }),
      fc.string({ maxLength: 30 }).map((s) => `#EXTINF:${s}`),
      fc.string({ maxLength: 30 }).map((s) => `#EXT-X-${s}`),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 40 }), fc.constantFrom('\n', '\r\n', '\r'), (lines, eol) => isPlaylistInvalid(['#EXTM3U', ...lines].join(eol))),
      { numRuns: 3000 },
    );
  });

  it('whatever it accepts is usable: finite positive durations, non-empty URIs, target duration covers every EXTINF', () => {
    const line = fc.oneof(
      fc.constantFrom('#EXT-X-TARGETDURATION:2', '#EXT-X-DISCONTINUITY', '#EXT-X-MAP:URI="init.mp4"', '#EXT-X-VERSION:7', '#EXT-X-VERSION:x', '#EXT-X-MEDIA-SEQUENCE:-1', 'seg.ts'),
      fc.double({ min: -5, max: 50, noNaN: true }).map((d) => `#EXTINF:${d},`),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), (lines) => {
        let p;
        try {
          p = parsePlaylist(['#EXTM3U', ...lines].join('\n'));
        } catch {
          return true;
        }
        assert.ok(Number.isInteger(p.mediaSequence) && p.mediaSequence >= 0);
        assert.ok(Number.isInteger(p.discontinuitySequence) && p.discontinuitySequence >= 0);
        assert.ok(p.version === undefined || (Number.isInteger(p.version) && p.version >= 1), `version ${p.version}`);
        for (const s of p.segments) {
          if (s.invalid !== undefined) {
            assert.equal(s.duration, 0, 'a segment with a nonsense EXTINF carries no duration');
            assert.match(s.invalid, /^segment ".*": line \d+: /);
            continue;
          }
          assert.ok(Number.isFinite(s.duration) && s.duration > 0 && s.duration <= MAX_SEGMENT_SECONDS);
          assert.ok(s.uri.trim() !== '' && s.uri === s.uri.trim());
          assert.ok(Math.round(s.duration) <= p.targetDuration);
        }
        return true;
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parsePlaylist: text cut off while it was written', () => {
  it('refuses an attribute list cut short (m3u8-parser throws a TypeError on it) with playlist_invalid', () => {
    for (const cut of ['#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXT-X-MAP:U', '#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXT-X-MAP:URI="i.mp4",BYTE\n#EXTINF:1,\na.m4s\n']) {
      assert.throws(() => parsePlaylist(cut), (err: unknown) => err instanceof SharecastError && err.code === ErrorCode.PlaylistInvalid);
    }
  });
});
