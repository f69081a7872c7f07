// The two default tables the studio's UI shows (Train form, Try step), as a module with no GPU code
// under it, so the UI bundle re-exports them through the worker protocol without pulling the engine.
export { kDefaultSettings } from './settings.ts';
export { kDefaultSampling } from './sampling.ts';
