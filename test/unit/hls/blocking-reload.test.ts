import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseDirectives, verdict, type PlaylistEdge } from '../../../src/hls/blocking-reload.js';

const edge = (o: Partial<PlaylistEdge> = {}): PlaylistEdge => ({ lastMsn: 10, lastSegmentParts: 5, partsInProgress: 2, endList: false, canBlockReload: true, ...o });

describe('parseDirectives', () => {
  it('reads _HLS_msn, _HLS_part and _HLS_skip, and ignores other parameters', () => {
    assert.deepEqual(parseDirectives(''), { ok: true, directives: {} });
    assert.deepEqual(parseDirectives('_HLS_msn=12&_HLS_part=3'), { ok: true, directives: { msn: 12, part: 3 } });
    assert.deepEqual(parseDirectives('x=1&_HLS_msn=0&_HLS_skip=YES'), { ok: true, directives: { msn: 0, skip: 'YES' } });
    assert.deepEqual(parseDirectives('_HLS_skip=v2'), { ok: true, directives: { skip: 'v2' } });
  });

  it('refuses _HLS_part without _HLS_msn, and values that are not whole numbers', () => {
    for (const q of ['_HLS_part=1', '_HLS_msn=-1', '_HLS_msn=1.5', '_HLS_msn=', '_HLS_msn=01', '_HLS_msn=1e3', '_HLS_msn=99999999999999999999', '_HLS_skip=no']) {
      const r = parseDirectives(q);
      assert.equal(r.ok, false, q);
    }
  });

  it('never throws, whatever the query', () => {
    fc.assert(fc.property(fc.string(), (q) => {
      parseDirectives(q);
    }));
  });
});

describe('verdict (RFC 8216bis 6.2.5.2)', () => {
  it('serves at once without directives, without CAN-BLOCK-RELOAD, or once the playlist has ended', () => {
    assert.equal(verdict({}, edge()), 'serve');
    assert.equal(verdict({ msn: 12 }, edge({ canBlockReload: false })), 'serve');
    assert.equal(verdict({ msn: 12 }, edge({ endList: true })), 'serve');
  });

  it('serves a segment that is there, holds one that is not, and refuses one more than two past the edge', () => {
    assert.equal(verdict({ msn: 9 }, edge()), 'serve');
    assert.equal(verdict({ msn: 10 }, edge()), 'serve');
    assert.equal(verdict({ msn: 11 }, edge()), 'hold');
    assert.equal(verdict({ msn: 12 }, edge()), 'hold');
    assert.equal(verdict({ msn: 13 }, edge()), 'too-far');
  });

  it('serves a part that is there, and holds for one that is not yet', () => {
    assert.equal(verdict({ msn: 11, part: 0 }, edge()), 'serve');
    assert.equal(verdict({ msn: 11, part: 1 }, edge()), 'serve');
    assert.equal(verdict({ msn: 11, part: 2 }, edge()), 'hold');
    assert.equal(verdict({ msn: 10, part: 4 }, edge()), 'serve');
    assert.equal(verdict({ msn: 12, part: 0 }, edge()), 'hold');
  });

  it('takes a part index past a segment\'s last part as part 0 of the next segment', () => {
    assert.equal(verdict({ msn: 10, part: 5 }, edge({ partsInProgress: 0 })), 'hold');
    assert.equal(verdict({ msn: 10, part: 5 }, edge({ partsInProgress: 1 })), 'serve');
    assert.equal(verdict({ msn: 9, part: 99 }, edge()), 'serve');
  });

  it('holds exactly while the edge is behind what was asked (property)', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.nat(8), fc.nat(8), fc.nat(1003), fc.option(fc.nat(9), { nil: undefined }), (lastMsn, lastParts, inProgress, msn, part) => {
        const e = edge({ lastMsn, lastSegmentParts: lastParts, partsInProgress: inProgress });
        const v = verdict(part === undefined ? { msn } : { msn, part }, e);
        if (msn > lastMsn + 2) return v === 'too-far';
        const have = msn < lastMsn || (msn === lastMsn && (part === undefined || lastParts === 0 || part < lastParts || inProgress > 0)) || (msn === lastMsn + 1 && part !== undefined && part < inProgress);
        return v === (have ? 'serve' : 'hold');
      }),
    );
  });
});
