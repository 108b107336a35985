export { startSim } from './server.js';
export type { Serving } from './serving.js';
export { CODE_MESSAGES } from './api-codes.js';
export { MODELS, type ModelEntry } from './models.js';
export { DEFAULT_OPTIONS, DEFAULT_FAIL_REASON } from './options.js';
export type {
  Fault,
  FaultKind,
  PendingFault,
  RecordedRequest,
  RecordedRoute,
  ResolvedSimOptions,
  Route,
  Sim,
  SimOptions,
  SimOptionsPatch,
  TaskState,
  TaskStatus,
  VideoInfo,
} from './types.js';
