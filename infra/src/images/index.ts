export { buildBuiltin, detectSource, type ImageContext, type PushResult, pushUserImage } from './build.js';
export { BUILTIN_IMAGES, type BuiltinImage, builtinImage } from './definitions.js';
export { ImageError, ImageErrorCode } from './errors.js';
export { coreDnsImageRef, exportNodeImages, nodeImagesDir, pauseImageRef } from './node-images.js';
export { PushRecords } from './records.js';
export { parseImageName } from './reference.js';
export { Registry } from './registry.js';
export {
  REPOSITORY_PREFIX,
  registryAddress,
  registryMirrorAddress,
  registryPort,
  registryStateDir,
} from './settings.js';
