export { startFeedback } from './main';
export { FeedbackModule } from './feedback.module';
export { feedbackEnvSchema, FeedbackConfig } from './feedback.config';
