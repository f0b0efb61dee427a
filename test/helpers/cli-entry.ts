// `sharecast` from the TypeScript sources, for tests that need the real process (exit codes, signals).
import { run } from '../../src/main.js';

run(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
