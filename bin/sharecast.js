#!/usr/bin/env node
// Entry point for `npx sharecast` / `npm start`: runs the compiled server.
import { run } from '../dist/main.js';

run(process.argv.slice(2)).then((code) => {
  if (typeof code === 'number') process.exitCode = code;
});
