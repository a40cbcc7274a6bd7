import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, Matches, ValidateBy } from 'class-validator';
import type { DuplicateGroup, PairEvidence } from '@lookalike/contracts';
import { CursorQueryDto, ULID_PATTERN } from './common.dto';

export const DEDUP_KINDS = ['exact', 'near', 'similar'] as const;
export const DEDUP_MEDIA = ['image', 'video'] as const;

export class GroupsQueryDto extends CursorQueryDto {
  @ApiPropertyOptional({ enum: DEDUP_KINDS })
  @IsOptional()
  @IsIn(DEDUP_KINDS)
  kind?: string;

  @ApiPropertyOptional({ enum: ['open', 'resolved'], default: 'open' })
  @IsOptional()
  @IsIn(['open', 'resolved'])
  status?: string;

  @ApiPropertyOptional({ enum: DEDUP_MEDIA, description: 'Groups of images or of videos; both when absent' })
  @IsOptional()
  @IsIn(DEDUP_MEDIA)
  media?: string;
}

export class RegionDto {
  @ApiProperty({ description: 'Left edge, 0..1 of the image width' }) x!: number;
  @ApiProperty({ description: 'Top edge, 0..1 of the image height' }) y!: number;
  @ApiProperty() width!: number;
  @ApiProperty() height!: number;
}

export const EVIDENCE_RULES = ['sha256', 'hash+cosine', 'geometry', 'cosine', 'mutual-nn'] as const;

export class PairEvidenceDto {
  @ApiProperty({
    enum: EVIDENCE_RULES,
    description:
      'The rule that admitted the pair: same bytes, pHash + cosine, geometric verification (local features), cosine, or mutual nearest neighbours',
  })
  rule!: string;
  @ApiProperty({
    description: 'Geometrically verified: the same pixels, however cropped, scaled, turned or mirrored',
  })
  verified!: boolean;
  @ApiProperty({ description: 'RANSAC inliers of the local-feature matches (0 when not verified)' })
  inliers!: number;
  @ApiProperty({ description: 'Ratio-test matches before RANSAC' }) matches!: number;
  @ApiProperty({ description: "Share of the member's area the keep covers once warped" }) coverage!: number;
  @ApiProperty({ description: 'The member is a mirror image of the keep' }) mirrored!: boolean;
  @ApiProperty({
    type: [Number],
    description:
      "3x3 row-major homography from the keep's normalised coordinates (0..1, as shown) to the member's; empty when not verified",
  })
  homography!: number[];
  @ApiPropertyOptional({ type: RegionDto, description: 'Bounding box of the matched keypoints in the keep' })
  keep_region?: RegionDto;
  @ApiPropertyOptional({
    type: RegionDto,
    description: 'Bounding box of the matched keypoints in the member',
  })
  member_region?: RegionDto;
  @ApiProperty({
    type: 'array',
    items: { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4 },
    description: 'Up to 40 matched points, [keep x, keep y, member x, member y] each, normalised',
  })
  points!: number[][];
}

export class VideoMemberAlignmentDto {
  @ApiProperty() video_id!: string;
  @ApiProperty({ description: "The member's time = the suggested keep's time + offset_ms" })
  offset_ms!: number;
  @ApiProperty({
    description: "Share of the member's duration matched with the video it aligned with (0..1)",
  })
  matched_share!: number;
  @ApiProperty({ description: "Share of that video's duration matched with the member (0..1)" })
  other_matched_share!: number;
  @ApiProperty() matched_frames!: number;
  @ApiPropertyOptional({
    description:
      'The video the member aligned with: the keep, or a member aligned with it; absent for the keep',
  })
  aligned_with?: string;
}

export class GroupMemberDto {
  @ApiProperty({ description: "For a video group, the video's poster frame (its thumbnail)" })
  image_id!: string;
  @ApiProperty({ description: 'pHash Hamming distance to the suggested keep' }) hamming!: number;
  @ApiProperty({ description: 'Cosine similarity to the suggested keep' }) cosine!: number;
  @ApiProperty() quality_score!: number;
  @ApiPropertyOptional({
    type: PairEvidenceDto,
    description:
      'Why the member is in the group: its pair with the suggested keep. Absent for the keep, for a member linked only through other members, and for groups saved before evidence was recorded',
  })
  evidence?: PairEvidenceDto;
  @ApiPropertyOptional({
    type: VideoMemberAlignmentDto,
    description: 'Members of a video group: the video and how it lines up with the keep',
  })
  video?: VideoMemberAlignmentDto;
}

export class DuplicateGroupDto {
  @ApiProperty() group_id!: string;
  @ApiProperty({ enum: DEDUP_KINDS }) kind!: string;
  @ApiProperty({ enum: DEDUP_MEDIA, description: 'image: members are images; video: members are videos' })
  media!: string;
  @ApiProperty({ type: [GroupMemberDto] }) members!: GroupMemberDto[];
  @ApiProperty({ description: 'An image id; for a video group, a video id' }) suggested_keep!: string;
  @ApiProperty({ enum: ['open', 'resolved'] }) status!: string;

  static from(g: DuplicateGroup): DuplicateGroupDto {
    return {
      group_id: g.groupId,
      kind: g.kind,
      media: g.media || 'image',
      suggested_keep: g.suggestedKeep,
      status: g.status,
      members: g.members.map((m) => ({
        image_id: m.imageId,
        hamming: m.hamming,
        cosine: m.cosine,
        quality_score: m.qualityScore,
        ...(m.evidence ? { evidence: evidenceDto(m.evidence) } : {}),
        ...(m.video
          ? {
              video: {
                video_id: m.video.videoId,
                offset_ms: m.video.offsetMs,
                matched_share: m.video.matchedShare,
                other_matched_share: m.video.otherMatchedShare,
                matched_frames: m.video.matchedFrames,
                ...(m.video.alignedWith ? { aligned_with: m.video.alignedWith } : {}),
              },
            }
          : {}),
      })),
    };
  }
}

function evidenceDto(e: PairEvidence): PairEvidenceDto {
  const points: number[][] = [];
  for (let i = 0; i + 3 < e.points.length; i += 4) points.push(e.points.slice(i, i + 4));
  return {
    rule: e.rule,
    verified: e.verified,
    inliers: e.inliers,
    matches: e.matches,
    coverage: e.coverage,
    mirrored: e.mirrored,
    homography: e.homography,
    ...(e.keepRegion ? { keep_region: e.keepRegion } : {}),
    ...(e.memberRegion ? { member_region: e.memberRegion } : {}),
    points,
  };
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
  @ApiPropertyOptional({ type: [String], description: 'Images to keep (for a video group: videos)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @Matches(ULID_PATTERN, { each: true })
  keep?: string[];

  @ApiPropertyOptional({
    type: [String],
    description:
      'Images confirmed as duplicates (tagged `duplicate`, deleted after the undo window); for a video group, videos (deleted whole)',
  })
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
