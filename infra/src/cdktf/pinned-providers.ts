import type { TerraformStack } from 'cdktf';
import { providerPins } from '../toolchain/tofu-mirror.js';

/**
 * The prebuilt @cdktf/provider-* bindings write their own provider version into
 * required_providers. Where the toolchain had to pin another release (the binding's exact
 * commit is not served by the Go module proxy), point the stack at the version in the mirror.
 */
export function usePinnedProviderVersions(stack: TerraformStack): void {
  for (const pin of providerPins()) {
    const provider = pin.provider;
    if (!provider || provider.bindingVersion === pin.version) continue;
    stack.addOverride(`terraform.required_providers.${provider.type}.version`, pin.version);
  }
}
