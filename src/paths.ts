/** Paths of the project's own folders (migrations/, public/), whether running from src/ (tsx) or dist/src/ (compiled). */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const candidates = ['../', '../../'].map((relative) => fileURLToPath(new URL(relative, import.meta.url)));

/** The project root: the nearest of src/.. or dist/src/../.. that holds package.json. */
export const PROJECT_ROOT = candidates.find((dir) => existsSync(`${dir}package.json`)) ?? candidates[0]!;

/** An absolute path below the project root, e.g. projectPath('migrations/'). */
export function projectPath(relative: string): string {
  return `${PROJECT_ROOT}${relative}`;
}
