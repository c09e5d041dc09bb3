import type { KubeObject } from '@gardener-ts/api';
import type { SecretCipher } from './cipher.js';

export interface EncodedObject {
  body: KubeObject;
  sealed: Buffer | null;
}

/**
 * Splits objects into a plain JSON body and a sealed blob holding the fields of kinds kept
 * encrypted at rest (Secret `data`): only the blob ever holds those values.
 */
export class ObjectCodec {
  constructor(
    private readonly cipher: SecretCipher,
    private readonly sealedFields: Readonly<Record<string, readonly string[]>>,
  ) {}

  private associatedData(obj: KubeObject): string {
    return `${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}/${obj.metadata.uid ?? ''}`;
  }

  encode(obj: KubeObject): EncodedObject {
    const body = structuredClone(obj);
    delete body.metadata.resourceVersion;
    const fields = this.sealedFields[obj.kind];
    if (!fields) return { body, sealed: null };
    const secret: Record<string, unknown> = {};
    for (const field of fields) {
      if (body[field] !== undefined) secret[field] = body[field];
      delete body[field];
    }
    return { body, sealed: this.cipher.seal(Buffer.from(JSON.stringify(secret)), this.associatedData(obj)) };
  }

  decode(body: KubeObject, sealed: Buffer | null, resourceVersion: string): KubeObject {
    const obj = body;
    obj.metadata.resourceVersion = resourceVersion;
    if (sealed)
      Object.assign(obj, JSON.parse(this.cipher.open(sealed, this.associatedData(obj)).toString('utf8')));
    return obj;
  }
}
