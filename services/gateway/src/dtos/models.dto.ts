import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ModelInfoGetResponse } from '@lookalike/contracts';

export class ModelInfoDto {
  @ApiProperty({ example: 'mobilenetv2-nsfwjs' }) name!: string;
  @ApiProperty() version!: string;
  @ApiProperty({ example: 1280 }) dim!: number;
  @ApiProperty({ example: 'mobilenet_global' }) vector_name!: string;
  @ApiProperty() text_available!: boolean;
  @ApiPropertyOptional({ description: 'Why text search is unavailable and how to enable it' })
  text_unavailable_reason?: string;
  @ApiProperty({ enum: ['cpu', 'cuda'] }) device!: string;
  @ApiProperty() nsfw_available!: boolean;
  @ApiProperty() batch_size!: number;
  @ApiProperty() queue_max!: number;

  static from(m: ModelInfoGetResponse): ModelInfoDto {
    return {
      name: m.name,
      version: m.version,
      dim: m.dim,
      vector_name: m.vectorName,
      text_available: m.textAvailable,
      text_unavailable_reason: m.textUnavailableReason || undefined,
      device: m.device,
      nsfw_available: m.nsfwAvailable,
      batch_size: m.batchSize,
      queue_max: m.queueMax,
    };
  }
}
