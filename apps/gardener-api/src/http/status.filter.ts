import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { isServerFault, toStatus } from './status.js';

/** Every failure leaves the server as a Kubernetes Status, whatever raised it. */
@Catch()
export class KubeStatusFilter implements ExceptionFilter {
  private readonly logger = new Logger('gardener-api');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const status = toStatus(exception);
    if (isServerFault(status))
      this.logger.error(
        exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
      );
    if (reply.sent || reply.raw.headersSent) {
      reply.raw.end();
      return;
    }
    void reply.status(status.code).header('content-type', 'application/json').send(status);
  }
}
