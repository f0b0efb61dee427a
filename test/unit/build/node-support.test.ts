/**
 * The start-up warning of bin/sharecast.js: which Node.js builds are tested
 * and supported on a given day, from bin/node-lines.json.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadNodeLines, nodeSupport, nodeWarning, parseOsRelease } from '../../../bin/node-support.js';

const table = loadNodeLines();
const official = (version: string) => nodeSupport({ version, execPath: '/usr/local/bin/node', osRelease: {} }, table);
const trixie = parseOsRelease('PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nID=debian\nVERSION_ID="13"\nVERSION_CODENAME=trixie\n');

describe('node support warning', () => {
  it('says nothing for a tested line before its end of life, through its last day', () => {
    assert.equal(nodeWarning(official('v22.23.5'), table, '2026-12-01'), undefined);
    assert.equal(nodeWarning(official('v22.23.5'), table, '2027-04-30'), undefined);
    assert.equal(nodeWarning(official('v24.22.3'), table, '2026-12-01'), undefined);
  });

  it('names the end-of-life date once a line is past it, and what to run instead', () => {
    const warning = nodeWarning(official('v20.20.2'), table, '2026-12-01');
    assert.ok(warning);
    assert.match(warning, /Node\.js 20 \(v20\.20\.2\) reached its end of life on 2026-04-30/);
    assert.match(warning, /Node\.js 22 \(supported until 2027-04-30\)/);
    assert.match(warning, /Node\.js 24 \(supported until 2028-04-30\)/);
    assert.doesNotMatch(warning, /Node\.js 20 \(supported/);

    const after = nodeWarning(official('v22.23.5'), table, '2027-05-01');
    assert.ok(after);
    assert.match(after, /reached its end of life on 2027-04-30/);
    assert.doesNotMatch(after, /Node\.js 22 \(supported/);
  });

  it('treats Debian\'s own nodejs as supported by Debian for the release\'s life', () => {
    const debian = nodeSupport({ version: 'v20.19.2', execPath: '/usr/bin/node', osRelease: trixie }, table);
    assert.equal(debian.supportedUntil, table.debian.trixie?.securityUntil);
    assert.match(debian.by, /Debian 13/);
    assert.equal(nodeWarning(debian, table, '2026-12-01'), undefined);
    const late = nodeWarning(debian, table, '2028-08-10');
    assert.ok(late);
    assert.match(late, /end of life on 2028-08-09: it gets no more security fixes from Debian 13 \(trixie\)/);
  });

  it('judges a Node.js project build on Debian, or another line there, by the Node.js dates', () => {
    const elsewhere = nodeSupport({ version: 'v20.19.2', execPath: '/usr/local/bin/node', osRelease: trixie }, table);
    assert.equal(elsewhere.supportedUntil, '2026-04-30');
    const other = nodeSupport({ version: 'v22.1.0', execPath: '/usr/bin/node', osRelease: trixie }, table);
    assert.equal(other.supportedUntil, '2027-04-30');
  });

  it('warns about a line that is not tested, old or new', () => {
    const old = nodeWarning(official('v18.20.0'), table, '2026-12-01');
    assert.ok(old);
    assert.match(old, /end of life on 2025-04-30/);
    assert.match(old, /not a line sharecast is tested on \(20, 22, 24\)/);
    const next = nodeWarning(official('v27.0.0'), table, '2026-12-01');
    assert.ok(next);
    assert.match(next, /Node\.js 27 \(v27\.0\.0\) is not a line sharecast is tested on/);
    assert.doesNotMatch(next, /end of life/);
  });

  it('reads os-release values with or without quotes', () => {
    assert.deepEqual(parseOsRelease('ID=debian\nVERSION_ID="13"\nNAME=\'x y\'\n# comment\n'), { ID: 'debian', VERSION_ID: '13', NAME: 'x y' });
  });
});
