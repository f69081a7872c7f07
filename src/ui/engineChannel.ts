// The engine worker's channel, low in the UI's imports: the one Worker (started on first use, with
// the fault hook when the URL asks for it), `post`, job numbers, and the helpers requests share (the
// adapter a request may use, the transferred buffers of a tokenized set, the studio's own failure
// shape). The dispatcher that turns the worker's events into store actions (engineBridge.ts) sits
// above every module that posts, so it is handed in by an explicit call at the studio's start
// (`connectEngineEvents`), not imported here; events that come before that wait for it.
import type {
  AdapterChoice,
  EngineEvent,
  EngineFailure,
  EngineRequest,
  ExampleSet,
} from '../worker/engineProtocol.ts';
import { installFaultHook } from './faultHook.ts';
import { useStudio } from './store/index.ts';

let worker: Worker | null = null;
let nextJob = 1;
let dispatch: ((msg: EngineEvent) => void) | null = null;
/** Events that came before the dispatcher was connected, oldest first. */
let early: EngineEvent[] = [];

/** A failure of the studio itself (a crashed worker), in the engine's shape. */
export function internalFailure(message: string): EngineFailure {
  return {
    kind: 'internal',
    message,
    hint: 'This is a bug in SFT Studio: please report the message. Reloading the page may help.',
  };
}

function getWorker(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL('../worker/engine.worker.ts', import.meta.url), {
    type: 'module',
    name: 'engine',
  });
  worker.onmessage = (e: MessageEvent<EngineEvent>) => {
    if (dispatch) dispatch(e.data);
    else early.push(e.data);
  };
  worker.onerror = (e) => {
    const s = useStudio.getState();
    const failure = internalFailure(`The engine worker crashed: ${e.message || 'unknown error'}`);
    if (s.train.state === 'running' || s.train.state === 'loading') {
      s.runEnded('error', s.train.step, failure.message, failure);
    }
    if (s.engine.model.status === 'loading') s.modelFailed(s.engine.model.job, failure);
  };
  installFaultHook(post); // only with ?faults= in the URL (faultHook.ts)
  return worker;
}

/** Hands the worker's events to `handler` from now on (and those that came before). */
export function connectEngineEvents(handler: (msg: EngineEvent) => void): void {
  dispatch = handler;
  const waiting = early;
  early = [];
  for (const msg of waiting) handler(msg);
}

/** Posts a request to the engine worker (started on first use). */
export function post(msg: EngineRequest, transfer: Transferable[] = []): void {
  getWorker().postMessage(msg, transfer);
}

/** A new job number: replies carry it, so a stale reply is told from the current one. */
export function newJob(): number {
  return nextJob++;
}

/** The adapter a request uses: the best eval loss's only while the run has one. */
export function usable(which: AdapterChoice): AdapterChoice {
  return useStudio.getState().train.bestStep === null ? 'last' : which;
}

/** The buffers of a tokenized set, transferred (not copied) to the engine worker. */
export function exampleSetTransfer(examples: ExampleSet): ArrayBuffer[] {
  return [
    examples.lines,
    examples.offsets,
    examples.ids,
    examples.marks,
    examples.fullLength,
    examples.truncatedTrained,
  ].map((a) => a.buffer as ArrayBuffer);
}
