// The studio's fault-injection hook (issue 15): the engine can lose its GPU device, fail an
// allocation with out-of-memory or write NaN into a step's gradients at chosen steps
// (src/train/faults.ts), so that the recovery paths are tried as a user would meet them. It is off
// unless the page's URL has `?faults=<plan>` (e.g. `?faults=lose-device@5`, `nan@3,nan@4`,
// `oom@2`); then the plan applies to the next run started with Start, and
// `window.__sftStudioFaults(plan)` sets another one without a reload (it resolves with the plan as
// the engine read it, or rejects with why it could not). A resumed run never gets a plan.
import type { EngineEvent, EngineRequest } from '../worker/engineProtocol.ts';

declare global {
  interface Window {
    __sftStudioFaults?: (spec: string) => Promise<string>;
  }
}

type FaultsSet = Extract<EngineEvent, { kind: 'faults-set' }>;

let waiting: { resolve(plan: string): void; reject(e: Error): void }[] = [];

/** Installs the hook when the URL asks for it (returns whether it did). */
export function installFaultHook(post: (msg: EngineRequest) => void): boolean {
  if (typeof window === 'undefined') return false;
  const spec = new URLSearchParams(window.location.search).get('faults');
  if (spec === null) return false;
  const set = (s: string) =>
    new Promise<string>((resolve, reject) => {
      waiting.push({ resolve, reject });
      post({ kind: 'set-faults', spec: s });
    });
  window.__sftStudioFaults = set;
  void set(spec).catch(() => undefined); // faultsSet already logged why
  return true;
}

/** The worker's answer to a set-faults request. */
export function faultsSet(msg: FaultsSet): void {
  const w = waiting.shift();
  if (msg.failure) {
    console.error(`[faults] ${msg.failure.message}`);
    w?.reject(new Error(msg.failure.message));
  } else {
    console.warn(`[faults] the next run injects: ${msg.plan || 'nothing'}`);
    w?.resolve(msg.plan);
  }
  if (!w) waiting = [];
}
