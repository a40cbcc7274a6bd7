import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { JOB_QUEUE, type JobQueue, type JobRunner } from '@lookalike/messaging';
import { JOB_RUNNER } from './ingest-jobs';

/** Starts consuming once every kind is registered (module init) and drains on shutdown. */
@Injectable()
export class JobRunnerLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(JobRunnerLifecycle.name);

  constructor(
    @Inject(JOB_RUNNER) private readonly runner: JobRunner,
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.runner.start();
    this.logger.log({ queue: this.queue.kind }, 'job runner started');
  }

  async onModuleDestroy(): Promise<void> {
    await this.runner.stop();
    await this.queue.close();
  }
}
