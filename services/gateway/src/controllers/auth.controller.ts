import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuthService } from '../auth/auth.service';
import { Public } from '../auth/caller';
import { DevLoginRequestDto, TokenResponseDto } from '../dtos/auth.dto';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('dev-login')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'devLogin',
    summary: 'Issue a token for a user id (development stacks only, AUTH_DEV_LOGIN=true)',
  })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiResponse({ status: 400, description: 'Invalid user id' })
  @ApiResponse({ status: 404, description: 'Dev login is disabled' })
  devLogin(@Body() dto: DevLoginRequestDto): Promise<TokenResponseDto> {
    return this.auth.devLogin(dto.user_id);
  }
}
