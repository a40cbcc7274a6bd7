import { ArgumentsHost, Catch } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { Observable, throwError } from 'rxjs';

/**
 * Nest's default RPC filter flattens unknown errors into `{status:'error'}`; this one hands the
 * original error to the BusServer so its code survives the transport. `startService` installs it
 * globally for every handler of a service; in the HTTP context of a service's own probe server
 * (health, metrics) errors go to Nest's default handler.
 */
@Catch()
export class PassThroughRpcFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): Observable<never> | void {
    if (host.getType() === 'rpc') return throwError(() => exception);
    super.catch(exception, host);
  }
}
