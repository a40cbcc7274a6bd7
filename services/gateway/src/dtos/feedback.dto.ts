import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import type { FeedbackEntry } from '@lookalike/contracts';
import { CursorQueryDto, ULID_PATTERN } from './common.dto';

export const FEEDBACK_ACTIONS = ['relevant', 'irrelevant', 'duplicate', 'anomaly'] as const;

export class CreateFeedbackDto {
  @ApiProperty() @Matches(ULID_PATTERN) image_id!: string;
  @ApiProperty({ enum: FEEDBACK_ACTIONS }) @IsIn(FEEDBACK_ACTIONS) action!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) note?: string;
  @ApiPropertyOptional({ description: 'The query_id of the search this verdict is about' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  query_id?: string;

  @ApiPropertyOptional({
    description: 'The image the search was made with; needed for hard negatives and duplicate pairs',
  })
  @IsOptional()
  @Matches(ULID_PATTERN)
  query_image_id?: string;
}

export class FeedbackEntryDto {
  @ApiProperty() feedback_id!: string;
  @ApiProperty() image_id!: string;
  @ApiProperty({ enum: FEEDBACK_ACTIONS }) action!: string;
  @ApiPropertyOptional() note?: string;
  @ApiPropertyOptional() query_id?: string;
  @ApiPropertyOptional() query_image_id?: string;
  @ApiProperty() user_id!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;

  static from(e: FeedbackEntry): FeedbackEntryDto {
    return {
      feedback_id: e.feedbackId,
      image_id: e.imageId,
      action: e.action,
      note: e.note || undefined,
      query_id: e.queryId || undefined,
      query_image_id: e.queryImageId || undefined,
      user_id: e.userId,
      created_at: e.createdAt,
    };
  }
}

export class FeedbackQueryDto extends CursorQueryDto {
  @ApiPropertyOptional() @IsOptional() @Matches(ULID_PATTERN) image_id?: string;
}

export class FeedbackListResponseDto {
  @ApiProperty({ type: [FeedbackEntryDto] }) entries!: FeedbackEntryDto[];
  @ApiPropertyOptional() next_cursor?: string;
}
