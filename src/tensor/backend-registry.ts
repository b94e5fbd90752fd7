import type { Backend } from './backend.ts';
import { tsBackend } from './ts-backend.ts';

let active: Backend = tsBackend;

/** The backend every layer computes with. */
export function backend(): Backend {
  return active;
}

export function setBackend(next: Backend): void {
  active = next;
}
