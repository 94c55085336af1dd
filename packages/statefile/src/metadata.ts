// The metadata header: who wrote the image, when, and the caller's labels (container id, OCI spec,
// CPU features...). It is JSON right after the fixed header, validated with zod, so a restore reads
// it (and checks the labels it cares about) before anything large.

import { z } from 'zod';

const MAX_LABEL_KEY = 256;

/** ImageMetadataSchema validates the metadata header; unknown fields (from a newer minor version) are dropped. */
export const ImageMetadataSchema = z.object({
  producer: z.string().min(1).max(256),
  producerVersion: z.string().max(256),
  createdAt: z.string().datetime({ offset: true }),
  labels: z.record(
    z
      .string()
      .max(MAX_LABEL_KEY)
      .refine((key) => key !== '__proto__', 'the label key __proto__ is reserved'),
    z.string(),
  ),
});

/** ImageMetadata is the metadata header of an image. */
export type ImageMetadata = z.infer<typeof ImageMetadataSchema>;

/** MetadataInput is what a writer takes: the producer, its version, the labels and, for reproducible images, the creation time. */
export interface MetadataInput {
  /** The program that writes the image, e.g. `stasis`. */
  readonly producer: string;
  /** Its version, e.g. `0.1.0`. */
  readonly producerVersion: string;
  /** Free-form string labels for the caller: container id, spec, CPU features. */
  readonly labels?: Readonly<Record<string, string>>;
  /** The creation time; the current time by default. */
  readonly createdAt?: Date;
}
