export * from './video-errors';
export * from './video-limits';
export * from './video-tools';
export * from './video-probe';
export * from './keyframes';
export * from './video-alignment';
