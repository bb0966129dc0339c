/**
 * Compose variable interpolation (https://docs.docker.com/reference/compose-file/interpolation/), so that the
 * checks see the file as `docker compose` would: `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
 * `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`, `${VAR+alt}`, with nested expressions in the default.
 * Only values are interpolated, never keys, as Compose does.
 */
export type EnvLookup = Readonly<Record<string, string | undefined>>;

export interface InterpolationResult<T> {
  value: T;
  /** Variables used without a default that the env does not set, and `:?`/`?` errors. */
  problems: string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Interpolates every string value of a parsed Compose document. `path` is used in problem messages. */
export function interpolateDocument<T>(document: T, env: EnvLookup): InterpolationResult<T> {
  const problems: string[] = [];
  const walk = (node: unknown, path: string): unknown => {
    if (typeof node === 'string') return interpolateString(node, env, (message) => problems.push(`${path}: ${message}`));
    if (Array.isArray(node)) return node.map((item, index) => walk(item, `${path}[${index}]`));
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(
        Object.entries(node as Record<string, unknown>).map(([key, value]) => [key, walk(value, path ? `${path}.${key}` : key)]),
      );
    }
    return node;
  };
  return { value: walk(document, '') as T, problems };
}

/** Interpolates one string; `report` receives a message for each unset variable without a default. */
export function interpolateString(text: string, env: EnvLookup, report: (message: string) => void): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch !== '$') {
      out += ch;
      i += 1;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '{') {
      const end = matchingBrace(text, i + 1);
      if (end < 0) {
        report(`unterminated "\${" in ${JSON.stringify(text)}`);
        return out + text.slice(i);
      }
      out += expandBraced(text.slice(i + 2, end), env, report);
      i = end + 1;
    } else {
      const name = NAME.exec(text.slice(i + 1))?.[0];
      if (name) {
        out += lookup(name, env, report);
        i += 1 + name.length;
      } else {
        out += '$';
        i += 1;
      }
    }
  }
  return out;
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i += 1) {
    if (text[i] === '{') depth += 1;
    else if (text[i] === '}') {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function expandBraced(body: string, env: EnvLookup, report: (message: string) => void): string {
  const name = NAME.exec(body)?.[0];
  if (!name) {
    report(`invalid interpolation "\${${body}}"`);
    return '';
  }
  const rest = body.slice(name.length);
  if (rest === '') return lookup(name, env, report);
  const operator = /^(:-|-|:\?|\?|:\+|\+)/.exec(rest)?.[0];
  if (!operator) {
    report(`invalid interpolation "\${${body}}"`);
    return '';
  }
  const argument = () => interpolateString(rest.slice(operator.length), env, report);
  const value = env[name];
  const unsetOrEmpty = value === undefined || value === '';
  switch (operator) {
    case ':-':
      return unsetOrEmpty ? argument() : value;
    case '-':
      return value === undefined ? argument() : value;
    case ':+':
      return unsetOrEmpty ? '' : argument();
    case '+':
      return value === undefined ? '' : argument();
    default: {
      // `:?` and `?`: a required variable.
      const missing = operator === ':?' ? unsetOrEmpty : value === undefined;
      if (!missing) return value ?? '';
      report(`required variable ${name} is not set (${argument() || 'no message'})`);
      return '';
    }
  }
}

function lookup(name: string, env: EnvLookup, report: (message: string) => void): string {
  const value = env[name];
  if (value === undefined) {
    report(`variable ${name} has no default and is not set (use \${${name}:-default})`);
    return '';
  }
  return value;
}
