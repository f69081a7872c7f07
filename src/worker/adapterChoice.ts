// Which adapter of a run Try and Export use. Its own file because both engineProtocol.ts (generate,
// the adapter export) and exportProtocol.ts (the merged model, GGUF, TRL) name it, and
// engineProtocol.ts builds its unions from exportProtocol.ts: the imports point one way.

/** Which adapter Try and Export use: the last step's, or the best eval loss's (runs with an eval
 * split keep it, see src/engine/watch.ts). */
export type AdapterChoice = 'last' | 'best';
