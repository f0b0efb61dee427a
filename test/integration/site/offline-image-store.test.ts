import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { OfflineImageStore, sniffImageType } from '../../../src/site/offline-image-store.js';
import { DataDir } from '../../../src/store/data-dir.js';
import { nullLogger } from '../../fakes/null-logger.js';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('rest of a png')]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('rest of a jpeg')]);
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x10, 0, 0, 0]), Buffer.from('WEBPVP8 rest')]);
const BUILTIN = join(process.cwd(), 'web', 'img', 'offline.svg');
const logger = nullLogger;

describe('sniffImageType', () => {
  test('knows PNG, JPEG and WebP by their first bytes', () => {
    assert.equal(sniffImageType(PNG), 'image/png');
    assert.equal(sniffImageType(JPEG), 'image/jpeg');
    assert.equal(sniffImageType(WEBP), 'image/webp');
  });
  test('refuses everything else, whatever it is called', () => {
    for (const b of [
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>'),
      Buffer.from('GIF89a....'),
      Buffer.from('RIFF\0\0\0\0WAVEfmt '),
      Buffer.from([0x89, 0x50, 0x4e, 0x47]),
      Buffer.from([0xff, 0xd8]),
      Buffer.alloc(0),
      Buffer.from('<html><script>alert(1)</script>'),
    ]) {
      assert.equal(sniffImageType(b), undefined, b.toString('latin1'));
    }
  });
});

const imageFile = (dir: string) => new DataDir(dir).file('offlineImage');

describe('OfflineImageStore', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'sharecast-img-'));
    dirs.push(d);
    return d;
  };
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('starts with the built-in SVG', async () => {
    const store = new OfflineImageStore({ file: imageFile(tmp()), builtinPath: BUILTIN, logger });
    await store.init();
    assert.equal(store.current().origin, 'builtin');
    assert.equal(store.current().contentType, 'image/svg+xml');
    assert.deepEqual(store.current().body, readFileSync(BUILTIN));
  });

  test('an upload is stored in the data dir and survives a restart; reset goes back', async () => {
    const dataDir = tmp();
    const a = new OfflineImageStore({ file: imageFile(dataDir), builtinPath: BUILTIN, logger });
    await a.init();
    const saved = await a.save(WEBP);
    assert.equal(saved.contentType, 'image/webp');
    assert.equal(saved.origin, 'uploaded');
    assert.deepEqual(readFileSync(a.storedPath), WEBP);

    const b = new OfflineImageStore({ file: imageFile(dataDir), builtinPath: BUILTIN, logger });
    await b.init();
    assert.equal(b.current().origin, 'uploaded');
    assert.deepEqual(b.current().body, WEBP);
    assert.equal(b.current().etag, saved.etag);

    await b.reset();
    assert.equal(b.current().origin, 'builtin');
    const c = new OfflineImageStore({ file: imageFile(dataDir), builtinPath: BUILTIN, logger });
    await c.init();
    assert.equal(c.current().origin, 'builtin');
  });

  test('refuses uploads that are not PNG/JPEG/WebP or too large, and keeps the old image', async () => {
    const store = new OfflineImageStore({ file: imageFile(tmp()), builtinPath: BUILTIN, logger, maxBytes: 64 });
    await store.init();
    await store.save(PNG);
    await assert.rejects(store.save(Buffer.from('<svg onload="alert(1)"/>')), { code: 'unsupported_media_type' });
    await assert.rejects(store.save(Buffer.concat([JPEG, Buffer.alloc(100)])), { code: 'payload_too_large' });
    assert.deepEqual(store.current().body, PNG);
  });

  test('--offline-image is used when nothing was uploaded; a bad one is a clear config error', async () => {
    const dir = tmp();
    const good = join(dir, 'away.jpg');
    writeFileSync(good, JPEG);
    const store = new OfflineImageStore({ file: imageFile(tmp()), configuredPath: good, builtinPath: BUILTIN, logger });
    await store.init();
    assert.equal(store.current().origin, 'configured');
    assert.equal(store.current().contentType, 'image/jpeg');
    await store.save(PNG);
    assert.equal(store.current().origin, 'uploaded');
    await store.reset();
    assert.equal(store.current().origin, 'configured');

    const notImage = join(dir, 'notes.png');
    writeFileSync(notImage, 'just text');
    await assert.rejects(new OfflineImageStore({ file: imageFile(tmp()), configuredPath: notImage, builtinPath: BUILTIN, logger }).init(), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'config_invalid');
      assert.match(err.message, /notes\.png.*not a PNG, JPEG or WebP/);
      return true;
    });
    await assert.rejects(new OfflineImageStore({ file: imageFile(tmp()), configuredPath: join(dir, 'missing.png'), builtinPath: BUILTIN, logger }).init(), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'config_invalid');
      assert.match(err.message, /cannot read .*missing\.png/);
      return true;
    });
  });

  test('a damaged stored upload is ignored, not fatal', async () => {
    const dataDir = tmp();
    const store = new OfflineImageStore({ file: imageFile(dataDir), builtinPath: BUILTIN, logger });
    writeFileSync(store.storedPath, 'garbage');
    await store.init();
    assert.equal(store.current().origin, 'builtin');
  });
});
