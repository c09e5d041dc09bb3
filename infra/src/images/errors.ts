import { CodedError } from '@gardener-ts/api/coded-error';

export enum ImageErrorCode {
  RegistryDown = 'IMAGE_REGISTRY_DOWN',
  UnknownImage = 'IMAGE_UNKNOWN',
  BadReference = 'IMAGE_BAD_REFERENCE',
  BadInput = 'IMAGE_BAD_INPUT',
  BuildFailed = 'IMAGE_BUILD_FAILED',
  PrerequisiteMissing = 'IMAGE_PREREQUISITE_MISSING',
  RegistryFailed = 'IMAGE_REGISTRY_FAILED',
}

/** An error whose message says what went wrong and what to do about it. */
export class ImageError extends CodedError<ImageErrorCode> {}
