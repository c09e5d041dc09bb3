import { CodedError } from '@gardener-ts/api/coded-error';

export enum ToolchainErrorCode {
  NotBuilt = 'TOOLCHAIN_NOT_BUILT',
  VersionMismatch = 'TOOLCHAIN_VERSION_MISMATCH',
  BuildFailed = 'TOOLCHAIN_BUILD_FAILED',
  UnknownTool = 'TOOLCHAIN_UNKNOWN_TOOL',
  PrerequisiteMissing = 'TOOLCHAIN_PREREQUISITE_MISSING',
}

export class ToolchainError extends CodedError<ToolchainErrorCode> {}
