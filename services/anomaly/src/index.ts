export { startAnomaly } from './main';
export { AnomalyModule } from './anomaly.module';
export { anomalyEnvSchema, AnomalyConfig } from './anomaly.config';
