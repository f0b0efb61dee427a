#!/usr/bin/env node
// Entry point for `npx sharecast` / `npm start`. The title is set first, so a
// secret given as a flag leaves `ps` as early as it can (run() sets it too,
// for other entries). Then it warns, on stderr, when this Node.js is not a
// line sharecast is tested on or no longer gets security fixes (dates in
// node-lines.json), and runs the compiled server. The server is imported
// after the check, so the warning shows even on a Node.js too old to load it.
import { startupWarning } from './node-support.js';

process.title = 'sharecast';
const warning = startupWarning();
if (warning) process.stderr.write(`${warning}\n`);

const { run } = await import('../dist/main.js');
run(process.argv.slice(2)).then((code) => {
  if (typeof code === 'number') process.exitCode = code;
});
