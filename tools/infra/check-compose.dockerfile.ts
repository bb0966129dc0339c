/**
 * Just enough Dockerfile parsing to answer, for one build target: which external image it finally builds on,
 * which user it runs as, and whether it has a HEALTHCHECK. Follows `FROM <earlier stage>` chains, substitutes
 * global `ARG`s (overridable by Compose `build.args`) in `FROM`, and inherits USER/HEALTHCHECK along the chain
 * as Docker does.
 */
import { interpolateString } from './check-compose.interpolate';

export interface DockerInstruction {
  keyword: string;
  args: string;
  line: number;
}

export interface DockerStage {
  index: number;
  name?: string;
  /** The `FROM` operand after ARG substitution: an external image or an earlier stage's name. */
  from: string;
  instructions: DockerInstruction[];
}

export interface ParsedDockerfile {
  stages: DockerStage[];
  problems: string[];
}

export interface ResolvedTarget {
  stage: DockerStage;
  /** The external image the chain starts from, e.g. `node:24-bookworm-slim`. */
  baseImage: string;
  /** The effective USER, or undefined when no stage in the chain sets one (the base image's default). */
  user?: string;
  /** True when the effective HEALTHCHECK is a command (not NONE, not absent). */
  hasHealthcheck: boolean;
}

/** Splits a Dockerfile into instructions (joining `\` continuations, dropping comments) and stages. */
export function parseDockerfile(text: string, buildArgs: Readonly<Record<string, string>> = {}): ParsedDockerfile {
  const problems: string[] = [];
  const globalArgs: Record<string, string> = {};
  const stages: DockerStage[] = [];
  for (const instruction of instructions(text)) {
    const current = stages[stages.length - 1];
    if (instruction.keyword === 'FROM') {
      const stage = parseFrom(instruction, stages.length, globalArgs, problems);
      if (stage) stages.push(stage);
    } else if (!current) {
      if (instruction.keyword === 'ARG') Object.assign(globalArgs, parseArg(instruction.args, buildArgs));
      else problems.push(`line ${instruction.line}: ${instruction.keyword} before the first FROM`);
    } else {
      current.instructions.push(instruction);
    }
  }
  if (stages.length === 0) problems.push('no FROM instruction');
  return { stages, problems };
}

/** Resolves `target` (a stage name, or the last stage when undefined) to its base image, user and healthcheck. */
export function resolveTarget(dockerfile: ParsedDockerfile, target?: string): ResolvedTarget | string {
  const { stages } = dockerfile;
  const stage = target === undefined ? stages[stages.length - 1] : findStage(stages, target, stages.length);
  if (!stage) return target === undefined ? 'no stages' : `target stage "${target}" does not exist`;
  const chain: DockerStage[] = [];
  let cursor: DockerStage | undefined = stage;
  while (cursor) {
    if (chain.includes(cursor)) return `stage chain loops at "${cursor.name ?? cursor.index}"`;
    chain.push(cursor);
    cursor = findStage(stages, cursor.from, cursor.index);
  }
  const root = chain[chain.length - 1] as DockerStage;
  return {
    stage,
    baseImage: root.from,
    user: lastInChain(chain, 'USER')?.args.trim(),
    hasHealthcheck: isHealthcheckCommand(lastInChain(chain, 'HEALTHCHECK')),
  };
}

/** The external images every stage starts from (for the "pinned" rule). */
export function externalBaseImages(dockerfile: ParsedDockerfile): string[] {
  return dockerfile.stages
    .filter((stage) => !findStage(dockerfile.stages, stage.from, stage.index))
    .map((stage) => stage.from);
}

function* instructions(text: string): Generator<DockerInstruction> {
  const lines = text.split(/\r?\n/);
  let buffer = '';
  let startLine = 0;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    const trimmed = line.trim();
    // Comments (and parser directives, which look like comments) are dropped, even inside a continuation.
    if (trimmed.startsWith('#')) continue;
    if (buffer === '') {
      if (trimmed === '') continue;
      startLine = i + 1;
    }
    if (trimmed.endsWith('\\')) {
      buffer += `${trimmed.slice(0, -1)} `;
      continue;
    }
    buffer += trimmed;
    yield toInstruction(buffer, startLine);
    buffer = '';
  }
  if (buffer.trim() !== '') yield toInstruction(buffer, startLine);
}

function toInstruction(source: string, line: number): DockerInstruction {
  const match = /^(\S+)\s*([\s\S]*)$/.exec(source.trim());
  return { keyword: (match?.[1] ?? '').toUpperCase(), args: (match?.[2] ?? '').trim(), line };
}

function parseFrom(
  instruction: DockerInstruction,
  index: number,
  globalArgs: Readonly<Record<string, string>>,
  problems: string[],
): DockerStage | undefined {
  const words = instruction.args.split(/\s+/).filter((word) => !word.startsWith('--'));
  const image = words[0];
  if (!image) {
    problems.push(`line ${instruction.line}: FROM without an image`);
    return undefined;
  }
  const from = interpolateString(image, globalArgs, (message) => problems.push(`line ${instruction.line}: FROM ${message}`));
  const name = words[1]?.toUpperCase() === 'AS' ? words[2] : undefined;
  return { index, from, instructions: [], ...(name ? { name } : {}) };
}

function parseArg(args: string, buildArgs: Readonly<Record<string, string>>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const word of args.split(/\s+/).filter(Boolean)) {
    const [name = '', ...rest] = word.split('=');
    const fallback = rest.length > 0 ? unquote(rest.join('=')) : undefined;
    const value = buildArgs[name] ?? fallback;
    if (value !== undefined) result[name] = value;
  }
  return result;
}

function unquote(value: string): string {
  return /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
}

function findStage(stages: readonly DockerStage[], ref: string, before: number): DockerStage | undefined {
  const byName = stages.find((stage) => stage.index < before && stage.name?.toLowerCase() === ref.toLowerCase());
  if (byName) return byName;
  return /^\d+$/.test(ref) && Number(ref) < before ? stages[Number(ref)] : undefined;
}

function lastInChain(chain: readonly DockerStage[], keyword: string): DockerInstruction | undefined {
  for (const stage of chain) {
    const found = [...stage.instructions].reverse().find((instruction) => instruction.keyword === keyword);
    if (found) return found;
  }
  return undefined;
}

function isHealthcheckCommand(instruction: DockerInstruction | undefined): boolean {
  if (!instruction) return false;
  return !/^NONE$/i.test(instruction.args.trim());
}

/** Local sources of `COPY`/`ADD` (not `--from`), with their line; sources using variables or globs are left out. */
export function localCopySources(dockerfile: ParsedDockerfile): Array<{ line: number; source: string }> {
  const found: Array<{ line: number; source: string }> = [];
  for (const stage of dockerfile.stages) {
    for (const { keyword, args, line } of stage.instructions) {
      if (keyword !== 'COPY' && keyword !== 'ADD') continue;
      const words = args.startsWith('[') ? jsonWords(args) : args.split(/\s+/);
      if (words.some((word) => word.startsWith('--from='))) continue;
      const paths = words.filter((word) => !word.startsWith('--'));
      for (const source of paths.slice(0, -1)) {
        if (!/[$*?[]|^<<|^[a-z]+:\/\//i.test(source)) found.push({ line, source });
      }
    }
  }
  return found;
}

function jsonWords(args: string): string[] {
  try {
    const parsed: unknown = JSON.parse(args);
    return Array.isArray(parsed) ? parsed.map(String) : [];
  } catch {
    return [];
  }
}
