import { ImageError, ImageErrorCode } from './errors.js';
import { REPOSITORY_PREFIX } from './settings.js';

// The OCI distribution specification's grammar for repository names and tags.
const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const NAME = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
/** What most clients accept for registry host + '/' + name. */
const MAX_REFERENCE_NAME = 255;

export interface ImageName {
  /** repository inside the registry, always under gardener-ts/ */
  readonly repository: string;
  readonly tag: string;
}

export function isValidRepository(name: string): boolean {
  return NAME.test(name);
}

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

/**
 * Parses untrusted user input NAME:TAG (e.g. "my-app:1.2", "team/app:v3" or
 * "gardener-ts/app:v3") into a repository under gardener-ts/ and a tag. Refuses digests, registry
 * hosts and anything the distribution specification does not allow, saying what would be accepted.
 */
export function parseImageName(input: string, registry: string): ImageName {
  const bad = (why: string) =>
    new ImageError(
      ImageErrorCode.BadReference,
      `${JSON.stringify(input)} is not a valid image name: ${why}. Give NAME:TAG, e.g. my-app:1.0 ` +
        '(NAME: lowercase letters, digits and single separators . _ __ - between them, path components joined by /; ' +
        'TAG: up to 128 of letters, digits, _ . -, not starting with . or -)',
    );
  if (input.length === 0) throw bad('it is empty');
  if (input.includes('@')) throw bad('digests cannot be pushed to; name a tag instead');
  const slash = input.lastIndexOf('/');
  const colon = input.lastIndexOf(':');
  if (colon < 0) throw bad('the tag is missing (NAME:TAG)');
  if (colon < slash) {
    const host = input.slice(0, input.indexOf('/'));
    if (/^[A-Za-z0-9.-]+:[0-9]+$/.test(host)) {
      throw bad(`it names a registry host (${host}); images always go to the local registry ${registry}`);
    }
    throw bad(`${JSON.stringify(input.slice(colon + 1))} after the last ':' is not a tag`);
  }
  const name = input.slice(0, colon);
  const tag = input.slice(colon + 1);
  const first = name.split('/')[0] ?? '';
  if (name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    throw bad(`it names a registry host (${first}); images always go to the local registry ${registry}`);
  }
  if (!isValidTag(tag)) throw bad(`the tag ${JSON.stringify(tag)} is not allowed`);
  if (!isValidRepository(name)) throw bad(`the name ${JSON.stringify(name)} is not allowed`);
  const repository = name.startsWith(`${REPOSITORY_PREFIX}/`) ? name : `${REPOSITORY_PREFIX}/${name}`;
  if (`${registry}/${repository}`.length > MAX_REFERENCE_NAME) {
    throw bad(`${registry}/${repository} is longer than ${MAX_REFERENCE_NAME} characters`);
  }
  return { repository, tag };
}
