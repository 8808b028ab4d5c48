import { checkFormText, checkUtf8, FORM_PARAMETER_LIMIT, parseFormBody } from './form-body';

const form = (text: string) => Buffer.from(text, 'utf8');

describe('form bodies', () => {
  it('keeps names an object already has as plain data', () => {
    const body = parseFormBody(form('metadata[constructor]=a&metadata[toString]=b&metadata[prototype]=c'));
    expect(Object.entries(body.metadata as object)).toEqual([
      ['constructor', 'a'],
      ['toString', 'b'],
      ['prototype', 'c'],
    ]);
  });

  it.each([
    ['__proto__=x', '__proto__'],
    ['__proto__[a]=x', '__proto__'],
    ['metadata[__proto__]=x', 'metadata[__proto__]'],
    ['metadata%5B__proto__%5D=x', 'metadata[__proto__]'],
  ])('refuses %s naming %s, where qs would drop it', (text, param) => {
    expect(() => checkFormText(text)).toThrow(expect.objectContaining({ param }));
  });

  it('refuses more parameters than the limit with 413, and reads every one up to it', () => {
    const fields = (n: number) => Array.from({ length: n }, (_, i) => `f${i}=v`).join('&');
    expect(Object.keys(parseFormBody(form(fields(FORM_PARAMETER_LIMIT))))).toHaveLength(FORM_PARAMETER_LIMIT);
    expect(() => parseFormBody(form(fields(FORM_PARAMETER_LIMIT + 1)))).toThrow(expect.objectContaining({ statusCode: 413 }));
  });

  it('refuses bytes that are not UTF-8 naming body', () => {
    expect(() => checkUtf8(Buffer.from([0x61, 0xe9, 0x62]))).toThrow(expect.objectContaining({ param: 'body' }));
    expect(() => checkUtf8(Buffer.from('café €', 'utf8'))).not.toThrow();
  });
});
