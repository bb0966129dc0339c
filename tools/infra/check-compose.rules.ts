/**
 * Project rules the Compose schema cannot express: builds point at real Dockerfiles whose target runs on
 * Node 24 as a non-root user, images are pinned, `depends_on` names real services (with a healthcheck where
 * the condition needs one), named volumes are declared, and no two services publish the same host port.
 */
import { isAbsolute, join } from 'node:path';
import {
  externalBaseImages,
  localCopySources,
  parseDockerfile,
  resolveTarget,
  type ResolvedTarget,
} from './check-compose.dockerfile';
import { portCollisions, publishedPorts, type PublishedPort } from './check-compose.ports';

export interface RuleContext {
  /** The folder holding the Compose file: relative build contexts and volumes resolve against it. */
  rootDir: string;
  /** Reads a file by absolute path; undefined when it does not exist. */
  readFile: (absolutePath: string) => string | undefined;
  /** Whether a file or folder exists (for Dockerfile COPY sources). */
  pathExists: (absolutePath: string) => boolean;
}

type Dict = Record<string, unknown>;

/** The Node line every service image must run on (DESIGN.md: current LTS). */
export const REQUIRED_NODE_BASE = /^node:24(?:[.@-]|$)/;

export function checkProjectRules(document: unknown, context: RuleContext): string[] {
  const root = asRecord(document);
  const services = asRecord(root.services);
  const problems: string[] = [];
  const healthchecked = new Set<string>();
  const ports: PublishedPort[] = [];
  for (const [name, value] of Object.entries(services)) {
    const service = asRecord(value);
    if (typeof service.image === 'string') problems.push(...pinProblems(`services.${name}.image`, service.image));
    if (service.build !== undefined) {
      const target = checkBuild(name, service.build, context, problems);
      if (target?.hasHealthcheck) healthchecked.add(name);
    }
    if (hasComposeHealthcheck(service.healthcheck)) healthchecked.add(name);
    if (isHealthcheckDisabled(service.healthcheck)) healthchecked.delete(name);
    const found = publishedPorts(name, service.ports);
    problems.push(...found.problems);
    ports.push(...found.published);
    problems.push(...volumeProblems(name, service.volumes, asRecord(root.volumes), context));
  }
  for (const [name, value] of Object.entries(services)) {
    problems.push(...dependsOnProblems(name, asRecord(value).depends_on, services, healthchecked));
  }
  problems.push(...portCollisions(ports));
  return problems;
}

/** An image reference is pinned when it has a digest, or a tag other than `latest`. */
export function pinProblems(where: string, reference: string): string[] {
  if (/@sha256:[0-9a-f]{64}$/.test(reference)) return [];
  const lastSlash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  if (colon <= lastSlash) return [`${where}: "${reference}" has no tag, which means "latest"; pin a version`];
  const tag = reference.slice(colon + 1);
  if (tag === '' || tag === 'latest') return [`${where}: "${reference}" is not pinned (tag "${tag}"); pin a version`];
  return [];
}

function checkBuild(service: string, build: unknown, context: RuleContext, problems: string[]): ResolvedTarget | undefined {
  const where = `services.${service}.build`;
  const spec = typeof build === 'string' ? { context: build } : asRecord(build);
  const contextDir = typeof spec.context === 'string' ? spec.context : '.';
  if (/^[a-z]+:\/\//i.test(contextDir) || contextDir.startsWith('git@')) {
    problems.push(`${where}: remote build context "${contextDir}" cannot be checked; build from the repository`);
    return undefined;
  }
  const absoluteContext = isAbsolute(contextDir) ? contextDir : join(context.rootDir, contextDir);
  let text: string | undefined;
  let label: string;
  if (typeof spec.dockerfile_inline === 'string') {
    text = spec.dockerfile_inline;
    label = `${where}.dockerfile_inline`;
  } else {
    const dockerfile = typeof spec.dockerfile === 'string' ? spec.dockerfile : 'Dockerfile';
    const path = isAbsolute(dockerfile) ? dockerfile : join(absoluteContext, dockerfile);
    text = context.readFile(path);
    label = `${where}.dockerfile ${dockerfile}`;
    if (text === undefined) {
      problems.push(`${label}: file not found (${path})`);
      return undefined;
    }
  }
  const parsed = parseDockerfile(text, buildArgs(spec.args));
  problems.push(...parsed.problems.map((problem) => `${label}: ${problem}`));
  for (const image of externalBaseImages(parsed)) problems.push(...pinProblems(`${label}: FROM`, image));
  for (const { line, source } of localCopySources(parsed)) {
    if (!context.pathExists(join(absoluteContext, source))) {
      problems.push(`${label}: line ${line} copies "${source}", which is not in the build context ${contextDir}`);
    }
  }
  const target = resolveTarget(parsed, typeof spec.target === 'string' ? spec.target : undefined);
  if (typeof target === 'string') {
    problems.push(`${label}: ${target}`);
    return undefined;
  }
  const stage = target.stage.name ?? `#${target.stage.index}`;
  const base = target.baseImage.replace(/^(docker\.io\/)?(library\/)?/, '');
  if (!REQUIRED_NODE_BASE.test(base)) {
    problems.push(`${label}: stage "${stage}" builds on "${target.baseImage}", not a node:24 image (current Node LTS)`);
  }
  if (target.user === undefined) {
    problems.push(`${label}: stage "${stage}" sets no USER, so it runs as root; add a non-root USER`);
  } else if (/^(root|0)(:.*)?$/.test(target.user)) {
    problems.push(`${label}: stage "${stage}" runs as root (USER ${target.user}); use a non-root USER`);
  }
  return target;
}

function buildArgs(args: unknown): Record<string, string> {
  if (Array.isArray(args)) {
    return Object.fromEntries(
      args.map((entry) => String(entry).split(/=(.*)/s)).filter((pair) => pair[1] !== undefined).map(([k, v]) => [k, v]),
    );
  }
  return Object.fromEntries(Object.entries(asRecord(args)).map(([key, value]) => [key, String(value ?? '')]));
}

function dependsOnProblems(
  service: string,
  dependsOn: unknown,
  services: Dict,
  healthchecked: ReadonlySet<string>,
): string[] {
  const where = `services.${service}.depends_on`;
  const entries: Array<[string, unknown]> = Array.isArray(dependsOn)
    ? dependsOn.map((target) => [String(target), undefined])
    : Object.entries(asRecord(dependsOn)).map(([target, value]) => [target, asRecord(value).condition]);
  const problems: string[] = [];
  for (const [target, condition] of entries) {
    if (target === service) problems.push(`${where}: "${service}" depends on itself`);
    else if (!(target in services)) problems.push(`${where}: "${target}" is not a service in this file`);
    else if (condition === 'service_healthy' && !healthchecked.has(target)) {
      problems.push(`${where}: waits for "${target}" to be healthy, but "${target}" has no healthcheck`);
    }
  }
  return problems;
}

/** Named volumes must be declared at the top level; relative bind-mount sources must exist in the repository. */
function volumeProblems(service: string, volumes: unknown, declared: Dict, context: RuleContext): string[] {
  if (!Array.isArray(volumes)) return [];
  const problems: string[] = [];
  for (const volume of volumes) {
    const long = typeof volume === 'string' ? undefined : asRecord(volume);
    if (typeof volume === 'string' && !volume.includes(':')) continue; // anonymous volume: a container path only
    const source = long ? long.source : (volume as string).split(':')[0];
    if (typeof source !== 'string') continue;
    const type = long ? long.type : /^[.~/]/.test(source) ? 'bind' : 'volume';
    if (type === 'volume' && !(source in declared)) {
      problems.push(`services.${service}.volumes: named volume "${source}" is not declared under top-level volumes`);
    } else if (type === 'bind' && source.startsWith('.') && !context.pathExists(join(context.rootDir, source))) {
      problems.push(`services.${service}.volumes: bind-mount source "${source}" does not exist`);
    }
  }
  return problems;
}

function hasComposeHealthcheck(healthcheck: unknown): boolean {
  const test = asRecord(healthcheck).test;
  if (test === undefined || isHealthcheckDisabled(healthcheck)) return false;
  return !(Array.isArray(test) && test[0] === 'NONE');
}

function isHealthcheckDisabled(healthcheck: unknown): boolean {
  const record = asRecord(healthcheck);
  return record.disable === true || (Array.isArray(record.test) && record.test[0] === 'NONE');
}

function asRecord(value: unknown): Dict {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Dict) : {};
}
