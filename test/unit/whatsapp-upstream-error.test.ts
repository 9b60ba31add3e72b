import {
  classifyUpstreamFailure,
  parseGraphErrorEnvelope,
  UpstreamError,
} from '../../src/whatsapp/upstream-error';
import { wire, wireText } from '../fixtures/load-wire';

const envelope = (code: number, message = 'm', details?: string) => ({
  error: { message, type: 'OAuthException', code, ...(details ? { error_data: { details } } : {}), fbtrace_id: 'T' },
});

describe('classifyUpstreamFailure', () => {
  it('reads the Graph error envelope of wire/error.response.json into a permanent error', () => {
    const err = classifyUpstreamFailure({ kind: 'http', httpStatus: 400, body: wire('error.response.json') });
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({
      name: 'UpstreamError',
      kind: 'http',
      temporary: false,
      httpStatus: 400,
      whatsappCode: 131009,
      details: 'total_amount does not match order amounts',
      fbtraceId: 'AbCdEfGh123',
    });
    expect(err.message).toContain('131009');
    expect(err.message).toContain('total_amount does not match order amounts');
    expect(err.message).toContain('permanent');
  });

  it('reads the envelope from raw JSON text too', () => {
    const err = classifyUpstreamFailure({ kind: 'http', httpStatus: 400, body: wireText('error.response.json') });
    expect(err.whatsappCode).toBe(131009);
  });

  it.each([500, 502, 503, 504])('treats HTTP %i as temporary, with or without a body', (status) => {
    expect(classifyUpstreamFailure({ kind: 'http', httpStatus: status, body: '' }).temporary).toBe(true);
    expect(classifyUpstreamFailure({ kind: 'http', httpStatus: status, body: envelope(1) }).temporary).toBe(true);
  });

  it('treats HTTP 429 as temporary', () => {
    const err = classifyUpstreamFailure({ kind: 'http', httpStatus: 429, body: envelope(130429, 'Rate limit hit') });
    expect(err).toMatchObject({ temporary: true, httpStatus: 429, whatsappCode: 130429 });
    expect(err.message).toContain('retry later');
  });

  it.each([130429, 131056, 131016, 4, 80007])('treats WhatsApp code %i as temporary even on HTTP 400', (code) => {
    const err = classifyUpstreamFailure({ kind: 'http', httpStatus: 400, body: envelope(code) });
    expect(err).toMatchObject({ temporary: true, whatsappCode: code, httpStatus: 400 });
  });

  it.each([
    [400, 131009],
    [400, 100],
    [401, 190],
    [403, 10],
    [404, 100],
    [400, 131047],
  ])('treats HTTP %i with code %i as permanent', (status, code) => {
    const err = classifyUpstreamFailure({ kind: 'http', httpStatus: status, body: envelope(code) });
    expect(err).toMatchObject({ temporary: false, whatsappCode: code, httpStatus: status });
  });

  it('keeps the start of a non-JSON error body as details and has no code', () => {
    const err = classifyUpstreamFailure({ kind: 'http', httpStatus: 502, body: `<html>Bad gateway</html>${'x'.repeat(1000)}` });
    expect(err.whatsappCode).toBeUndefined();
    expect(err.details?.startsWith('<html>Bad gateway</html>')).toBe(true);
    expect(err.details!.length).toBeLessThanOrEqual(300);
    expect(err.temporary).toBe(true);
  });

  it('treats a 4xx without an envelope as permanent', () => {
    expect(classifyUpstreamFailure({ kind: 'http', httpStatus: 400, body: 'nope' }).temporary).toBe(false);
  });

  it('treats a redirect (an unexpected status) as permanent', () => {
    expect(classifyUpstreamFailure({ kind: 'http', httpStatus: 302, body: '' }).temporary).toBe(false);
  });

  it('treats network errors as temporary and names the socket error', () => {
    const cause = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
    });
    const err = classifyUpstreamFailure({ kind: 'network', cause });
    expect(err).toMatchObject({ kind: 'network', temporary: true });
    expect(err.httpStatus).toBeUndefined();
    expect(err.message).toContain('ECONNRESET');
    expect(err.cause).toBe(cause);
  });

  it('treats timeouts as temporary and says how long it waited', () => {
    const err = classifyUpstreamFailure({ kind: 'timeout', timeoutMs: 1234 });
    expect(err).toMatchObject({ kind: 'timeout', temporary: true });
    expect(err.message).toContain('1234 ms');
  });

  it('treats an unreadable 2xx as temporary (the message may need resending)', () => {
    const err = classifyUpstreamFailure({ kind: 'protocol', httpStatus: 200, message: 'no wamid' });
    expect(err).toMatchObject({ kind: 'protocol', temporary: true, httpStatus: 200 });
  });
});

describe('parseGraphErrorEnvelope', () => {
  it('returns null for bodies that are not an envelope', () => {
    expect(parseGraphErrorEnvelope('not json')).toBeNull();
    expect(parseGraphErrorEnvelope({ message: 'x' })).toBeNull();
    expect(parseGraphErrorEnvelope(null)).toBeNull();
    expect(parseGraphErrorEnvelope({ error: 'flat string' })).toBeNull();
  });

  it('tolerates missing parts and a numeric code sent as a string', () => {
    expect(parseGraphErrorEnvelope({ error: { code: '131056' } })).toEqual({
      code: 131056,
      message: undefined,
      type: undefined,
      details: undefined,
      fbtraceId: undefined,
    });
  });
});
