import { describe, expect, it } from 'vitest';
import { ImageError, ImageErrorCode } from './errors.js';
import { parseImageName } from './reference.js';

const registry = '127.0.0.1:5001';

describe('parseImageName', () => {
  it('puts names under gardener-ts/ and keeps the tag', () => {
    expect(parseImageName('my-app:1.0', registry)).toEqual({ repository: 'gardener-ts/my-app', tag: '1.0' });
    expect(parseImageName('team/app.x:v2_rc-1', registry)).toEqual({
      repository: 'gardener-ts/team/app.x',
      tag: 'v2_rc-1',
    });
    expect(parseImageName('gardener-ts/pause:3.10', registry)).toEqual({
      repository: 'gardener-ts/pause',
      tag: '3.10',
    });
  });

  it.each([
    ['', 'empty'],
    ['app', 'tag is missing'],
    ['App:1', 'name "App" is not allowed'],
    ['app-:1', 'name "app-" is not allowed'],
    ['a//b:1', 'not allowed'],
    ['app:.1', 'tag ".1" is not allowed'],
    ['app:-1', 'not allowed'],
    [`app:${'x'.repeat(129)}`, 'not allowed'],
    ['app@sha256:0000', 'digests'],
    ['docker.io/library/app:1', 'registry host (docker.io)'],
    ['localhost:5000/app:1', 'registry host (localhost:5000)'],
    ['app:1;rm -rf /', 'is not a tag'],
    ['app:$(id)', 'not allowed'],
    [`${'a'.repeat(250)}:1`, 'longer than 255'],
  ])('refuses %j (%s) with advice', (input, why) => {
    let error: unknown;
    try {
      parseImageName(input, registry);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ImageError);
    expect((error as ImageError).code).toBe(ImageErrorCode.BadReference);
    expect((error as ImageError).message).toContain(why);
    expect((error as ImageError).message).toContain('Give NAME:TAG');
  });
});
