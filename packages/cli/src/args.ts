import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Bad input on the command line: exit code 2, one line on stderr. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  readonly values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  readonly positionals: string[];
  /** Positionals that directly followed a value of each option (for `--only a b c`). */
  readonly trailing: Map<string, string[]>;
}

/** Options every command accepts. */
export const COMMON: Options = {
  help: { type: 'boolean', short: 'h' },
  verbose: { type: 'boolean' },
};

/**
 * node:util parseArgs with errors rewritten as one readable line naming the command.
 */
export function parse(command: string, args: readonly string[], options: Options): Parsed {
  let result;
  try {
    result = parseArgs({
      args: [...args],
      options: { ...COMMON, ...options },
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
  } catch (err) {
    throw new UsageError(rewrite(err, command), command);
  }
  const trailing = new Map<string, string[]>();
  let last: string | undefined;
  for (const token of result.tokens) {
    if (token.kind === 'option') last = token.value !== undefined ? token.name : undefined;
    else if (token.kind === 'positional' && last !== undefined) {
      const list = trailing.get(last) ?? [];
      list.push(token.value);
      trailing.set(last, list);
    } else last = undefined;
  }
  return { values: result.values as Parsed['values'], positionals: result.positionals, trailing };
}

function rewrite(err: unknown, command: string): string {
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : String(err);
  const help = `see "eventport ${command} --help"`;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const opt = /'([^']+)'/.exec(message)?.[1] ?? 'option';
    return `unknown option ${opt} for "eventport ${command}" (${help})`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const opt = /'([^']+)'/.exec(message)?.[1]?.split(' ')[0] ?? 'an option';
    if (/ambiguous/.test(message))
      return `${opt} needs a value; for one starting with "-" write ${opt}=-… (${help})`;
    return `${opt} ${/missing/.test(message) ? 'needs a value' : 'does not take a value'} (${help})`;
  }
  return `${message.split('\n')[0]} (${help})`;
}

/** A string option's value (the last one when repeated). */
export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  if (Array.isArray(v)) return v.length ? String(v[v.length - 1]) : undefined;
  return typeof v === 'string' ? v : undefined;
}

/** A repeatable string option's values. */
export function strs(p: Parsed, name: string): string[] {
  const v = p.values[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

export function flag(p: Parsed, name: string): boolean {
  return p.values[name] === true;
}

/** A positive integer option. */
export function int(p: Parsed, name: string, command: string): number | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--${name} must be a whole number >= 1, got "${v}"`, command);
  return n;
}

/** Checks the number of positionals. */
export function expectPositionals(
  p: Parsed,
  command: string,
  names: readonly string[],
  max = names.length,
): string[] {
  if (p.positionals.length < names.length) {
    const missing = names.slice(p.positionals.length);
    throw new UsageError(
      `missing ${missing.map((m) => `<${m}>`).join(' ')} (usage: eventport ${command} ${names.map((m) => `<${m}>`).join(' ')} …)`,
      command,
    );
  }
  if (p.positionals.length > max) {
    throw new UsageError(
      `unexpected argument "${p.positionals[max]}" (see "eventport ${command} --help")`,
      command,
    );
  }
  return p.positionals;
}
