import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, Matches, ValidateBy } from 'class-validator';
import type { DuplicateGroup } from '@lookalike/contracts';
import { CursorQueryDto, ULID_PATTERN } from './common.dto';

export const DEDUP_KINDS = ['exact', 'near', 'similar'] as const;

export class GroupsQueryDto extends CursorQueryDto {
  @ApiPropertyOptional({ enum: DEDUP_KINDS })
  @IsOptional()
  @IsIn(DEDUP_KINDS)
  kind?: string;

  @ApiPropertyOptional({ enum: ['open', 'resolved'], default: 'open' })
  @IsOptional()
  @IsIn(['open', 'resolved'])
  status?: string;
}

export class GroupMemberDto {
  @ApiProperty() image_id!: string;
  @ApiProperty({ description: 'pHash Hamming distance to the suggested keep' }) hamming!: number;
  @ApiProperty({ description: 'Cosine similarity to the suggested keep' }) cosine!: number;
  @ApiProperty() quality_score!: number;
}

export class DuplicateGroupDto {
  @ApiProperty() group_id!: string;
  @ApiProperty({ enum: DEDUP_KINDS }) kind!: string;
  @ApiProperty({ type: [GroupMemberDto] }) members!: GroupMemberDto[];
  @ApiProperty() suggested_keep!: string;
  @ApiProperty({ enum: ['open', 'resolved'] }) status!: string;

  static from(g: DuplicateGroup): DuplicateGroupDto {
    return {
      group_id: g.groupId,
      kind: g.kind,
      suggested_keep: g.suggestedKeep,
      status: g.status,
      members: g.members.map((m) => ({
        image_id: m.imageId,
        hamming: m.hamming,
        cosine: m.cosine,
        quality_score: m.qualityScore,
      })),
    };
  }
}

export class GroupListResponseDto {
  @ApiProperty({ type: [DuplicateGroupDto] }) groups!: DuplicateGroupDto[];
  @ApiPropertyOptional() next_cursor?: string;
}

/** `[[a, b], ...]`: `each` validators see the inner arrays, not the ids, so pairs are checked whole. */
function IsImagePairs(): PropertyDecorator {
  return ValidateBy({
    name: 'isImagePairs',
    validator: {
      validate: (value: unknown) =>
        Array.isArray(value) &&
        value.every(
          (pair) =>
            Array.isArray(pair) &&
            pair.length === 2 &&
            pair.every((id) => typeof id === 'string' && ULID_PATTERN.test(id)),
        ),
      defaultMessage: () => '$property must be a list of [image_id, image_id] pairs',
    },
  });
}

export class ResolveGroupDto {
  @ApiPropertyOptional({ type: [String], description: 'Images to keep' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @Matches(ULID_PATTERN, { each: true })
  keep?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Images confirmed as duplicates (tagged `duplicate`)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @Matches(ULID_PATTERN, { each: true })
  duplicates?: string[];

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 2 },
    description: 'Pairs that are not duplicates; later sweeps never pair them again',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsImagePairs()
  not_duplicate?: string[][];
}
