/** The configuration surface: the one loader, its error, the types and the reusable option schemas. */
export { loadConfig, isLoopback } from './loadConfig.js';
export type { LoadConfigOptions } from './loadConfig.js';
export { ConfigError } from './configError.js';
export { redactUrl } from './redactUrl.js';
export {
  dataModeSchema,
  typeOptionSchema,
  eolSchema,
  tlsModeSchema,
  tlsMaxVersionSchema,
  apiKeyScopeSchema,
  logLevelSchema,
  serverNameSchema,
  configFileSchema,
} from './schemas.js';
export { DEFAULT_LIMITS, DEFAULT_TEXT_EXTENSIONS } from './defaults.js';
export type * from './types.js';
