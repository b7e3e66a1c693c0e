import { Logger } from '@aws-lambda-powertools/logger';

/** One logger for every function, one service name. Never log bodies, identifiers or secrets. */
export const logger = new Logger({ serviceName: 'lethe', logLevel: (process.env.LETHE_LOG_LEVEL as any) ?? (process.env.LETHE_LOCAL === '1' ? 'WARN' : 'INFO') });
