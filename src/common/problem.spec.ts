import { renderProblem } from './problem';

describe('renderProblem', () => {
  it('answers an unexpected error with a plain 500 that does not promise a retry will help', () => {
    // What is left of 500s is the unforeseen, which may be deterministic: a retry with the same key
    // could fail the same way for ever, so the answer must not send clients into that loop.
    const rendered = renderProblem(new Error('SELECT secret FROM somewhere failed'));
    expect(rendered.status).toBe(500);
    expect(rendered.body).toMatchObject({ code: 'internal_error', status: 500 });
    expect(JSON.stringify(rendered.body)).not.toMatch(/retry|secret|SELECT/i);
  });

  it('answers a form body past its parameter limit with 413, as Express does', () => {
    const rendered = renderProblem(Object.assign(new Error('too many parameters'), { statusCode: 413 }));
    expect(rendered).toMatchObject({ status: 413, body: { code: 'payload_too_large' } });
  });
});
