import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import type { AnomalyItem } from '@lookalike/contracts';
import { CursorQueryDto } from './common.dto';

export const ANOMALY_METHODS = ['dnn', 'density', 'ood', 'quality', 'combined'] as const;
export const VERDICTS = ['ok', 'anomaly', 'duplicate'] as const;

export class AnomaliesQueryDto extends CursorQueryDto {
  @ApiPropertyOptional({ enum: ANOMALY_METHODS, default: 'combined' })
  @IsOptional()
  @IsIn(ANOMALY_METHODS)
  method?: string;

  @ApiPropertyOptional({ enum: ['open', 'reviewed'], default: 'open' })
  @IsOptional()
  @IsIn(['open', 'reviewed'])
  status?: string;
}

export class AnomalyComponentsDto {
  @ApiProperty({ description: 'Distance to the nearest neighbour, scaled 0..1' }) dnn!: number;
  @ApiProperty({ description: 'Sparseness of the neighbourhood (mean k-NN distance), 0..1' })
  density!: number;
  @ApiProperty({ description: "Distance from the tenant's embedding centroid, 0..1" }) ood!: number;
  @ApiProperty({ description: '1 - quality_score' }) quality!: number;
}

export class AnomalyItemDto {
  @ApiProperty() image_id!: string;
  @ApiProperty({ description: 'Score of the chosen method, 0..1' }) score!: number;
  @ApiProperty({ type: AnomalyComponentsDto }) components!: AnomalyComponentsDto;
  @ApiProperty({ enum: ['open', 'reviewed'] }) status!: string;
  @ApiPropertyOptional({ enum: VERDICTS }) verdict?: string;
  @ApiProperty({ type: [String] }) quality_flags!: string[];
  @ApiProperty() thumbnail_url!: string;

  static from(i: AnomalyItem): AnomalyItemDto {
    return {
      image_id: i.imageId,
      score: i.score,
      components: i.components ?? { dnn: 0, density: 0, ood: 0, quality: 0 },
      status: i.status,
      verdict: i.verdict || undefined,
      quality_flags: i.qualityFlags,
      thumbnail_url: i.thumbnailUrl,
    };
  }
}

export class AnomalyListResponseDto {
  @ApiProperty({ type: [AnomalyItemDto] }) items!: AnomalyItemDto[];
  @ApiPropertyOptional() next_cursor?: string;
}

export class ReviewAnomalyDto {
  @ApiProperty({ enum: VERDICTS }) @IsIn(VERDICTS) verdict!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) note?: string;
}
