import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';

export class DevLoginRequestDto {
  @ApiProperty({ example: 'alice', pattern: '^[A-Za-z0-9._@-]{1,128}$' })
  @Matches(/^[A-Za-z0-9._@-]{1,128}$/)
  user_id!: string;
}

export class TokenResponseDto {
  @ApiProperty() access_token!: string;
  @ApiProperty({ enum: ['Bearer'] }) token_type!: 'Bearer';
  @ApiProperty({ description: 'Seconds until the token expires' }) expires_in!: number;
}
