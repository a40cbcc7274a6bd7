import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { GatewayConfig } from '../gateway.config';

/** What a client needs to know before it signs in: how this server runs and how to sign in. */
export class PublicConfigDto {
  @ApiProperty({
    enum: ['embedded', 'distributed'],
    description: 'embedded: one process (`make demo`); distributed: services over NATS',
  })
  run_mode!: 'embedded' | 'distributed';

  @ApiProperty({
    example: true,
    description: 'Whether `POST /api/auth/dev-login` issues tokens (AUTH_DEV_LOGIN)',
  })
  dev_login!: boolean;

  @ApiPropertyOptional({
    example: 'demo',
    description:
      'The user id a sign-in form should suggest (AUTH_DEV_LOGIN_SUGGESTED_USER; the embedded mode ' +
      'names the tenant its sample images were loaded into). Only with dev login.',
  })
  suggested_user_id?: string;

  static from(config: GatewayConfig): PublicConfigDto {
    return {
      run_mode: config.TRANSPORT === 'local' ? 'embedded' : 'distributed',
      dev_login: config.AUTH_DEV_LOGIN,
      ...(config.AUTH_DEV_LOGIN && config.AUTH_DEV_LOGIN_SUGGESTED_USER
        ? { suggested_user_id: config.AUTH_DEV_LOGIN_SUGGESTED_USER }
        : {}),
    };
  }
}
