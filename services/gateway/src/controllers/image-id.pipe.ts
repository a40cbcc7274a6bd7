import { Injectable, PipeTransform } from '@nestjs/common';
import { LookalikeError } from '@lookalike/contracts';
import { ULID_PATTERN } from '../dtos/common.dto';

/** Path ids are ULIDs; anything else is a 400 before any service is asked. */
abstract class UlidIdPipe implements PipeTransform<string, string> {
  protected abstract readonly kind: string;

  transform(value: string): string {
    if (!ULID_PATTERN.test(value)) {
      throw LookalikeError.invalid(`the id is not a valid ${this.kind} id (ULID)`, { id: value });
    }
    return value;
  }
}

@Injectable()
export class ImageIdPipe extends UlidIdPipe {
  protected readonly kind = 'image';
}

@Injectable()
export class VideoIdPipe extends UlidIdPipe {
  protected readonly kind = 'video';
}
