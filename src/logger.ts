import pino, { DestinationStream, Logger } from 'pino';

export type { Logger };

/** Structured logs; secrets are redacted by path so a stray field cannot leak them. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    redact: {
      paths: [
        'accessToken',
        '*.accessToken',
        'accessTokenEncrypted',
        '*.accessTokenEncrypted',
        'authorization',
        '*.authorization',
        'headers.authorization',
        'req.headers.authorization',
        'secret',
        '*.secret',
        'variables.input.accessToken',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
