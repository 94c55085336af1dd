// The restore gate on CPU features, as in gVisor: the image records the feature set the sandbox
// exposed to its guests, and a host may restore it only if it has every one of those features
// (after its own policy narrowed its set). The check runs on the metadata header alone, before
// anything large is read.
import { checkCompatible, deserializeFeatureSet, type FeatureSet } from '@stasis/cpuid';
import { ImageContentError, ImageCpuMismatchError } from './errors.js';

/**
 * checkImageCpuFeatures throws ImageCpuMismatchError naming every feature of the image's set
 * (`recorded`, @stasis/cpuid's serialization) that `host` lacks, and returns the image's set.
 */
export function checkImageCpuFeatures(imagePath: string, recorded: string, host: FeatureSet): FeatureSet {
  let saved: FeatureSet;
  try {
    saved = deserializeFeatureSet(recorded);
  } catch (cause) {
    throw new ImageContentError(imagePath, `its CPU feature set "${recorded}" cannot be read`, { cause });
  }
  const missing = checkCompatible(saved, host);
  if (missing.length > 0) throw new ImageCpuMismatchError(imagePath, missing);
  return saved;
}
