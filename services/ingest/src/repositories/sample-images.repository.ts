import { Inject, Injectable } from '@nestjs/common';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { APP_CONFIG } from '@lookalike/config';
import { mimeTypeForFileName } from '@lookalike/imaging';
import type { IngestConfig } from '../ingest.config';

export interface SampleImageFile {
  name: string;
  contentType: string;
}

/** The sample images this server was given (SAMPLES_DIR): a folder of image files on its disk. */
@Injectable()
export class SampleImagesRepository {
  constructor(@Inject(APP_CONFIG) private readonly config: IngestConfig) {}

  /** Where the samples are, or undefined when this server has none configured. */
  get dir(): string | undefined {
    return this.config.SAMPLES_DIR;
  }

  /** The image files of the folder by name (empty when it is missing or holds none). */
  async list(): Promise<SampleImageFile[]> {
    const dir = this.dir;
    if (!dir) return [];
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return [];
    }
    return names.sort().flatMap((name) => {
      const contentType = mimeTypeForFileName(name);
      return contentType ? [{ name, contentType }] : [];
    });
  }

  read(name: string): Promise<Buffer> {
    // Names come from list(); basename keeps a crafted one inside the folder all the same.
    return readFile(join(this.dir ?? '.', basename(name)));
  }
}
