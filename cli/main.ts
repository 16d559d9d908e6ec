// The clockcheck command line. Exit codes (README): 0 every property holds,
// 1 a property is violated, 2 bad usage, bad input or a broken model,
// 3 incomplete (a bound or budget stopped the search before a verdict),
// 4 internal error (a bug in clockcheck); replay adds 5 (the trace diverges)
// and 6 (the trace file is unreadable or invalid).

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ModelError, UsageError } from '../checker/index.js';
import { commands, type Command } from './commands.js';
import { TraceFileError } from '../traces/format.js';

export const EXIT = { ok: 0, violated: 1, usage: 2, incomplete: 3, internal: 4, diverged: 5, badTrace: 6 } as const;

function usage(): string {
  const lines = [
    'clockcheck: an explicit-state model checker for timekeeping invariants',
    '',
    'usage: clockcheck <command> [options]',
    '',
    'commands:',
    ...Object.values(commands).map((c) => `  ${c.synopsis.padEnd(44)} ${c.summary}`),
    '',
    "'clockcheck help <command>' shows a command's options.",
    'exit codes: 0 all properties hold, 1 a violation, 2 bad usage or input, 3 incomplete, 4 internal error,',
    '            5 a replayed trace diverges, 6 a trace file is unreadable or invalid;',
    '            simulate: 0 no violation found (which does not mean the properties hold), 1 a violation found',
  ];
  return lines.join('\n');
}

function commandHelp(c: Command): string {
  const opts = Object.entries(c.options).map(([k, o]) => {
    const value = o.optionalValue !== undefined ? (o.optionalValue ? ' [FILE.json]' : '[=FILE.json]') : o.type === 'string' ? ' <value>' : '';
    const flag = `--${k}${value}${o.short ? `, -${o.short}` : ''}`;
    return `  ${flag.padEnd(30)} ${c.optionDocs[k] ?? ''}`;
  });
  return [`usage: clockcheck ${c.synopsis}`, '', c.summary, '', 'options:', ...opts].join('\n');
}

/**
 * Options that may stand alone (`--json`) become `--json=-`, or take the
 * next argument when it looks like their value (`--json out.json`), so that
 * parseArgs sees an ordinary string option.
 */
function withOptionalValues(args: readonly string[], c: Command): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      out.push(...args.slice(i));
      break;
    }
    const spec = a.startsWith('--') ? c.options[a.slice(2)] : undefined;
    if (spec?.optionalValue === undefined) {
      out.push(a);
      continue;
    }
    const next = args[i + 1];
    if (spec.optionalValue && next !== undefined && !next.startsWith('-') && spec.optionalValue.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(`${a}=-`);
  }
  return out;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic) {
      const c = commands[topic];
      if (!c) {
        process.stderr.write(`clockcheck: error: unknown command '${topic}'\n`);
        return EXIT.usage;
      }
      process.stdout.write(commandHelp(c) + '\n');
    } else process.stdout.write(usage() + '\n');
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${(await import('../traces/version.js')).VERSION}\n`);
    return EXIT.ok;
  }
  const cmd = commands[name];
  if (!cmd) {
    process.stderr.write(`clockcheck: error: unknown command '${name}' (commands: ${Object.keys(commands).join(', ')})\n`);
    return EXIT.usage;
  }
  try {
    let parsed;
    try {
      const options = Object.fromEntries(
        Object.entries(cmd.options).map(([k, o]) => [k, { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) }]),
      );
      parsed = parseArgs({
        args: withOptionalValues(rest, cmd),
        options: { ...options, help: { type: 'boolean', short: 'h' } } as ParseArgsConfig['options'],
        allowPositionals: true,
        strict: true,
      });
    } catch (e) {
      const msg = (e as Error).message;
      const unknown = /Unknown option '([^']+)'/.exec(msg);
      const text = unknown ? `unknown option '${unknown[1]}'` : msg.split('\n')[0]!.replace(/\. To specify.*$/, '');
      throw new UsageError(`${text} (see 'clockcheck help ${name}')`);
    }
    if ((parsed.values as Record<string, unknown>).help) {
      process.stdout.write(commandHelp(cmd) + '\n');
      return EXIT.ok;
    }
    return await cmd.run(parsed.values as Record<string, unknown>, parsed.positionals);
  } catch (e) {
    if (e instanceof TraceFileError) {
      process.stderr.write(`clockcheck: bad trace: ${e.message.split('\n')[0]}\n`);
      return EXIT.badTrace;
    }
    if (e instanceof UsageError || e instanceof ModelError) {
      const what = e instanceof ModelError ? 'model error' : 'error';
      process.stderr.write(`clockcheck: ${what}: ${e.message.split('\n')[0]}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`clockcheck: internal error (please report): ${(e as Error)?.stack ?? String(e)}\n`);
    return EXIT.internal;
  }
}
