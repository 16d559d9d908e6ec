// Entry point for bin/clockcheck.js: run and set the exit code (letting
// stdout drain instead of calling process.exit).
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
