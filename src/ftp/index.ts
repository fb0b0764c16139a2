/**
 * The public surface of the FTP layer. src/http imports from here only.
 */
export * from './types.js';
export { FtpError, isFtpError, isReplyError, isRestRefused, categoryForReply, replyError, incompleteError, parseError } from './errors.js';
export type { FtpErrorCategory, FtpErrorCode, FtpReplyCategory } from './errors.js';
export { ftpChannels } from './diagnostics.js';
export type { FtpCommandEvent, FtpProfileEvent, FtpReplyEvent, FtpServerEvent, FtpSessionEvent, FtpTransferEvent } from './diagnostics.js';
export { FtpClient, connectFtp } from './ftpClient.js';
export { assertSafeArgument } from './control/safeArgument.js';
export { FtpPool } from './pool/ftpPool.js';
export { isCapacitySignal } from './pool/capacityGate.js';
export type { FtpPoolOptions, FtpPoolStats, FtpLease } from './pool/ftpPool.js';
export { createModeMemory } from './data/modeMemory.js';
export { createServerKnowledge, ServerProfile } from './profile/serverProfile.js';
export type { FtpServerProfileLabel } from './profile/serverProfile.js';
export { SerialQueue } from './serialQueue.js';
export { diagnoseServer } from './diagnose/diagnoseServer.js';
export type { FtpDiagnoseOptions, FtpDiagnosis } from './diagnose/diagnoseServer.js';
export type { FtpDiagnosisStep, FtpDiagnosisStepName } from './diagnose/diagnosisStep.js';
