/** Before the fault suite: compile imgmod when its sources are newer than dist/ (the suite runs the compiled entry). */
import { ensureCompiled } from '../helpers/compile.js';

export default function setup(): void {
  ensureCompiled();
}
