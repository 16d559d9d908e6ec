// clockcheck's version (package.json): what trace files and reports record
// as their writer. In traces/, the lowest layer that needs it; the command
// line imports it from here.
import { readFileSync } from 'node:fs';

export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
