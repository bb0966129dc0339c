import { readFile } from 'node:fs/promises';

/** Last `lines` lines of a text file, or a note saying why there are none (used in start-up errors). */
export async function tailFile(path: string, lines = 40): Promise<string> {
  try {
    const text = await readFile(path, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch (error) {
    return `(no log at ${path}: ${(error as Error).message})`;
  }
}
