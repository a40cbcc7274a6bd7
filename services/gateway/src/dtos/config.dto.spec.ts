import { gatewayEnvSchema } from '../gateway.config';
import { PublicConfigDto } from './config.dto';

const config = (env: Record<string, string>) => gatewayEnvSchema.parse(env);

describe('PublicConfigDto', () => {
  it('reports the embedded mode with dev login and the suggested user', () => {
    expect(
      PublicConfigDto.from(
        config({ TRANSPORT: 'local', AUTH_DEV_LOGIN: 'true', AUTH_DEV_LOGIN_SUGGESTED_USER: 'demo' }),
      ),
    ).toEqual({ run_mode: 'embedded', dev_login: true, suggested_user_id: 'demo' });
  });

  it('suggests nobody when dev login is off, even when a user is configured', () => {
    expect(
      PublicConfigDto.from(
        config({
          TRANSPORT: 'nats',
          AUTH_DEV_LOGIN: 'false',
          AUTH_DEV_LOGIN_SUGGESTED_USER: 'demo',
          JWT_JWKS_URL: 'https://idp.example/jwks',
          JWT_ISSUER: 'https://idp.example/',
          JWT_AUDIENCE: 'lookalike',
        }),
      ),
    ).toEqual({ run_mode: 'distributed', dev_login: false });
  });

  it('leaves the suggestion out when none is configured', () => {
    expect(PublicConfigDto.from(config({ AUTH_DEV_LOGIN: 'true' }))).toEqual({
      run_mode: 'embedded',
      dev_login: true,
    });
  });

  it('refuses a suggested user that is no valid user id, naming the variable', () => {
    const parsed = gatewayEnvSchema.safeParse({
      AUTH_DEV_LOGIN: 'true',
      AUTH_DEV_LOGIN_SUGGESTED_USER: 'a b',
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['AUTH_DEV_LOGIN_SUGGESTED_USER']);
  });
});
