#!/usr/bin/env node
// Entry point for `npx sharecast` / `npm start`: runs the compiled server.
// The title is set before the server's modules load, so a secret given as a
// flag leaves `ps` as early as it can (run() sets it too, for other entries).
process.title = 'sharecast';
const { run } = await import('../dist/main.js');

run(process.argv.slice(2)).then((code) => {
  if (typeof code === 'number') process.exitCode = code;
});
