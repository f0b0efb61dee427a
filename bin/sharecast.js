#!/usr/bin/env node
// Entry point for `npx sharecast` / `npm start`. It first warns, on stderr,
// when this Node.js is not a line sharecast is tested on or no longer gets
// security fixes (dates in node-lines.json), then runs the compiled server.
// The server is imported after the check, so the warning shows even on a
// Node.js too old to load it.
import { startupWarning } from './node-support.js';

const warning = startupWarning();
if (warning) process.stderr.write(`${warning}\n`);

const { run } = await import('../dist/main.js');
run(process.argv.slice(2)).then((code) => {
  if (typeof code === 'number') process.exitCode = code;
});
