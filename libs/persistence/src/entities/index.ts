export * from './image.entity';
export * from './job.entity';
export * from './feedback.entity';
export * from './dedup-group.entity';
export * from './dedup-decision.entity';
export * from './anomaly-review.entity';
export * from './audit-log.entity';
