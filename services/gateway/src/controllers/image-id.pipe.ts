import { Injectable, PipeTransform } from '@nestjs/common';
import { LookalikeError } from '@lookalike/contracts';
import { ULID_PATTERN } from '../dtos/common.dto';

/** Image ids are ULIDs; anything else is a 400 before any service is asked. */
@Injectable()
export class ImageIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!ULID_PATTERN.test(value)) {
      throw LookalikeError.invalid('the id is not a valid image id (ULID)', { id: value });
    }
    return value;
  }
}

/** Path ids of videos: a ULID, else 400 before any lookup. */
@Injectable()
export class VideoIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!ULID_PATTERN.test(value)) {
      throw LookalikeError.invalid('the id is not a valid video id (ULID)', { id: value });
    }
    return value;
  }
}
