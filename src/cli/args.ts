// A small flag parser shared by every CLI command: `--name value`, `--name=value`, boolean
// `--flag`, typed values, required flags and clear errors (UsageError, exit status 2). No
// dependency: the CLI's flags are few and the errors should name the command and the flag.

export type FlagType = 'string' | 'int' | 'number' | 'boolean';

export interface FlagDef {
  type: FlagType;
  help: string;
  required?: boolean;
  /** Placeholder in the usage line, e.g. `DIR|HUB_ID`. */
  metavar?: string;
}

export type FlagSpec = Record<string, FlagDef>;

type ValueOf<D extends FlagDef> = D['type'] extends 'boolean'
  ? boolean
  : D['type'] extends 'int' | 'number'
    ? number | undefined
    : string | undefined;

export type ParsedFlags<S extends FlagSpec> = { [K in keyof S]: ValueOf<S[K]> };

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function convert(command: string, name: string, def: FlagDef, raw: string): string | number {
  if (def.type === 'string') return raw;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || (def.type === 'int' && !Number.isInteger(n))) {
    const what = def.type === 'int' ? 'an integer' : 'a number';
    throw new UsageError(`${command}: --${name} must be ${what}, got "${raw}"`);
  }
  return n;
}

/** Parse `argv` (the arguments after the command name) against `spec`. */
export function parseFlags<S extends FlagSpec>(
  command: string,
  spec: S,
  argv: readonly string[],
): { flags: ParsedFlags<S>; positionals: string[] } {
  const values: Record<string, string | number | boolean | undefined> = {};
  for (const [name, def] of Object.entries(spec))
    values[name] = def.type === 'boolean' ? false : undefined;
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      if (arg.startsWith('-') && arg.length > 1) {
        throw new UsageError(`${command}: unknown option "${arg}" (flags are spelled --name)`);
      }
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const def = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (!def) {
      const known = Object.keys(spec)
        .map((k) => `--${k}`)
        .join(', ');
      throw new UsageError(`${command}: unknown flag --${name} (known flags: ${known})`);
    }
    if (def.type === 'boolean') {
      if (eq !== -1) {
        const v = arg.slice(eq + 1);
        if (v !== 'true' && v !== 'false') {
          throw new UsageError(
            `${command}: --${name} takes no value (or =true / =false), got "${v}"`,
          );
        }
        values[name] = v === 'true';
      } else values[name] = true;
      continue;
    }
    let raw: string;
    if (eq !== -1) raw = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) {
        throw new UsageError(`${command}: --${name} needs a value (${def.metavar ?? def.type})`);
      }
      raw = next;
      i++;
    }
    values[name] = convert(command, name, def, raw);
  }
  for (const [name, def] of Object.entries(spec)) {
    if (def.required && values[name] === undefined) {
      throw new UsageError(
        `${command}: missing required flag --${name} ${def.metavar ?? ''}`.trimEnd(),
      );
    }
  }
  return { flags: values as ParsedFlags<S>, positionals };
}

/** A usage text built from the spec, so that help and parser never disagree. */
export function usage(command: string, summary: string, spec: FlagSpec): string {
  const part = (name: string, d: FlagDef) => {
    const s = d.type === 'boolean' ? `--${name}` : `--${name} ${d.metavar ?? name.toUpperCase()}`;
    return d.required ? s : `[${s}]`;
  };
  const lines = [
    `usage: sft-studio ${command} ${Object.entries(spec)
      .map(([n, d]) => part(n, d))
      .join(' ')}`,
    '',
    summary,
    '',
  ];
  for (const [n, d] of Object.entries(spec)) lines.push(`  ${part(n, d).padEnd(32)} ${d.help}`);
  return lines.join('\n');
}
