// What an image directory holds: one file, checkpoint.img. A writer builds it under a temporary
// name in the same directory, fsyncs it, publishes it under the final name without replacing
// anything (a hard link, which fails if the name exists, so two racing writers cannot overwrite
// each other's image), and fsyncs the directory. A crash at any point leaves either no
// checkpoint.img or a complete one; a leftover temporary file never passes for an image.

import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ImageExistsError } from './errors.js';

/** IMAGE_FILE_NAME is the one file an image directory holds. */
export const IMAGE_FILE_NAME = 'checkpoint.img';

/** TEMPORARY_PREFIX starts the name of an image being written; such a file is never an image. */
export const TEMPORARY_PREFIX = `${IMAGE_FILE_NAME}.tmp-`;

/** imageFilePath is the path of the image file in `directory`. */
export function imageFilePath(directory: string): string {
  return join(directory, IMAGE_FILE_NAME);
}

/** isImageDirectory tells whether `directory` already holds an image (a complete one: writers publish only complete files). */
export async function isImageDirectory(directory: string): Promise<boolean> {
  try {
    await stat(imageFilePath(directory));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw error;
  }
}

/** prepareImageDirectory creates `directory` if missing and throws ImageExistsError if it already holds an image. */
export async function prepareImageDirectory(directory: string): Promise<void> {
  await mkdir(directory, { recursive: true });
  if (await isImageDirectory(directory)) throw new ImageExistsError(directory);
}

/** temporaryImagePath is a fresh temporary name for an image being written in `directory`. */
export function temporaryImagePath(directory: string): string {
  return join(directory, `${TEMPORARY_PREFIX}${randomBytes(8).toString('hex')}`);
}

/** syncDirectory makes `directory`'s entries durable (the new name of a published image). */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** publishImage gives the complete, fsynced `temporaryPath` the final name in `directory` without replacing an image that appeared meanwhile. */
export async function publishImage(temporaryPath: string, directory: string): Promise<void> {
  const finalPath = imageFilePath(directory);
  try {
    await link(temporaryPath, finalPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new ImageExistsError(directory);
    // Filesystems without hard links (some FUSE and network ones): check, then rename, which
    // leaves a window where a racing writer could be replaced.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS' && code !== 'EMLINK') throw error;
    if (await isImageDirectory(directory)) throw new ImageExistsError(directory);
    await rename(temporaryPath, finalPath);
    await syncDirectory(directory);
    return;
  }
  await unlink(temporaryPath);
  await syncDirectory(directory);
}
