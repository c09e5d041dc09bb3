import { DataResource, TerraformOutput, type TerraformStack } from 'cdktf';
import type { StackDefinition } from '../stack-definition.js';

/** A stack whose apply takes `seconds`, for tests that interrupt a running apply. */
export function slowStack(seconds: number): StackDefinition<{ done: string }> {
  return {
    name: 'slow',
    define(stack: TerraformStack) {
      const slow = new DataResource(stack, 'slow', {
        input: { value: 'slow' },
        provisioners: [{ type: 'local-exec', command: `sleep ${seconds}` }],
      });
      new TerraformOutput(stack, 'done', { value: slow.output });
    },
    parseOutputs: (raw) => ({ done: String((raw.done as { value?: unknown } | undefined)?.value) }),
  };
}
