// Public surface of the stand-in upstream.
export { startStandin } from './server.js';
export type { RecordedRequest, Standin, StandinOptions } from './server.js';
export { CONTROL_HEADERS } from './controls.js';
